#!/usr/bin/env python3
"""The eight attribution methods towards every latent dimension: the kit against batched PyTorch, side by side in one run.

The PyTorch side is written here, on the CVAE of ../shared/bench/reference_gradcam.py (the paper's encoder rebuilt from the
checkpoint; its `gradcam_batched` is GradCAM), run in this process with Debian's python3-torch on the same number of threads as the
kit. Every method follows the kit's definition (src/Saliency.Notebook/Explainers), with all samples of the dataset in each pass and
one autograd.grad per latent dimension over all of them, as `gradcam_batched` does:
  gradcam     |sum_k mean_t(dz_d/dA_k) A_k| at the last encoder conv (N, L, D)
  gradslam    signed GradCAM at the three encoder convs (outputs before their ReLU), each map divided by its max |value| over time
              (an all-zero map stays zero), then the mean over the three layers (N, L, D)
  gradient    dz_d/dx (N, L, C, D)
  gradxinput  x * dz_d/dx (N, L, C, D)
  guided      dz_d/dx with every ReLU's backward (y > 0) * max(grad, 0) (N, L, C, D)
  ig          x * sum_s w_s dz_d/dx(a_s x), zero baseline, 50 trapezoid points a_s = s/49 (weights 1/49, ends halved) (N, L, C, D)
  fourier-ig  the same on u = (Re, Im) of rfft(x) along time, the model seeing irfft(u, L); a bin's attribution is the sum of its
              real and imaginary parts' (N, L/2+1, C, D)
  csda        Im(z(x + i h e_{c,t})) / h, h = 1e-20, in float64 (N, L, C, D): a complex128 forward of all C*L perturbations of every
              sample, batched, with the real and imaginary parts carried separately (exact for real weights; torch's complex conv1d
              uses Gauss's three-multiplication trick, which cancels an imaginary part of 1e-20 to noise) and the real part, which
              the perturbations share, computed once.
The kit side is `saliency bench methods --method M` (one process per method and round: load, one warm-up call, then best of R calls).

First, per dataset and method, an agreement check: the kit writes its attribution of the first K series (--check), and the largest
|kit - pytorch| over max |pytorch| is printed (float32 methods should agree to ~1e-5, csda to ~1e-12). Then timed rounds that alternate
the two sides per method, so load on the machine falls on both alike; each side's time for a round is its best of R calls (--repeats;
--heavy-repeats for ig, fourier-ig and csda), after a warm-up. The summary gives each side's best and median over the rounds and the
ratio pytorch / kit (> 1: the kit is faster), and the same ratio by CPU seconds (user + system of the process, all threads: less noisy on a
shared machine, since waiting for a core does not count). --heavy-samples N runs ig, fourier-ig and csda on the first N series only (both sides),
as they cost 50 (IG) or C*L (CSDA) times a gradient.

usage: /usr/bin/python3 tests/bench/methods_vs_pytorch.py [--dataset symbols --dataset eog] [--method gradcam ...] [--rounds 3]
       [--repeats 3] [--heavy-repeats 1] [--heavy-samples N] [--threads 2] [--check 8] [--json FILE]
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

from pytorch_side import DATA, add_common_arguments, load_reference
METHODS = ["gradcam", "gradslam", "gradient", "gradxinput", "guided", "ig", "fourier-ig", "csda"]
HEAVY = {"ig", "fourier-ig", "csda"}
IG_STEPS, CSDA_STEP = 50, 1e-20

import numpy as np
import torch


class GuidedRelu(torch.autograd.Function):
    """ReLU whose backward is the guided rule: grad_in = (y > 0) * max(grad_out, 0)."""

    @staticmethod
    def forward(ctx, x):
        y = x.clamp_min(0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        y, = ctx.saved_tensors
        return (y > 0).to(g.dtype) * g.clamp_min(0)


def conv_outputs(model, x, relu=torch.relu):
    """The three encoder convs' outputs (before their ReLU) and the posterior mean."""
    a0 = model.convs[0](x)
    a1 = model.convs[1](relu(a0))
    a2 = model.convs[2](relu(a1))
    return (a0, a1, a2), model.z_loc(model.pool(a2).flatten(1))


def per_dimension_grads(loc, inputs):
    """dz_d/d(inputs) for every latent dimension d, one autograd.grad over all rows each: a list over d of tuples like inputs."""
    return [torch.autograd.grad(loc[:, d].sum(), inputs, retain_graph=d + 1 < loc.shape[1]) for d in range(loc.shape[1])]


def gradslam(model, x):
    acts, loc = conv_outputs(model, x)
    maps = []
    for grads in per_dimension_grads(loc, acts):
        layer_maps = []
        for g, a in zip(grads, acts):
            m = (g.mean(2, keepdim=True) * a).sum(1)
            peak = m.abs().amax(1, keepdim=True)
            layer_maps.append(m / torch.where(peak > 0, peak, torch.ones_like(peak)))
        maps.append(torch.stack(layer_maps).mean(0))
    return torch.stack(maps, 2).detach()  # (N, L, D)


def input_gradients(model, x, relu=torch.relu):
    """(D, N, C, L): one forward pass, one backward pass per latent dimension."""
    x = x.detach().requires_grad_(True)
    _, loc = conv_outputs(model, x, relu)
    return torch.stack([g for g, in per_dimension_grads(loc, (x,))])


def gradient(model, x):
    return input_gradients(model, x).permute(1, 3, 2, 0)


def gradxinput(model, x):
    return (input_gradients(model, x) * x).permute(1, 3, 2, 0)


def guided(model, x):
    return input_gradients(model, x, GuidedRelu.apply).permute(1, 3, 2, 0)


def trapezoid(steps):
    alphas = torch.linspace(0, 1, steps, dtype=torch.float64)
    weights = torch.full((steps,), 1.0 / (steps - 1), dtype=torch.float64)
    weights[0] /= 2; weights[-1] /= 2
    return alphas.tolist(), weights.tolist()


def integrated(model, u, to_input, rows):
    """sum_s w_s dz_d/du at a_s u for every d, (D, N, ...): the steps in chunks of about `rows` rows (steps x samples), one forward
    pass per chunk and one backward pass per latent dimension."""
    n = u.shape[0]
    alphas, weights = trapezoid(IG_STEPS)
    per_pass = max(1, rows // n)
    total = None
    for first in range(0, IG_STEPS, per_pass):
        a = torch.tensor(alphas[first:first + per_pass], dtype=u.dtype)
        w = torch.tensor(weights[first:first + per_pass], dtype=u.dtype)
        shape = (-1,) + (1,) * u.dim()
        path = (a.view(shape) * u.unsqueeze(0)).reshape((-1,) + tuple(u.shape[1:])).requires_grad_(True)
        _, loc = conv_outputs(model, to_input(path))
        g = torch.stack([g for g, in per_dimension_grads(loc, (path,))])                 # (D, S*N, ...)
        g = (g.view((g.shape[0], len(a), n) + tuple(u.shape[1:])) * w.view((1,) + shape)).sum(1)
        total = g if total is None else total + g
    return total


def ig(model, x, rows):
    return (x * integrated(model, x, lambda p: p, rows)).permute(1, 3, 2, 0)  # (N, L, C, D)


def fourier_ig(model, x, rows):
    length = x.shape[2]
    u = torch.view_as_real(torch.fft.rfft(x, dim=-1)).contiguous()                    # (N, C, F, 2)
    to_input = lambda p: torch.fft.irfft(torch.view_as_complex(p), n=length, dim=-1)
    return (u * integrated(model, u, to_input, rows)).sum(-1).permute(1, 3, 2, 0)    # (N, F, C, D)


def csda(model64, x, rows):
    """Complex-step derivatives of the float64 model, (N, L, C, D)."""
    x = x.to(torch.float64)
    n, c, length = x.shape
    convs = model64.convs
    with torch.no_grad():
        a0 = convs[0](x)
        m0 = (a0 > 0).to(x.dtype)
        m1 = (convs[1](torch.relu(a0)) > 0).to(x.dtype)
        per_pass = max(1, rows // n)
        cols = []
        for first in range(0, c * length, per_pass):
            k = min(per_pass, c * length - first)
            seeds = torch.zeros(k, c * length, dtype=x.dtype)
            seeds[torch.arange(k), torch.arange(first, first + k)] = CSDA_STEP
            im = torch.nn.functional.conv1d(seeds.view(k, c, length), convs[0].weight, padding=convs[0].padding)  # the same for all samples
            im = (im.unsqueeze(1) * m0).flatten(0, 1)                                                          # (k*N, H, L)
            im = torch.nn.functional.conv1d(im, convs[1].weight, padding=convs[1].padding).view(k, n, -1, length) * m1
            im = torch.nn.functional.conv1d(im.flatten(0, 1), convs[2].weight, padding=convs[2].padding)
            cols.append((model64.pool(im).flatten(1) @ model64.z_loc.weight.t()).div(CSDA_STEP).view(k, n, -1))
        return torch.cat(cols).view(c, length, n, -1).permute(2, 1, 0, 3)


def pytorch_method(name, ref, model, model64, rows):
    return {
        "gradcam": lambda x: ref.gradcam_batched(model, x)[1],
        "gradslam": lambda x: gradslam(model, x),
        "gradient": lambda x: gradient(model, x),
        "gradxinput": lambda x: gradxinput(model, x),
        "guided": lambda x: guided(model, x),
        "ig": lambda x: ig(model, x, rows),
        "fourier-ig": lambda x: fourier_ig(model, x, rows),
        "csda": lambda x: csda(model64, x, rows),
    }[name]


def kit(a, name, ckpt, method, samples, repeats, env, save_dir=None):
    """Runs `saliency bench methods` for one method; returns its best wall and best CPU seconds."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [a.saliency, "bench", "methods", "--dataset", name, "--data", a.data, "--checkpoint", f"{name}={ckpt}", "--device", "cpu",
               "--method", method, "--samples", str(samples), "--repeats", str(repeats), "--out", out.name]
        if save_dir:
            cmd += ["--save-first", str(a.check), "--save-dir", save_dir]
        subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
        row = json.load(open(out.name))[0]
        return row["BestSeconds"], row["BestCpuSeconds"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", action="append", choices=sorted(DATA), help="default: symbols and eog")
    p.add_argument("--method", action="append", choices=METHODS, help="default: all eight")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--repeats", type=int, default=3, help="calls per round and side; the round keeps the best")
    p.add_argument("--heavy-repeats", type=int, default=1, help="--repeats of ig, fourier-ig and csda")
    p.add_argument("--heavy-samples", type=int, help="ig, fourier-ig and csda on the first N series only (default: all)")
    p.add_argument("--rows", type=int, default=4096, help="PyTorch side: rows (steps or perturbations x samples) per pass of ig, fourier-ig, csda")
    p.add_argument("--check", type=int, default=8, help="series compared number by number")
    p.add_argument("--json", help="also write the summary here")
    add_common_arguments(p)
    a = p.parse_args()

    ref, env = load_reference(a)
    methods = a.method or METHODS

    print(f"load average {os.getloadavg()[0]:.2f}, {a.threads} threads, torch {torch.__version__}, {a.rounds} rounds, {time.strftime('%Y-%m-%d %H:%M')}", flush=True)
    summary = {}
    for name in a.dataset or ["symbols", "eog"]:
        ckpt = os.path.join(a.checkpoints, name + ".ckpt")
        sd = torch.load(ckpt, map_location="cpu")["state_dict"]
        model = ref.CVAE(sd).eval()
        model64 = ref.CVAE(sd).eval().requires_grad_(False).double()
        x_all = torch.tensor(np.swapaxes(np.load(os.path.join(a.data, DATA[name])), 1, 2), dtype=torch.float32)
        for method in methods:
            heavy = method in HEAVY
            n = min(a.heavy_samples or len(x_all), len(x_all)) if heavy else len(x_all)
            x = x_all[:n].contiguous()
            run = pytorch_method(method, ref, model, model64, a.rows)
            repeats = a.heavy_repeats if heavy else a.repeats
            with tempfile.TemporaryDirectory() as save:
                kit(a, name, ckpt, method, a.check, 1, env, save)
                theirs = np.load(os.path.join(save, f"{name}_{method}.npy"))
            ours = run(x_all[:a.check].contiguous()).numpy()
            if theirs.shape != ours.shape:
                raise SystemExit(f"{name} {method}: the kit's shape {theirs.shape} is not pytorch's {ours.shape}")
            agreement = float(np.abs(theirs.astype(np.float64) - ours).max() / np.abs(ours).max())
            run(x)  # full-size warm-up
            py, kt, py_cpu, kt_cpu = [], [], [], []
            for r in range(a.rounds):
                calls, cpu = [], []
                for _ in range(repeats):
                    t, c = time.perf_counter(), time.process_time(); run(x)
                    calls.append(time.perf_counter() - t); cpu.append(time.process_time() - c)
                py.append(min(calls)); py_cpu.append(min(cpu))
                wall, cpu = kit(a, name, ckpt, method, n, repeats, env)
                kt.append(wall); kt_cpu.append(cpu)
                print(f"{name:8s} {method:10s} round {r + 1}: pytorch {py[-1]:.4f} s (cpu {py_cpu[-1]:.3f})   kit {kt[-1]:.4f} s (cpu {kt_cpu[-1]:.3f})   "
                      f"ratio {py[-1] / kt[-1]:.2f} (cpu {py_cpu[-1] / kt_cpu[-1]:.2f})   load {os.getloadavg()[0]:.2f}", flush=True)
            s = {"samples": n, "agreement": agreement, "pytorch_best_s": min(py), "pytorch_median_s": statistics.median(py),
                 "kit_best_s": min(kt), "kit_median_s": statistics.median(kt), "pytorch_best_cpu_s": min(py_cpu), "kit_best_cpu_s": min(kt_cpu)}
            s["ratio_best"] = s["pytorch_best_s"] / s["kit_best_s"]
            s["ratio_median"] = s["pytorch_median_s"] / s["kit_median_s"]
            s["ratio_cpu"] = s["pytorch_best_cpu_s"] / s["kit_best_cpu_s"]
            summary.setdefault(name, {})[method] = s
            print(f"{name:8s} {method:10s} N={n:5d}  max |kit - pytorch| / max |pytorch| = {agreement:.1e}   pytorch best {s['pytorch_best_s']:.4f} s "
                  f"(median {s['pytorch_median_s']:.4f})   kit best {s['kit_best_s']:.4f} s (median {s['kit_median_s']:.4f})   "
                  f"pytorch / kit {s['ratio_best']:.2f}x (best) / {s['ratio_median']:.2f}x (median) / {s['ratio_cpu']:.2f}x (best cpu)   load {os.getloadavg()[0]:.2f}", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f}")
    print("| dataset | method | N | PyTorch best (median) s | kit best (median) s | PyTorch / kit: best (median) | CPU s PyTorch / kit | PyTorch / kit by CPU s | agreement |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name, rows in summary.items():
        for method, s in rows.items():
            print(f"| {name} | {method} | {s['samples']} | {s['pytorch_best_s']:.4f} ({s['pytorch_median_s']:.4f}) | {s['kit_best_s']:.4f} ({s['kit_median_s']:.4f}) "
                  f"| {s['ratio_best']:.2f}× ({s['ratio_median']:.2f}×) | {s['pytorch_best_cpu_s']:.3f} / {s['kit_best_cpu_s']:.3f} | {s['ratio_cpu']:.2f}× | {s['agreement']:.1e} |")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(summary, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
