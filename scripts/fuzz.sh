#!/usr/bin/env bash
# Fuzzes the scenario loader with libFuzzer + ASan + UBSan (docs/FUZZING.md).
#
#   bash scripts/fuzz.sh [SECONDS]      # default 60; e.g. 1200 for a long run
#
# Configures and builds the `fuzz` preset (clang) in build/fuzz, copies the seed corpus
# tests/fuzz/corpus into build/fuzz/corpus (the tree is never modified; inputs the fuzzer finds
# accumulate there from run to run) and runs tests/fuzz/fuzz_scenario for SECONDS. Each run gets a
# folder build/fuzz/runs/<time>/ with its log and any crash/leak/timeout/oom inputs.
# Exit status: 0 no finding, 1 a finding (crash, sanitizer report, leak, timeout, out of memory),
# 2 bad usage or build failure. Extra libFuzzer flags: FUZZ_FLAGS="-use_value_profile=1" etc.
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-60}"
if ! [[ "$secs" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: bash scripts/fuzz.sh [SECONDS]   (a whole number of seconds, default 60)" >&2
  exit 2
fi
if ! command -v clang++ >/dev/null 2>&1; then
  echo "fuzz: clang++ not found; install clang (Debian 12: clang-14 and libclang-rt-14-dev)" >&2
  exit 2
fi

echo "fuzz: configuring and building the 'fuzz' preset (clang, libFuzzer, ASan, UBSan) in build/fuzz"
cmake --preset fuzz >/dev/null || { echo "fuzz: configure failed" >&2; exit 2; }
cmake --build --preset fuzz || { echo "fuzz: build failed" >&2; exit 2; }

bin=build/fuzz/tests/fuzz/fuzz_scenario
corpus=build/fuzz/corpus
run_dir="build/fuzz/runs/$(date +%Y%m%d-%H%M%S)"
mkdir -p "$corpus" "$run_dir"
# The corpus grows from run to run; libFuzzer replays all of it before fuzzing, outside
# -max_total_time. Past 2000 inputs, keep only those that add coverage (-merge=1) first.
if [ "$(find "$corpus" -maxdepth 1 -type f | wc -l)" -gt 2000 ]; then
  echo "fuzz: compacting the corpus ($(find "$corpus" -maxdepth 1 -type f | wc -l) inputs) with -merge=1"
  rm -rf "$corpus.new" && mkdir "$corpus.new"
  if "$bin" -merge=1 -max_len=4096 -timeout=25 "$corpus.new" "$corpus" >"$run_dir/merge.log" 2>&1; then
    rm -rf "$corpus" && mv "$corpus.new" "$corpus"
  else
    echo "fuzz: compacting failed (see $run_dir/merge.log); keeping the corpus as it is" >&2
    rm -rf "$corpus.new"
  fi
fi
cp tests/fuzz/corpus/* "$corpus"/
log="$run_dir/fuzz.log"

echo "fuzz: running $bin for ${secs} s; corpus $corpus ($(ls "$corpus" | wc -l) inputs), log $log"
# -timeout: one input taking longer than this is a finding (a 4 KiB scenario must load fast).
# -rss_limit_mb: libFuzzer's default, stated. UBSan stops at the first report (it is compiled
# with -fno-sanitize-recover), so libFuzzer sees it as a crash.
set +e
start=$SECONDS
# shellcheck disable=SC2086  # FUZZ_FLAGS is a list of flags
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}" \
UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
  "$bin" "$corpus" \
    -dict=tests/fuzz/scenario.dict -max_len=4096 -max_total_time="$secs" -timeout=25 -rss_limit_mb=2048 \
    -artifact_prefix="$run_dir/" -print_final_stats=1 ${FUZZ_FLAGS:-} >"$log" 2>&1
rc=$?
time_s=$((SECONDS - start))
set -e

execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | awk '{s += $2} END {print s + 0}')
findings=$(find "$run_dir" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
             -o -name 'oom-*' \) | sort)
nfind=$(printf '%s' "$findings" | grep -c . || true)
# An input slower than 10 s (but under -timeout) is kept as slow-unit-*: reported, not a finding.
for f in $(find "$run_dir" -maxdepth 1 -type f -name 'slow-unit-*' | sort); do
  echo "fuzz: note: slow input (over 10 s in the instrumented build): $f" >&2
done
rate=$((execs / (time_s > 0 ? time_s : 1)))

echo "fuzz: ${execs} executions in ${time_s} s (${rate} exec/s); corpus now $(ls "$corpus" | wc -l) inputs; findings: ${nfind}"
if [ "$rc" -ne 0 ] || [ "$nfind" -gt 0 ]; then
  echo "fuzz: FINDING (libFuzzer exit status $rc); the report:" >&2
  grep -E 'ERROR: |runtime error|FINDING|SUMMARY|Test unit written|deadly signal|uncaught|terminate' "$log" | head -20 >&2 || true
  for f in $findings; do echo "fuzz: reproduce with: $bin $f" >&2; done
  exit 1
fi
echo "fuzz: no findings"
