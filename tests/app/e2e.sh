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
    "$py" "$src/tests/app/check_run_file.py" run.h5 36
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
    echo "$n bad-input cases give exit code 2 and the expected message"
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
  *) echo "unknown case $case"; exit 2 ;;
esac
