"""Figures over time for a biocluster experiment (docs/EXPERIMENTS.md, "Figures over time").

    biocluster experiment scenarios/experiments/grace_period.toml --save-runs out/gp
    biocluster-plot-experiment out/gp -o out/gp/figures

Reads what `experiment --save-runs DIR` wrote (DIR/runs.csv, outcomes.csv, results.csv and the run
files v<variant>_r<replicate>.h5, each with monthly time series) and writes, into the output folder:
  time_v<V>[_<part>].png  per outcome (six to a figure): baseline and variant means per year (left), and the paired
                        difference variant - baseline (same seed) with its 95% Student-t band (right)
  forest.png            every outcome's end-of-run change relative to the baseline, with the 95%
                        interval of the paired difference (from results.csv: the experiment's table)
  capital_area.png      the paired difference over time in the capital area and elsewhere
                        (scenarios that mark capital_area regions)
  report.html           for a director: the question, the findings in plain words with their 95%
                        intervals, how far the baseline is calibrated (the shipped results of the
                        targets files beside its scenario, docs/data/calibration/), the figures,
                        the table (amounts in KRW, 억/조, when the scenario sets output.report_currency = "KRW"),
                        and the run metadata and parameters in an appendix
A year's value is the sum of a flow's months, or a stock's value in the year's last month, summed
over the outcome's regions. Ratio outcomes (a share, a cost per job) are left out of the time
figures (they are in the forest plot). Needs Debian's python3-h5py, numpy, pandas, matplotlib, scipy.
"""
import argparse
import html
import math
import os
import sys

import numpy as np
import pandas as pd

from . import data as bd
from ._cli import check_dpi, writable_dir
from .experiment import band, load_experiment, region_columns, yearly  # noqa: F401  (region_columns: re-export)

PROG = "biocluster-plot-experiment"

CAPITAL, ELSEWHERE = "#0072B2", "#D55E00"  # Okabe-Ito, as the run figures
BASE, VARIANT = "#555555", "#009E73"


def load(dirname: str):
    exp = load_experiment(dirname)
    return exp.runs, exp.outcomes, exp.results, exp.files, exp.variants


def series_table(files, n_variants: int, n_reps: int, outcomes: pd.DataFrame) -> dict:
    """(variant, outcome) -> DataFrame [year x replicate]; also (variant, 'capital'/'elsewhere', metric), and
    (variant, 'end', metric) -> DataFrame [region x replicate] of startups and market jobs at the end."""
    out = {}
    for v in range(n_variants):
        cols = {}
        for r in range(n_reps):
            run = bd.load_run(files[(v, r)])
            for o in outcomes.itertuples():
                if str(o.ratio).lower() == "true":
                    continue
                cols.setdefault(int(o.outcome), {})[r] = yearly(run, str(o.metrics).split("+"),
                                                                region_columns(run, str(o.regions)))
            if {"startups", "employment_market"} <= set(run.metrics.index):  # the map of changes, per region
                cols.setdefault(("end", "startups"), {})[r] = run.wide("startups").iloc[-1]
                cols.setdefault(("end", "employment_market"), {})[r] = run.wide("employment_market").iloc[-1]
            cap = [bool(x) for x in run.regions["capital_area"]]
            if any(cap) and not all(cap):
                for m in ("startups_founded", "employment_market"):
                    if m in run.metrics.index:
                        cols.setdefault(("capital", m), {})[r] = yearly(run, [m], region_columns(run, "capital_area"))
                        cols.setdefault(("elsewhere", m), {})[r] = yearly(
                            run, [m], region_columns(run, "outside_capital_area"))
        for k, d in cols.items():
            out[(v,) + (k if isinstance(k, tuple) else (k,))] = pd.DataFrame(d)
    return out


def scaled(values, unit_hint: str = ""):
    """(divisor, suffix) so that the largest |value| reads well."""
    v = np.nanmax(np.abs(np.asarray(values, dtype=float))) if np.size(values) else 0.0
    if not np.isfinite(v):
        v = 0.0
    for div, suf in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if v >= 10 * div:
            return div, suf
    return 1.0, ""


# ----- the report: findings first, then figures, the table, and an appendix --------------------

def number(x: float) -> str:
    if not math.isfinite(x):
        return "n/a"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def write_report(dirname, outdir, runs, outcomes, results, variants, figures, files) -> None:
    import tomllib
    try:
        exp = tomllib.load(open(os.path.join(dirname, "experiment.toml"), "rb"))
    except (OSError, tomllib.TOMLDecodeError):
        exp = {}
    run0 = bd.load_run(files[(0, 0)])
    krw = bd.report_krw_per_usd(run0)
    money = bd.money_formatter(krw)
    first_metric = {str(o.name): str(o.metrics).split("+")[0] for o in outcomes.itertuples()}
    scale = {str(o.name): float(o.scale) for o in outcomes.itertuples()}
    unit = {str(o.name): str(o.unit) for o in outcomes.itertuples()}

    def is_money(name: str) -> bool:
        m = first_metric.get(name, "")
        return m in run0.metrics.index and run0.units(m).startswith("USD")

    def amount(name: str, x: float) -> str:
        if is_money(name):
            return money(x / scale.get(name, 1.0))
        return number(x) + (f" {unit[name]}" if unit.get(name) else "")

    res = results.copy()
    for c in ("baseline_mean", "variant_mean", "diff_mean", "diff_ci_low", "diff_ci_high", "rel_change"):
        res[c] = pd.to_numeric(res[c], errors="coerce")
    findings, unclear = [], {}
    for v in variants[1:]:
        r = res[res["variant"] == v]
        clear = r[(r["diff_ci_low"] > 0) | (r["diff_ci_high"] < 0)].copy()
        clear["size"] = clear["rel_change"].abs()
        for x in clear.sort_values("size", ascending=False).head(6).itertuples():
            word = "raises" if x.diff_mean > 0 else "lowers"
            pc = 100 * x.rel_change
            rel = (f" ({pc:+.1f}%)" if abs(pc) < 10 else f" ({pc:+.0f}%)") if math.isfinite(pc) else ""
            findings.append(
                f"<b>{html.escape(v)}</b> {word} <b>{html.escape(x.outcome)}</b> by "
                f"{html.escape(amount(x.outcome, abs(x.diff_mean)))}{rel}, from {html.escape(amount(x.outcome, x.baseline_mean))}; "
                f"95% interval of the difference {html.escape(amount(x.outcome, x.diff_ci_low))} to "
                f"{html.escape(amount(x.outcome, x.diff_ci_high))}.")
        unclear[v] = [o for o in r["outcome"] if o not in set(clear["outcome"])]
    n_reps = int(runs["replicate"].max()) + 1
    scenario = str(runs[runs["variant_index"] == 0]["scenario"].iloc[0]) if "scenario" in runs else ""
    status = bd.calibration_status(scenario) if scenario else ["unknown (runs.csv names no scenario)"]
    e = html.escape
    parts = [f"<h1>{e(str(exp.get('name', 'Experiment')))}</h1>",
             f"<p><b>Question.</b> {e(str(exp.get('question', '')))}</p>",
             f"<p><b>Mechanism.</b> {e(str(exp.get('mechanism', '')))}</p>",
             f"<p><b>Design.</b> {e(variants[0])} against {e(', '.join(variants[1:]))}: {n_reps} paired replicates "
             f"each (the same seeds in every variant), {run0.n_steps} months from {run0.start:%Y-%m}; amounts in "
             f"{'KRW (억 = 10^8, 조 = 10^12; ' + format(krw, ',.1f') + ' KRW/USD)' if krw > 1 else 'USD'}.</p>",
             "<h2>Findings</h2>",
             "<ul>" + "".join(f"<li>{f}</li>" for f in findings) + "</ul>" if findings else
             "<p>No outcome changes by more than the noise (every 95% interval includes 0).</p>"]
    for v, names in unclear.items():
        if names:
            parts.append(f"<p>No clear change under <b>{e(v)}</b> (the 95% interval includes 0): "
                         f"{e(', '.join(names))}.</p>")
    parts.append("<h2>How far to trust the baseline</h2><ul>" + "".join(f"<li>{e(s)}</li>" for s in status) + "</ul>")
    parts.append("<h2>Figures</h2>")
    for f, t, c in figures:
        parts.append(f"<h3>{e(t)}</h3><p>{e(c)}</p><img src=\"{e(f)}\" style=\"max-width:100%\">")
    head = ["variant", "outcome", "baseline mean", "variant mean", "difference", "95% interval", "change", "n"]
    body = "".join(
        "<tr>" + "".join(f"<td>{e(c)}</td>" for c in (
            x.variant, x.outcome, amount(x.outcome, x.baseline_mean), amount(x.outcome, x.variant_mean),
            amount(x.outcome, x.diff_mean), amount(x.outcome, x.diff_ci_low) + " to " + amount(x.outcome, x.diff_ci_high),
            f"{100 * x.rel_change:+.1f}%" if math.isfinite(x.rel_change) else "n/a", str(x.n))) + "</tr>"
        for x in res.itertuples())
    parts.append("<h2>The table</h2><table><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>" + body +
                 "</table>")
    meta = {k: run0.attrs.get(k, "") for k in ("program_version", "git_revision", "start_date", "planned_steps")}
    params = run0.param_table
    prow = ""
    if len(params):
        for r in params.itertuples(index=False):
            vals = list(r)
            key, val = str(vals[0]), vals[1]
            if isinstance(val, float):
                val = f"{val:.4g}"
            prow += f"<tr><td>{e(key)}</td><td>{e(str(val))}</td></tr>"
    parts.append("<h2>Appendix</h2><details><summary>Run metadata</summary><ul>" +
                 "".join(f"<li>{e(k)}: {e(str(v))}</li>" for k, v in meta.items()) +
                 f"<li>seeds: {e(', '.join(str(s) for s in runs[runs['variant_index'] == 0]['seed']))}</li>"
                 "</ul></details><details><summary>Baseline parameters (rounded to 4 significant digits)"
                 f"</summary><table>{prow}</table></details>")
    style = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;line-height:1.4}"
             "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px;vertical-align:top}"
             "th{background:#f2f2f2}")
    with open(os.path.join(outdir, "report.html"), "w", encoding="utf-8") as f:
        f.write(f"<!doctype html><html><head><meta charset=\"utf-8\"><title>{e(str(exp.get('name', 'Experiment')))}"
                f"</title><style>{style}</style></head><body>{''.join(parts)}</body></html>\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="the DIR of `biocluster experiment ... --save-runs DIR`")
    ap.add_argument("-o", "--outdir", help="folder for the figures and report.html (default DIR/figures)")
    ap.add_argument("--dpi", type=int, default=100, help="resolution of the PNGs (default %(default)s)")
    a = ap.parse_args(argv)
    check_dpi(PROG, a.dpi)
    try:
        runs, outcomes, results, files, variants = load(a.dir)
    except bd.RunFileError as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outdir = a.outdir or os.path.join(a.dir, "figures")
    writable_dir(PROG, outdir)
    n_reps = int(runs["replicate"].max()) + 1
    try:
        tab = series_table(files, len(variants), n_reps, outcomes)
    except (bd.RunFileError, KeyError) as e:
        print(f"{PROG}: error: {e}", file=sys.stderr)
        return 2
    plotted = [o for o in outcomes.itertuples() if str(o.ratio).lower() != "true"]
    # An at_least outcome is 0/1 in the table; over time its quantity is drawn with the level it must reach.
    levels = {int(o.outcome): float(str(o.at_least)) for o in outcomes.itertuples()
              if str(getattr(o, "at_least", "")).strip()}
    figures = []

    def draw_level(ax, o, div):
        if int(o.outcome) in levels:
            ax.axhline(levels[int(o.outcome)] / div, color="#444444", ls=":", lw=1.4, label="target level")

    def left_title(o, what):
        if int(o.outcome) in levels:
            return f"{o.name}\nthe quantity's {what}, its target dotted"
        return f"{o.name}: {what}"

    def save(fig, stem, title, caption):
        path = os.path.join(outdir, stem + ".png")
        fig.savefig(path, dpi=a.dpi)
        plt.close(fig)
        figures.append((stem + ".png", title, caption))

    per_page = 6
    pages = [plotted[i:i + per_page] for i in range(0, len(plotted), per_page)]
    for v, (k, page) in ((v, kp) for v in range(1, len(variants)) for kp in enumerate(pages)):
        n = len(page)
        height = 2.6 * n + 0.9
        fig, axes = plt.subplots(n, 2, figsize=(11, height), squeeze=False, sharex=True)
        for i, o in enumerate(page):
            b, x = tab[(0, int(o.outcome))], tab[(v, int(o.outcome))]
            div, suf = scaled(pd.concat([b, x]).to_numpy())
            ax = axes[i, 0]
            ax.plot(b.index, b.mean(axis=1) / div, color=BASE, lw=2, label=variants[0])
            ax.plot(x.index, x.mean(axis=1) / div, color=VARIANT, lw=2, ls="--", label=variants[v])
            draw_level(ax, o, div)
            ax.set_title(left_title(o, "mean per year"), loc="left", fontsize=10)
            ax.set_ylabel(suf.strip() or "per year")
            mean, half = band(x - b)
            ddiv, dsuf = scaled(np.append(mean.to_numpy(), (mean + half).to_numpy()))
            ax = axes[i, 1]
            ax.axhline(0, color="#999999", lw=1)
            ax.fill_between(mean.index, (mean - half) / ddiv, (mean + half) / ddiv, color=VARIANT, alpha=0.25,
                            lw=0, label="95% interval")
            ax.plot(mean.index, mean / ddiv, color=VARIANT, lw=2, label="mean difference")
            ax.set_title(f"{o.name}: {variants[v]} − {variants[0]} (paired)", loc="left", fontsize=10)
            ax.set_ylabel(dsuf.strip() or "difference")
            for axx in axes[i]:
                axx.grid(alpha=0.3)
        axes[0, 0].legend(fontsize=8, frameon=False)
        axes[0, 1].legend(fontsize=8, frameon=False)
        part = f", part {k + 1} of {len(pages)}" if len(pages) > 1 else ""
        fig.suptitle(f"{variants[v]} against {variants[0]}, over time ({n_reps} paired replicates{part})", fontsize=12,
                     y=1 - 0.12 / height)
        fig.tight_layout()
        fig.subplots_adjust(top=1 - 0.65 / height)
        save(fig, f"time_v{v}" + (f"_{k + 1}" if len(pages) > 1 else ""),
             f"{variants[v]} against {variants[0]}, over time{part}",
             "Left: the mean per year over the replicates of the baseline (grey) and the variant (green, dashed). "
             "Right: the mean paired difference (same seed) with its 95% Student-t band; where the band leaves "
             "zero the variant differs by more than the noise.")

    # An experiment of the baseline alone (e.g. national targets): each outcome over time, its mean over
    # the replicates with the 95% interval of that mean, and the level an at_least outcome must reach.
    if len(variants) == 1:
        for k, page in enumerate(pages):
            n = len(page)
            cols = 2 if n > 1 else 1
            rows = (n + cols - 1) // cols
            height = 2.8 * rows + 0.9
            fig, axes = plt.subplots(rows, cols, figsize=(11, height), squeeze=False, sharex=True)
            for i, o in enumerate(page):
                b = tab[(0, int(o.outcome))]
                mean, half = band(b)
                top = mean + half
                if int(o.outcome) in levels:
                    top = np.append(top.to_numpy(), levels[int(o.outcome)])
                div, suf = scaled(np.asarray(top))
                ax = axes[i // cols, i % cols]
                ax.fill_between(mean.index, (mean - half) / div, (mean + half) / div, color=BASE, alpha=0.25, lw=0,
                                label="95% interval of the mean")
                ax.plot(mean.index, mean / div, color=BASE, lw=2, label=f"{variants[0]}, mean")
                draw_level(ax, o, div)
                title = left_title(o, "mean per year")
                if int(o.outcome) in levels:
                    hit = mean.index[mean.to_numpy() >= levels[int(o.outcome)]]
                    title += f": reached in {int(hit[0])}" if len(hit) else ": never reached"
                ax.set_title(title, loc="left", fontsize=10)
                ax.set_ylabel(suf.strip() or "per year")
                ax.grid(alpha=0.3)
            for j in range(n, rows * cols):
                axes[j // cols, j % cols].axis("off")
                if j >= cols:  # the axis above now ends its column: it carries the years
                    axes[j // cols - 1, j % cols].xaxis.set_tick_params(labelbottom=True)
            axes[0, 0].legend(fontsize=8, frameon=False)
            part = f", part {k + 1} of {len(pages)}" if len(pages) > 1 else ""
            fig.suptitle(f"{variants[0]}, over time ({n_reps} replicates{part})", fontsize=12, y=1 - 0.12 / height)
            fig.tight_layout()
            fig.subplots_adjust(top=1 - 0.65 / height)
            save(fig, "time_v0" + (f"_{k + 1}" if len(pages) > 1 else ""), f"{variants[0]}, over time{part}",
                 "Each outcome's mean per year over the replicates, with the 95% Student-t interval of that mean; "
                 "for a target outcome (at_least) the quantity is drawn with its level dotted and the year its "
                 "mean first reaches it (the table's value is the share of runs that reach it).")

    # Forest plot: the experiment's own end-of-run table, relative to the baseline mean.
    res = results[results["variant"].isin(variants[1:])].copy()
    if len(res):
        for c in ("baseline_mean", "diff_mean", "diff_ci_low", "diff_ci_high"):
            res[c] = pd.to_numeric(res[c], errors="coerce")
        res["rel"] = 100 * res["diff_mean"] / res["baseline_mean"].abs()
        res["lo"] = 100 * res["diff_ci_low"] / res["baseline_mean"].abs()
        res["hi"] = 100 * res["diff_ci_high"] / res["baseline_mean"].abs()
        names = list(dict.fromkeys(res["outcome"]))
        fig, ax = plt.subplots(figsize=(9, 0.36 * len(names) + 1.4))
        colours = ["#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#0072B2"]
        for k, vname in enumerate(variants[1:]):
            r = res[res["variant"] == vname].set_index("outcome").reindex(names)
            y = np.arange(len(names)) + (k - (len(variants) - 2) / 2) * 0.8 / max(1, len(variants) - 1)
            ax.errorbar(r["rel"], y, xerr=[r["rel"] - r["lo"], r["hi"] - r["rel"]], fmt="o",
                        color=colours[k % len(colours)], capsize=3, label=vname)
        ax.axvline(0, color="#999999", lw=1)
        ax.set_yticks(np.arange(len(names)), names, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel(f"change relative to {variants[0]} (%), with the 95% interval of the paired difference")
        ax.legend(fontsize=8, frameon=False, loc="best")
        ax.grid(axis="x", alpha=0.3)
        fig.tight_layout()
        save(fig, "forest", "End-of-run changes, every outcome",
             "Each outcome's mean paired difference relative to the baseline mean, with its 95% interval "
             "(results.csv: the numbers of the experiment's table).")

    # The capital area and elsewhere.
    cap_metrics = [m for m in ("startups_founded", "employment_market") if (0, "capital", m) in tab]
    if cap_metrics and len(variants) > 1:
        fig, axes = plt.subplots(len(cap_metrics), len(variants) - 1, figsize=(5.5 * (len(variants) - 1), 3 * len(cap_metrics) + 0.8),
                                 squeeze=False, sharex=True)
        for i, m in enumerate(cap_metrics):
            for v in range(1, len(variants)):
                ax = axes[i, v - 1]
                ax.axhline(0, color="#999999", lw=1)
                for grp, col, label in (("capital", CAPITAL, "capital area"), ("elsewhere", ELSEWHERE, "elsewhere")):
                    mean, half = band(tab[(v, grp, m)] - tab[(0, grp, m)])
                    ax.fill_between(mean.index, mean - half, mean + half, color=col, alpha=0.2, lw=0)
                    ax.plot(mean.index, mean, color=col, lw=2, ls="-" if grp == "capital" else "--", label=label)
                ax.set_title(f"{m}: {variants[v]} − {variants[0]}", loc="left", fontsize=10)
                ax.grid(alpha=0.3)
        axes[0, 0].legend(fontsize=8, frameon=False)
        fig.suptitle("Where the change happens: the capital area and elsewhere (paired, 95% bands)", fontsize=12)
        fig.tight_layout()
        fig.subplots_adjust(top=1 - 0.55 / (3 * len(cap_metrics) + 0.8))
        save(fig, "capital_area", "The capital area and elsewhere",
             "Mean paired difference per year of startups founded and market jobs (a year's last month) in the "
             "regions marked capital_area and in the others, with 95% Student-t bands.")

    # The clusters on the map: each variant's mean paired change at the end, per region.
    run0 = bd.load_run(files[(0, 0)])
    if (0, "end", "startups") in tab and len(variants) > 1:
        from . import plots as bp
        bp.apply_style()
        panels = []
        for v in range(1, len(variants)):
            ds, dj = ((tab[(v, "end", m)] - tab[(0, "end", m)]).mean(axis=1) for m in ("startups", "employment_market"))
            panels.append((f"{variants[v]} − {variants[0]}", ds.to_dict(), dj.to_dict()))
        md = bp.geo_frame(run0)
        fig = bp.fig_difference_map(run0, md, panels[:4], bp.region_colors(run0.region_names),
                                    "startups alive at the end, per cluster")
        save(fig, "map_changes", "Where the change happens, on the map",
             "Each variant's mean paired difference (same seed) in startups alive at the end of the run, per "
             "cluster: bubble area proportional to its size, green a rise, orange a fall; the labels add the "
             "change in market jobs. " + ("Drawn on the real coastline and borders (GSHHG 2.3), latitude and "
                                          "longitude on the axes." if md.coast else "On the scenario's grid (km).")
             + (" The first four variants." if len(panels) > 4 else ""))

    write_report(a.dir, outdir, runs, outcomes, results, variants, figures, files)
    for fn, _, _ in figures:
        print(os.path.join(outdir, fn))
    return 0


if __name__ == "__main__":
    from ._cli import run
    sys.exit(run(PROG, "experiment_report"))
