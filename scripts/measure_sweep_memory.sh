#!/usr/bin/env bash
# Measures the resident memory of a long sweep over time (does memory stay flat across runs?).
# Usage: scripts/measure_sweep_memory.sh [REPLICATES] [STEPS]  (defaults: 100 replicates x 2 points, 120 steps)
# Prints the sweep's peak RSS in the first and last quarter of its runtime, sampled every 0.2 s.
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-100}; steps=${2:-120}
bin=./build/release/biocluster
[ -x "$bin" ] || { echo "build first: cmake --preset release && cmake --build --preset release"; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/long.toml" <<TOML
scenario = "$PWD/scenarios/default.toml"
replicates = $reps
seed = 7
steps = $steps
design = "grid"
set = ["output.snapshot_every_steps=0", "output.field_snapshot_every_steps=0"]
metrics = ["startups", "vc_invested"]
[factors."policy.basic_research_share"]
values = [0.4, 0.6]
TOML
start=$SECONDS
"$bin" sweep "$work/long.toml" -o "$work/out" -q &
pid=$!
samples="$work/rss.txt"
while kill -0 $pid 2>/dev/null; do
  awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null >> "$samples" || true
  sleep 0.2
done
wait $pid
elapsed=$((SECONDS - start))
runs=$(ls "$work/out/runs" | grep -c '\.h5$')
/usr/bin/python3 - "$samples" "$runs" "$elapsed" <<'PY'
import sys
rss = [int(x) for x in open(sys.argv[1]) if x.strip()]
rss = rss[5:] if len(rss) > 20 else rss  # skip the first second: the process is still starting
n = len(rss); q = max(1, n // 4)
first, last = rss[:q], rss[-q:]
print(f"sweep of {sys.argv[2]} runs in {sys.argv[3]} s wall time: {n} RSS samples (every ~0.2 s)")
print(f"peak RSS first quarter {max(first) / 1024:.1f} MiB, last quarter {max(last) / 1024:.1f} MiB, "
      f"overall peak {max(rss) / 1024:.1f} MiB, growth {(max(last) - max(first)) / 1024:+.1f} MiB")
PY
