#!/usr/bin/env bash
# Golden-output regression test: every shipped scenario, experiment, calibration and the example
# sweep, run with fixed seeds, must give exactly the simulated values recorded in
# tests/golden/expected.txt (a SHA-256 per dataset and attribute, see digest.py; the tables of
# `experiment` and `calibrate` as CSV, digested the same way). A change that is meant to alter the
# model's results regenerates the file in its own commit:
#     bash tests/golden/golden.sh build/release/biocluster . /tmp/golden --update
# and says why in the commit message; a refactoring must leave it unchanged.
# Usage: golden.sh BIOCLUSTER SOURCE_DIR WORK_DIR [--update]
set -euo pipefail
BIN=$(realpath "$1"); SRC=$(realpath "$2"); WORK=$3; MODE=${4:-check}
PY=/usr/bin/python3
rm -rf "$WORK"; mkdir -p "$WORK"; WORK=$(realpath "$WORK")
cd "$SRC"
out=$WORK/actual.txt; : > "$out"
digest() { "$PY" "$SRC/tests/golden/digest.py" "$@" | sed "s#^== $WORK/#== #"; }
csvdigest() { printf '== %s\n%s\n' "$1" "$(sed -E 's/[0-9.]+ s$//' "$2" | sha256sum | cut -c1-24)"; }

# 1. every scenario file at its own length (the national benchmark: 24 steps), 2 threads
for s in default korea/korea us/boston us/sf_bay us/san_diego \
         experiments/proposal1/hospitals experiments/proposal1/hospitals_living \
         experiments/proposal2/share50 experiments/proposal2/share60 \
         experiments/proposal3/grace10 experiments/proposal3/grace15 experiments/proposal3/ipo_only \
         experiments/proposal4/massachusetts; do
  f=$WORK/run_${s//\//_}.h5
  "$BIN" run "scenarios/$s.toml" --threads 2 -q -o "$f"
  digest "$f" >> "$out"
done
"$BIN" run scenarios/bench/national.toml --steps 24 --threads 2 -q -o "$WORK/run_national.h5"
digest "$WORK/run_national.h5" >> "$out"

# 2. every shipped experiment (4 replicates; 192 steps: Korea 2015-2030, Songdo's 2030 targets, unless the
#    file sets its own steps, whose outcome windows need them) and calibration (4 replicates): the CSV rows
for e in scenarios/experiments/*.toml; do
  n=$(basename "$e" .toml)
  steps=(--steps 192)
  grep -q '^steps *=' "$e" && steps=()
  "$BIN" experiment "$e" --replicates 4 "${steps[@]}" --threads 2 --csv "$WORK/exp_$n.csv" > /dev/null
  csvdigest "exp_$n.csv" "$WORK/exp_$n.csv" >> "$out"
done
for t in scenarios/us/*.targets.toml scenarios/korea/*.targets.toml; do
  n=$(basename "$t" .targets.toml)
  "$BIN" calibrate "$t" --replicates 4 --threads 2 --csv "$WORK/cal_$n.csv" > /dev/null
  csvdigest "cal_$n.csv" "$WORK/cal_$n.csv" >> "$out"
done

# 3. the example sweep (its index and every run file)
"$BIN" sweep scenarios/sweeps/policy.toml -o "$WORK/sweep" --threads 2 -q
digest "$WORK/sweep/index.h5" >> "$out"
digest --per-file $(ls "$WORK"/sweep/runs/*.h5 | sort) >> "$out"

expected=$SRC/tests/golden/expected.txt
if [ "$MODE" = "--update" ]; then
  cp "$out" "$expected"; echo "golden: wrote $(wc -l < "$expected") digests to $expected"; exit 0
fi
if diff -u "$expected" "$out" > "$WORK/diff.txt"; then
  echo "golden: $(wc -l < "$out") digests identical"
else
  echo "golden: simulated output differs from tests/golden/expected.txt ($(grep -c '^[-+][^-+]' "$WORK/diff.txt") lines):"
  head -40 "$WORK/diff.txt"
  echo "(a refactoring must not change results; an intended model change regenerates the file with --update)"
  exit 1
fi
