#!/usr/bin/env bash
# National-scale benchmark (tests/bench/national/README.md): builds the release preset, runs
# bench_national once per thread count (default: 1 2) on scenarios/bench/national.toml with full
# HDF5 output, and prints one table with the speed-up over the first thread count.
# Usage: scripts/bench_national.sh [threads...]
#   BENCH_STEPS=N      run N steps instead of the scenario's 360
#   BENCH_SETS="k=v.." extra --set overrides (space-separated)
#   BENCH_OUT=DIR      where the .h5 files and raw outputs go (default: build/release/bench_national)
set -euo pipefail
cd "$(dirname "$0")/.."
threads=("$@")
[ ${#threads[@]} -gt 0 ] || threads=(1 2)
cmake --preset release >/dev/null
timeout 1500 cmake --build build/release --target bench_national >/dev/null
out=${BENCH_OUT:-build/release/bench_national}
mkdir -p "$out"
args=()
[ -n "${BENCH_STEPS:-}" ] && args+=(--steps "$BENCH_STEPS")
for s in ${BENCH_SETS:-}; do args+=(--set "$s"); done
for t in "${threads[@]}"; do
  echo "== $t thread(s) ==" >&2
  timeout 3600 build/release/tests/bench/bench_national --threads "$t" --output "$out/national_t$t.h5" "${args[@]}" \
    | tee "$out/bench_t$t.txt" >&2
done
# One table: rows = quantities, columns = thread counts (parsed from the human-readable reports).
python3 - "$out" "${threads[@]}" <<'PY'
import re, sys
out, threads = sys.argv[1], sys.argv[2:]
rep = {t: open(f"{out}/bench_t{t}.txt").read() for t in threads}
def num(t, pat):
    m = re.search(pat, rep[t])
    return float(m.group(1)) if m else float("nan")
rows = [("wall time (s)", r"wall time\s+([\d.]+)"), ("output time (s)", r"output ([\d.]+) s\)"),
        ("HDF5 share (%)", r"HDF5 output share\s+([\d.]+)"),
        ("writer thread busy (s)", r"writer thread busy ([\d.]+) s"), ("peak RSS (MiB)", r"peak RSS\s+([\d.]+)"),
        ("bytes per agent", r"MiB = (\d+) bytes per agent"), ("startups min", r"startups min (\d+)"),
        ("startups mean", r"startups min \d+ mean (\d+)"), ("STREAM copy (GB/s)", r"GB/s 1 thread, ([\d.]+) GB/s")]
phases = re.findall(r"^\s+(\w+)\s+[\d.]+\s+[\d.]+%\s+[\d.]+\s+[\d.]+\s+[\d.]+%$", rep[threads[0]], re.M)
for p in phases:
    rows.append((f"{p} (s)", rf"^\s+{p}\s+([\d.]+)"))
    rows.append((f"{p} of STREAM (%)", rf"^\s+{p}\s+[\d.]+\s+[\d.]+%\s+[\d.]+\s+[\d.]+\s+([\d.]+)%"))
print(f"{'':26}" + "".join(f"{t + ' thr':>12}" for t in threads))
for label, pat in rows:
    print(f"{label:26}" + "".join(f"{num(t, re.compile(pat, re.M)):12.2f}" for t in threads))
wall = r"wall time\s+([\d.]+)"
base = num(threads[0], wall)
label = "speed-up vs " + threads[0] + " thr"
print(f"{label:26}" + "".join(f"{base / num(t, wall):12.2f}" for t in threads))
PY
