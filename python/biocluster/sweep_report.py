"""Figures and an HTML report for one biocluster sweep.

    biocluster-plot-sweep out/policy -o out/policy_report

reads the sweep's index (DIR/index.h5, written by `biocluster sweep`) and writes PNG figures, the
tables as CSV and report.html (static, offline: images by relative path, no scripts): means with
95% intervals across the design, paired differences to a baseline point, the replicates' spread,
and Morris or Sobol sensitivity indices for those designs. See docs/PLOTS.md ("Sweeps").

Exit codes: 0 done, 2 bad input (missing, not a sweep directory or index, a run file, damaged,
runs missing without --allow-incomplete, an unknown --metric, --baseline or --x), 3 cannot write
the output folder.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import html
import math
import json
import os
import sys
import warnings

import pandas as pd

from . import _cli
from . import data as bd
from . import run_report as pr  # the report's look and number formatting (CSS, fmt_number, png_size)

PROG = "biocluster-plot-sweep"
bp = None  # biocluster.plots (matplotlib): imported once the index has been read


def die(msg: str, code: int = 2) -> None:
    _cli.die(PROG, msg, code)


DEFAULT_DPI = pr.DEFAULT_DPI
MAX_TABLE_ROWS_OPEN = 40  # longer tables are folded (<details>)


def load_plotting() -> None:
    global bp
    try:
        from . import plots
    except ImportError as e:
        die(f"cannot import matplotlib ({e}); {_cli.HINT}", 2)
    bp = plots


# ------------------------------------------------------------------------------------------------
# Figures
def make_figures(sweep, stats: dict, metrics: list[str], baseline: int, outdir: str, dpi: int, x: str | None,
                 log) -> tuple[list[dict], list[str]]:
    """Draws every figure; returns the figure entries and notes on figures left out."""
    import matplotlib.pyplot as plt
    bp.apply_style()
    figures: list[dict] = []
    skipped: list[str] = []

    def save(fig, stem: str, title: str, caption: str) -> None:
        path = os.path.join(outdir, stem + ".png")
        w_in, h_in = fig.get_size_inches()
        fig.savefig(path, dpi=dpi)
        plt.close(fig)
        w, h = pr.png_size(path)
        figures.append({"id": stem, "file": path, "title": title, "caption": caption, "width": w, "height": h,
                        "figsize_in": [round(float(w_in), 4), round(float(h_in), 4)], "kind": "png"})
        log(f"  {path}  ({w} x {h})")

    def pages(stem: str, size: int):
        parts = bp.chunks(metrics, size)
        for i, part in enumerate(parts):
            suffix = "" if len(parts) == 1 else f"_{i + 1}"
            page = "" if len(parts) == 1 else f" ({i + 1} of {len(parts)})"
            yield stem + suffix, part, page

    n_done = sweep.status_counts["done"]
    reps = sweep.replicates
    how = ("Flows (per-month metrics) are totals over the run and all regions; stocks are values in the last "
           "month, summed over regions.")
    ci = (f"Error bars and bands: 95% Student-t interval of the mean over the {reps} replicates "
          f"(none when a point has fewer than 2 done runs).") if reps > 1 else \
        "One replicate per point: no intervals."
    layout = bp.means_layout(sweep, x)
    if n_done == 0:
        skipped.append("No run of the sweep completed: there is nothing to plot (see the failed runs below).")
        return figures, skipped

    # -- means across the design
    if layout.mode == "lines":
        xl = lower_first(bp.factor_label(sweep, layout.x, with_units=False))
        lines = ("; one line per level of " + " × ".join(lower_first(bp.factor_label(sweep, f, with_units=False))
                                                     for f in layout.others)) if layout.others else ""
        cap = f"Mean of each metric over replicates against {xl}{lines}. {ci} {how}"
        title = "Policy comparison: means with 95% intervals"
    elif layout.mode == "scatter":
        ci_s = ci if reps >= 3 else ("No intervals: fewer than 3 replicates (the 95% t-interval of 2 runs spans "
                                     "±12.7 standard deviations)." if reps == 2 else ci)
        cap = (f"Mean of each metric over replicates at every point of the {sweep.design_name} design, against "
               f"each factor (one column per factor; the other factors vary too). {ci_s} {how}")
        title = "Means across the design, by factor"
    else:
        cap = f"Mean of each metric over replicates at every point of the design. {ci} {how}"
        title = "Means across the design points"
    per_page = 4 if layout.mode == "scatter" else bp.SWEEP_METRICS_PER_FIGURE
    for stem, part, page in pages("means", per_page):
        fig = bp.fig_sweep_means(sweep, stats["summary"], part, layout, title + page)
        save(fig, stem, title + page, cap)
    if layout.mode == "scatter" and len(bp.varying_factors(sweep)) > 6:
        skipped.append("The means figure shows the first 6 varying factors only.")

    # -- paired differences to the baseline
    if sweep.n_points < 2:
        skipped.append("Paired differences need at least two points.")
    elif sweep.n_points > bp.SWEEP_MAX_POINTS:
        skipped.append(f"Paired differences and replicate distributions are drawn for at most "
                       f"{bp.SWEEP_MAX_POINTS} points; this design has {sweep.n_points} (the tables below hold them).")
    else:
        bl = point_name(sweep, baseline)
        what = bp.point_axis_label(sweep)
        rows_are = f" (rows: {what})" if what != "design point" else " (rows: design points)"
        title = f"Paired differences to the baseline: point {baseline}" + baseline_title(sweep, baseline)
        cap = (f"Mean difference of every point to the baseline, point {baseline} ({bl}), over replicates run "
               f"with the same seed (common random numbers), with its 95% Student-t interval, sorted from the "
               f"largest increase (top) to the largest decrease{rows_are}. Blue: the interval lies above 0; vermillion: "
               f"below 0; grey: it includes 0, i.e. the effect is not larger than the noise.")
        for stem, part, page in pages("paired", bp.SWEEP_METRICS_PER_FIGURE):
            fig = bp.fig_sweep_paired(sweep, stats["paired"], part, baseline, title + page)
            save(fig, stem, title + page, cap)
        title = "Replicates at every point"
        cap = ("The runs of every point: box = median and quartiles (whiskers to 1.5 × the interquartile range), "
               "dots = single runs" + (", coloured by replicate: the same colour is the same seed at every point."
                                       if 1 < reps <= 8 else ".") + " " + how)
        for stem, part, page in pages("replicates", bp.SWEEP_METRICS_PER_FIGURE):
            fig = bp.fig_sweep_replicates(sweep, part, title + page)
            save(fig, stem, title + page, cap)

    # -- sensitivity
    if sweep.design_name == "morris":
        title = "Morris screening: μ* against σ"
        cap = ("Morris elementary effects per factor (the change of the metric when the factor moves over its full "
               "range, one effect per trajectory step and replicate): μ*, the mean absolute effect, ranks the "
               "factors by importance; σ, their spread, is large for non-linear effects and interactions. Factors "
               "near the origin hardly matter; above the σ/μ* = 1 ray the effect depends on the other factors.")
        for stem, part, page in pages("morris", bp.SWEEP_METRICS_PER_FIGURE):
            save(bp.fig_morris(sweep, stats["morris"], part, title + page), stem, title + page, cap)
    if sweep.design_name == "sobol":
        title = "Sobol indices: S1 and ST"
        n_s = int(stats["sobol"]["n_samples"].max()) if len(stats["sobol"]) else 0
        cap = (f"Variance-based sensitivity per factor from {n_s} base samples (Saltelli 2010 design): S1, the share "
               f"of the output variance the factor explains alone (Saltelli 2010 estimator), and ST, its share "
               f"including all interactions (Jansen 1999). Error bars: 95% percentile-bootstrap intervals over base "
               f"samples ({stats['bootstrap']} resamples). A point's value is its mean over replicates. Wide "
               f"intervals mean too few samples.")
        for stem, part, page in pages("sobol", bp.SWEEP_METRICS_PER_FIGURE):
            save(bp.fig_sobol(sweep, stats["sobol"], part, title + page), stem, title + page, cap)
    return figures, skipped


def lower_first(text: str) -> str:
    """'National public bio R&D budget' -> 'national public ...' (acronyms such as 'SME' stay)."""
    first = text.split(" ")[0]
    return text if first.isupper() or len(first) > 1 and first[1].isupper() else text[:1].lower() + text[1:]


def baseline_title(sweep, p: int) -> str:
    """' (basic research share 0.2, public R&D 1 bn)' for a figure title; '' with over 3 factors."""
    fs = bp.varying_factors(sweep)
    if not fs or len(fs) > 3:
        return ""
    values = bp.point_labels(sweep, [p], sep="\t")[0].split("\t")
    named = " (" + ", ".join(f"{bp.factor_short(f)} {v}" for f, v in zip(fs, values)) + ")"
    return named if len(named) <= 50 else " (" + ", ".join(values) + ")"


def point_name(sweep, p: int) -> str:
    return sweep.point_label(p, ", ") or "no factors"


# ------------------------------------------------------------------------------------------------
# Report
EXTRA_CSS = """
td.up { color: #0072B2; font-weight: bold; } td.down { color: #D55E00; font-weight: bold; }
tr.base td { background: #f4f8fc; } td.err { font-family: monospace; font-size: 0.9em; max-width: 50em; }
"""


def fmt_ci(lo, hi, dec: int) -> str:
    if lo is None or hi is None or lo != lo or hi != hi:
        return "–"
    return f"[{pr.fmt_number(lo, dec)}, {pr.fmt_number(hi, dec)}]"


def fold(out: list[str], rows: int, summary: str, body: list[str]) -> None:
    """Adds body, inside <details> when it is long."""
    if rows > MAX_TABLE_ROWS_OPEN:
        out.append(f"<details><summary>{html.escape(summary)} ({rows} rows)</summary>")
        out += body
        out.append("</details>")
    else:
        out += body


def findings(sweep, stats: dict, metrics: list[str], baseline: int) -> list[str]:
    """The report's first screen: per metric, the point that moves it most against the baseline
    (paired, with its 95% interval) and how many points move it by more than the noise; then how far
    the base scenario is calibrated."""
    e = html.escape
    paired = stats.get("paired")
    out = ["<h2>Findings</h2>"]
    items = []
    if paired is not None and len(paired):
        summ = stats["summary"]
        for m in metrics:
            d = paired[paired["metric"] == m].dropna(subset=["mean_diff"])
            if not len(d):
                continue
            clear = d[(d["ci_lo"] > 0) | (d["ci_hi"] < 0)]
            base = summ[(summ["metric"] == m) & (summ["point"] == baseline)]["mean"]
            b = float(base.iloc[0]) if len(base) else float("nan")
            title = bp.sweep_metric_title(sweep, m)
            if not len(clear):
                items.append(f"<b>{e(title)}</b>: no point differs from the baseline by more than the noise "
                             "(every 95% interval includes 0).")
                continue
            top = clear.loc[clear["mean_diff"].abs().idxmax()]
            div, units = bp.sweep_metric_scale(sweep, m, pd.Series([top["mean_diff"], top["ci_lo"], top["ci_hi"], b]))
            rel = f" ({100 * top['mean_diff'] / abs(b):+.1f}% of the baseline's {pr.fmt_number(b / div)})" \
                if math.isfinite(b) and b != 0 else ""
            items.append(
                f"<b>{e(title)}</b>: {len(clear)} of {len(d)} points differ from the baseline by more than the noise; "
                f"the largest change is at point {int(top['point'])} ({e(point_name(sweep, int(top['point'])))}): "
                f"{pr.fmt_number(top['mean_diff'] / div)} {e(units)}{rel}, 95% interval "
                f"{pr.fmt_number(top['ci_lo'] / div)} to {pr.fmt_number(top['ci_hi'] / div)}.")
    out.append("<ul>" + "".join(f"<li>{x}</li>" for x in items) + "</ul>" if items else
               "<p class=\"note\">One design point: no paired differences (see the summary below).</p>")
    done = sweep.runs[sweep.runs["status"] == "done"]
    status = ["unknown: no finished run"]
    if len(done):
        try:
            scen = pr.scenario_path(bd.load_run(str(done["file"].iloc[0])))
            status = bd.calibration_status(scen) if scen else ["unknown: the base scenario is not found here"]
        except bd.RunFileError as err:
            status = [f"unknown ({err})"]
    out.append("<p><b>How far to trust the base scenario:</b> " + e("; ".join(status)) + ".</p>")
    return out


def write_report(sweep, stats: dict, metrics: list[str], baseline: int, outdir: str, figures: list[dict],
                 skipped: list[str], tables: list[str]) -> str:
    e = html.escape
    a = sweep.attrs
    sp = sweep.sweep_params
    out: list[str] = []
    title = f"biocluster sweep: {os.path.basename(os.path.abspath(sweep.dir))}"
    out.append(f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{e(title)}</title>\n"
               f"<style>{pr.CSS}{EXTRA_CSS}</style>\n</head>\n<body>\n<h1>{e(title)}</h1>")
    c = sweep.status_counts
    out.append(f"<p class=\"note\">{e(sweep.design_name)} design: {sweep.n_points} points × {sweep.replicates} "
               f"replicates = {len(sweep.runs)} runs ({c['done']} done, {c['failed']} failed, {c['missing']} missing); "
               f"{len(sweep.factors)} factors, {len(metrics)} metrics. Index <code>{e(os.path.abspath(sweep.index_path))}"
               f"</code>.</p>")
    if not sweep.complete:
        out.append(f"<p class=\"warn\"><b>Incomplete sweep.</b> {c['missing']} of {len(sweep.runs)} runs are missing "
                   f"(listed below); means and intervals use the runs that are done. Run the sweep again to finish it "
                   f"(after sharded runs: <code>biocluster sweep-merge</code>).</p>")
    if c["failed"]:
        out.append(f"<p class=\"warn\"><b>{c['failed']} failed runs</b> (invalid parameter combinations or broken "
                   f"model invariants) are left out of every statistic; they are listed with their errors in "
                   f"<a href=\"#failed\">Failed runs</a>.</p>")

    out += findings(sweep, stats, metrics, baseline)

    # -- the sweep
    steps = sp.get("steps", "from the scenario")
    fixed = sp.get("set") or []
    meta = [("design", sweep.design_name), ("sweep seed", sweep.seed), ("replicates per point", sweep.replicates),
            ("points", sweep.n_points), ("runs", f"{c['done']} done, {c['failed']} failed, {c['missing']} missing"),
            ("base scenario", sp.get("scenario", "–")), ("steps per run", steps),
            ("fixed overrides (set)", ", ".join(map(str, fixed)) if fixed else "–"),
            ("baseline for paired differences", f"point {baseline} ({point_name(sweep, baseline)})"),
            ("program version", a.get("program_version")), ("sweep hash", a.get("sweep_hash")),
            ("directory", os.path.abspath(sweep.dir))]
    for key in ("samples", "trajectories", "levels"):
        if key in sp:
            meta.insert(1, (key, sp[key]))
    out.append("<h2>Sweep</h2>\n<table class=\"meta\">")
    out += [f"<tr><td>{e(k)}</td><td>{e(str(v))}</td></tr>" for k, v in meta]
    out.append("</table>")
    out.append("<p class=\"note\">Replicate r runs with the same seed at every point (common random numbers), so "
               "differences between points at the same replicate are paired.</p>")
    out.append("<details><summary>Sweep file as run</summary>\n<pre>" + e(str(a.get("sweep_text", ""))) +
               "</pre></details>")

    # -- factors
    out.append("<h2>Factors</h2>\n<table>\n<tr><th>factor</th><th>meaning</th><th>units</th><th>allowed</th>"
               "<th>values in the design</th></tr>")
    for f in sweep.factors:
        info = sweep.factor_info.loc[f]
        vals = list(info["values"])
        if len(vals) <= 8:
            shown = "; ".join(pr.fmt_param(v) for v in vals)
        else:
            shown = f"{pr.fmt_param(info['min'])} – {pr.fmt_param(info['max'])} ({len(vals)} distinct values)"
        out.append(f"<tr><td><code>{e(f)}</code></td><td>{e(str(info['description']))}</td><td>{e(str(info['units']))}"
                   f"</td><td>{e(str(info['range']))}</td><td>{e(shown)}</td></tr>")
    out.append("</table>")

    # -- design
    done = sweep.runs[sweep.runs["status"] == "done"].groupby("point").size()
    sampled = sweep.design_name in ("morris", "sobol")
    body = ["<table>\n<tr><th>point</th>" + ("<th>block</th><th>role</th>" if sampled else "") +
            "".join(f"<th><code>{e(f)}</code></th>" for f in sweep.factors) + "<th>runs done</th></tr>"]
    for p in range(sweep.n_points):
        row = sweep.design.iloc[p]
        cls = " class=\"base\"" if p == baseline else ""
        body.append(f"<tr{cls}><td class=\"num\">{p}{' (baseline)' if p == baseline else ''}</td>" +
                    (f"<td class=\"num\">{int(row['block'])}</td><td>{e(str(row['role']))}</td>" if sampled else "") +
                    "".join(f"<td class=\"num\">{e(str(sweep.design_text.iat[p, j]))}</td>"
                            for j in range(len(sweep.factors))) +
                    f"<td class=\"num\">{int(done.get(p, 0))} of {sweep.replicates}</td></tr>")
    body.append("</table>")
    out.append("<h2>Design</h2>")
    fold(out, sweep.n_points, "Design points", body)

    # -- summary tables
    out.append("<h2>Summary by point</h2>\n<p class=\"note\">Mean over replicates with its 95% Student-t interval, "
               f"and the paired difference to the baseline (point {baseline}) with its 95% interval; bold blue/"
               "vermillion: the interval of the difference lies above/below 0. Flows are totals over the run and all "
               "regions; stocks are values in the last month summed over regions. Also in "
               + ", ".join(f"<a href=\"{e(t)}\">{e(t)}</a>" for t in tables) + ".</p>")
    summ, paired = stats["summary"], stats["paired"]
    fs = sweep.factors
    for m in metrics:
        s = summ[summ["metric"] == m].set_index("point")
        d = paired[paired["metric"] == m].set_index("point") if len(paired) else pd.DataFrame()
        div, units = bp.sweep_metric_scale(sweep, m, pd.concat([s["mean"], s["ci_lo"], s["ci_hi"]]))
        dec = pr.row_decimals(list((s["mean"] / div).dropna()) + list((s["ci_lo"] / div).dropna()))
        out.append(f"<h3>{e(bp.sweep_metric_title(sweep, m))} <span class=\"note\">({e(units or 'no units')}; "
                   f"<code>{e(m)}</code>, {e(sweep.summaries.get(m, ''))})</span></h3>")
        body = ["<table>\n<tr><th>point</th>" + "".join(f"<th>{e(bp.factor_short(f))}</th>" for f in fs) +
                "<th>n</th><th>mean</th><th>95% interval</th><th>difference to baseline</th><th>95% interval</th></tr>"]
        for p in range(sweep.n_points):
            r = s.loc[p]
            cls = " class=\"base\"" if p == baseline else ""
            cells = "".join(f"<td class=\"num\">{e(str(sweep.design_text.iat[p, j]))}</td>" for j in range(len(fs)))
            if p == baseline or p not in d.index:
                diff = "<td class=\"note\">baseline</td><td></td>" if p == baseline else "<td>–</td><td>–</td>"
            else:
                q = d.loc[p]
                lo, hi = q["ci_lo"] / div, q["ci_hi"] / div
                cl = "up" if lo == lo and lo > 0 else "down" if hi == hi and hi < 0 else ""
                diff = (f"<td class=\"num {cl}\">{pr.fmt_number(q['mean_diff'] / div, dec)}</td>"
                        f"<td class=\"num\">{fmt_ci(lo, hi, dec)}</td>")
            body.append(f"<tr{cls}><td class=\"num\">{p}</td>{cells}<td class=\"num\">{int(r['n'])}</td>"
                        f"<td class=\"num\">{pr.fmt_number(r['mean'] / div, dec)}</td>"
                        f"<td class=\"num\">{fmt_ci(r['ci_lo'] / div, r['ci_hi'] / div, dec)}</td>{diff}</tr>")
        body.append("</table>")
        fold(out, sweep.n_points, f"Summary of {m}", body)

    # -- sensitivity tables
    if "morris" in stats:
        out.append("<h2>Morris elementary effects</h2>\n<p class=\"note\">Per factor: μ (mean effect; its sign is the "
                   "direction), μ* (mean absolute effect: importance) and σ (spread: non-linearity and interactions) "
                   "of the change of the metric when the factor moves over its full range; n effects.</p>")
        for m in metrics:
            t = stats["morris"][stats["morris"]["metric"] == m]
            div, units = bp.sweep_metric_scale(sweep, m, pd.concat([t["mu_star"], t["sigma"]]))
            dec = pr.row_decimals(list((t[["mu", "mu_star", "sigma"]] / div).stack().dropna()))
            out.append(f"<h3>{e(bp.sweep_metric_title(sweep, m))} <span class=\"note\">({e(units)})</span></h3>\n"
                       "<table>\n<tr><th>factor</th><th>μ</th><th>μ*</th><th>σ</th><th>n</th></tr>")
            for _, r in t.sort_values("mu_star", ascending=False).iterrows():
                out.append(f"<tr><td><code>{e(r['factor'])}</code></td>" +
                           "".join(f"<td class=\"num\">{pr.fmt_number(r[k] / div, dec)}</td>"
                                   for k in ("mu", "mu_star", "sigma")) +
                           f"<td class=\"num\">{int(r['n_effects'])}</td></tr>")
            out.append("</table>")
    if "sobol" in stats:
        out.append("<h2>Sobol indices</h2>\n<p class=\"note\">First-order S1 and total ST with 95% percentile-bootstrap "
                   "intervals over base samples.</p>")
        for m in metrics:
            t = stats["sobol"][stats["sobol"]["metric"] == m]
            out.append(f"<h3>{e(bp.sweep_metric_title(sweep, m))}</h3>\n<table>\n<tr><th>factor</th><th>S1</th>"
                       "<th>95% interval</th><th>ST</th><th>95% interval</th><th>base samples</th></tr>")
            for _, r in t.iterrows():
                out.append(f"<tr><td><code>{e(r['factor'])}</code></td><td class=\"num\">{pr.fmt_number(r['S1'], 3)}</td>"
                           f"<td class=\"num\">{fmt_ci(r['S1_lo'], r['S1_hi'], 3)}</td>"
                           f"<td class=\"num\">{pr.fmt_number(r['ST'], 3)}</td>"
                           f"<td class=\"num\">{fmt_ci(r['ST_lo'], r['ST_hi'], 3)}</td>"
                           f"<td class=\"num\">{int(r['n_samples'])}</td></tr>")
            out.append("</table>")

    # -- failed and missing runs
    out.append("<h2 id=\"failed\">Failed runs</h2>")
    bad = sweep.runs[sweep.runs["status"] != "done"]
    if bad.empty:
        out.append(f"<p>All {len(sweep.runs)} runs completed.</p>")
    else:
        body = ["<table>\n<tr><th>run</th><th>point</th><th>replicate</th><th>seed</th><th>status</th>"
                "<th>factor values</th><th>error</th></tr>"]
        for _, r in bad.iterrows():
            err = r["error"] or ("run file not written yet" if r["status"] == "missing" else "")
            body.append(f"<tr><td class=\"num\">{int(r['run'])}</td><td class=\"num\">{int(r['point'])}</td>"
                        f"<td class=\"num\">{int(r['replicate'])}</td><td class=\"num\">{int(r['seed'])}</td>"
                        f"<td>{e(r['status'])}</td><td>{e(sweep.point_label(int(r['point'])))}</td>"
                        f"<td class=\"err\">{e(err)}</td></tr>")
        body.append("</table>")
        fold(out, len(bad), "Failed and missing runs", body)

    # -- figures
    out.append("<h2>Figures</h2>")
    for note in skipped:
        out.append(f"<p class=\"note\">{e(note)}</p>")
    for fig in figures:
        rel = os.path.relpath(fig["file"], outdir)
        out.append(f"<figure id=\"{e(fig['id'])}\"><img src=\"{e(rel)}\" alt=\"{e(fig['title'])}\" "
                   f"width=\"{fig['width']}\" height=\"{fig['height']}\"><figcaption><b>{e(fig['title'])}.</b> "
                   f"{e(fig['caption'])}</figcaption></figure>")
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    out.append(f"<p class=\"note\">Written by biocluster-plot-sweep at {stamp}; means and 95% intervals "
               f"per point as biocluster wrote them into the sweep index; paired differences, Morris and Sobol "
               f"indices from biocluster.stats. Colours: Okabe–Ito palette.</p>\n</body>\n</html>\n")
    path = os.path.join(outdir, "report.html")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out))
    return path


def write_tables(stats: dict, outdir: str) -> list[str]:
    """The statistics as CSV files beside the report; returns their names."""
    names = []
    for key in ("summary", "paired", "morris", "sobol"):
        df = stats.get(key)
        if df is not None and len(df):
            name = f"{key}.csv"
            df.to_csv(os.path.join(outdir, name), index=False)
            names.append(name)
    return names


# ------------------------------------------------------------------------------------------------
def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog=PROG, description="Figures and an HTML report for one biocluster sweep.")
    ap.add_argument("sweep", metavar="DIR", help="output directory of 'biocluster sweep' (or its index.h5)")
    ap.add_argument("-o", "--outdir", required=True, metavar="OUTDIR", help="folder for the PNGs and report.html")
    ap.add_argument("--baseline", type=int, default=0, metavar="P",
                    help="design point the paired differences are taken to (default 0)")
    ap.add_argument("--metric", action="append", metavar="M", help="metric to show (repeatable; default: all)")
    ap.add_argument("--x", metavar="FACTOR", help="grid designs: the factor on the x axis of the means figure "
                                                  "(default: the first that varies); the others give the lines")
    ap.add_argument("--bootstrap", type=int, default=1000, metavar="B",
                    help="Sobol: bootstrap resamples for the intervals (default 1000)")
    ap.add_argument("--dpi", type=int, default=DEFAULT_DPI, help="resolution of the PNGs (default %(default)s)")
    ap.add_argument("--allow-incomplete", action="store_true",
                    help="plot a sweep whose index lists missing runs, with a warning")
    ap.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    args = ap.parse_args(argv)
    _cli.check_dpi(PROG, args.dpi)
    if args.bootstrap < 0:
        die(f"--bootstrap {args.bootstrap} must be >= 0")
    log = _cli.quiet_log(args.quiet)
    sweep = _cli.load(PROG, bd.load_sweep, args.sweep, args.allow_incomplete, bd.IncompleteSweepWarning,
                      "plotting the runs that are done")
    if not sweep.metrics:
        die(f"'{sweep.index_path}' holds no summary metrics (no run of the sweep completed)")
    metrics = args.metric or list(sweep.metrics)
    unknown = [m for m in metrics if m not in sweep.units]
    if unknown:
        die(f"metric '{unknown[0]}' is not in the sweep; metrics are: {', '.join(sweep.metrics)}")
    metrics = list(dict.fromkeys(metrics))
    if not 0 <= args.baseline < sweep.n_points:
        die(f"--baseline {args.baseline} is not a point of the sweep (0..{sweep.n_points - 1})")
    if args.x is not None and args.x not in sweep.factors:
        die(f"--x '{args.x}' is not a factor of the sweep; factors are: {', '.join(sweep.factors) or 'none'}")
    _cli.writable_dir(PROG, args.outdir)

    log(f"{PROG}: {sweep!r}")
    load_plotting()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NaN statistics of failed points are expected
            stats = {"summary": sweep.summary(metrics), "bootstrap": args.bootstrap,
                     "paired": sweep.paired(args.baseline, metrics) if sweep.n_points > 1 else pd.DataFrame()}
            if sweep.design_name == "morris":
                stats["morris"] = sweep.morris(metrics)
            if sweep.design_name == "sobol":
                stats["sobol"] = sweep.sobol(metrics, bootstrap=args.bootstrap)
            figures, skipped = make_figures(sweep, stats, metrics, args.baseline, args.outdir, args.dpi, args.x, log)
        tables = write_tables(stats, args.outdir)
        report = write_report(sweep, stats, metrics, args.baseline, args.outdir, figures, skipped, tables)
        with open(os.path.join(args.outdir, "figures.json"), "w", encoding="utf-8") as f:
            json.dump({"sweep": os.path.abspath(sweep.dir), "design": sweep.design_name, "dpi": args.dpi,
                       "figures": [{k: (os.path.relpath(v, args.outdir) if k == "file" else v) for k, v in fig.items()}
                                   for fig in figures], "tables": tables, "skipped": skipped}, f, indent=1)
    except bd.RunFileError as err:
        die(str(err))
    except OSError as err:
        die(f"cannot write to output folder '{args.outdir}': {err.strerror or err}", 3)
    log(f"{PROG}: wrote {len(figures)} figures, {len(tables)} tables and {report}")
    return 0


if __name__ == "__main__":
    sys.exit(_cli.run(PROG, "sweep_report"))
