#!/usr/bin/env python3
"""|GradCAM| towards every latent dimension over a whole dataset: the kit against batched PyTorch, side by side in one run.

The PyTorch side is `gradcam_batched` of ../shared/bench/reference_gradcam.py (the paper's CVAE rebuilt from the checkpoint, one
autograd.grad per latent dimension), run in this process with Debian's python3-torch on the same number of threads as the kit.
The kit side is `saliency bench gradcam --gradcam-only --repeats R` (set-up of the affine head included), one process per round after a
full-size warm-up. Rounds alternate the two sides, so load on the machine falls on both alike; each side's time for a round is the
best of R calls (default 3) in that round; the summary gives the best and the median over the rounds of each side, their ratios,
and each side's median / best.

usage: /usr/bin/python3 tests/bench/gradcam_vs_pytorch.py [--rounds 5] [--repeats 3] [--threads 2] [--dataset symbols --dataset eog]
"""
import argparse, json, os, statistics, subprocess, sys, tempfile, time

from pytorch_side import DATA, add_common_arguments, load_reference


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--dataset", action="append", choices=sorted(DATA), help="default: symbols and eog")
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--repeats", type=int, default=3, help="calls per round and side; the round keeps the best")
    add_common_arguments(p)
    a = p.parse_args()

    import numpy as np
    import torch
    ref, env = load_reference(a)

    print(f"load average {os.getloadavg()[0]:.2f}, {a.threads} threads, torch {torch.__version__}, {a.rounds} rounds")
    summary = {}
    for name in a.dataset or ["symbols", "eog"]:
        ckpt = os.path.join(a.checkpoints, name + ".ckpt")
        model = ref.CVAE(torch.load(ckpt, map_location="cpu")["state_dict"]).eval()
        x = torch.tensor(np.swapaxes(np.load(os.path.join(a.data, DATA[name])), 1, 2), dtype=torch.float32)
        ref.gradcam_batched(model, x)  # full-size warm-up
        py, kit = [], []
        for r in range(a.rounds):
            calls = []
            for _ in range(a.repeats):
                t = time.perf_counter(); ref.gradcam_batched(model, x); calls.append(time.perf_counter() - t)
            py.append(min(calls))
            with tempfile.NamedTemporaryFile(suffix=".json") as out:
                subprocess.run([a.saliency, "bench", "gradcam", "--dataset", name, "--data", a.data, "--checkpoint", f"{name}={ckpt}", "--device", "cpu",
                                "--gradcam-only", "--repeats", str(a.repeats), "--out", out.name], check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                kit.append(json.load(open(out.name))[0]["BestSeconds"])
            print(f"{name:8s} round {r + 1}: pytorch {py[-1]:.4f} s   kit {kit[-1]:.4f} s   ratio {py[-1] / kit[-1]:.2f}", flush=True)
        s = {"pytorch_best_s": min(py), "pytorch_median_s": statistics.median(py), "kit_best_s": min(kit), "kit_median_s": statistics.median(kit)}
        s["ratio_best"] = s["pytorch_best_s"] / s["kit_best_s"]
        s["ratio_median"] = s["pytorch_median_s"] / s["kit_median_s"]
        s["kit_median_over_best"] = s["kit_median_s"] / s["kit_best_s"]
        s["pytorch_median_over_best"] = s["pytorch_median_s"] / s["pytorch_best_s"]
        summary[name] = s
        print(f"{name:8s} pytorch best {s['pytorch_best_s']:.4f} s (median {s['pytorch_median_s']:.4f})   kit best {s['kit_best_s']:.4f} s "
              f"(median {s['kit_median_s']:.4f}, {s['kit_median_over_best']:.2f}x its best)   kit faster by {s['ratio_best']:.2f}x (best) / {s['ratio_median']:.2f}x (median)", flush=True)
    print(f"load average {os.getloadavg()[0]:.2f}")
    print(json.dumps(summary))


if __name__ == "__main__":
    sys.exit(main())
