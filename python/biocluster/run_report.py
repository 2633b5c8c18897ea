"""Figures and an HTML report for one biocluster run.

    biocluster-plot-run out/default.h5 -o out/default_report

writes PNG figures, an animated map (GIF; PNG frames when Pillow is missing) and report.html
(static, offline: images by relative path, no scripts). See docs/PLOTS.md.

Exit codes: 0 done, 2 bad input (missing, not HDF5, damaged, not a biocluster run, interrupted
run without --allow-incomplete), 3 cannot write the output folder.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import html
import json
import os
import struct
import sys

from . import _cli
from . import data as bd

PROG = "biocluster-plot-run"
bp = None  # biocluster.plots (matplotlib): imported once the run file has been read, see load_plotting()

DEFAULT_DPI = 100  # = biocluster.plots.DEFAULT_DPI, without importing matplotlib just for --help


def die(msg: str, code: int = 2) -> None:
    _cli.die(PROG, msg, code)


def load_plotting() -> None:
    global bp
    try:
        from . import plots
    except ImportError as e:
        die(f"cannot import matplotlib ({e}); {_cli.HINT}", 2)
    bp = plots


def png_size(path: str) -> tuple[int, int]:
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise ValueError(f"{path} is not a PNG file")
    return struct.unpack(">II", head[16:24])


# ------------------------------------------------------------------------------------------------
# Report tables
def fmt_number(v, decimals: int | None = None) -> str:
    """A number for a table: thousands separators; `decimals` fixed, or chosen from its size."""
    if v is None or v != v:  # NaN
        return "–"
    v = float(v)
    if decimals is None:
        if v.is_integer() and abs(v) < 1e15:
            return f"{int(v):,}"
        decimals = row_decimals([v])
    return f"{v:,.{decimals}f}"


def row_decimals(values) -> int:
    """Decimals that show the largest value of a row with 3 to 4 significant digits (0 when all
    values are whole numbers)."""
    finite = [abs(float(x)) for x in values if x is not None and x == x]
    if not finite or all(float(x).is_integer() for x in finite):
        return 0
    m = max(finite)
    return 0 if m >= 1000 else 1 if m >= 100 else 2 if m >= 0.1 else 3


def fmt_param(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and abs(v) >= 1e5 and v.is_integer():
        return f"{v:,.0f}"
    return str(v)


def summary_rows(run, currency: str):
    """(label, units, kind, [value per region], total or None) per metric: totals of flows over the
    run, final values of stocks."""
    import numpy as np
    rows = []
    order = []
    for g in bp.figure_groups():
        names = g.metrics if isinstance(g, bp.SeriesGroup) else [g.prefix + p for p in bp.stack_parts(run, g)]
        order += [m for m in names if m in run.metrics.index and m not in order]
    order += [m for m in run.metrics.index if m not in order]
    for m in order:
        wide = run.wide(m)
        meta = run.metrics.loc[m]
        units = str(meta["units"])
        if meta["kind"] == "flow":
            vals = wide.sum().to_numpy()
            units_shown = units.rsplit("/", 1)[0]
            how = "total"
        else:
            vals = wide.iloc[-1].to_numpy() if len(wide) else np.full(len(run.region_names), np.nan)
            units_shown = units
            how = "final"
        additive = bool(meta["additive"])
        total = float(np.nansum(vals)) if additive else None
        div, label = bp.money_scale(units_shown, np.append(vals, total or 0.0), currency)
        rows.append((bp.short_label(m, str(meta["description"])), m, label, how,
                     [v / div for v in vals], None if total is None else total / div))
    return rows


def key_parameters(run) -> tuple[list[tuple[str, str, str]], list[str], list[tuple[str, list[str]]]]:
    """A short list of the main parameters, and a region x parameter table."""
    pt = run.param_table.set_index("key")
    main = []
    for prefix in ("run.", "grid.", "policy."):
        for key in pt.index:
            if key.startswith(prefix) and key not in ("run.price_year",):
                main.append((key, pt.loc[key, "value"], str(pt.loc[key, "note"])))
    region_keys = ["universities", "hospitals", "research_hospitals", "vc_firms", "pharma_firms", "startups",
                   "talent_pool_persons", "rent_usd_per_m2_month", "radius_km", "amenity_index",
                   "travel_time_to_capital_h"]
    regs = run.params.get("regions", {}) if isinstance(run.params.get("regions"), dict) else {}
    names = [r for r in run.region_names if r in regs]
    table = []
    for k in region_keys:
        if any(k in regs[r] for r in names):
            vals = [regs[r].get(k) for r in names]
            numeric = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in vals)
            dec = row_decimals(vals) if numeric else 0
            table.append((k, [fmt_number(v, dec) if numeric else html.escape(fmt_param(v) if v is not None else "–")
                              for v in vals]))
    return main, names, table


CSS = """
body { font-family: "DejaVu Sans", Helvetica, Arial, sans-serif; margin: 2em auto; max-width: 1200px;
       color: #222; line-height: 1.45; padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { border-bottom: 2px solid #0072B2; padding-bottom: 0.2em;
       margin-top: 2em; }
table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.92em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; vertical-align: top; }
th { background: #f2f2f2; text-align: left; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
.warn { background: #fde9d9; border-left: 6px solid #D55E00; padding: 0.6em 1em; }
.meta td:first-child { font-weight: bold; white-space: nowrap; }
figure { margin: 1.5em 0; } figure img { max-width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 0.92em; color: #444; margin-top: 0.3em; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
.swatch { display: inline-block; width: 0.9em; height: 0.9em; border-radius: 50%; margin-right: 0.35em;
          vertical-align: -0.1em; }
.note { color: #555; font-size: 0.9em; }
"""


def scenario_path(run) -> str:
    """The run's scenario file as a path that exists here ('' if none): as given, or relative to the run file."""
    given = str(run.attrs.get("scenario_file", ""))
    for p in (given, os.path.join(os.path.dirname(os.path.abspath(run.path)), given)):
        if given and os.path.isfile(p):
            return p
    return ""


def at_a_glance(run) -> list[str]:
    """The report's first screen after the title: headline totals (the capital area, elsewhere and
    all regions when the scenario marks both) in the scenario's currency, and its calibration status."""
    e = html.escape
    if run.n_steps == 0 or run.level == "summary":
        return []
    krw = bd.report_krw_per_usd(run)
    money = bd.money_formatter(krw)
    try:
        run.by_group("startups")
        groups = True
    except KeyError:
        groups = False
    cols = (["capital area", "elsewhere"] if groups else []) + ["all regions"]
    rows = [("startups founded over the run", "startups_founded", "sum"), ("live startups at the end", "startups", "end"),
            ("market jobs at the end (startups, pharma, plants)", "employment_market", "end"),
            ("bio jobs at the end", "employment_total", "end"), ("VC invested over the run", "vc_invested", "sum")]
    out = ["<h2>At a glance</h2>", "<table>\n<tr><th></th>" + "".join(f"<th>{e(c)}</th>" for c in cols) + "</tr>"]
    for label, m, how in rows:
        if m not in run.metrics.index:
            continue
        g = run.by_group(m) if groups else run.wide(m).sum(axis=1).to_frame("total")
        per_col = g.sum() if how == "sum" else g.iloc[-1]
        vals = [per_col[c] for c in (["capital_area", "elsewhere"] if groups else [])] + [per_col["total"]]
        text = [money(v) if run.units(m).startswith("USD") else f"{v:,.0f}" for v in vals]
        out.append(f"<tr><td>{e(label)}</td>" + "".join(f"<td class=\"num\">{e(t)}</td>" for t in text) + "</tr>")
    out.append("</table>")
    if krw > 1:
        out.append(f"<p class=\"note\">Amounts in KRW at {krw:,.1f} KRW/USD (억 = 10^8, 조 = 10^12); the model "
                   "computes in USD (run.currency).</p>")
    scen = scenario_path(run)
    status = bd.calibration_status(scen) if scen else ["unknown: the scenario file named in the run is not found here"]
    out.append("<p><b>How far to trust the scenario:</b> " + e("; ".join(status)) + ".</p>")
    return out


def write_report(run, outdir: str, figures: list[dict], styles, currency: str) -> str:
    e = html.escape
    a = run.attrs
    out = []
    title = f"biocluster run: {a.get('scenario_file', os.path.basename(run.path))}"
    out.append(f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{e(title)}</title>\n"
               f"<style>{CSS}</style>\n</head>\n<body>\n<h1>{e(title)}</h1>")
    n = run.n_steps
    span = f"{run.dates[0]:%Y-%m} to {run.dates[-1]:%Y-%m}" if n else "no steps"
    out.append(f"<p class=\"note\">{n} monthly steps, {span}; {len(run.region_names)} regions; "
               f"{len(run.events):,} events. File <code>{e(os.path.abspath(run.path))}</code>.</p>")
    if not run.complete:
        out.append(f"<p class=\"warn\"><b>Interrupted run.</b> Status '{e(str(a.get('status')))}': the file holds "
                   f"{n} of {a.get('planned_steps', '?')} planned steps; everything below covers only those.</p>")

    # -- at a glance: the headline totals, then how far the scenario is calibrated
    out += at_a_glance(run)

    # -- metadata and parameters: an appendix at the end
    body_end = len(out)
    meta = [("scenario file", a.get("scenario_file")), ("seed", a.get("seed")),
            ("program version", a.get("program_version")), ("git revision", a.get("git_revision")),
            ("start month", a.get("start_date")), ("last month", f"{run.dates[-1]:%Y-%m}" if n else "–"),
            ("steps", f"{a.get('steps_completed', a.get('steps_written', n))} of {a.get('planned_steps', '?')} planned"),
            ("threads", a.get("threads")), ("currency", a.get("currency")),
            ("grid", f"{run.grid['width']} × {run.grid['height']} cells of {run.grid['cell_km']:g} km"),
            ("started (UTC)", a.get("started_at_utc")), ("finished (UTC)", a.get("finished_at_utc", "–")),
            ("wall time", f"{float(a['wall_seconds']):.2f} s" if "wall_seconds" in a else "–"),
            ("status", a.get("status"))]
    out.append("<h2>Run</h2>\n<table class=\"meta\">")
    out += [f"<tr><td>{e(k)}</td><td>{e(str(v))}</td></tr>" for k, v in meta]
    out.append("</table>")

    # -- parameters
    main, names, reg_table = key_parameters(run)
    out.append("<h2>Key parameters</h2>")
    if reg_table:
        out.append("<table>\n<tr><th>region parameter</th>" + "".join(
            f"<th><span class=\"swatch\" style=\"background:{styles[r].color}\"></span>{e(r)}</th>" for r in names)
            + "</tr>")
        for k, vals in reg_table:
            out.append(f"<tr><td><code>{e(k)}</code></td>" + "".join(f"<td class=\"num\">{v}</td>" for v in vals)
                       + "</tr>")
        out.append("</table>")
    out.append("<table>\n<tr><th>parameter</th><th>value</th><th>range, unit and meaning</th></tr>")
    out += [f"<tr><td><code>{e(k)}</code></td><td class=\"num\">{e(fmt_param(v))}</td>"
            f"<td class=\"note\">{e(note)}</td></tr>" for k, v, note in main]
    out.append("</table>")
    out.append("<details><summary>All resolved parameters (TOML, loadable as a scenario)</summary>\n<pre>"
               + e(str(a.get("resolved_parameters", ""))) + "</pre></details>")
    if a.get("scenario_sources"):
        out.append("<details><summary>Scenario files as read</summary>\n<pre>" + e(str(a["scenario_sources"]))
                   + "</pre></details>")

    appendix = ["<h2>Appendix: the run and its parameters</h2>"] + [
        x.replace("<h2>", "<h3>").replace("</h2>", "</h3>") for x in out[body_end:]]
    del out[body_end:]

    # -- summary
    out.append("<h2>Summary by region</h2>\n<p class=\"note\">Flows (per-month metrics) are totals over the "
               f"run; stocks are values in the last month ({run.dates[-1]:%Y-%m}).</p>" if n else "<h2>Summary</h2>")
    out.append("<table>\n<tr><th>metric</th><th></th><th>units</th>" + "".join(
        f"<th><span class=\"swatch\" style=\"background:{styles[r].color}\"></span>{e(r)}</th>"
        for r in run.region_names) + "<th>all regions</th></tr>")
    for label, metric, units, how, vals, total in summary_rows(run, currency):
        desc = bp.nice_label(metric, str(run.metrics.loc[metric, "description"]))
        dec = row_decimals(list(vals) + ([total] if total is not None else []))
        out.append(f"<tr><td title=\"{e(metric)}: {e(desc)}\">{e(label)}</td><td class=\"note\">{how}</td>"
                   f"<td>{e(units)}</td>" + "".join(f"<td class=\"num\">{fmt_number(v, dec)}</td>" for v in vals)
                   + f"<td class=\"num\">{fmt_number(total, dec) if total is not None else '–'}</td></tr>")
    out.append("</table>")
    if len(run.events):
        counts = run.events.groupby(["kind", "region"], observed=False).size().unstack("region", fill_value=0)
        counts = counts.reindex(columns=run.region_names, fill_value=0)
        out.append("<h3>Events by kind</h3>\n<table>\n<tr><th>event</th>" + "".join(
            f"<th>{e(r)}</th>" for r in run.region_names) + "<th>all</th></tr>")
        for kind, row in counts.iterrows():
            total = int((run.events["kind"] == kind).sum())
            out.append(f"<tr><td>{e(str(kind))}</td>" + "".join(f"<td class=\"num\">{int(v):,}</td>" for v in row)
                       + f"<td class=\"num\">{total:,}</td></tr>")
        out.append("</table>")

    # -- figures
    out.append("<h2>Figures</h2>")
    for fig in figures:
        rel = os.path.relpath(fig["file"], outdir)
        if fig.get("kind") == "frames":
            out.append(f"<details><summary>{e(fig['caption'])}</summary>")
            for p in fig["frames"]:
                r = os.path.relpath(p, outdir)
                out.append(f"<img src=\"{e(r)}\" alt=\"{e(os.path.basename(p))}\" style=\"max-width:100%\">")
            out.append("</details>")
            continue
        dims = f" width=\"{fig['width']}\" height=\"{fig['height']}\"" if fig.get("width") else ""
        out.append(f"<figure id=\"{e(fig['id'])}\"><img src=\"{e(rel)}\" alt=\"{e(fig['title'])}\"{dims}>"
                   f"<figcaption><b>{e(fig['title'])}.</b> {e(fig['caption'])}</figcaption></figure>")
    out += appendix
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    out.append(f"<p class=\"note\">Written by biocluster-plot-run at {stamp}. Colours: Okabe–Ito palette, one "
               f"per region in every figure.</p>\n</body>\n</html>\n")
    path = os.path.join(outdir, "report.html")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    return path


# ------------------------------------------------------------------------------------------------
def make_figures(run, outdir: str, dpi: int, n_snapshots: int, gif: bool, log, gif_frames: int = 24) -> list[dict]:
    import matplotlib.pyplot as plt
    bp.apply_style()
    styles = bp.region_colors(run.region_names)
    currency = str(run.attrs.get("currency", "USD"))
    figures = []

    def save(fig, stem: str, title: str, caption: str) -> None:
        path = os.path.join(outdir, stem + ".png")
        fig.savefig(path, dpi=dpi)
        plt.close(fig)
        w, h = png_size(path)
        figures.append({"id": stem, "file": path, "title": title, "caption": caption, "width": w, "height": h,
                        "kind": "png"})
        log(f"  {path}  ({w} x {h})")

    if run.n_steps == 0:
        return figures
    for g in bp.figure_groups():
        if isinstance(g, bp.StackGroup):
            fig = bp.fig_stack(run, g, styles, dpi)
            stem = g.stem if g.stem == "pipeline" else "stack_" + g.stem
        else:
            fig = bp.fig_series(run, g, styles, dpi)
            stem = "ts_" + g.stem
        if fig is not None:
            save(fig, stem, g.title, g.caption)
    fig = bp.fig_groups(run, dpi)
    if fig is not None:
        save(fig, "ts_" + bp.GROUP_FIGURE.stem, bp.GROUP_FIGURE.title, bp.GROUP_FIGURE.caption)
    other = bp.other_metrics(run)
    if other:
        g = bp.SeriesGroup("other", "Other metrics", "Metrics recorded in the run that no other figure shows.", other, 3)
        fig = bp.fig_series(run, g, styles, dpi)
        if fig is not None:
            save(fig, "ts_other", g.title, g.caption)

    md = bp.map_data(run)
    if md is not None:
        snaps = bp.pick_snapshots(len(md.steps), n_snapshots)
        fig = bp.fig_cluster_map(run, md, len(md.steps) - 1, styles)
        where = ("on the real coastline and national borders (GSHHG 2.3), latitude and longitude on the axes"
                 if md.coast else "on the scenario's grid (km)")
        save(fig, "map_clusters", "The clusters",
             f"Every region at {md.dates[-1]:%b %Y} {where}: bubble area proportional to its startups alive, "
             "labelled with its startups and market jobs; the legend gives reference sizes.")
        for name in md.names:
            fig = bp.fig_field_map(run, md, name, snaps, styles)
            scale = " on a logarithmic colour scale (three decades below the maximum)" \
                if isinstance(md.norms[name], bp.LogNorm) else ""
            cap = (f"{md.titles[name]} ({bp.map_units_label(md.units.get(name, ''))}) at "
                   f"{', '.join(f'{md.dates[k]:%b %Y}' for k in snaps)}{scale}. Circles: regions (centre and radius); "
                   f"markers: agent positions by type at that snapshot. Axes in km" +
                   (" (latitude and longitude at the top and right; the coastline and borders from GSHHG 2.3)."
                    if md.coast else "."))
            save(fig, "map_" + name, f"Cluster map: {name.replace('_', ' ')}", cap)
        if gif and len(md.steps) > 1:
            gif_path = os.path.join(outdir, "maps.gif")
            frames_dir = os.path.join(outdir, "map_frames")
            written = bp.write_map_animation(run, md, styles, gif_path, frames_dir, dpi=max(40, int(dpi * 0.8)),
                                             max_frames=gif_frames)
            n_frames = len(bp.pick_snapshots(len(md.steps), gif_frames))
            every = "every snapshot" if n_frames == len(md.steps) else f"{n_frames} of {len(md.steps)} snapshots"
            cap = (f"All fields at {every} ({md.dates[0]:%b %Y} to {md.dates[-1]:%b %Y}) with fixed colour "
                   f"scales; markers as in the maps above.")
            if written == [gif_path]:
                figures.append({"id": "maps_gif", "file": gif_path, "title": "Cluster maps over time",
                                "caption": cap, "kind": "gif"})
                log(f"  {gif_path}")
            elif written:
                figures.append({"id": "map_frames", "file": written[0], "frames": written, "kind": "frames",
                                "title": "Cluster maps over time",
                                "caption": "Cluster maps over time, one image per snapshot (GIF needs Pillow). " + cap})
                log(f"  {len(written)} frames in {frames_dir}")
    return figures


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog=PROG, description="Figures and an HTML report for one biocluster run.")
    ap.add_argument("run", metavar="RUN.h5", help="run file written by 'biocluster run'")
    ap.add_argument("-o", "--outdir", required=True, metavar="OUTDIR", help="folder for the PNGs and report.html")
    ap.add_argument("--dpi", type=int, default=DEFAULT_DPI, help="resolution of the PNGs (default %(default)s)")
    ap.add_argument("--snapshots", type=int, default=3, metavar="N",
                    help="snapshots shown in each cluster-map figure, spread from first to last (default 3)")
    ap.add_argument("--no-gif", action="store_true", help="skip the animated map")
    ap.add_argument("--gif-frames", type=int, default=24, metavar="N",
                    help="at most N snapshots in the animated map, spread evenly (default 24)")
    ap.add_argument("--allow-incomplete", action="store_true",
                    help="plot an interrupted run (.partial, or status != complete) with a warning")
    ap.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    args = ap.parse_args(argv)
    _cli.check_dpi(PROG, args.dpi)
    if args.snapshots < 1:
        die(f"--snapshots {args.snapshots} must be >= 1")
    log = _cli.quiet_log(args.quiet)
    run = _cli.load(PROG, bd.load_run, args.run, args.allow_incomplete, bd.IncompleteRunWarning, "plotting what it holds")
    _cli.writable_dir(PROG, args.outdir)

    log(f"{PROG}: {run!r}")
    load_plotting()
    try:
        figures = make_figures(run, args.outdir, args.dpi, args.snapshots, not args.no_gif and args.gif_frames > 0, log,
                               args.gif_frames)
        styles = bp.region_colors(run.region_names)
        report = write_report(run, args.outdir, figures, styles, str(run.attrs.get("currency", "USD")))
        with open(os.path.join(args.outdir, "figures.json"), "w", encoding="utf-8") as f:
            json.dump({"run": os.path.abspath(run.path), "dpi": args.dpi,
                       "figures": [{k: (os.path.relpath(v, args.outdir) if k == "file" else
                                        [os.path.relpath(p, args.outdir) for p in v] if k == "frames" else v)
                                    for k, v in fig.items()} for fig in figures]}, f, indent=1)
    except bd.RunFileError as err:  # a damaged file can fail late, when fields or snapshots are read
        die(str(err))
    except OSError as err:
        die(f"cannot write to output folder '{args.outdir}': {err.strerror or err}", 3)
    log(f"{PROG}: wrote {len(figures)} figures and {report}")
    return 0


if __name__ == "__main__":
    sys.exit(_cli.run(PROG, "run_report"))
