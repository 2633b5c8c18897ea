#!/usr/bin/env bash
# What a sweep's output costs (issue #20 item 1, docs/PERFORMANCE.md §5): the same N Korea runs
# (same seeds) as an in-memory experiment and as sweeps at each output level, interleaved
# (memory, summary, series, events, full, memory, ...) so that load drifts hit every case alike.
# Prints, per case, the median wall time and CPU time (user + sys) over the repetitions, the ratio
# to the in-memory runs, and output's share of the sweep's CPU = (CPU sweep - CPU memory) / CPU sweep.
#
#   bash scripts/bench_sweep_output.sh                 # 32 runs, 3 repetitions, 1 thread
#   BENCH_RUNS=8 BENCH_REPS=1 BENCH_STEPS=60 bash scripts/bench_sweep_output.sh   # smoke run
#
# Environment: BENCH_RUNS (runs per case), BENCH_REPS (repetitions), BENCH_STEPS (steps per run;
# default: the scenario's 420), BENCH_THREADS (worker threads, default 1), BENCH_OUT (scratch
# directory, default build/release/bench_sweep_output), BIOCLUSTER (the binary).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${BIOCLUSTER:-build/release/biocluster}
runs=${BENCH_RUNS:-32}
reps=${BENCH_REPS:-3}
threads=${BENCH_THREADS:-1}
out=${BENCH_OUT:-build/release/bench_sweep_output}
steps_line=""
steps_arg=()
if [[ -n "${BENCH_STEPS:-}" ]]; then steps_line="steps = $BENCH_STEPS"; steps_arg=(--steps "$BENCH_STEPS"); fi
[[ -x "$bin" ]] || { echo "bench_sweep_output: no binary at $bin; build first (cmake --build --preset release)" >&2; exit 2; }
rm -rf "$out"
mkdir -p "$out"
here=$(pwd)

# The experiment: the Korea baseline only, one outcome; seed 2020, as the sweeps below.
cat > "$out/memory.toml" <<TOML
name = "sweep output benchmark: the runs in memory"
question = "(benchmark)"
mechanism = "(benchmark)"
replicates = $runs
seed = 2020
[baseline]
name = "baseline"
scenario = "$here/scenarios/korea/korea.toml"
[[outcome]]
name = "startups founded"
metric = "startups_founded"
TOML
levels=(summary series events full)
for level in "${levels[@]}"; do
  cat > "$out/$level.toml" <<TOML
scenario = "$here/scenarios/korea/korea.toml"
replicates = $runs
seed = 2020
$steps_line
output = "$level"
metrics = ["startups", "startups_founded", "vc_invested", "employment_total"]
TOML
done

# One timed case: prints "wall cpu" in seconds (CPU = user + sys of the process and its threads).
timed() {
  local t0 t1
  t0=$(date +%s.%N)
  /usr/bin/time -o "$out/time.txt" -f "%U %S" "$@" > /dev/null 2> "$out/last.err" || {
    echo "bench_sweep_output: failed: $*" >&2
    cat "$out/last.err" >&2
    exit 1
  }
  t1=$(date +%s.%N)
  /usr/bin/python3 -c "import sys; u, s = map(float, open(sys.argv[3]).read().split()[-2:]); print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f} {u + s:.3f}')" \
    "$t0" "$t1" "$out/time.txt"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
: > "$out/times.txt"
for ((rep = 1; rep <= reps; rep++)); do
  echo "bench_sweep_output: repetition $rep of $reps" >&2
  echo "memory $(timed "$bin" experiment "$out/memory.toml" --threads "$threads" "${steps_arg[@]}")" >> "$out/times.txt"
  for level in "${levels[@]}"; do
    rm -rf "$out/sweep_$level"
    echo "$level $(timed "$bin" sweep "$out/$level.toml" -o "$out/sweep_$level" -q --threads "$threads")" >> "$out/times.txt"
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

/usr/bin/python3 - "$out" "$runs" "$reps" "$threads" "${BENCH_STEPS:-420}" "$load_before" "$load_after" <<'PY'
import os, statistics, sys
out, runs, reps, threads, steps, load0, load1 = sys.argv[1:8]
rows = {}
for line in open(os.path.join(out, "times.txt")):
    case, wall, cpu = line.split()
    rows.setdefault(case, []).append((float(wall), float(cpu)))
med = {c: (statistics.median(w for w, _ in v), statistics.median(c_ for _, c_ in v)) for c, v in rows.items()}
def size(level):
    d = os.path.join(out, f"sweep_{level}", "runs")
    files = [os.path.join(d, f) for f in os.listdir(d) if f.endswith(".h5")] if os.path.isdir(d) else []
    return sum(os.path.getsize(f) for f in files) / max(1, len(files))
mw, mc = med["memory"]
print(f"Korea runs: {runs} per case, {steps} steps each, {threads} worker thread(s), median of {reps} "
      f"interleaved repetition(s); load average before {load0}, after {load1}, nproc {os.cpu_count()}")
print(f"{'case':<22}{'wall s':>9}{'CPU s':>9}{'wall / memory':>15}{'output share of CPU':>21}{'file per run':>15}")
print(f"{'in memory (experiment)':<22}{mw:>9.2f}{mc:>9.2f}{1.0:>15.2f}{'-':>21}{'-':>15}")
for level in ("summary", "series", "events", "full"):
    w, c = med[level]
    share = max(0.0, (c - mc) / c) if c > 0 else 0.0
    print(f"{'sweep, ' + level:<22}{w:>9.2f}{c:>9.2f}{w / mw:>15.2f}{100 * share:>20.1f}%{size(level) / 1e3:>12.0f} kB")
w, c = med["series"]
share = max(0.0, (c - mc) / c)
print(f"goal: series sweep within 1.15x of memory: {w / mw:.2f}x {'met' if w / mw <= 1.15 else 'NOT met'}; "
      f"output < 10% of the sweep's CPU: {100 * share:.1f}% {'met' if share < 0.10 else 'NOT met'}")
PY
