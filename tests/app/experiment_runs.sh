#!/usr/bin/env bash
# `biocluster experiment --save-runs DIR` and biocluster-plot-experiment (docs/EXPERIMENTS.md,
# "Figures over time"). Usage: experiment_runs.sh BIOCLUSTER SOURCE_DIR WORK_DIR
set -euo pipefail
bin=$1; src=$2; work=$3
py=${BIOCLUSTER_PYTHON:-$src/.venv/bin/python}; pybin=$(dirname "$py")  # the package's venv (ctest sets it)
rm -rf "$work"; mkdir -p "$work"; cd "$work"
exp="$src/scenarios/experiments/grace_period.toml"   # Korea: baseline and 3 variants
"$bin" experiment "$exp" --replicates 3 --steps 36 -q --csv plain.csv > plain.txt
"$bin" experiment "$exp" --replicates 3 --steps 36 -q --save-runs saved > saved.txt
# The same tables with and without saving (the last line gives the wall time).
diff <(grep -v ' runs in \| s$' plain.txt) <(grep -v ' runs in \| s$' saved.txt) \
  || { echo "--save-runs changed the experiment's tables"; exit 1; }
cmp plain.csv saved/results.csv || { echo "results.csv differs from --csv"; exit 1; }
[ "$(ls saved/v*_r*.h5 | wc -l)" -eq 12 ] || { echo "expected 12 run files"; ls saved; exit 1; }
"$py" - <<'PY'
import csv, h5py
runs = list(csv.DictReader(open("saved/runs.csv")))
assert len(runs) == 12 and {r["variant_index"] for r in runs} == {"0", "1", "2", "3"}, runs
seeds = {}
for r in runs:  # paired: replicate r has the same seed in every variant
    seeds.setdefault(r["replicate"], set()).add(r["seed"])
    with h5py.File("saved/" + r["file"], "r") as f:
        assert f.attrs["output_level"] == "series" and f.attrs["status"] == "complete"
        assert int(f.attrs["seed"]) == int(r["seed"]) and len(f["time/step"]) == 36
        assert "timeseries" in f and "events" not in f
assert all(len(s) == 1 for s in seeds.values()), seeds
oc = list(csv.DictReader(open("saved/outcomes.csv")))
assert oc[0]["metrics"] == "startups_founded" and oc[1]["regions"] == "outside_capital_area", oc[:2]
print(f"save-runs: 12 paired run files, {len(oc)} outcomes described")
PY
"$pybin/biocluster-plot-experiment" saved -o figs > figs.txt
for f in time_v1_1 time_v3_1 forest capital_area; do
  [ -s "figs/$f.png" ] || { echo "figs/$f.png missing"; cat figs.txt; exit 1; }
  [ "$(stat -c %s "figs/$f.png")" -gt 20000 ] || { echo "figs/$f.png is nearly empty"; exit 1; }
  grep -q "src=\"$f.png\"" figs/report.html || { echo "report.html does not show $f.png"; exit 1; }
done
# The report opens with the question and the findings, says how the baseline is calibrated, shows KRW.
for want in "Question." "<h2>Findings</h2>" "How far to trust the baseline" "korea.targets.toml" "KRW" "Appendix"; do
  grep -q "$want" figs/report.html || { echo "report.html lacks '$want'"; exit 1; }
done
[ "$(grep -o '<h1>' figs/report.html | wc -l)" -eq 1 ] || { echo "report.html: expected one title"; exit 1; }
set +e; out=$("$pybin/biocluster-plot-experiment" "$work/nowhere" 2>&1); rc=$?; set -e
[ $rc -eq 2 ] && grep -q "save-runs" <<<"$out" || { echo "a missing DIR: rc $rc: $out"; exit 1; }
echo "experiment figures: time, forest and capital-area figures, report.html"
