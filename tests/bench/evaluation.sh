#!/usr/bin/env bash
# The evaluation's speed (benchmark, not a test), side by side in one run:
#   1. `saliency bench evaluate`: per method, the batched metrics against a straightforward per-sample loop of the same metrics on the
#      same draws (the same numbers are checked), on the first N series of each dataset;
#   2. `saliency evaluate`: the whole table (eight methods + random) on the whole dataset, wall and CPU seconds (/usr/bin/time).
# The authors' checkpoints come from models/original (fetched by the kit; SALIENCY_CHECKPOINT_MIRROR or the upstream).
# usage: bash tests/bench/evaluation.sh [N] [DATASET...]     (default: 30 series; eog symbols)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
samples=${1:-30}
shift || true
datasets=("${@:-eog}")
[ $# -eq 0 ] && datasets=(eog symbols)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cd "$root"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
for name in "${datasets[@]}"; do
  checkpoint=models/original/$name.ckpt
  [ -f "$checkpoint" ] || { echo "missing $checkpoint: run the tests once or ./saliency data fetch with the checkpoint mirror" >&2; exit 1; }
  ./saliency bench evaluate --checkpoint "$checkpoint" --dataset "$name" --samples "$samples" --out "$out/bench-$name.json" 2> >(grep -v NNPACK >&2)
  /usr/bin/time -f "$name whole table: %e s wall, %U s user + %S s system CPU, %M KB peak" \
    ./saliency evaluate --checkpoint "$checkpoint" --dataset "$name" --out "$out/eval-$name" 2> >(grep -v "NNPACK\|\[" >&2)
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
