"""Tests of biocluster-plot-sweep and biocluster.load_sweep (docs/PLOTS.md, "Sweeps").

Usage: test_sweep_plots.py BIOCLUSTER SOURCE_DIR WORK_DIR CASE
  CASE grid        a 2 x 2 grid (2 of 4 points invalid: failed runs) x 2 replicates x 12 steps: load_sweep
                   tables, plot_sweep.py figures of the expected size, report.html links, failed runs listed,
                   statistics equal to sweep_stats.py's
  CASE morris      a 2-factor Morris sweep (2 trajectories, 12 steps): morris.png, mu* and sigma as sweep_stats.py
  CASE sobol       a 2-factor Sobol sweep (4 base samples, 12 steps): sobol.png, S1/ST as sweep_stats.py
  CASE bad_inputs  missing / run file / text / foreign / truncated / no index / no /stats / incomplete index, unknown
                   --metric, --baseline, --x: exit 2 with one line; unwritable OUTDIR: exit 3
Each case writes its sweep file into WORK_DIR with `scenario` = SOURCE_DIR/scenarios/default.toml (absolute).
Plain asserts; needs h5py, numpy, pandas, matplotlib (Debian packages) and Python >= 3.11.
"""
import math
import csv
import html.parser
import io
import json
import os
import shutil
import struct
import subprocess
import sys
import warnings

sys.dont_write_bytecode = True
PY = sys.executable  # the biocluster package's venv (.venv/bin/python; ctest passes it)
BIN = os.path.dirname(PY)  # its console entry points: biocluster-plot-run, ...
STEPS = 12
FIXED = 'set = ["output.snapshot_every_steps=0", "output.field_snapshot_every_steps=0"]'


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def make_sweep(bin_, src, work, name, body):
    """Writes WORK/NAME.toml (scenario by absolute path) and runs it into WORK/NAME (fresh)."""
    scenario = os.path.join(src, "scenarios", "default.toml")
    path = os.path.join(work, name + ".toml")
    with open(path, "w") as f:
        f.write(f'scenario = "{scenario}"\nsteps = {STEPS}\n{FIXED}\n{body}')
    out = os.path.join(work, name)
    shutil.rmtree(out, ignore_errors=True)
    r = sh([bin_, "sweep", path, "-o", out, "-q", "--threads", "2"])
    assert r.returncode == 0, f"biocluster sweep {name} failed ({r.returncode}): {r.stderr}"
    assert os.path.isfile(os.path.join(out, "index.h5")), f"{out}/index.h5 not written"
    return out


def plot(src, sweep_dir, outdir, *extra):
    return sh([os.path.join(BIN, "biocluster-plot-sweep"), sweep_dir, "-o", outdir, *extra])


def stats_csv(src, *args):
    r = sh([os.path.join(BIN, "biocluster-sweep-stats"), *args, "--digits", "0"])  # exact: compared below
    assert r.returncode == 0, f"sweep_stats {args}: {r.stderr}"
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    # plot_sweep's tables cover the whole-grid metrics; sweep_stats also gives NAME@capital_area and
    # NAME@elsewhere (region groups): those must be there, and are compared in case_grid.
    assert any("@" in r["metric"] for r in rows), "no region-group rows in sweep_stats output"
    return [r for r in rows if "@" not in r["metric"]]


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(33)
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG signature"
    assert head[12:16] == b"IHDR", f"{path}: first chunk is not IHDR"
    return struct.unpack(">II", head[16:24])


class Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs, self.tags = [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for k, v in attrs:
            if k in ("src", "href") and v is not None:
                self.refs.append(v)


def px_equal(got, want):
    """Pixel sizes equal to inches x dpi; matplotlib truncates (9.2 in x 100 = 919.999... -> 919 px)."""
    return all(abs(g - w) < 1.0 + 1e-6 for g, w in zip(got, want))


def close(a, b, tol=1e-9):
    a, b = float(a), float(b)
    if a != a or b != b:
        return a != a and b != b
    return abs(a - b) <= tol * max(1.0, abs(a), abs(b))


def num(v):
    return float("nan") if v in ("", None) else float(v)


def check_output(src, out, want: dict, needles=()):
    """plot_sweep's folder: figures.json lists PNGs that exist, are PNGs of the size their layout
    implies (want: id -> (width in or None, height in)) and are all shown by a static report.html that
    references only files in the folder. Returns (figures, report text)."""
    import biocluster.plots as bp
    manifest = json.load(open(os.path.join(out, "figures.json")))
    dpi = manifest["dpi"]
    assert dpi == bp.DEFAULT_DPI
    figs = {f["id"]: f for f in manifest["figures"]}
    for stem, (w_in, h_in) in want.items():
        assert stem in figs, f"figure {stem} missing; have {sorted(figs)}"
        path = os.path.join(out, figs[stem]["file"])
        assert os.path.isfile(path), f"{path} missing"
        assert os.path.getsize(path) > 10_000, f"{path} is only {os.path.getsize(path)} bytes"
        w, h = png_size(path)
        assert (w, h) == (figs[stem]["width"], figs[stem]["height"]), f"{path}: {w}x{h} != manifest"
        if w_in is None:  # a single panel is widened to fit its title and legend: at least one panel wide
            assert w >= bp.SWEEP_PANEL_W * dpi - 1, f"{path}: only {w} px wide"
            w_in = w / dpi
        expect = (w_in * dpi, h_in * dpi)
        assert px_equal((w, h), expect), f"{path}: {w}x{h}, expected {expect[0]:.0f}x{expect[1]:.0f}"
        assert 400 <= w <= 4000 and 300 <= h <= 4000, f"{path}: odd size {w}x{h}"
    for f in figs.values():  # every figure, also those not in want: a PNG of its recorded figure size
        w, h = png_size(os.path.join(out, f["file"]))
        assert px_equal((w, h), (f["figsize_in"][0] * dpi, f["figsize_in"][1] * dpi)), f
    text = open(os.path.join(out, "report.html"), encoding="utf-8").read()
    p = Links()
    p.feed(text)
    assert "script" not in p.tags, "report.html has a <script>"
    assert "link" not in p.tags, "report.html loads external resources"
    for ref in p.refs:
        if ref.startswith("#"):
            continue
        assert "://" not in ref and not ref.startswith("/"), f"non-relative reference {ref}"
        target = os.path.normpath(os.path.join(out, ref.split("#")[0]))
        assert target.startswith(os.path.normpath(out)), f"{ref} points outside OUTDIR"
        assert os.path.isfile(target), f"report.html references {ref}, which does not exist"
    for f in figs.values():
        assert f["file"] in p.refs, f"report.html does not show {f['file']}"
    for needle in ("<h2>Factors</h2>", "Summary by point", "95% interval", "sweep seed", *needles):
        assert needle in text, f"report.html lacks {needle!r}"
    return figs, text


# ------------------------------------------------------------------------------------------------
def case_grid(bin_, src, work):
    import h5py
    import numpy as np
    import biocluster.data as bd
    import biocluster.plots as bp

    d = make_sweep(bin_, src, work, "grid", """replicates = 2
seed = 9
metrics = ["startups", "startups_founded", "vc_invested"]
[factors."policy.basic_research_share"]
values = [0.2, 0.6]
[factors."regions.regional.research_hospitals"]
values = [0, 3]     # 3 research hospitals > 2 hospitals: an invalid combination, its runs fail
""")
    # -- load_sweep: tidy tables
    s = bd.load_sweep(d)
    assert s.design_name == "grid" and s.seed == 9 and s.replicates == 2 and s.n_points == 4
    assert s.factors == ["policy.basic_research_share", "regions.regional.research_hospitals"]
    assert list(s.design.columns) == ["point", "block", "role", *s.factors], list(s.design.columns)
    assert list(s.design["policy.basic_research_share"]) == [0.2, 0.2, 0.6, 0.6]
    assert list(s.design["regions.regional.research_hospitals"]) == [0, 3, 0, 3]
    assert list(s.runs.columns) == ["run", "point", "replicate", "seed", "status", "error", "file",
                                    "startups", "startups_founded", "vc_invested"], list(s.runs.columns)
    assert len(s.runs) == 8 and s.status_counts == {"done": 4, "failed": 4, "missing": 0}, s.status_counts
    failed = s.runs[s.runs["status"] == "failed"]
    assert set(failed["point"]) == {1, 3} and all(failed["error"].str.len() > 0), failed
    assert s.runs.loc[s.runs["status"] == "failed", "startups"].isna().all()
    assert s.runs.groupby("replicate")["seed"].nunique().eq(1).all(), "replicate seeds differ between points"
    with h5py.File(os.path.join(d, "index.h5"), "r") as f:
        for m in s.metrics:
            assert s.units[m] == f["metrics"][m].attrs["units"], m
            assert np.array_equal(s.runs[m].to_numpy(), f["metrics"][m][()], equal_nan=True), m
    assert s.units["startups"] == "count" and s.kind("startups") == "stock" and s.kind("startups_founded") == "flow"
    for p in s.runs.loc[s.runs["status"] == "done", "file"]:
        assert os.path.isfile(p), p
    assert s.load_run(0, 1).attrs["seed"] == int(s.runs.loc[1, "seed"])
    summ = s.summary()
    assert list(summ.columns[:7]) == ["metric", "point", "n", "mean", "sd", "ci_lo", "ci_hi"]
    # the index's statistics (biocluster's) against an independent computation from the runs table
    t975 = {1: 12.706204736174698}  # Student t, 0.975 quantile, df = replicates - 1 (table)
    for _, row in summ.iterrows():
        v = [x for x in s.runs.loc[(s.runs["point"] == row["point"]) & (s.runs["status"] == "done"), row["metric"]]
             if np.isfinite(x)]
        assert row["n"] == len(v), row
        if not v:
            assert all(np.isnan(row[k]) for k in ("mean", "sd", "ci_lo", "ci_hi")), row
            continue
        mean = sum(v) / len(v)
        sd = (sum((x - mean) ** 2 for x in v) / (len(v) - 1)) ** 0.5
        half = t975[len(v) - 1] * sd / len(v) ** 0.5
        for k, want in (("mean", mean), ("sd", sd), ("ci_lo", mean - half), ("ci_hi", mean + half)):
            assert close(row[k], want), (k, row[k], want, row)
    assert summ.loc[summ["point"] == 1, "n"].eq(0).all() and summ.loc[summ["point"] == 0, "n"].eq(2).all()
    assert s.factor_info.loc["policy.basic_research_share", "units"] == "fraction"
    long = s.long()
    assert len(long) == 4 * 3 and set(long["metric"]) == set(s.metrics)

    # -- plot_sweep
    out = os.path.join(work, "report")
    shutil.rmtree(out, ignore_errors=True)
    r = plot(src, d, out, "-q")
    assert r.returncode == 0, f"plot_sweep exited {r.returncode}: {r.stderr}"
    assert r.stdout == "" and "Traceback" not in r.stderr, (r.stdout, r.stderr)
    W, H, hd = bp.SWEEP_PANEL_W, bp.SWEEP_PANEL_H, bp.HEADER_IN
    want = {"means": (3 * W, H + hd),                                  # 3 metrics in a row
            "paired": (2 * 5.6, 2 * bp.paired_panel_height(3) + hd),   # 3 other points, 2 panels per row
            "replicates": (3 * bp.replicate_panel_width(4), H + 0.5 + hd)}
    figs, text = check_output(src, out, want, ("Failed runs", "research_hospitals", ">0 (baseline)<"))
    assert "morris" not in figs and "sobol" not in figs
    for e in failed["error"]:  # every failed run is listed with its error
        assert html_escape(e.split("\n")[0]) in text, f"report lacks the error {e!r}"
    assert "4 failed runs" in text
    # statistics: the same numbers as sweep_stats.py (whose functions plot_sweep reuses)
    page = open(os.path.join(out, "report.html"), encoding="utf-8").read()
    assert page.find("<h2>Findings</h2>") < page.find("<h2>Sweep</h2>") and "How far to trust" in page
    # region groups: over the capital area plus elsewhere = the whole grid, run by run
    sw = bd.load_sweep(d)
    assert sw.groups == ["capital_area", "elsewhere"] and "startups@capital_area" not in sw.metrics, sw.groups
    g = sw.by_group.pivot_table(index=["run", "metric"], columns="group", values="value")
    for (run_, m), row in g.iterrows():
        whole = sw.runs.loc[sw.runs["run"] == run_, m].iloc[0]
        assert (math.isnan(whole) and math.isnan(row.sum())) or abs(row["capital_area"] + row["elsewhere"] - whole) \
            <= 1e-9 * max(1.0, abs(whole)), (run_, m, row, whole)
    mine = list(csv.DictReader(open(os.path.join(out, "summary.csv"))))
    theirs = stats_csv(src, "summary", d)
    assert len(mine) == len(theirs) == 4 * 3
    for a, b in zip(mine, theirs):
        assert a["metric"] == b["metric"] and a["point"] == b["point"] and int(a["n"]) == int(b["n"])
        for k, k2 in (("mean", "mean"), ("sd", "sd"), ("ci_lo", "ci95_lo"), ("ci_hi", "ci95_hi")):
            assert close(num(a[k]), num(b[k2])), (a, b)
    mine = list(csv.DictReader(open(os.path.join(out, "paired.csv"))))
    theirs = stats_csv(src, "paired", d, "--baseline", "0")
    for a, b in zip(mine, theirs):
        assert a["point"] == b["point"] and close(num(a["mean_diff"]), num(b["mean_diff"])) \
            and close(num(a["ci_lo"]), num(b["ci95_lo"])), (a, b)
    # another baseline and one metric, a factor on x
    out2 = os.path.join(work, "report2")
    r = plot(src, d, out2, "-q", "--baseline", "2", "--metric", "startups", "--x", "regions.regional.research_hospitals")
    assert r.returncode == 0, r.stderr
    check_output(src, out2, {"means": (None, H + hd), "paired": (None, bp.paired_panel_height(3) + hd)},
                 (">2 (baseline)<",))
    print(f"grid: load_sweep tables ok; {len(figs)} figures of the expected size; report lists "
          f"{len(failed)} failed runs; statistics equal sweep_stats.py's")


def html_escape(s):
    import html
    return html.escape(s)


def case_morris(bin_, src, work):
    import biocluster.plots as bp
    d = make_sweep(bin_, src, work, "morris", """replicates = 1
seed = 3
design = "morris"
trajectories = 2
metrics = ["startups", "startups_founded"]
[factors."policy.basic_research_share"]
min = 0.1
max = 0.7
[factors."regions.capital.startups"]
min = 5
max = 30
""")
    out = os.path.join(work, "report")
    shutil.rmtree(out, ignore_errors=True)
    r = plot(src, d, out, "-q")
    assert r.returncode == 0 and "Traceback" not in r.stderr, f"plot_sweep exited {r.returncode}: {r.stderr}"
    W, H, hd = bp.SWEEP_PANEL_W, bp.SWEEP_PANEL_H, bp.HEADER_IN
    figs, text = check_output(src, out, {"morris": (2 * W, H + 0.4 + hd), "means": (2 * W, 2 * H + hd)},
                              ("Morris elementary effects", "morris.csv", "All 6 runs completed"))
    mine = list(csv.DictReader(open(os.path.join(out, "morris.csv"))))
    theirs = stats_csv(src, "morris", d)
    assert len(mine) == len(theirs) == 4
    for a, b in zip(mine, theirs):
        assert a["metric"] == b["metric"] and a["factor"] == b["factor"]
        for k in ("mu", "mu_star", "sigma"):
            assert close(num(a[k]), num(b[k])), (k, a, b)
    print(f"morris: {len(figs)} figures; mu* and sigma equal sweep_stats.py's")


def case_sobol(bin_, src, work):
    import biocluster.plots as bp
    d = make_sweep(bin_, src, work, "sobol", """replicates = 1
seed = 4
design = "sobol"
samples = 4
metrics = ["startups", "vc_invested"]
[factors."policy.basic_research_share"]
min = 0.1
max = 0.7
[factors."regions.capital.startups"]
min = 5
max = 30
""")
    out = os.path.join(work, "report")
    shutil.rmtree(out, ignore_errors=True)
    r = plot(src, d, out, "-q", "--bootstrap", "200")
    assert r.returncode == 0 and "Traceback" not in r.stderr, f"plot_sweep exited {r.returncode}: {r.stderr}"
    H, hd = bp.SWEEP_PANEL_H, bp.HEADER_IN
    pw = bp.sobol_panel_width(2)
    figs, text = check_output(src, out, {"sobol": (2 * pw, H + 0.3 + hd), "paired": (2 * 5.6, bp.paired_panel_height(15) + hd)},
                              ("Sobol indices", "sobol.csv", "200 resamples"))
    mine = list(csv.DictReader(open(os.path.join(out, "sobol.csv"))))
    theirs = stats_csv(src, "sobol", d, "--bootstrap", "200")
    assert len(mine) == len(theirs) == 4
    for a, b in zip(mine, theirs):
        assert a["metric"] == b["metric"] and a["factor"] == b["factor"] and int(a["n_samples"]) == 4
        for k in ("S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi"):
            assert close(num(a[k]), num(b[k])), (k, a, b)
    print(f"sobol: {len(figs)} figures; S1/ST with intervals equal sweep_stats.py's")


# ------------------------------------------------------------------------------------------------
def expect_error(src, path, outdir, needle, code=2, extra=()):
    r = plot(src, path, outdir, *extra)
    assert r.returncode == code, f"{path}: exit {r.returncode}, expected {code}; stderr: {r.stderr}"
    assert "Traceback" not in r.stderr, f"{path}: traceback:\n{r.stderr}"
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, f"{path}: expected one line on stderr, got:\n{r.stderr}"
    assert lines[0].startswith("biocluster-plot-sweep: error: "), f"{path}: {lines[0]!r}"
    assert needle in lines[0], f"{path}: message lacks {needle!r}: {lines[0]!r}"
    return lines[0]


def case_bad_inputs(bin_, src, work):
    import h5py
    import biocluster.data as bd
    d = make_sweep(bin_, src, work, "tiny", """replicates = 2
seed = 2
metrics = ["startups"]
[factors."policy.basic_research_share"]
values = [0.3]
""")
    out = os.path.join(work, "out")

    expect_error(src, os.path.join(work, "missing"), out, "no such file or directory")
    expect_error(src, os.path.join(d, "runs", "p0_r0.h5"), out, "is a biocluster run file, not a sweep index")
    text = os.path.join(work, "notes.txt")
    with open(text, "w") as f:
        f.write("this is not HDF5\n")
    expect_error(src, text, out, "is not an HDF5 file")
    foreign = os.path.join(work, "foreign.h5")
    with h5py.File(foreign, "w") as f:
        f["data"] = [1, 2, 3]
        f.attrs["format"] = "something-else"
    expect_error(src, foreign, out, "not a biocluster sweep index")
    trunc = os.path.join(work, "truncated", "index.h5")
    os.makedirs(os.path.dirname(trunc), exist_ok=True)
    data = open(os.path.join(d, "index.h5"), "rb").read()
    with open(trunc, "wb") as f:
        f.write(data[: len(data) // 2])
    expect_error(src, os.path.dirname(trunc), out, "damaged or truncated")
    expect_error(src, work, out, "not a sweep output directory")
    unfinished = os.path.join(work, "unfinished")
    os.makedirs(os.path.join(unfinished, "runs"), exist_ok=True)
    shutil.copy(os.path.join(d, "sweep.toml"), unfinished)
    expect_error(src, unfinished, out, "has not finished")
    # an index with a dataset missing
    broken = os.path.join(work, "broken")
    shutil.rmtree(broken, ignore_errors=True)
    shutil.copytree(d, broken)
    with h5py.File(os.path.join(broken, "index.h5"), "r+") as f:
        del f["runs/seed"]
    expect_error(src, broken, out, "damaged or incomplete sweep index")
    # an index from before /stats: one line naming sweep-merge, which rewrites it
    old = os.path.join(work, "no_stats")
    shutil.rmtree(old, ignore_errors=True)
    shutil.copytree(d, old)
    with h5py.File(os.path.join(old, "index.h5"), "r+") as f:
        del f["stats"]
    assert "rewrite the index from its run files with 'biocluster sweep-merge DIR'" in \
        expect_error(src, old, out, "has no /stats (written by an older biocluster)")
    r = sh([bin_, "sweep-merge", old, "-q"])
    assert r.returncode == 0, f"sweep-merge {old}: {r.stderr}"
    assert open(os.path.join(old, "index.h5"), "rb").read() == open(os.path.join(d, "index.h5"), "rb").read(), \
        "sweep-merge did not rewrite the index as the sweep wrote it"
    # an incomplete index (sweep-merge with runs missing)
    part = os.path.join(work, "incomplete")
    shutil.rmtree(part, ignore_errors=True)
    shutil.copytree(d, part)
    with h5py.File(os.path.join(part, "index.h5"), "r+") as f:
        f["runs/status"][1] = "missing"
        f["metrics/startups"][1] = float("nan")
    expect_error(src, part, out, "incomplete sweep: 1 of 2 runs are missing")
    r = plot(src, part, os.path.join(work, "partial_report"), "-q", "--allow-incomplete")
    assert r.returncode == 0, f"--allow-incomplete exited {r.returncode}: {r.stderr}"
    assert "warning" in r.stderr and "Traceback" not in r.stderr, r.stderr
    rep = open(os.path.join(work, "partial_report", "report.html"), encoding="utf-8").read()
    assert "Incomplete sweep" in rep and "run file not written yet" in rep, "report of an incomplete sweep"
    # options that do not fit the sweep
    expect_error(src, d, out, "metric 'nope' is not in the sweep", extra=("--metric", "nope"))
    expect_error(src, d, out, "--baseline 5 is not a point", extra=("--baseline", "5"))
    expect_error(src, d, out, "--x 'policy.nope' is not a factor", extra=("--x", "policy.nope"))
    # the library raises SweepIndexError (a RunFileError) with one line
    for p, needle in ((os.path.join(work, "missing"), "no such file"), (text, "not an HDF5 file"),
                      (os.path.join(d, "runs", "p0_r0.h5"), "run file")):
        try:
            bd.load_sweep(p)
        except bd.RunFileError as e:
            assert isinstance(e, bd.SweepIndexError) and needle in str(e) and "\n" not in str(e), str(e)
        else:
            raise AssertionError(f"{p}: no SweepIndexError")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = bd.load_sweep(os.path.join(part, "index.h5"), allow_incomplete=True)
    assert not s.complete and any(issubclass(c.category, bd.IncompleteSweepWarning) for c in caught)
    # an output folder that cannot be created (a file is in the way): exit 3
    blocker = os.path.join(work, "blocker")
    with open(blocker, "w") as f:
        f.write("x")
    r = plot(src, d, os.path.join(blocker, "sub"))
    assert r.returncode == 3 and r.stderr.startswith("biocluster-plot-sweep: error: ") and "Traceback" not in r.stderr, \
        f"unwritable OUTDIR: exit {r.returncode}: {r.stderr}"
    print("bad inputs: missing, run file, text, foreign, truncated, no index (2), damaged, no /stats, incomplete, "
          "--metric/--baseline/--x -> exit 2 with one line; --allow-incomplete plots; unwritable OUTDIR -> exit 3")


def main():
    bin_, src, work, case = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    {"grid": case_grid, "morris": case_morris, "sobol": case_sobol, "bad_inputs": case_bad_inputs}[case](
        bin_, src, work)


if __name__ == "__main__":
    main()
