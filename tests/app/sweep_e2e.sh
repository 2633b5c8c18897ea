#!/usr/bin/env bash
# End-to-end tests of `biocluster sweep`. Usage: sweep_e2e.sh BIOCLUSTER SOURCE_DIR WORK_DIR CASE [MPIEXEC]
# The index (index.h5 and index.csv) must be byte-identical however the runs were made.
set -euo pipefail
bin=$1; src=$2; work=$3; case=$4; mpiexec=${5:-mpirun}
py=${BIOCLUSTER_PYTHON:-$src/.venv/bin/python}; pybin=$(dirname "$py")  # the package's venv (ctest sets it)
sweeps="$src/tests/data/sweeps"
rm -rf "$work"; mkdir -p "$work"; cd "$work"

same_index() {  # DIR_A DIR_B
  cmp "$1/index.csv" "$2/index.csv" || { echo "index.csv differs: $1 vs $2"; diff "$1/index.csv" "$2/index.csv" | head; exit 1; }
  cmp "$1/index.h5" "$2/index.h5" || { echo "index.h5 differs: $1 vs $2"; exit 1; }
}

case "$case" in
  threads)
    "$bin" sweep "$sweeps/small.toml" -o t1 --threads 1 -q
    "$bin" sweep "$sweeps/small.toml" -o t2 --threads 2 -q
    "$bin" sweep "$sweeps/lhs.toml" -o l1 --threads 1 -q
    "$bin" sweep "$sweeps/lhs.toml" -o l3 --threads 3 -q
    same_index t1 t2; same_index l1 l3
    grep -c ',done,' t1/index.csv | grep -qx 4 || { echo "expected 4 done runs"; cat t1/index.csv; exit 1; }
    grep -c ',failed,' t1/index.csv | grep -qx 2 || { echo "expected 2 failed runs"; cat t1/index.csv; exit 1; }
    grep -q 'research_hospitals = 3 > hospitals = 2' t1/index.csv || { echo "failure reason not recorded"; exit 1; }
    "$py" - <<'PY'
import h5py, numpy as np
with h5py.File("t1/index.h5", "r") as f:
    assert [s.decode() for s in f["design/factors"][()]] == ["regions.regional.research_hospitals"]
    assert list(f["runs/point"][()]) == [0, 0, 1, 1, 2, 2]
    seeds = f["runs/seed"][()]
    assert seeds[0] == seeds[2] == seeds[4] and seeds[1] == seeds[3] and seeds[0] != seeds[1], "paired seeds"
    st = [s.decode() for s in f["runs/status"][()]]
    assert st == ["done"] * 4 + ["failed"] * 2, st
    v = f["metrics/startups"][()]
    assert np.all(np.isfinite(v[:4])) and np.all(np.isnan(v[4:]))
    assert f["metrics/startups_founded"].attrs["summary"] in (b"sum over steps and regions", "sum over steps and regions")
print("index layout ok")
PY
    ;;
  standalone)
    # A sweep's run file is bit-identical to `biocluster run` with the same seed and overrides.
    "$bin" sweep "$sweeps/small.toml" -o s -q --threads 2
    line=$("$bin" sweep-design "$sweeps/small.toml" --runs | awk -F, '$1 == 3')
    seed=$(cut -d, -f4 <<<"$line"); sets=$(cut -d, -f5- <<<"$line")
    eval "\"$bin\" run \"$sweeps/../../../scenarios/default.toml\" --seed $seed --steps 24 $sets -q -o alone.h5"
    "$py" "$src/tests/app/compare_runs.py" alone.h5 s/runs/p1_r1.h5
    # Output levels (docs/SWEEPS.md): the default "summary" runs hold /summary and no time series;
    # the same sweep at output = "full" keeps them; both give the same index values.
    sed -e "s|^scenario = .*|scenario = \"$src/scenarios/default.toml\"|" -e 's|^metrics = |output = "full"\nmetrics = |' \
      "$sweeps/small.toml" > full.toml
    "$bin" sweep full.toml -o f -q --threads 2
    "$py" - <<'PY'
import h5py, numpy as np
with h5py.File("s/runs/p1_r1.h5", "r") as a, h5py.File("f/runs/p1_r1.h5", "r") as b:
    assert a.attrs["output_level"] == "summary" and b.attrs["output_level"] == "full", (a.attrs["output_level"], b.attrs["output_level"])
    assert "timeseries" not in a and "events" not in a and "summary" in a, list(a)
    assert "timeseries" in b and "events" in b and "agents" in b, list(b)
    for m in ("startups", "startups_founded"):  # /summary = the totals of the full file's time series
        ts = b["timeseries/" + m][()]
        want = ts.sum(axis=0) if b["timeseries/" + m].attrs["kind"] == "flow" else ts[-1]
        assert np.array_equal(a["summary/" + m][()], want), (m, a["summary/" + m][()], want)
with h5py.File("s/index.h5", "r") as a, h5py.File("f/index.h5", "r") as b:
    for m in ("startups", "startups_founded", "vc_invested"):
        assert np.array_equal(a["metrics/" + m][()], b["metrics/" + m][()], equal_nan=True), m
print("summary-level sweep runs: /summary only, same index values as full output")
PY
    ;;
  shards)
    "$bin" sweep "$sweeps/small.toml" -o full -q
    "$bin" sweep "$sweeps/small.toml" -o sh -q --shard 0/2
    [ ! -e sh/index.csv ] || { echo "a shard wrote the index"; exit 1; }
    set +e; "$bin" sweep-merge sh 2> merge1.txt; rc=$?; set -e
    [ $rc -eq 1 ] && grep -q "missing" merge1.txt || { echo "merge of one shard: rc $rc"; cat merge1.txt; exit 1; }
    grep -q ',missing,' sh/index.csv || { echo "missing runs not marked"; exit 1; }
    "$bin" sweep "$sweeps/small.toml" -o sh -q --shard 1/2
    "$bin" sweep-merge sh -q
    same_index full sh
    ;;
  resume_kill)
    "$bin" sweep "$sweeps/resume.toml" -o ref -q --threads 2
    "$bin" sweep "$sweeps/resume.toml" -o k -q --threads 1 &
    pid=$!
    for _ in $(seq 1 400); do
      n=$(ls k/runs 2>/dev/null | grep -c '\.h5$' || true)
      [ "$n" -ge 2 ] && break
      sleep 0.02
    done
    kill -9 $pid 2>/dev/null || true
    wait $pid 2>/dev/null || true
    done_before=$(ls k/runs | grep -c '\.h5$' || true)
    echo "killed with $done_before of 12 runs complete; partial: $(ls k/runs | grep -c partial || true)"
    [ ! -e k/index.csv ] || [ "$done_before" -eq 12 ] || { echo "index written by a killed sweep"; exit 1; }
    "$bin" sweep "$sweeps/resume.toml" -o k --threads 2 2> rerun.txt
    cat rerun.txt
    grep -q "$done_before done before" rerun.txt || { echo "rerun did not skip the finished runs"; exit 1; }
    ls k/runs | grep -q partial && { echo "partial files left"; exit 1; }
    same_index ref k
    ;;
  changed_sweep)
    cp "$sweeps/small.toml" my.toml
    sed -i 's#"../../../scenarios/default.toml"#"'"$src"'/scenarios/default.toml"#' my.toml
    "$bin" sweep my.toml -o d -q
    sed -i 's/seed = 11/seed = 12/' my.toml
    set +e; out=$("$bin" sweep my.toml -o d -q 2>&1); rc=$?; set -e
    [ $rc -eq 2 ] || { echo "changed sweep: exit code $rc"; echo "$out"; exit 1; }
    grep -q "holds a different sweep" <<<"$out" || { echo "unclear message: $out"; exit 1; }
    echo "$out"
    ;;
  bad_sweeps)
    printf 'scenario = "%s/scenarios/default.toml"\n[factors."policy.basic_reserch_share"]\nvalues = [0.1]\n' "$src" > typo.toml
    set +e; out=$("$bin" sweep typo.toml -o x 2>&1); rc=$?; set -e
    [ $rc -eq 2 ] && grep -q "typo.toml:2: factor 'policy.basic_reserch_share' is not a parameter" <<<"$out" \
      || { echo "typo: rc $rc: $out"; exit 1; }
    printf 'scenario = "%s/scenarios/default.toml"\nmetrics = ["startupz"]\n' "$src" > metric.toml
    set +e; out=$("$bin" sweep metric.toml -o x 2>&1); rc=$?; set -e
    [ $rc -eq 2 ] && grep -q "metric 'startupz' is not a time series" <<<"$out" || { echo "metric: rc $rc: $out"; exit 1; }
    printf 'scenario = "x.toml"\nreplicates = "two"\n' > bad.toml
    set +e; out=$("$bin" sweep bad.toml -o x 2>&1); rc=$?; set -e
    [ $rc -eq 2 ] && grep -q "bad.toml:2: 'replicates' must be an integer" <<<"$out" || { echo "bad: rc $rc: $out"; exit 1; }
    set +e; out=$("$bin" sweep "$sweeps/small.toml" -o x --shard 2/2 2>&1); rc=$?; set -e
    [ $rc -eq 2 ] || { echo "bad shard: rc $rc: $out"; exit 1; }
    [ ! -e x/index.csv ] || { echo "a bad sweep wrote an index"; exit 1; }
    echo "bad sweep files: exit code 2 with file:line"
    ;;
  stats)
    "$bin" sweep "$sweeps/small.toml" -o s -q
    "$pybin/biocluster-sweep-stats" summary s --metric startups > summary.csv
    "$pybin/biocluster-sweep-stats" paired s --metric startups > paired.csv
    cat summary.csv paired.csv
    "$py" - <<'PY'
import pandas as pd
s = pd.read_csv("summary.csv"); p = pd.read_csv("paired.csv")
assert list(s["n"]) == [2, 2, 0], s
assert (s["ci95_lo"][:2] <= s["mean"][:2]).all() and (s["mean"][:2] <= s["ci95_hi"][:2]).all()
assert list(p["point"]) == [1, 2] and list(p["n_pairs"]) == [2, 0], p
PY
    # /stats (biocluster's statistics) against an independent computation from /metrics with t
    # quantiles from a table: 5 replicates (r); runs deleted and merged (r1: n = 4 and n = 1, where
    # sd and the interval are NaN); sweep_stats.py summary prints /stats, paired uses /stats/t95.
    printf 'scenario = "%s/scenarios/default.toml"\nseed = 7\nsteps = 12\nreplicates = 5\nset = ["output.snapshot_every_steps=0", "output.field_snapshot_every_steps=0"]\nmetrics = ["startups_founded", "vc_invested"]\n[factors."policy.basic_research_share"]\nvalues = [0.3, 0.6]\n' "$src" > reps.toml
    "$bin" sweep reps.toml -o r -q
    cp -r r r1
    rm r1/runs/p0_r4.h5 r1/runs/p1_r0.h5 r1/runs/p1_r2.h5 r1/runs/p1_r3.h5 r1/runs/p1_r4.h5
    set +e; "$bin" sweep-merge r1 -q 2> /dev/null; rc=$?; set -e
    [ $rc -eq 1 ] || { echo "sweep-merge with runs missing: rc $rc"; exit 1; }
    # More replicates for a finished sweep: the old runs keep their rows; resume and merge keep the total.
    cp -r r rx
    "$bin" sweep reps.toml -o rx -q --extend-replicates 8
    [ "$(cat rx/sweep.replicates)" = 8 ] || { echo "extend: sweep.replicates not written"; exit 1; }
    "$py" - <<'PY'
import csv
old = {(r["point"], r["replicate"]): r for r in csv.DictReader(open("r/index.csv"))}
new = list(csv.DictReader(open("rx/index.csv")))
assert len(new) == 16 and all(r["status"] == "done" for r in new), len(new)
for r in new:
    if (r["point"], r["replicate"]) in old:
        o = dict(old[(r["point"], r["replicate"])]); o.pop("run"); n = dict(r); n.pop("run")
        assert o == n, (o, n)
assert sum((r["point"], r["replicate"]) in old for r in new) == 10
print("extend-replicates: 10 old rows unchanged, 6 new runs")
PY
    cp rx/index.csv rx.index.csv
    "$bin" sweep reps.toml -o rx -q
    "$bin" sweep-merge rx -q
    cmp rx/index.csv rx.index.csv || { echo "extend: a plain resume or merge changed the extended index"; exit 1; }
    set +e
    out=$("$bin" sweep reps.toml -o rx -q --extend-replicates 8 2>&1); rc1=$?
    out2=$("$bin" sweep reps.toml -o empty -q --extend-replicates 8 2>&1); rc2=$?
    set -e
    [ $rc1 -eq 2 ] && grep -q "already has 8 replicates" <<<"$out" || { echo "extend to the same count: rc $rc1: $out"; exit 1; }
    [ $rc2 -eq 2 ] && grep -q "holds none" <<<"$out2" || { echo "extend an empty dir: rc $rc2: $out2"; exit 1; }
    for d in s r r1; do "$pybin/biocluster-sweep-stats" summary $d --digits 0 > $d.summary.csv; done
    "$pybin/biocluster-sweep-stats" paired r --digits 0 > r.paired.csv
    "$py" - <<'PY'
import csv, math
import h5py
T975 = {1: 12.706204736174698, 2: 4.302652729749464, 3: 3.182446305284263, 4: 2.7764451051977987}

def close(a, b):
    a, b = float(a), float(b)
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-10 * max(1.0, abs(a), abs(b))

def ci(v):  # (n, mean, sd, lo, hi); sd and interval NaN for n < 2
    n, nan = len(v), float("nan")
    if n == 0:
        return 0, nan, nan, nan, nan
    mean = math.fsum(v) / n
    if n < 2:
        return n, mean, nan, nan, nan
    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in v) / (n - 1))
    h = T975[n - 1] * sd / math.sqrt(n)
    return n, mean, sd, mean - h, mean + h

for d, want_n in (("s", [2, 2, 0]), ("r", [5, 5]), ("r1", [4, 1])):
    rows = list(csv.DictReader(open(f"{d}.summary.csv")))
    with h5py.File(f"{d}/index.h5", "r") as f:
        status = [s.decode() for s in f["runs/status"][()]]
        point, npts, reps = f["runs/point"][()], len(f["design/block"]), int(f.attrs["replicates"])
        t95 = f["stats/t95"][()]
        assert len(t95) == reps and math.isnan(t95[0]), t95
        assert all(close(t95[df], T975[df]) for df in range(1, reps)), t95
        for m in f["metrics"]:
            g, vals = f["stats/" + m], f["metrics/" + m][()]
            assert g["mean"].attrs["units"] == f["metrics/" + m].attrs["units"] and "description" in g["ci_low"].attrs
            assert [int(x) for x in g["n"][()]] == want_n, (d, m, g["n"][()])
            for p in range(npts):
                want = ci([x for x, q, st in zip(vals, point, status) if q == p and st == "done" and math.isfinite(x)])
                got = [g[k][p] for k in ("n", "mean", "sd", "ci_low", "ci_high")]
                assert got[0] == want[0] and all(close(a, b) for a, b in zip(got[1:], want[1:])), (d, m, p, got, want)
                row = next(r for r in rows if r["metric"] == m and int(r["point"]) == p)
                csv_vals = [float(row[k]) if row[k] else float("nan") for k in ("mean", "sd", "ci95_lo", "ci95_hi")]
                assert int(row["n"]) == want[0] and all(close(a, b) for a, b in zip(csv_vals, got[1:])), (d, row, got)
    if d == "r":  # paired differences point 1 - point 0, replicate by replicate
        paired = list(csv.DictReader(open("r.paired.csv")))
        for m in ("startups_founded", "vc_invested"):
            with h5py.File("r/index.h5", "r") as f:
                v = f["metrics/" + m][()]
            want = ci([v[5 + i] - v[i] for i in range(5)])
            row = next(r for r in paired if r["metric"] == m)
            got = [int(row["n_pairs"])] + [float(row[k]) for k in ("mean_diff", "sd_diff", "ci95_lo", "ci95_hi")]
            assert got[0] == want[0] and all(close(a, b) for a, b in zip(got[1:], want[1:])), (m, got, want)
print("index /stats equal an independent computation (t table); summary prints them; paired as expected")
PY
    printf 'scenario = "%s/scenarios/default.toml"\nseed = 3\nsteps = 12\ndesign = "morris"\ntrajectories = 2\nlevels = 4\nreplicates = 2\nset = ["output.snapshot_every_steps=0"]\nmetrics = ["startups_founded"]\n[factors."policy.basic_research_share"]\nmin = 0.1\nmax = 0.7\n[factors."regions.capital.startups"]\nmin = 5\nmax = 30\n' "$src" > morris.toml
    "$bin" sweep morris.toml -o m -q
    "$pybin/biocluster-sweep-stats" morris m | tee morris.csv
    # 2 factors x (the metric, and it over the capital area and elsewhere: the default scenario has both)
    [ "$(wc -l < morris.csv)" -eq 7 ] || { echo "morris: expected 6 factor rows"; exit 1; }
    printf 'scenario = "%s/scenarios/default.toml"\nseed = 3\nsteps = 12\ndesign = "sobol"\nsamples = 4\nset = ["output.snapshot_every_steps=0"]\nmetrics = ["startups_founded"]\n[factors."policy.basic_research_share"]\nmin = 0.1\nmax = 0.7\n[factors."regions.capital.startups"]\nmin = 5\nmax = 30\n' "$src" > sobol.toml
    "$bin" sweep sobol.toml -o so -q
    "$pybin/biocluster-sweep-stats" sobol so --bootstrap 50 | tee sobol.csv
    [ "$(wc -l < sobol.csv)" -eq 7 ] || { echo "sobol: expected 6 factor rows"; exit 1; }
    ;;
  mpi)
    "$bin" sweep "$sweeps/small.toml" -o local -q
    "$mpiexec" --allow-run-as-root --oversubscribe -n 2 "$bin" sweep "$sweeps/small.toml" -o m2 -q
    same_index local m2
    "$mpiexec" --allow-run-as-root --oversubscribe -n 3 "$bin" sweep "$sweeps/lhs.toml" -o m3 -q
    "$bin" sweep "$sweeps/lhs.toml" -o l1 -q --threads 1
    same_index l1 m3
    # Calibration and experiments run over the ranks too (results return to rank 0, which alone
    # prints): the same tables and CSV as a local run.
    study="$src/tests/data/study"
    "$bin" calibrate "$study/small.targets.toml" --threads 1 --csv cal_local.csv > cal_local.txt
    "$mpiexec" --allow-run-as-root --oversubscribe -n 3 "$bin" calibrate "$study/small.targets.toml" --csv cal_mpi.csv > cal_mpi.txt
    cmp cal_local.csv cal_mpi.csv || { echo "calibrate under mpirun differs"; diff cal_local.csv cal_mpi.csv | head; exit 1; }
    [ "$(grep -c '^' cal_mpi.txt)" -eq "$(grep -c '^' cal_local.txt)" ] || { echo "calibrate under mpirun printed more than once"; cat cal_mpi.txt; exit 1; }
    e="$src/scenarios/experiments/grace_period.toml"
    "$bin" experiment "$e" --replicates 3 --steps 24 --threads 1 --csv exp_local.csv -q > /dev/null
    "$mpiexec" --allow-run-as-root --oversubscribe -n 3 "$bin" experiment "$e" --replicates 3 --steps 24 --csv exp_mpi.csv -q > exp_mpi.txt
    cmp exp_local.csv exp_mpi.csv || { echo "experiment under mpirun differs"; diff exp_local.csv exp_mpi.csv | head; exit 1; }
    [ "$(grep -c '^# experiment:' exp_mpi.txt)" -eq 1 ] || { echo "experiment under mpirun printed $(grep -c '^# experiment:' exp_mpi.txt) times"; exit 1; }
    echo "mpirun -n 2 and -n 3: identical indexes; calibrate and experiment over 3 ranks: identical CSV, printed once"
    ;;
  *) echo "unknown case $case"; exit 2 ;;
esac
