"""Tests of biocluster-plot-run and biocluster.load_run (python/biocluster; docs/PLOTS.md).
Run with the package's venv python (.venv/bin/python), as ctest does.

Usage: test_plots.py BIOCLUSTER SOURCE_DIR WORK_DIR CASE
  CASE report      a 24-step run, plot_run.py on it: PNGs of the expected size, report.html links
  CASE bad_inputs  missing / text / foreign / truncated / interrupted files: exit 2, one clear line
  CASE data        biocluster_data.load_run: columns, dates, units, enum decoding, event counts
Plain asserts; needs h5py, numpy, pandas, matplotlib (Debian packages) and Python >= 3.11.
"""
import html.parser
import json
import os
import shutil
import struct
import subprocess
import sys
import time
import warnings

sys.dont_write_bytecode = True
PY = sys.executable  # the biocluster package's venv (.venv/bin/python; ctest passes it)
BIN = os.path.dirname(PY)  # its console entry points: biocluster-plot-run, ...
STEPS = 24


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


def make_run(bin_, src, work, name="run.h5", steps=STEPS):
    path = os.path.join(work, name)
    for p in (path, path + ".partial"):
        if os.path.exists(p):
            os.remove(p)
    r = sh([bin_, "run", os.path.join(src, "scenarios", "default.toml"), "--steps", str(steps), "-q", "-o", path])
    assert r.returncode == 0, f"biocluster run failed ({r.returncode}): {r.stderr}"
    assert os.path.isfile(path), f"{path} not written"
    return path


def plot(src, run, outdir, *extra):
    return sh([os.path.join(BIN, "biocluster-plot-run"), run, "-o", outdir, *extra])


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


# ------------------------------------------------------------------------------------------------
def case_report(bin_, src, work):
    import biocluster.plots as bp
    import biocluster.data as bd

    run = make_run(bin_, src, work)
    out = os.path.join(work, "report")
    shutil.rmtree(out, ignore_errors=True)
    r = plot(src, run, out, "-q")
    assert r.returncode == 0, f"plot_run exited {r.returncode}: {r.stderr}"
    assert r.stdout == "", f"-q printed: {r.stdout!r}"
    assert "Traceback" not in r.stderr, r.stderr
    # The report opens with the headline totals and the calibration status; metadata go last.
    page = open(os.path.join(out, "report.html"), encoding="utf-8").read()
    at = [page.find(x) for x in ("At a glance", "Summary by region", "<h2>Figures</h2>", "Appendix")]
    assert -1 not in at and at == sorted(at), at
    assert "capital area" in page and "not calibrated" in page, "no groups or calibration status in the report"

    manifest = json.load(open(os.path.join(out, "figures.json")))
    dpi = manifest["dpi"]
    assert dpi == bp.DEFAULT_DPI
    figs = manifest["figures"]
    stems = {f["id"] for f in figs}
    for need in ("ts_firms", "ts_startups", "ts_innovation", "ts_environment", "ts_money", "pipeline", "ts_capital_area",
                 "map_clusters", "map_talent", "map_knowledge", "map_rent", "map_startup_density"):
        assert need in stems, f"figure {need} missing; have {sorted(stems)}"

    loaded = bd.load_run(run)
    W, H, cell = loaded.grid["width"], loaded.grid["height"], loaded.grid["cell_km"]
    n_snap = len(bp.pick_snapshots(len(loaded.fields.steps), 3))
    mw, mh = bp.map_figsize(W, H, cell, n_snap)
    pngs = [f for f in figs if f["kind"] == "png"]
    for f in pngs:
        path = os.path.join(out, f["file"])
        assert os.path.isfile(path), f"{path} missing"
        assert os.path.getsize(path) > 10_000, f"{path} is only {os.path.getsize(path)} bytes"
        w, h = png_size(path)
        assert (w, h) == (f["width"], f["height"]), f"{path}: {w}x{h}, manifest says {f['width']}x{f['height']}"
        assert 600 <= w <= 4000 and 300 <= h <= 4000, f"{path}: odd size {w}x{h}"
        if f["id"].startswith("map_") and f["id"] != "map_clusters":  # the field maps: one panel per snapshot
            want = (round(mw * dpi), round((mh + bp.HEADER_IN) * dpi))  # panels + title/legend band
            assert (w, h) == want, f"{path}: {w}x{h}, expected {want[0]}x{want[1]}"
        if f["id"] == "ts_firms":  # five stocks, three per row
            assert (w, h) == (round(3 * bp.TS_PANEL_W * dpi), round((2 * bp.TS_PANEL_H + bp.HEADER_IN) * dpi)), \
                f"{path}: {w}x{h}"
        if f["id"] == "ts_innovation":  # three flows: [per month | 12-month sum] rows
            assert (w, h) == (round(2 * bp.TS_PANEL_W * dpi), round((3 * bp.TS_PANEL_H + bp.HEADER_IN) * dpi)), \
                f"{path}: {w}x{h}"
    # the animation: a GIF (Pillow present) or PNG frames
    anim = [f for f in figs if f["kind"] in ("gif", "frames")]
    assert len(anim) == 1, f"expected one animation entry, got {anim}"
    if anim[0]["kind"] == "gif":
        with open(os.path.join(out, anim[0]["file"]), "rb") as fh:
            assert fh.read(6) in (b"GIF89a", b"GIF87a"), "maps.gif is not a GIF"

    # report.html: static, offline, every reference a file in OUTDIR
    text = open(os.path.join(out, "report.html"), encoding="utf-8").read()
    p = Links()
    p.feed(text)
    assert "script" not in p.tags, "report.html has a <script>"
    assert "link" not in p.tags, "report.html loads external resources"
    assert p.refs, "report.html references no files"
    for ref in p.refs:
        assert "://" not in ref and not ref.startswith("/") and not ref.startswith("//"), f"non-relative ref {ref}"
        target = os.path.normpath(os.path.join(out, ref.split("#")[0]))
        assert target.startswith(os.path.normpath(out)), f"{ref} points outside OUTDIR"
        assert os.path.isfile(target), f"report.html references {ref}, which does not exist"
    for f in pngs:
        assert f["file"] in p.refs, f"report.html does not show {f['file']}"
    for needle in ("<details>", "run.seed = ", "scenarios/default.toml", "Summary by region", "capital",
                   str(loaded.attrs["git_revision"]), str(loaded.attrs["program_version"])):
        assert needle in text, f"report.html lacks {needle!r}"
    print(f"report: {len(pngs)} PNGs + {anim[0]['kind']} ok, report.html references {len(p.refs)} files, all present")


# ------------------------------------------------------------------------------------------------
def expect_error(src, path, outdir, needle, code=2, extra=()):
    r = plot(src, path, outdir, *extra)
    assert r.returncode == code, f"{path}: exit {r.returncode}, expected {code}; stderr: {r.stderr}"
    assert "Traceback" not in r.stderr, f"{path}: traceback:\n{r.stderr}"
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, f"{path}: expected one line on stderr, got:\n{r.stderr}"
    assert lines[0].startswith("biocluster-plot-run: error: "), f"{path}: {lines[0]!r}"
    assert needle in lines[0], f"{path}: message lacks {needle!r}: {lines[0]!r}"
    return lines[0]


def case_bad_inputs(bin_, src, work):
    import h5py
    run = make_run(bin_, src, work)
    out = os.path.join(work, "out")

    expect_error(src, os.path.join(work, "missing.h5"), out, "no such file")

    text = os.path.join(work, "notes.h5")
    with open(text, "w") as f:
        f.write("this is not HDF5\n")
    expect_error(src, text, out, "is not an HDF5 file")

    foreign = os.path.join(work, "foreign.h5")
    with h5py.File(foreign, "w") as f:
        f["data"] = [1, 2, 3]
        f.attrs["format"] = "something-else"
    expect_error(src, foreign, out, "not a biocluster run")
    bare = os.path.join(work, "bare.h5")
    with h5py.File(bare, "w") as f:
        f["data"] = [1.0]
    expect_error(src, bare, out, "not a biocluster run")

    trunc = os.path.join(work, "truncated.h5")
    with open(run, "rb") as f:
        data = f.read()
    with open(trunc, "wb") as f:
        f.write(data[: len(data) // 2])
    expect_error(src, trunc, out, "truncated")

    expect_error(src, work, out, "is a directory")

    # an interrupted run: a .partial with status "incomplete" holding 12 of 24 steps
    part = os.path.join(work, "cut.h5.partial")
    shutil.copy(run, part)
    with h5py.File(part, "r+") as f:
        f.attrs["status"] = "incomplete"
        f.attrs["steps_written"] = 12
        del f.attrs["finished_at_utc"]
    msg = expect_error(src, part, out, "interrupted run")
    assert "12 of 24" in msg, msg
    expect_error(src, os.path.join(work, "cut.h5"), out, "cut.h5.partial")  # names the .partial nearby
    r = plot(src, part, os.path.join(work, "partial_report"), "-q", "--allow-incomplete", "--no-gif")
    assert r.returncode == 0, f"--allow-incomplete exited {r.returncode}: {r.stderr}"
    assert "warning" in r.stderr and "interrupted" in r.stderr and "Traceback" not in r.stderr, r.stderr
    rep = open(os.path.join(work, "partial_report", "report.html"), encoding="utf-8").read()
    assert "Interrupted run" in rep and "12 of 24" in rep, "report of a partial run does not say so"

    # a run killed outright (SIGKILL): its .partial is still marked open for writing (SWMR)
    killed = os.path.join(work, "killed.h5")
    for p in (killed, killed + ".partial"):
        if os.path.exists(p):
            os.remove(p)
    proc = subprocess.Popen([bin_, "run", os.path.join(src, "scenarios", "default.toml"), "--steps", "12000", "-q",
                             "-o", killed], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    held = 0
    while time.monotonic() < deadline and proc.poll() is None and held < 24:
        time.sleep(0.2)
        try:
            with h5py.File(killed + ".partial", "r", swmr=True) as f:
                held = int(f.attrs.get("steps_written", 0))
        except (OSError, KeyError):
            pass
    proc.kill()
    proc.wait()
    assert held >= 24, f"the long run wrote only {held} steps before the deadline"
    expect_error(src, killed + ".partial", out, "interrupted run")
    import biocluster.data as bd
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", bd.IncompleteRunWarning)
        k = bd.load_run(killed + ".partial", allow_incomplete=True)  # opens in SWMR-read mode
    with h5py.File(killed + ".partial", "r", swmr=True) as f:
        written = int(f.attrs["steps_written"])
    assert not k.complete and k.n_steps == written >= 24, (k.n_steps, written)
    assert len(k.wide("startups")) == written
    os.remove(killed + ".partial")  # about 10 MB

    # output folder that cannot be created (a file is in the way): exit 3
    blocker = os.path.join(work, "blocker")
    with open(blocker, "w") as f:
        f.write("x")
    r = plot(src, run, os.path.join(blocker, "sub"))
    assert r.returncode == 3 and r.stderr.startswith("biocluster-plot-run: error: ") and "Traceback" not in r.stderr, \
        f"unwritable OUTDIR: exit {r.returncode}: {r.stderr}"
    print("bad inputs: missing, text, foreign (2), truncated, directory, interrupted, killed -> exit 2 with one "
          "line; --allow-incomplete plots; unwritable OUTDIR -> exit 3")


# ------------------------------------------------------------------------------------------------
def case_data(bin_, src, work):
    import h5py
    import numpy as np
    import pandas as pd
    import biocluster.data as bd

    path = make_run(bin_, src, work)
    run = bd.load_run(path)
    assert run.complete and run.n_steps == STEPS
    assert run.attrs["format"] == "biocluster-run" and run.attrs["status"] == "complete"

    ts = run.timeseries
    assert list(ts.columns) == ["date", "step", "region", "metric", "value", "units"], list(ts.columns)
    assert str(ts["date"].dtype).startswith("datetime64"), ts["date"].dtype
    with h5py.File(path, "r") as f:
        start = pd.Timestamp(f.attrs["start_date"] + "-01")
        regions = [n.decode() for n in f["regions"]["name"]]
        units = {k: d.attrs["units"] for k, d in f["timeseries"].items()}
        ev_raw = f["events"][:]
        kind_enum = h5py.check_enum_dtype(f["events"].dtype["kind"])
        type_enum = h5py.check_enum_dtype(f["events"].dtype["subject_type"])
        fields_shape = {k: d.shape for k, d in f["fields"].items() if k != "step"}
        fsteps = f["fields/step"][:]
        founded = f["timeseries/startups_founded"][:]
    dates = pd.DatetimeIndex(sorted(ts["date"].unique()))
    assert dates[0] == start, (dates[0], start)
    assert len(dates) == STEPS and all(d.day == 1 for d in dates), "dates are not month starts"
    assert list(dates) == list(pd.date_range(start, periods=STEPS, freq="MS")), "dates are not consecutive months"
    assert list(run.regions["name"]) == regions == run.region_names
    assert len(ts) == STEPS * len(regions) * len(units)
    for metric, u in units.items():
        got = set(ts.loc[ts["metric"] == metric, "units"])
        assert got == {u}, f"{metric}: units {got} != {u!r}"
        assert run.metrics.loc[metric, "units"] == u
    assert run.metrics.loc["startups_founded", "kind"] == "flow" and run.metrics.loc["startups", "kind"] == "stock"
    assert run.metrics.loc["mean_rent", "kind"] == "stock", "a price per month is not a flow"
    w = run.wide("startups_founded")
    assert list(w.columns) == regions and np.array_equal(w.to_numpy(), founded)
    row = ts[(ts["metric"] == "startups") & (ts["step"] == 5) & (ts["region"] == regions[0])]
    assert len(row) == 1 and row["date"].iloc[0] == start + pd.DateOffset(months=5)

    ev = run.events
    assert len(ev) == len(ev_raw)
    for col in ("step", "date", "kind", "region", "subject_type", "subject_id", "object_type", "object_id",
                "detail", "amount", "value"):
        assert col in ev.columns, f"events lack {col}"
    assert set(ev["kind"].dropna().astype(str)) <= set(kind_enum), "undecoded event kinds"
    by_value = {v: k for k, v in kind_enum.items()}
    assert list(ev["kind"].astype(str)) == [by_value[int(k)] for k in ev_raw["kind"]], "kind decoding wrong"
    tv = {v: k for k, v in type_enum.items()}
    assert [x if isinstance(x, str) else "none" for x in ev["subject_type"]] == \
        [tv[int(k)] for k in ev_raw["subject_type"]], "subject_type decoding wrong"
    assert set(ev["region"].dropna().astype(str)) <= set(regions)
    assert all(ev["date"] == [start + pd.DateOffset(months=int(s)) for s in ev["step"]]), "event dates wrong"
    founding = ev[ev["kind"] == "founding"]
    assert len(founding) == int(founded.sum()), f"{len(founding)} founding events != {founded.sum()} founded"
    per_region = founding.groupby("region", observed=False).size().reindex(regions).to_numpy()
    assert np.array_equal(per_region, founded.sum(axis=0)), (per_region, founded.sum(axis=0))
    assert ev.attrs.get("amount_units") == run.attrs["currency"]

    snaps = run.snapshots("startup")
    for col in ("step", "date", "id", "x_km", "y_km", "region", "stage", "stage_name", "region_name"):
        assert col in snaps.columns, f"startup snapshots lack {col}"
    assert sorted(snaps["step"].unique()) == list(fsteps)
    assert all(snaps["date"] == [start + pd.DateOffset(months=int(s)) for s in snaps["step"]])
    assert set(snaps["stage_name"].dropna()) <= set(run.stages)
    assert (snaps["id"] >= 0).all() and not snaps.duplicated(["step", "id"]).any()
    for t in run.agent_types:
        assert len(run.snapshots(t)) > 0, f"no {t} snapshots"

    assert list(run.fields.steps) == list(fsteps) and len(run.fields.dates) == len(fsteps)
    for name, shape in fields_shape.items():
        a = run.fields[name]
        assert a.shape == shape == (len(fsteps), run.grid["height"], run.grid["width"]), (name, a.shape)
        assert run.fields.units[name], f"field {name} has no units"

    assert run.params["run"]["steps"] == STEPS and run.param("run.seed") == run.attrs["seed"]
    assert isinstance(run.params["regions"], dict) and set(regions) <= set(run.params["regions"])
    pt = run.param_table
    assert list(pt.columns) == ["key", "value", "note"] and (pt["key"] == "run.steps").any()

    # errors from the library: RunFileError with a one-line message
    def err(p, needle, **kw):
        try:
            bd.load_run(p, **kw)
        except bd.RunFileError as e:
            assert needle in str(e) and "\n" not in str(e), str(e)
            return str(e)
        raise AssertionError(f"{p}: no RunFileError")
    err(os.path.join(work, "nope.h5"), "no such file")
    txt = os.path.join(work, "t.h5")
    open(txt, "w").write("hello\n")
    err(txt, "not an HDF5 file")
    part = os.path.join(work, "x.h5.partial")
    shutil.copy(path, part)
    with h5py.File(part, "r+") as f:
        f.attrs["status"] = "incomplete"
        f.attrs["steps_written"] = 12
    err(part, "interrupted run")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        r2 = bd.load_run(part, allow_incomplete=True)
    assert any(issubclass(c.category, bd.IncompleteRunWarning) for c in caught), "no IncompleteRunWarning"
    assert not r2.complete and r2.n_steps == 12 and r2.timeseries["step"].max() == 11
    assert (r2.events["step"] < 12).all() and list(r2.fields.steps) == [s for s in fsteps if s < 12]
    # run.summary (/summary, written by finish) = the time series' totals; a summary-level file
    # loads with its metrics and totals and says clearly that it has no time series.
    s = run.summary
    assert s is not None and len(s) == len(units) * len(regions), s
    got = s[(s["metric"] == "startups_founded")].set_index("region")["value"]
    want = run.wide("startups_founded").sum()
    assert all(abs(got[r] - want[r]) < 1e-9 for r in regions), (got, want)
    g = run.by_group("startups_founded")  # the default scenario: capital (capital area) and regional
    assert list(g.columns) == ["capital_area", "elsewhere", "total"] and len(g) == STEPS, g
    assert ((g["capital_area"] + g["elsewhere"] - g["total"]).abs() < 1e-9).all(), g
    assert g["capital_area"].sum() == run.wide("startups_founded")["capital"].sum()
    spath = os.path.join(work, "summary.h5")
    r = sh([bin_, "run", os.path.join(src, "scenarios", "default.toml"), "--steps", str(STEPS), "-q", "-o", spath,
            "--set", 'output.level="summary"'])
    assert r.returncode == 0, r.stderr
    rs = bd.load_run(spath)
    assert rs.level == "summary" and run.level == "full" and len(rs.timeseries) == 0 and len(rs.events) == 0
    assert set(rs.metrics.index) == set(units) and len(rs.summary) == len(s)
    assert rs.summary.set_index(["metric", "region"])["value"].equals(s.set_index(["metric", "region"])["value"])
    try:
        rs.wide("startups")
        raise AssertionError("wide() on a summary-level file did not raise")
    except bd.RunFileError as e:
        assert "output.level" in str(e), e
    print(f"data: {len(units)} metrics x {len(regions)} regions x {STEPS} steps, {len(ev)} events "
          f"({len(founding)} foundings = sum of startups_founded), {len(snaps)} startup snapshot rows, "
          "summary level ok")


def main():
    bin_, src, work, case = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    {"report": case_report, "bad_inputs": case_bad_inputs, "data": case_data}[case](bin_, src, work)


if __name__ == "__main__":
    main()
