#!/usr/bin/env bash
# Wall-clock seconds of each paper notebook executed headless, side by side in one run (benchmark, not a test):
#   run      ./saliency run NOTEBOOK (the pinned .NET Interactive kernel over stdio, as VS Code drives it)
#   cold     the same with SALIENCY_KERNEL_WARMUP=off: the kernel without the compiler warm-up hook
#   nbconvert jupyter nbconvert --execute with the .net-csharp kernelspec of the pinned tool (a real Jupyter client)
#   old      optional: the Roslyn-scripting runner this kit had before the real kernel, from a worktree of commit d4ec4e0
#            (git worktree add /tmp/old d4ec4e0; its data/ filled), run on its own notebooks
# usage: bash tests/bench/notebook_times.sh [ROUNDS] [OLD_WORKTREE]
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
rounds=${1:-2}
old=${2:-}
jupyter_path=$(mktemp -d)
out=$(mktemp -d)
trap 'rm -rf "$jupyter_path" "$out"' EXIT
cd "$root"
mkdir -p "$jupyter_path/kernels"
dotnet tool run dotnet-interactive -- jupyter install --path "$jupyter_path/kernels" > /dev/null
./saliency pack > /dev/null   # the notebooks' #r finds the current kit; packing is not timed
seconds() { local start=$(date +%s.%N); "$@" > "$out/log" 2>&1 || { cat "$out/log" >&2; exit 1; }; echo "$(date +%s.%N) - $start" | bc; }
printf '%-18s %5s %9s %9s %9s %9s\n' notebook round old run cold nbconvert
for round in $(seq "$rounds"); do
  for name in symbols eog aircraft aircraft-flyover; do
    t_old=-
    if [ -n "$old" ]; then t_old=$(cd "$old" && seconds ./saliency run "notebooks/$name/$name.ipynb" --out "$out/old"); fi
    t_run=$(seconds ./saliency run "notebooks/$name/$name.ipynb" --out "$out/run")
    t_cold=$(seconds env SALIENCY_KERNEL_WARMUP=off ./saliency run "notebooks/$name/$name.ipynb" --out "$out/cold")
    t_nb=$(cd "notebooks/$name" && JUPYTER_PATH="$jupyter_path" seconds jupyter nbconvert --to notebook --execute \
      --ExecutePreprocessor.kernel_name=.net-csharp --ExecutePreprocessor.timeout=600 --output-dir "$out/nb" "$name.ipynb")
    printf '%-18s %5s %9.1f %9.1f %9.1f %9.1f\n' "$name" "$round" "$t_old" "$t_run" "$t_cold" "$t_nb"
  done
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg)"
