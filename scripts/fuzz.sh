#!/usr/bin/env bash
# Fuzzes the input readers with libFuzzer + ASan + UBSan (docs/FUZZING.md).
#
#   bash scripts/fuzz.sh [SECONDS [TARGET...]]   # default 60 s, all three targets; e.g. 1200 for a long run
#
# Targets: scenario (tests/fuzz/fuzz_scenario: scenario files and --set overrides), sweep
# (fuzz_sweep: sweep files), study (fuzz_study: calibration-targets and experiment files).
# The targets given run CONCURRENTLY, each for SECONDS of wall-clock time, so the run takes about
# SECONDS whatever the number of targets (on CI's 2 cores, three targets share them: each gets
# about 2/3 of a core). Configures and builds the `fuzz` preset (clang) in build/fuzz, copies each
# seed corpus tests/fuzz/corpus*/ into build/fuzz/corpus*/ (the tree is never modified; inputs the
# fuzzer finds accumulate there from run to run) and runs the targets. Each run gets a folder
# build/fuzz/runs/<time>/<target>/ with its log and any crash/leak/timeout/oom inputs.
# Exit status: 0 no finding, 1 a finding in any target (crash, sanitizer report, leak, timeout,
# out of memory), 2 bad usage or build failure. Extra libFuzzer flags: FUZZ_FLAGS="-use_value_profile=1" etc.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  echo "usage: bash scripts/fuzz.sh [SECONDS [TARGET...]]   (SECONDS: a whole number, default 60;" >&2
  echo "       TARGET: scenario, sweep, study; default all three, run concurrently)" >&2
  exit 2
}
secs="${1:-60}"
[[ "$secs" =~ ^[1-9][0-9]*$ ]] || usage
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario sweep study)
for t in "${targets[@]}"; do
  case "$t" in scenario|sweep|study) ;; *) echo "fuzz: unknown target '$t'" >&2; usage ;; esac
done
if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ not found; install clang (Debian 12: clang-14 and libclang-rt-14-dev)" >&2
  exit 2
fi

echo "fuzz: configuring and building the 'fuzz' preset (clang, libFuzzer, ASan, UBSan) in build/fuzz"
cmake --preset fuzz >/dev/null || { echo "fuzz: configure failed" >&2; exit 2; }
cmake --build --preset fuzz || { echo "fuzz: build failed" >&2; exit 2; }

# Per target: seed corpus in the tree, working corpus in build/fuzz, dictionary.
seed_of()   { case "$1" in scenario) echo tests/fuzz/corpus ;; *) echo "tests/fuzz/corpus_$1" ;; esac; }
corpus_of() { case "$1" in scenario) echo build/fuzz/corpus ;; *) echo "build/fuzz/corpus_$1" ;; esac; }
count()     { find "$1" -maxdepth 1 -type f | wc -l; }

run_root="build/fuzz/runs/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$run_root"

# Runs one target for $secs; writes its summary line to $run_dir/summary.
fuzz_one() {
  local t=$1 bin="build/fuzz/tests/fuzz/fuzz_$1" corpus seed dict run_dir log rc start time_s
  corpus=$(corpus_of "$t"); seed=$(seed_of "$t"); dict="tests/fuzz/$t.dict"
  run_dir="$run_root/$t"; log="$run_dir/fuzz.log"
  mkdir -p "$corpus" "$run_dir"
  # The corpus grows from run to run; libFuzzer replays all of it before fuzzing, outside
  # -max_total_time. Past 2000 inputs, keep only those that add coverage (-merge=1) first.
  if [ "$(count "$corpus")" -gt 2000 ]; then
    echo "fuzz[$t]: compacting the corpus ($(count "$corpus") inputs) with -merge=1"
    rm -rf "$corpus.new" && mkdir "$corpus.new"
    if "$bin" -merge=1 -max_len=4096 -timeout=25 "$corpus.new" "$corpus" >"$run_dir/merge.log" 2>&1; then
      rm -rf "$corpus" && mv "$corpus.new" "$corpus"
    else
      echo "fuzz[$t]: compacting failed (see $run_dir/merge.log); keeping the corpus as it is" >&2
      rm -rf "$corpus.new"
    fi
  fi
  cp "$seed"/* "$corpus"/
  echo "fuzz[$t]: running $bin for ${secs} s; corpus $corpus ($(count "$corpus") inputs), log $log"
  # -timeout: one input taking longer than this is a finding (a 4 KiB file must load fast).
  # -rss_limit_mb: libFuzzer's default, stated. UBSan stops at the first report (it is compiled
  # with -fno-sanitize-recover), so libFuzzer sees it as a crash.
  set +e
  start=$SECONDS
  # shellcheck disable=SC2086  # FUZZ_FLAGS is a list of flags
  ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}" \
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    "$bin" "$corpus" \
      -dict="$dict" -max_len=4096 -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 \
      -artifact_prefix="$run_dir/" -print_final_stats=1 ${FUZZ_FLAGS:-} >"$log" 2>&1
  rc=$?
  time_s=$((SECONDS - start))
  set -e
  local execs findings nfind rate
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
  findings=$(find "$run_dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
               -o -name 'oom-*' \) | sort)
  nfind=$(printf '%s' "$findings" | grep -c . || true)
  # An input slower than 10 s (but under -timeout) is kept as slow-unit-*: reported, not a finding.
  for f in $(find "$run_dir" -maxdepth 1 -type f -name 'slow-unit-*' | sort); do
    echo "fuzz[$t]: note: slow input (over 10 s in the instrumented build): $f" >&2
  done
  rate=$((execs / (time_s > 0 ? time_s : 1)))
  [ "$rc" -eq 0 ] || [ "$nfind" -gt 0 ] || nfind=1  # libFuzzer failed without an artifact: still a finding
  echo "fuzz[$t]: ${execs} executions in ${time_s} s (${rate} exec/s); corpus now $(count "$corpus") inputs; findings: ${nfind}" \
    | tee "$run_dir/summary"
  if [ "$rc" -ne 0 ] || [ -n "$findings" ]; then
    echo "fuzz[$t]: FINDING (libFuzzer exit status $rc); the report:" >&2
    grep -E 'ERROR: |runtime error|FINDING|SUMMARY|Test unit written|deadly signal|uncaught|terminate' "$log" | head -20 >&2 || true
    for f in $findings; do echo "fuzz[$t]: reproduce with: $bin $f" >&2; done
    return 1
  fi
  return 0
}

pids=()
for t in "${targets[@]}"; do
  fuzz_one "$t" &
  pids+=($!)
done
status=0
for p in "${pids[@]}"; do wait "$p" || status=1; done

echo "fuzz: summary (${run_root}):"
for t in "${targets[@]}"; do cat "$run_root/$t/summary" 2>/dev/null || echo "fuzz[$t]: no summary"; done
if [ "$status" -ne 0 ]; then
  echo "fuzz: FINDINGS (see above)" >&2
  exit 1
fi
echo "fuzz: no findings"
