#!/usr/bin/env python3
"""The GPU check of the notebooks' GradCAM step, in one run on the lent GPU machine: CUDA against the CPU, and PyTorch's own yardstick.

1. The kit: `saliency bench against-cpu --device cuda` over the four notebooks' datasets and models (symbols and eog: the authors'
   checkpoints, as the notebooks load them by default; aircraft and aircraft-flyover: the kit's models/), once with libtorch's default
   TF32 switch (what the notebooks get) and once with TF32 off (NVIDIA_TF32_OVERRIDE=0: libtorch 2.11's cuDNN switch did not take
   from TorchSharp 0.107 on the lent machine, so `--tf32 off` is run once more only to record that it says so). Each run times the
   notebooks' GradCAM cell (new GradCam(model).Attribute(data, device)) on the CPU and on CUDA: first call and best / median of the calls
   after it, and compares the maps.
2. The notebooks' third backend, a libtorch folder (torchBackend = ".../torch/lib"): `saliency doctor --libtorch` with this python3's
   torch/lib and no LD_LIBRARY_PATH, on the device (skipped in a CPU dry run: Debian's torch 1.13 is not a libtorch 2.10).
3. The tool's other device paths the notebooks share (until --deadline): every `explain` method on symbols on the device (TF32 on and
   off) and on the CPU, compared as in 1; `encode` and `pipeline` likewise; every sanity check and a short `train` on the device.
4. PyTorch: on the CPU and on CUDA for symbols and eog, `gradcam_batched` of ../shared/bench/reference_gradcam.py, and for symbols the
   input gradient (L2 norm over the latent dimensions, the kit's `gradient` method): how far PyTorch's own CUDA maps are from its CPU
   maps (the yardstick), and how far the kit's CUDA maps are from PyTorch's CPU maps.
5. The time of moving the notebooks' (N, L, D) maps from the GPU to fresh host memory, in PyTorch, for each dataset's size: the
   share of the GPU step's time that is only the copy back.
Everything lands in OUT/summary.json and markdown tables on stdout; the exit code is 1 when a kit command failed or a map is beyond
its tolerance: for the GradCAM step 1e-2 with TF32 and 1e-4 without; for the explain, encode and pipeline outputs 1e-4 without TF32
(with TF32 they are reported only: input gradients of a ReLU network are piecewise constant, and step 4 shows PyTorch's own move).

Here (the build machine):  ../shared/gpu/prepare.sh --with-shared src/Saliency.Cli/Saliency.Cli.csproj
(models/original holds the authors' checkpoints once the tests or a notebook fetched them, as the kit does: mirror variable, else upstream.)
Then the device tool, carry [".gpu", "models/original"]:  source .gpu/env.sh && python3 tests/bench/gpu_check.py --out $OUT
A dry run on the build machine (env.sh is for the GPU machine, whose python3 has a CUDA PyTorch; here /usr/bin/python3 has 1.13):
  /usr/bin/python3 tests/bench/gpu_check.py --out /tmp/gpudry --device cpu --repeats 1 --kit "$PWD/saliency"
"""
import argparse, importlib.util, json, os, subprocess, sys, tempfile, time

START = time.monotonic()
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATASETS = ["symbols", "eog", "aircraft", "aircraft-flyover"]
PAPER_DATA = {"symbols": "symbols/augmented_symbols.npy", "eog": "eog/time_series_positions.npy"}
METHODS = ["gradcam", "gradslam", "gradient", "gradxinput", "guided", "ig", "fourier-ig", "csda"]
TF32_OFF = {"NVIDIA_TF32_OVERRIDE": "0"}


def difference(reference, maps):
    """The kit's MapDifference, in numpy (float64): max |Δ|, max |reference|, max |Δ| / max |reference|, L1 of Δ / L1 of reference."""
    import numpy as np
    r, m = reference.astype(np.float64), maps.astype(np.float64)
    delta = np.abs(m - r)
    return {"MaxAbsolute": float(delta.max()), "MaxReference": float(np.abs(r).max()),
            "MaxRelative": float(delta.max() / np.abs(r).max()), "RelativeL1": float(delta.sum() / np.abs(r).sum())}


def run_kit(kit, args, extra_env=None, capture=False):
    env = dict(os.environ, **(extra_env or {}))
    return subprocess.run(kit + args, cwd=ROOT, env=env, capture_output=capture, text=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--out", required=True)
    p.add_argument("--gpu", default=os.path.join(ROOT, ".gpu"), help="the folder prepare.sh filled")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--device", default="cuda", help="the device checked against the CPU (cpu: a dry run of this script anywhere)")
    p.add_argument("--kit", help="the saliency command (default: dotnet GPU/app/saliency.dll)")
    p.add_argument("--deadline", type=float, default=380, help="seconds after which step 3 starts no further command")
    p.add_argument("--checkpoints", default=os.path.join(ROOT, "models", "original"),
                   help="the authors' symbols.ckpt and eog.ckpt (default: models/original, which the kit fetches)")
    p.add_argument("--libtorch", help="the libtorch folder for step 2 (default on a GPU: this python3's torch/lib; none: skip)")
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    shared = os.path.join(a.gpu, "shared")
    data = os.path.join(shared, "data")
    checkpoints = a.checkpoints
    missing = [n for n in PAPER_DATA if not os.path.isfile(os.path.join(checkpoints, n + ".ckpt"))]
    if missing:
        sys.exit(f"gpu_check: no {', '.join(n + '.ckpt' for n in missing)} in {checkpoints}: run the tests or a notebook here once "
                 "(they fetch models/original) and carry models/original, or pass --checkpoints DIR.")
    kit = a.kit.split() if a.kit else ["dotnet", os.path.join(a.gpu, "app", "saliency.dll")]
    work = tempfile.mkdtemp()
    summary = {"kit": {}, "pytorch": {}}

    subprocess.run(kit + ["doctor", "--device", a.device], check=True)
    rc = 0
    # 1. The notebooks' GradCAM step, TF32 as the notebooks get it and TF32 off.
    compare = ["bench", "against-cpu", "--device", a.device, "--data", data,
               "--checkpoint", *(f"{n}={os.path.join(checkpoints, n + '.ckpt')}" for n in PAPER_DATA)]
    for mode, env in (("tf32-default", None), ("tf32-off", TF32_OFF)):
        out = os.path.join(a.out, f"kit-{mode}.json")
        run = run_kit(kit, compare + ["--repeats", str(a.repeats), "--dataset", *DATASETS, "--save-maps", os.path.join(work, mode), "--out", out], env)
        rc = max(rc, run.returncode)
        summary["kit"][mode] = json.load(open(out)) if os.path.exists(out) else f"exit {run.returncode}, no JSON"
    switch = run_kit(kit, compare + ["--dataset", "symbols", "--repeats", "1", "--tf32", "off"], capture=True)
    summary["tf32_switch"] = {"exit": switch.returncode, "said": [line for line in (switch.stdout + switch.stderr).splitlines()
                                                                 if line.startswith(("symbols", "saliency"))]}

    # 2. A libtorch folder, as a notebook's torchBackend names it, with nothing on LD_LIBRARY_PATH.
    folder = a.libtorch
    if folder is None and a.device != "cpu":
        import torch
        folder = os.path.join(os.path.dirname(torch.__file__), "lib")
    if folder and folder != "none":
        env = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
        run = subprocess.run(kit + ["doctor", "--device", a.device, "--libtorch", folder], env=env, capture_output=True, text=True)
        print(run.stdout + run.stderr)
        summary["libtorch_folder"] = {"folder": folder, "exit": run.returncode, "output": (run.stdout + run.stderr).splitlines()}
        rc = max(rc, run.returncode)

    # 3. The tool's other device paths.
    summary["commands"] = commands_on_device(kit, a, data, checkpoints, work)
    rc = max([rc] + [1 for r in summary["commands"] if r["exit"] != 0 or r.get("beyond_tolerance")])

    # 4. PyTorch's own CUDA against its CPU, and the kit's CUDA maps against PyTorch's CPU.
    summary["pytorch"] = pytorch_yardstick(a, shared, data, checkpoints, work)
    summary["copy_back"] = copy_back(a.device)

    with open(os.path.join(a.out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    report(summary)
    return rc


def commands_on_device(kit, a, data, checkpoints, work):
    """Step 3: the tool's commands on the device (with TF32 as libtorch sets it, and off) and, for those with an array output, on the
    CPU to compare; stops starting commands at the deadline."""
    import numpy as np
    symbols = ["--dataset", "symbols", "--data", data, "--checkpoint", os.path.join(checkpoints, "symbols.ckpt")]
    flyover = ["--dataset", "aircraft-flyover", "--data", data, "--checkpoint", os.path.join(ROOT, "models", "aircraft-flyover")]
    jobs = []   # (name, arguments without --device and --out, the output (npy file, or a file in the --out folder, or the folder), compare)
    for method in METHODS:
        jobs.append((f"explain {method}", ["explain", *symbols, "--method", method], "npy", True))
    jobs.append(("encode", ["encode", *symbols], "npy", True))
    jobs.append(("pipeline", ["pipeline", *symbols], "maps.npy", True))
    for check in ["global-masking", "local-masking", "kept-removed", "single-class", "translation", "corruption", "randomisation"]:
        jobs.append((f"sanity {check}", ["sanity", "--check", check, *symbols], "dir", False))
    jobs.append(("sanity flyover-models", ["sanity", "--check", "flyover-models", *flyover, "--baseline-checkpoint", os.path.join(ROOT, "models", "aircraft")], "dir", False))
    jobs.append(("train 3 epochs", ["train", "--dataset", "symbols", "--data", data, "--epochs", "3"], "dir", False))
    rows = []
    for name, args, kind, compare in jobs:
        if time.monotonic() - START > a.deadline:
            rows.append({"name": name, "device": a.device, "exit": "skipped (deadline)", "seconds": 0.0})
            continue
        runs = [(a.device, "default", None)] + ([(a.device, "off", TF32_OFF), ("cpu", "-", None)] if compare else [])
        outputs = {}
        for device, tf32, env in runs:
            target = os.path.join(work, "commands", name.replace(" ", "-"), f"{device}-{tf32}")
            out = target + ".npy" if kind == "npy" else target
            began = time.monotonic()
            run = run_kit(kit, args + ["--device", device, "--out", out], env, capture=True)
            row = {"name": name, "device": device, "tf32": tf32, "exit": run.returncode, "seconds": time.monotonic() - began}
            if run.returncode != 0:
                row["stderr"] = run.stderr[-3000:]
                print(f"{name} on {device}: exit {run.returncode}\n{run.stderr[-3000:]}")
            rows.append(row)
            outputs[(device, tf32)] = out if kind in ("npy", "dir") else os.path.join(out, kind)
        if compare and all(r["exit"] == 0 for r in rows[-3:]):
            reference = np.load(outputs[("cpu", "-")])
            for row, key in ((rows[-3], (a.device, "default")), (rows[-2], (a.device, "off"))):
                row["difference"] = difference(reference, np.load(outputs[key]))
            # Judged without TF32 only: with it, input gradients of a ReLU network jump where TF32's rounding flips a unit's sign
            # (step 4 measures how far PyTorch's own CUDA gradients move), so the TF32 rows are reported, not judged.
            rows[-2]["beyond_tolerance"] = rows[-2]["difference"]["MaxRelative"] > 1e-4
    return rows


def pytorch_yardstick(a, shared, data, checkpoints, work):
    """Step 4: PyTorch's GradCAM (both paper checkpoints) and input gradient (symbols) on the CPU and on the device."""
    import numpy as np
    import torch
    spec = importlib.util.spec_from_file_location("reference_gradcam", os.path.join(shared, "bench", "reference_gradcam.py"))
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)

    def input_gradient(model, x):
        """The kit's `gradient` method: |∂z/∂x| as the L2 norm over the latent dimensions, (N, L, C)."""
        x = x.clone().requires_grad_(True)
        loc, _ = model.encode(x)
        grads = [torch.autograd.grad(loc[:, i].sum(), x, retain_graph=True)[0] for i in range(loc.shape[1])]
        return torch.stack(grads).pow(2).sum(0).sqrt().transpose(1, 2).detach()

    result = {}
    for name, file in PAPER_DATA.items():
        state = torch.load(os.path.join(checkpoints, name + ".ckpt"), map_location="cpu", weights_only=False)["state_dict"]
        x = torch.tensor(np.swapaxes(np.load(os.path.join(data, file)), 1, 2), dtype=torch.float32)
        maps, gradients = {}, {}
        for device in ("cpu", a.device):
            model = ref.CVAE(state).to(device).eval()
            maps[device] = ref.gradcam_batched(model, x.to(device))[1].cpu().numpy()
            if name == "symbols":
                gradients[device] = input_gradient(model, x.to(device)).cpu().numpy()
        row = {"torch": torch.__version__, "cudnn_allow_tf32": torch.backends.cudnn.allow_tf32,
               "gradcam: pytorch cuda vs pytorch cpu": difference(maps["cpu"], maps[a.device])}
        for mode in ("tf32-default", "tf32-off"):
            saved = os.path.join(work, mode, name + ".npy")
            if os.path.exists(saved):
                row[f"gradcam: kit cuda ({mode}) vs pytorch cpu"] = difference(maps["cpu"], np.load(saved))
        if gradients:
            row["gradient: pytorch cuda vs pytorch cpu"] = difference(gradients["cpu"], gradients[a.device])
            for device, tf32 in (("cpu", "-"), (a.device, "default"), (a.device, "off")):
                saved = os.path.join(work, "commands", "explain-gradient", f"{device}-{tf32}.npy")
                if os.path.exists(saved):
                    row[f"gradient: kit {device} (tf32 {tf32}) vs pytorch cpu"] = difference(gradients["cpu"], np.load(saved))
        result[name] = row
    return result


def copy_back(device, repeats=5):
    """Step 5: best seconds of `.cpu()` of an (N, L, D) float32 tensor of each notebook dataset's maps, into new host memory each time."""
    import torch
    sizes = {"symbols": (1100, 60, 16), "eog": (990, 200, 32), "aircraft": (900, 200, 64), "aircraft-flyover": (1183, 200, 64)}
    result = {}
    for name, shape in sizes.items():
        maps = torch.rand(shape, device=device)
        times = []
        for _ in range(repeats + 1):
            began = time.perf_counter()
            host = maps.cpu()
            times.append(time.perf_counter() - began)
            del host
        result[name] = {"MiB": maps.numel() * 4 / 2**20, "BestSeconds": min(times[1:])}
    return result


def report(summary):
    def pair(d):
        return f"{d['MaxRelative']:.2e} / {d['RelativeL1']:.2e}" if d else "-"
    if "libtorch_folder" in summary:
        f = summary["libtorch_folder"]
        print(f"\nlibtorch folder {f['folder']} (no LD_LIBRARY_PATH): doctor exit {f['exit']}")
    print(f"bench --tf32 off: exit {summary['tf32_switch']['exit']}: {' '.join(summary['tf32_switch']['said'])}")
    print("\n| dataset | TF32 | kit CUDA vs kit CPU: max rel. / L1 rel. | kit CPU step first / best s | kit CUDA step first / best s | CPU best / CUDA best |")
    print("|---|---|---|---|---|---|")
    for mode, rows in summary["kit"].items():
        for r in rows if isinstance(rows, list) else []:
            print(f"| {r['Dataset']} | {'on' if r['Tf32'] else 'off'} | {pair(r['Difference'])} | "
                  f"{r['Reference']['FirstSeconds']:.3f} / {r['Reference']['BestSeconds']:.4f} | {r['Device']['FirstSeconds']:.3f} / {r['Device']['BestSeconds']:.4f} | {r['Speedup']:.1f}x |")
    print("\n| command | device | TF32 | exit | seconds | vs CPU: max rel. / L1 rel. |")
    print("|---|---|---|---|---|---|")
    for r in summary["commands"]:
        print(f"| {r['name']} | {r['device']} | {r.get('tf32', '-')} | {r['exit']} | {r['seconds']:.1f} | {pair(r.get('difference'))} |")
    print("\n| dataset | maps MiB | copy back to the host, best s |")
    print("|---|---|---|")
    for name, r in summary["copy_back"].items():
        print(f"| {name} | {r['MiB']:.1f} | {r['BestSeconds']:.4f} |")
    print("\n| dataset | comparison | max rel. / L1 rel. |")
    print("|---|---|---|")
    for name, row in summary["pytorch"].items():
        for key, value in row.items():
            if isinstance(value, dict):
                print(f"| {name} | {key} | {pair(value)} |")


if __name__ == "__main__":
    sys.exit(main())
