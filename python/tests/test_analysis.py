"""load_run, load_sweep and load_experiment on real runs, checked against what the C++ side wrote,
and biocluster-report choosing the report by what its path holds."""
import os

import numpy as np
import pytest

import biocluster as bc
from conftest import BIN, SRC, sh


# ----- runs ---------------------------------------------------------------------------------------
def test_run_tables_and_totals(default_run):
    run = bc.load_run(default_run)
    assert run.complete and run.n_steps == 24
    assert list(run.timeseries.columns) == ["date", "step", "region", "metric", "value", "units"]
    w = run.wide("startups_founded")
    assert list(w.columns) == run.region_names and len(w) == 24
    # /summary (written by the C++ side) is a flow's sum over the steps, a stock's last value
    s = run.summary.set_index(["metric", "region"])["value"]
    for m in ("startups_founded", "startups"):
        w = run.wide(m)
        want = w.sum() if run.metrics.loc[m, "kind"] == "flow" else w.iloc[-1]
        for r in run.region_names:
            assert s[(m, r)] == pytest.approx(want[r], rel=1e-12, abs=1e-9), (m, r)


def test_run_groups_add_up(korea_run):
    run = bc.load_run(korea_run)
    g = run.by_group("startups")
    assert list(g.columns) == ["capital_area", "elsewhere", "total"]
    np.testing.assert_allclose(g["capital_area"] + g["elsewhere"], g["total"])
    cap = [r for r, c in zip(run.region_names, run.regions["capital_area"]) if c]
    assert set(cap) == {"hongneung", "songdo", "pangyo"}
    np.testing.assert_allclose(g["capital_area"], run.wide("startups")[cap].sum(axis=1))


def test_run_as_xarray(default_run):
    xr = pytest.importorskip("xarray", reason="Debian's python3-xarray (scripts/bootstrap.sh installs it)")
    run = bc.load_run(default_run)
    ds = run.to_xarray(["startups", "startups_founded"])
    assert isinstance(ds, xr.Dataset) and ds["startups"].dims == ("date", "region")
    assert ds["startups"].attrs["kind"] == "stock" and ds["startups_founded"].attrs["kind"] == "flow"
    np.testing.assert_array_equal(ds["startups"].sel(region="capital").to_numpy(), run.wide("startups")["capital"])
    assert bool(ds["capital_area"].sel(region="capital")) and not bool(ds["capital_area"].sel(region="regional"))


def test_summary_level_file_refuses_series(exe, work):
    path = str(work / "summary_level.h5")
    r = sh([exe, "run", os.path.join(SRC, "scenarios", "default.toml"), "--steps", "3", "-q", "-o", path,
            "--set", 'output.level="summary"'])
    assert r.returncode == 0, r.stderr
    run = bc.load_run(path)
    assert run.level == "summary" and len(run.summary)
    with pytest.raises(bc.RunFileError, match="output.level"):
        run.wide("startups")


# ----- sweeps -------------------------------------------------------------------------------------
def test_sweep_summary_matches_runs(sweep_dir):
    sw = bc.load_sweep(sweep_dir)
    assert sw.n_points == 2 and sw.replicates == 2
    st = sw.summary(["startups_founded"]).set_index("point")
    for p in range(2):
        vals = [bc.load_run(f).summary.query("metric == 'startups_founded'")["value"].sum()
                for f in sw.runs[sw.runs["point"] == p]["file"]]
        assert st.loc[p, "mean"] == pytest.approx(np.mean(vals), rel=1e-12)
        assert st.loc[p, "n"] == 2


# ----- experiments --------------------------------------------------------------------------------
def test_experiment_tables(experiment_dir):
    exp = bc.load_experiment(experiment_dir)
    assert exp.variants == ["baseline", "basic 0.8"] and exp.n_replicates == 3
    assert {"variant", "outcome", "baseline_mean", "diff_mean", "diff_ci_low", "diff_ci_high"} <= set(exp.results.columns)
    s = exp.series("startups founded")
    assert list(s.columns) == ["variant", "variant_index", "replicate", "year", "value"]
    assert len(s) == 2 * 3 * 3  # variants x replicates x years (36 months)


def test_experiment_paired_over_time_adds_up_to_the_table(experiment_dir):
    """A flow outcome's yearly paired differences sum to the experiment's own end-of-run difference."""
    exp = bc.load_experiment(experiment_dir)
    p = exp.paired("startups founded")
    assert set(p["variant"]) == {"basic 0.8"} and (p["n"] == 3).all()
    row = exp.results[(exp.results["variant"] == "basic 0.8") & (exp.results["outcome"] == "startups founded")].iloc[0]
    assert p["diff_mean"].sum() == pytest.approx(float(row["diff_mean"]), rel=1e-5)  # results.csv: 6 digits
    # the band: mean +- t(0.975, n-1) sd / sqrt(n) of the per-seed differences
    w0, w1 = exp.wide("startups founded", 0), exp.wide("startups founded", "basic 0.8")
    d = (w1 - w0).iloc[0]
    half = 4.302652729911275 * d.std(ddof=1) / np.sqrt(3)
    assert p["ci_high"].iloc[0] - p["diff_mean"].iloc[0] == pytest.approx(half, rel=1e-9, abs=1e-12)


def test_target_outcomes_over_time(exe, work, tmp_path):
    """An `at_least` outcome: outcomes.csv carries its level, its table value is the share of runs whose
    quantity reaches it, and a baseline-only experiment gets figures over time with the level drawn."""
    import textwrap
    exp_file = work / "targets.toml"
    exp_file.write_text(textwrap.dedent(f"""\
        name = "targets, default scenario"
        question = "Is 75 live startups reached in three years?"
        mechanism = "test"
        replicates = 4
        seed = 5
        steps = 36
        [baseline]
        name = "baseline"
        scenario = "{os.path.join(SRC, 'scenarios', 'default.toml')}"
        [[outcome]]
        name = "startups alive at end"
        metric = "startups"
        [[outcome]]
        name = "reached: 75 startups alive at end"
        metric = "startups"
        at_least = 75
        """))
    out = str(work / "targets")
    r = sh([exe, "experiment", str(exp_file), "-q", "--save-runs", out])
    assert r.returncode == 0, r.stderr
    exp = bc.load_experiment(out)
    assert exp.level("reached: 75 startups alive at end") == 75
    assert exp.level("startups alive at end") is None
    end = exp.series("reached: 75 startups alive at end").groupby("replicate")["value"].last()
    row = exp.results[exp.results["outcome"] == "reached: 75 startups alive at end"].iloc[0]
    assert float(row["baseline_mean"]) == pytest.approx((end >= 75).mean())
    figs = tmp_path / "figs"
    r = sh([os.path.join(BIN, "biocluster-plot-experiment"), out, "-o", str(figs), "--dpi", "60"])
    assert r.returncode == 0, r.stderr
    assert (figs / "time_v0.png").is_file()
    assert "time_v0.png" in (figs / "report.html").read_text()


def test_experiment_errors(experiment_dir, tmp_path):
    with pytest.raises(bc.ExperimentError, match="save-runs"):
        bc.load_experiment(tmp_path / "nowhere")
    exp = bc.load_experiment(experiment_dir)
    with pytest.raises(bc.ExperimentError, match="variants are"):
        exp.wide("startups founded", "no such variant")
    with pytest.raises(bc.ExperimentError, match="outcomes are"):
        exp.series("no such outcome")
    assert isinstance(exp.load_run(1, 2), bc.Run)


# ----- biocluster-report: one command, three report types ------------------------------------------
@pytest.mark.parametrize("what", ["run", "sweep", "experiment"])
def test_report_dispatches_by_path(what, default_run, sweep_dir, experiment_dir, tmp_path):
    path = {"run": default_run, "sweep": sweep_dir, "experiment": experiment_dir}[what]
    out = tmp_path / "report"
    extra = ["--no-gif"] if what == "run" else []
    r = sh([os.path.join(BIN, "biocluster-report"), path, "-o", str(out), *extra])
    assert r.returncode == 0, r.stderr
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "<h1>" in html and ".png" in html
    assert not [l for l in r.stderr.splitlines() if "Traceback" in l]


# ----- maps on the Earth -------------------------------------------------------------------------
def test_grid_on_the_earth(korea_run, default_run):
    from biocluster import geo
    run = bc.load_run(korea_run)
    o = geo.origin(run)
    assert (o.lat0, o.lon0) == (35.8, 126.5)
    assert geo.origin(bc.load_run(default_run)) is None  # an abstract grid
    # the C++ side placed each region where its lat/lon project (MODEL.md §8, "grid"), within 0.5 km
    for _, reg in run.regions.iterrows():
        lat, lon = run.param(f"regions.{reg['name']}.lat_deg"), run.param(f"regions.{reg['name']}.lon_deg")
        x, y = o.to_km(lon, lat)
        assert abs(x - reg["x_km"]) <= 0.5 and abs(y - reg["y_km"]) <= 0.5, reg["name"]


def test_coastline_is_real(korea_run):
    """Songdo (reclaimed land on Incheon's shore) lies within 5 km of the shipped coastline; Daejeon,
    inland, lies more than 40 km from it; the border segments lie north of 37.5 N (the DMZ)."""
    from biocluster import geo
    run = bc.load_run(korea_run)
    o = geo.origin(run)
    coast, borders = geo.lines_km(o, (0.0, 225.0, 0.0, 215.0))
    pts = np.concatenate(coast)
    regs = run.regions.set_index("name")

    def dist(name):
        return float(np.min(np.hypot(pts[:, 0] - regs.loc[name, "x_km"], pts[:, 1] - regs.loc[name, "y_km"])))
    assert dist("songdo") < 5.0 and dist("daejeon") > 40.0, (dist("songdo"), dist("daejeon"))
    assert borders and all(float(o.lat_of(b[:, 1]).min()) > 37.5 for b in borders)
    assert geo.lines_km(geo.Origin(0.0, 0.0), (0.0, 50.0, 0.0, 50.0)) == ([], [])  # no extract off Africa


def test_run_report_has_the_cluster_map(korea_run, tmp_path):
    out = tmp_path / "k"
    r = sh([os.path.join(BIN, "biocluster-plot-run"), korea_run, "-o", str(out), "--no-gif", "-q"])
    assert r.returncode == 0, r.stderr
    assert (out / "map_clusters.png").stat().st_size > 20_000
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "map_clusters.png" in html and "GSHHG" in html
