#!/usr/bin/env python3
"""The sharded global maps against one process, side by side in one run (issue 40's benchmark; a benchmark, not a test).

A seeded (N, 200, 2) float32 .npy of random-walk trajectories with four labels is generated once, chunk by chunk (N = 2,000,000 by
default: 3.2 GB), and mapped with the kit's aircraft model (models/aircraft, D = 64) three ways on this machine:
  1. one process:  saliency pipeline --data X.npy --labels Y.npy --out one
  2. S = 2 and S = 4 shards: S `pipeline moments` processes at once, `pipeline fit`, S `pipeline maps` processes at once, `pipeline merge`.
The shards' workers get OMP_NUM_THREADS = max(1, cores / S) (one machine standing in for S; on a cluster each has its own); the one
process runs with libtorch's default threads and again with one thread.
Reported: the wall seconds of each pass, the partials' sizes, and the largest difference of the merged maps from the one-process maps
(relative to their largest value). Results go to OUT/shards.json and a markdown table on stdout.

  /usr/bin/python3 tests/bench/shards.py --out /tmp/shards [--samples 2000000] [--shards 2 4] [--keep-data DIR]
"""
import argparse, json, os, subprocess, sys, time
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOOL = ["dotnet", os.path.join(ROOT, "artifacts", "cli", "saliency.dll")]   # the build ./saliency makes (first, below), never rebuilt mid-run
SHARD_VARS = ("JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX", "SLURM_ARRAY_TASK_COUNT")


def generate(path_x, path_y, samples, seed=7, chunk=100_000):
    """Random walks of 200 steps in 2 channels, each label drifting its own way, written chunk by chunk into a memory-mapped .npy."""
    if os.path.exists(path_x) and os.path.exists(path_y) and np.load(path_x, mmap_mode="r").shape[0] == samples:
        return
    x = np.lib.format.open_memmap(path_x + ".tmp.npy", mode="w+", dtype=np.float32, shape=(samples, 200, 2))
    labels = np.empty(samples, dtype=np.int64)
    drift = np.array([[1, 0], [0, 1], [-1, 0], [0, -1]], dtype=np.float32) * 0.02
    for start in range(0, samples, chunk):
        rng = np.random.default_rng(seed + start // chunk)
        n = min(chunk, samples - start)
        label = rng.integers(0, 4, n)
        steps = rng.normal(0, 0.01, (n, 200, 2)).astype(np.float32) + drift[label][:, None, :]
        x[start:start + n] = np.cumsum(steps, axis=1) + rng.uniform(0, 1, (n, 1, 2)).astype(np.float32)
        labels[start:start + n] = label
    x.flush()
    del x
    os.replace(path_x + ".tmp.npy", path_x)
    np.save(path_y, labels)


def run(args, threads=None, wait=True):
    env = {k: v for k, v in os.environ.items() if k not in SHARD_VARS}
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    p = subprocess.Popen(TOOL + args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return p.communicate() + (p.returncode,) if wait else p


def at_once(commands, threads):
    start = time.perf_counter()
    procs = [run(c, threads, wait=False) for c in commands]
    for p in procs:
        out, err = p.communicate()
        if p.returncode != 0:
            sys.exit(f"failed: {' '.join(p.args)}\n{err}")
    return time.perf_counter() - start


def timed(args, threads=None):
    start = time.perf_counter()
    out, err, code = run(args, threads)
    if code != 0:
        sys.exit(f"failed: saliency {' '.join(args)}\n{err}")
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--samples", type=int, default=2_000_000)
    parser.add_argument("--shards", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--keep-data", help="folder for the generated .npy (kept between runs); default OUT")
    parser.add_argument("--no-single-thread", action="store_true", help="skip the one-process single-threaded run")
    a = parser.parse_args()
    os.makedirs(a.out, exist_ok=True)
    data_dir = a.keep_data or a.out
    os.makedirs(data_dir, exist_ok=True)
    x, y = os.path.join(data_dir, f"walks-{a.samples}.npy"), os.path.join(data_dir, f"walks-{a.samples}-labels.npy")
    if subprocess.run([os.path.join(ROOT, "saliency"), "--help"], capture_output=True).returncode != 0:   # builds the tool when its sources changed
        sys.exit("saliency: the build failed")
    t = time.perf_counter()
    generate(x, y, a.samples)
    print(f"data: {x} ({os.path.getsize(x) / 1e9:.2f} GB), generated or found in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    model = os.path.join(ROOT, "models", "aircraft")
    data = ["--data", x, "--labels", y, "--plot-kind", "trajectory"]
    cores = os.cpu_count()
    results = {"samples": a.samples, "cores": cores, "model": "models/aircraft (D = 64)", "runs": []}

    one = os.path.join(a.out, "one")
    seconds = timed(["pipeline", "--checkpoint", model, *data, "--out", one])
    results["runs"].append({"shards": 1, "threads_per_worker": "libtorch's default", "total_s": seconds})
    print(f"one process: {seconds:.1f} s", file=sys.stderr)
    reference = np.load(os.path.join(one, "maps_norm.npy")).astype(np.float64)
    # The same with one thread: on a loaded machine libtorch's threads wait on each other, so the shards' single-threaded workers
    # are compared with a single-threaded process too.
    if not a.no_single_thread:
        seconds = timed(["pipeline", "--checkpoint", model, *data, "--out", one + "-1thread"], threads=1)
        results["runs"].append({"shards": 1, "threads_per_worker": 1, "total_s": seconds})
        print(f"one process, one thread: {seconds:.1f} s", file=sys.stderr)

    for s in a.shards:
        parts, fit, merged = (os.path.join(a.out, f"{name}-{s}") for name in ("parts", "fit", "merged"))
        fit += ".json"
        threads = max(1, cores // s)
        moments = at_once([["pipeline", "moments", "--checkpoint", model, *data, "--shard", f"{i}/{s}", "--out", parts] for i in range(1, s + 1)], threads)
        fit_s = timed(["pipeline", "fit", "--partials", parts, "--out", fit])
        maps = at_once([["pipeline", "maps", "--checkpoint", model, *data, "--fit", fit, "--shard", f"{i}/{s}", "--out", parts] for i in range(1, s + 1)], threads)
        merge_s = timed(["pipeline", "merge", "--fit", fit, "--partials", parts, "--out", merged])
        diff = np.abs(np.load(os.path.join(merged, "maps_norm.npy")).astype(np.float64) - reference).max() / np.abs(reference).max()
        sizes = {kind: max(os.path.getsize(os.path.join(parts, f)) for f in os.listdir(parts) if f.startswith(kind + "-") and f.endswith(".npz"))
                 for kind in ("moments", "maps")}
        latents = sum(os.path.getsize(os.path.join(parts, f)) for f in os.listdir(parts) if f.startswith("latents-"))
        run_ = {"shards": s, "threads_per_worker": threads, "moments_s": moments, "fit_s": fit_s, "maps_s": maps, "merge_s": merge_s,
                "total_s": moments + fit_s + maps + merge_s, "largest_moments_partial_bytes": sizes["moments"],
                "largest_maps_partial_bytes": sizes["maps"], "fit_bytes": os.path.getsize(fit), "latents_bytes": latents,
                "max_relative_difference_from_one_process": diff}
        results["runs"].append(run_)
        print(f"{s} shards: {run_['total_s']:.1f} s, max relative difference {diff:.2e}", file=sys.stderr)

    with open(os.path.join(a.out, "shards.json"), "w") as f:
        json.dump(results, f, indent=2)
    print(f"N = {a.samples:,}, {cores} cores, models/aircraft (D = 64)\n")
    print("| shards | pass 1 (s) | fit (s) | pass 2 (s) | merge (s) | total (s) | moments partial | maps partial | maps vs one process |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results["runs"]:
        if r["shards"] == 1:
            print(f"| 1 (one process, {r['threads_per_worker']} thread{'s' if r['threads_per_worker'] != 1 else ''}) | | | | | {r['total_s']:.1f} | | | |")
        else:
            print(f"| {r['shards']} | {r['moments_s']:.1f} | {r['fit_s']:.1f} | {r['maps_s']:.1f} | {r['merge_s']:.1f} | {r['total_s']:.1f} | "
                  f"{r['largest_moments_partial_bytes'] / 1e3:.0f} kB | {r['largest_maps_partial_bytes'] / 1e3:.0f} kB | {r['max_relative_difference_from_one_process']:.1e} |")


if __name__ == "__main__":
    main()
