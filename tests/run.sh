#!/usr/bin/env bash
# The kit's test command (README "Tests"): builds everything and runs the whole xunit suite.
# The tests fetch the paper's data into data/ themselves (SALIENCY_DATA_MIRROR, else ../shared/data, else upstream).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
# The browser tests (brushing tool, PNG export, rendered notebooks) drive Debian's chromium; the notebook tests run the
# notebooks in the pinned .NET Interactive kernel through a real Jupyter client (Debian's nbconvert + nbclient).
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v jupyter-nbconvert >/dev/null || missing+=(jupyter-nbconvert)
/usr/bin/python3 -c 'import nbclient' 2>/dev/null || missing+=(python3-nbclient)
# Reference values of scipy, scikit-learn and PyTorch come from Debian's python3 (tests/.../PythonReference.cs).
/usr/bin/python3 -c 'import torch,scipy,sklearn' 2>/dev/null || missing+=(python3-torch python3-scipy python3-sklearn)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
fi
dotnet tool restore
log=$(mktemp)
set +e
dotnet test Saliency.slnx -c Release --nologo 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
# One plain closing line for CI: "N passed, N failed".
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
rm -f "$log"
echo "tests: $passed passed, $failed failed"
exit "$rc"
