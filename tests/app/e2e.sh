#!/usr/bin/env bash
# End-to-end tests of the biocluster executable. Usage: e2e.sh BIOCLUSTER SOURCE_DIR WORK_DIR CASE
set -euo pipefail
bin=$1; src=$2; work=$3; case=$4
py=/usr/bin/python3
mkdir -p "$work"
cd "$work"
scenario="$src/scenarios/default.toml"

case "$case" in
  run_default)
    rm -f run.h5 run.h5.partial
    "$bin" run "$scenario" --steps 36 -o run.h5 > summary.txt
    [ -f run.h5 ] || { echo "run.h5 missing"; exit 1; }
    [ ! -e run.h5.partial ] || { echo "run.h5.partial left behind"; exit 1; }
    grep -q "startups founded" summary.txt || { echo "no summary table"; cat summary.txt; exit 1; }
    # default.toml has a capital-area region and one outside it: group columns add up to the total
    "$py" - <<'PY'
lines = open("summary.txt").read().splitlines()
head = lines[0].replace("capital area", "capital_area").split()
assert head[-3:] == ["capital_area", "elsewhere", "total"], head
row = next(l for l in lines if l.startswith("startups founded"))
capital, regional, cap, rest, total = (float(x) for x in row.split()[-5:])
assert (cap, rest, total) == (capital, regional, capital + regional), row
print("summary: capital-area and elsewhere columns")
PY
    "$py" "$src/tests/app/check_run_file.py" run.h5 36
    # Without -o: out/<scenario name>.h5, made and named on stderr.
    rm -rf out
    "$bin" run "$scenario" --steps 6 > /dev/null 2> noout.txt
    [ -f out/default.h5 ] || { echo "out/default.h5 missing"; ls; exit 1; }
    grep -q "no -o given: writing out/default.h5" noout.txt || { echo "not said: $(cat noout.txt)"; exit 1; }
    ;;
  threads)
    for t in 1 2 4 8; do "$bin" run "$scenario" --steps 48 --seed 5 --threads $t -q -o t$t.h5; done
    for t in 2 4 8; do "$py" "$src/tests/app/compare_runs.py" t1.h5 t$t.h5; done
    "$bin" run "$scenario" --steps 48 --seed 6 --threads 1 -q -o seed6.h5
    "$py" "$src/tests/app/compare_runs.py" t1.h5 seed6.h5 --expect-different
    ;;
  set_override)
    "$bin" run "$scenario" --steps 12 -q -o a.h5 --set policy.basic_research_share=0.9
    "$py" - <<'PY'
import h5py
with h5py.File("a.h5", "r") as f:
    assert "policy.basic_research_share = 0.9" in f.attrs["resolved_parameters"], "override not in resolved parameters"
print("override recorded")
PY
    # check --diff: only what the file and --set change, each with its default
    "$bin" check "$scenario" --diff --set policy.basic_research_share=0.9 > diff.txt
    grep -q "^policy.basic_research_share = 0.9  # default 0.4$" diff.txt || { cat diff.txt; exit 1; }
    grep -q "^regions.capital.amenity_index = 0.8  # default 0.5$" diff.txt || { cat diff.txt; exit 1; }
    ! grep -q "^policy.grace_period_years" diff.txt || { echo "an unchanged key listed"; exit 1; }
    n=$(grep -vc '^#' diff.txt); grep -q "valid; $n parameters differ from the defaults" diff.txt || { head -1 diff.txt; exit 1; }
    ;;
  version)
    "$bin" --version | grep -q "biocluster 0" || { echo "bad --version"; exit 1; }
    "$bin" run --help | grep -q -- "--threads" || { echo "run --help does not list --threads"; exit 1; }
    ;;
  bad_inputs)
    # Every file in tests/data/bad/ starts with '# expect: TEXT'; `check` must exit 2 and print TEXT.
    n=0
    for f in "$src"/tests/data/bad/*.toml; do
      expect=$(sed -n '1s/^# expect: //p' "$f")
      set +e; out=$("$bin" check "$f" 2>&1); rc=$?; set -e
      if [ $rc -ne 2 ]; then echo "$f: exit code $rc, expected 2"; echo "$out"; exit 1; fi
      if ! grep -qF -- "$expect" <<<"$out"; then echo "$f: message lacks '$expect':"; echo "$out"; exit 1; fi
      n=$((n+1))
    done
    set +e; "$bin" run "$src/tests/data/bad/unknown_key.toml" -o bad.h5 -q 2>/dev/null; rc=$?; set -e
    [ $rc -eq 2 ] || { echo "run on a bad scenario exited $rc"; exit 1; }
    [ ! -e bad.h5 ] && [ ! -e bad.h5.partial ] || { echo "a bad scenario left an output file"; exit 1; }
    set +e; out=$("$bin" run "$scenario" -o /nonexistent_dir/x.h5 -q 2>&1); rc=$?; set -e
    [ $rc -eq 3 ] || { echo "unwritable output exited $rc: $out"; exit 1; }
    grep -q "/nonexistent_dir" <<<"$out" || { echo "unwritable-output message lacks the path: $out"; exit 1; }
    # Resource guard: a scenario estimated above --max-memory is refused before anything is allocated.
    set +e; out=$("$bin" run "$scenario" --set grid.width=6000 --set grid.height=6000 --max-memory 0.5 -q -o big.h5 2>&1); rc=$?; set -e
    [ $rc -eq 2 ] && grep -q "scenario needs about" <<<"$out" || { echo "memory guard: rc $rc: $out"; exit 1; }
    [ ! -e big.h5.partial ] || { echo "memory guard left a file"; exit 1; }
    echo "$n bad-input cases give exit code 2 and the expected message; the memory guard refuses a 36M-cell grid under 0.5 GiB"
    ;;
  replay)
    rm -f r.h5 r.replay.h5 tampered.h5
    "$bin" run "$scenario" --steps 36 --seed 9 -q -o r.h5
    "$bin" replay r.h5 | grep -q "reproduced exactly" || { echo "replay of an untouched run failed"; exit 1; }
    [ ! -e r.replay.h5 ] || { echo "replay file left behind after success"; exit 1; }
    cp r.h5 tampered.h5
    "$py" -c "
import h5py
with h5py.File('tampered.h5', 'r+') as f:
    d = f['timeseries/startups']; d[5, 0] = d[5, 0] + 1
"
    set +e; out=$("$bin" replay tampered.h5 2>&1); rc=$?; set -e
    [ $rc -eq 5 ] || { echo "replay of a tampered run exited $rc: $out"; exit 1; }
    grep -q "timeseries/startups has different values" <<<"$out" || { echo "replay did not name the tampered dataset: $out"; exit 1; }
    echo "not hdf5" > text.h5
    set +e; out=$("$bin" replay text.h5 2>&1); rc=$?; set -e
    [ $rc -eq 3 ] && grep -q "is not an HDF5 file" <<<"$out" || { echo "replay of a text file: rc $rc: $out"; exit 1; }
    "$py" -c "
import h5py
with h5py.File('foreign.h5', 'w') as f: f['x'] = [1, 2, 3]
"
    set +e; out=$("$bin" replay foreign.h5 2>&1); rc=$?; set -e
    [ $rc -eq 3 ] && grep -q "not a biocluster run" <<<"$out" || { echo "replay of a foreign file: rc $rc: $out"; exit 1; }
    echo "replay reproduces a run, detects a changed value, and rejects text and foreign files"
    ;;
  kill)
    # SIGKILL mid-run: no .h5 may appear; the .partial opens and holds every flushed step.
    rm -f k.h5 k.h5.partial
    "$bin" run "$scenario" --steps 12000 -q -o k.h5 --set output.flush_every_steps=6 --set output.snapshot_every_steps=0 \
        --set output.field_snapshot_every_steps=0 &
    pid=$!
    for i in $(seq 1 100); do
      sleep 0.1
      if [ -e k.h5.partial ] && "$py" -c "
import h5py, sys
f = h5py.File('k.h5.partial', 'r', swmr=True)
sys.exit(0 if f.attrs['steps_written'] >= 24 else 1)" 2>/dev/null; then break; fi
    done
    kill -9 $pid; wait $pid 2>/dev/null || true
    [ ! -e k.h5 ] || { echo "a killed run left k.h5"; exit 1; }
    [ -e k.h5.partial ] || { echo "a killed run left no .partial"; exit 1; }
    "$py" - <<'PY'
import h5py, numpy as np
with h5py.File("k.h5.partial", "r", swmr=True) as f:
    n = int(f.attrs["steps_written"])
    assert f.attrs["status"] == "incomplete", f.attrs["status"]
    assert n >= 24, n
    assert f["time/step"].shape[0] >= n
    assert np.array_equal(f["time/step"][:n], np.arange(n))
    for name, d in f["timeseries"].items():
        assert d.shape[0] >= n, name
        assert np.all(np.isfinite(d[:n])), name
print(f"killed run: .partial opens (SWMR) with {n} flushed steps, all finite")
PY
    ;;
  disk_full)
    # A full disk (simulated with a file-size limit) gives a clear error and exit code 3, no crash,
    # no final file, and keeps the .partial with what was flushed.
    rm -f full.h5 full.h5.partial
    set +e; out=$( (ulimit -f 200; "$bin" run "$scenario" -q -o full.h5) 2>&1); rc=$?; set -e
    [ $rc -eq 3 ] || { echo "disk full: exit code $rc (expected 3): $out"; exit 1; }
    grep -q "check free disk space" <<<"$out" || { echo "disk full: message lacks a hint: $out"; exit 1; }
    [ ! -e full.h5 ] || { echo "disk full left a final file"; exit 1; }
    [ -e full.h5.partial ] || { echo "disk full left no .partial"; exit 1; }
    echo "disk full: exit 3 with '$(grep -o "File too large" <<<"$out" | head -1)' and a hint; .partial kept"
    ;;
  docs_params)
    # docs/MODEL.md §8 must list every parameter with its current default.
    "$bin" check --defaults --markdown | grep '^| `' | sort -u > rows.txt
    missing=0
    while IFS= read -r row; do
      grep -qF -- "$row" "$src/docs/MODEL.md" || { echo "docs/MODEL.md lacks: $row"; missing=1; }
    done < rows.txt
    [ $missing -eq 0 ] && echo "docs/MODEL.md lists all $(wc -l < rows.txt) parameters with their defaults"
    exit $missing
    ;;
  calibrate)
    # calibrate: a table with every target, exit 0; --strict exits 6 when a target misses; the same
    # seeds give the same numbers at 1 and 2 threads.
    t="$src/tests/data/study/small.targets.toml"
    "$bin" calibrate "$t" --threads 1 --csv cal1.csv > cal1.txt
    "$bin" calibrate "$t" --threads 2 --csv cal2.csv > cal2.txt
    grep -q "startups founded" cal1.txt && grep -q "impossible" cal1.txt || { cat cal1.txt; exit 1; }
    grep -q "1 of 2 targets within their goal" cal1.txt || { echo "expected 1 of 2 within goal"; cat cal1.txt; exit 1; }
    cmp cal1.csv cal2.csv || { echo "calibration differs between 1 and 2 threads"; exit 1; }
    set +e; "$bin" calibrate "$t" --strict > /dev/null; rc=$?; set -e
    [ $rc -eq 6 ] || { echo "--strict: exit $rc (expected 6)"; exit 1; }
    set +e; out=$("$bin" calibrate "$src/tests/data/study/bad.targets.toml" 2>&1); rc=$?; set -e
    [ $rc -eq 2 ] || { echo "bad targets: exit $rc (expected 2): $out"; exit 1; }
    grep -q "bad.targets.toml:3: unknown metric 'startups_foundd'" <<<"$out" || { echo "no file:line for the metric: $out"; exit 1; }
    grep -q "not inside the run, which covers 2020-01 .. 2021-12" <<<"$out" || { echo "no window hint: $out"; exit 1; }
    # Every shipped targets file loads and runs (2 replicates: a parse-and-run check, not a fit).
    for f in "$src"/scenarios/*/*.targets.toml; do
      "$bin" calibrate "$f" --replicates 2 > shipped.txt || { echo "shipped targets file failed: $f"; cat shipped.txt; exit 1; }
      grep -q "targets within their goal" shipped.txt || { echo "no verdict line for $f"; exit 1; }
    done
    echo "calibrate: table, --strict exit 6, thread-independent CSV, bad input named with file:line, shipped targets files run"
    ;;
  experiment)
    # Every shipped experiment set is valid and each variant changes exactly what it declares; a
    # variant that changes more is refused; a tiny run prints paired differences.
    for f in "$src"/scenarios/experiments/*.toml; do "$bin" experiment "$f" --check; done
    set +e; out=$("$bin" experiment "$src/tests/data/study/undeclared.experiment.toml" --check 2>&1); rc=$?; set -e
    [ $rc -eq 2 ] || { echo "undeclared change: exit $rc (expected 2): $out"; exit 1; }
    grep -q "changes keys it does not declare: policy.basic_research_share" <<<"$out" || { echo "bad message: $out"; exit 1; }
    BIOCLUSTER_PROGRESS_SECONDS=0 "$bin" experiment "$src/scenarios/experiments/grace_period.toml" --replicates 2 \
      --steps 12 --csv exp.csv > exp.txt 2> progress.txt
    grep -q "10 years vs 7 years" exp.txt || { cat exp.txt; exit 1; }
    # stderr is a file here: progress comes as plain lines (no carriage returns), the last one "finished"
    grep -q "^study: 8/8 runs (100%), .* runs/s, elapsed .*, finished$" progress.txt || { cat progress.txt; exit 1; }
    [ "$(grep -c '^study: ' progress.txt)" -ge 2 ] || { echo "one progress line only"; cat progress.txt; exit 1; }
    ! grep -q $'\r' progress.txt || { echo "carriage return in a log"; exit 1; }
    "$bin" experiment -q "$src/scenarios/experiments/grace_period.toml" --replicates 2 --steps 12 > /dev/null 2> quiet.txt
    [ ! -s quiet.txt ] || { echo "-q printed: $(cat quiet.txt)"; exit 1; }
    [ "$(wc -l < exp.csv)" -gt 10 ] || { echo "CSV too short"; exit 1; }
    # The answer explains itself: each variant's lever reach and the mechanism trace are printed ...
    grep -q "policy.grace_period_years acts on acquisitions by large groups" exp.txt || { cat exp.txt; exit 1; }
    grep -q "^## Mechanism trace" exp.txt || { echo "no mechanism trace"; exit 1; }
    grep -q "of which won only with the grace-period value" exp.txt || { echo "no grace channel"; exit 1; }
    # ... and on a baseline where acquisitions stop, the grace-period lever has nothing to act on.
    "$bin" experiment -q "$src/tests/data/study/reach.experiment.toml" > reach.txt
    grep -q "^warning: lever reach: variant 'no acquisitions, 10 years' changes policy.grace_period_years.*nothing to act on" \
      reach.txt || { cat reach.txt; exit 1; }
    # Robustness of the sign: every arm over Latin-hypercube sets of the uncertain parameters; the same
    # answer whatever the thread count; a lever a variant changes is not sampled.
    for t in 1 2; do
      "$bin" experiment -q "$src/scenarios/experiments/grace_period.toml" --replicates 2 --steps 24 --robust 3 \
        --robust-replicates 2 --threads $t | sed 's/runs in [0-9.e+-]* s/runs in T s/' > robust$t.txt
    done
    cmp -s robust1.txt robust2.txt || { diff robust1.txt robust2.txt | head; echo "--robust depends on threads"; exit 1; }
    grep -q "^## Robustness of the sign (3 Latin-hypercube sets .* 2 paired replicates, 24 runs" robust1.txt \
      || { cat robust1.txt; exit 1; }
    grep -q "^  pharma.compliance_cost_usd_per_year 1,000,000 x \[0.25, 4\]" robust1.txt || { cat robust1.txt; exit 1; }
    grep -q "sign kept in" robust1.txt && grep -q "of 3" robust1.txt || { echo "no sign shares"; exit 1; }
    "$bin" experiment -q "$src/tests/data/study/robust.experiment.toml" --robust 2 --robust-replicates 1 > robust_lever.txt
    grep -q "not sampled: pharma.compliance_cost_usd_per_year (a variant changes it)" robust_lever.txt \
      || { cat robust_lever.txt; exit 1; }
    # With --save-runs: the same --robust answer (each set's overrides applied), and the saved runs stay the
    # table's (2 arms x 2 replicates; the sets' runs are not written over them or beside them).
    "$bin" experiment -q "$src/tests/data/study/robust.experiment.toml" --robust 2 --robust-replicates 2 \
      | sed 's/runs in [0-9.e+-]* s/runs in T s/' > robust_plain.txt
    rm -rf saved
    "$bin" experiment -q "$src/tests/data/study/robust.experiment.toml" --robust 2 --robust-replicates 2 \
      --save-runs saved | sed 's/runs in [0-9.e+-]* s/runs in T s/' > robust_saved.txt
    cmp -s robust_plain.txt robust_saved.txt || { diff robust_plain.txt robust_saved.txt | head; echo "--save-runs changed --robust"; exit 1; }
    [ "$(ls saved/v*_r*.h5 | wc -l)" -eq 4 ] || { ls saved; echo "--robust runs saved beside the table's"; exit 1; }
    echo "experiment: all shipped sets valid, undeclared change refused, paired table written, progress lines in a log, --robust"
    ;;
  *) echo "unknown case $case"; exit 2 ;;
esac
