#!/usr/bin/python3
"""Figures over time for a biocluster experiment (docs/EXPERIMENTS.md, "Figures over time").

    biocluster experiment scenarios/experiments/grace_period.toml --save-runs out/gp
    /usr/bin/python3 scripts/plot_experiment.py out/gp -o out/gp/figures

Reads what `experiment --save-runs DIR` wrote (DIR/runs.csv, outcomes.csv, results.csv and the run
files v<variant>_r<replicate>.h5, each with monthly time series) and writes, into the output folder:
  time_v<V>[_<part>].png  per outcome (six to a figure): baseline and variant means per year (left), and the paired
                        difference variant - baseline (same seed) with its 95% Student-t band (right)
  forest.png            every outcome's end-of-run change relative to the baseline, with the 95%
                        interval of the paired difference (from results.csv: the experiment's table)
  capital_area.png      the paired difference over time in the capital area and elsewhere
                        (scenarios that mark capital_area regions)
  report.html           the figures with their captions, and the results table
A year's value is the sum of a flow's months, or a stock's value in the year's last month, summed
over the outcome's regions. Ratio outcomes (a share, a cost per job) are left out of the time
figures (they are in the forest plot). Needs Debian's python3-h5py, numpy, pandas, matplotlib, scipy.
"""
import argparse
import html
import math
import os
import sys

sys.dont_write_bytecode = True

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

import biocluster_data as bd  # noqa: E402

CAPITAL, ELSEWHERE = "#0072B2", "#D55E00"  # Okabe-Ito, as the run figures
BASE, VARIANT = "#555555", "#009E73"


def t95(n: int) -> float:
    """0.975 quantile of Student's t with n - 1 degrees of freedom (NaN for n < 2)."""
    if n < 2:
        return float("nan")
    from scipy.stats import t
    return float(t.ppf(0.975, n - 1))


def region_columns(run: bd.Run, regions: str) -> list[str]:
    """The region names an outcome's `regions` selects (all, capital_area, outside_capital_area, a+b)."""
    names = run.region_names
    cap = [bool(x) for x in run.regions["capital_area"]]
    if regions == "all":
        return names
    if regions == "capital_area":
        return [r for r, c in zip(names, cap) if c]
    if regions == "outside_capital_area":
        return [r for r, c in zip(names, cap) if not c]
    return [r for r in regions.split("+") if r in names]


def yearly(run: bd.Run, metrics: list[str], regions: list[str]) -> pd.Series:
    """The metrics summed over `regions`, per calendar year (flows: summed over the months; stocks:
    the year's last month)."""
    total = None
    for m in metrics:
        w = run.wide(m)[regions].sum(axis=1)
        if run.metrics.loc[m, "kind"] == "flow":
            y = w.groupby(w.index.year).sum()
        else:
            y = w.groupby(w.index.year).last()
        total = y if total is None else total + y
    return total


def load(dirname: str):
    runs = pd.read_csv(os.path.join(dirname, "runs.csv"), keep_default_na=False)
    outcomes = pd.read_csv(os.path.join(dirname, "outcomes.csv"), keep_default_na=False)
    results = pd.read_csv(os.path.join(dirname, "results.csv"), keep_default_na=False)
    files = {(int(r.variant_index), int(r.replicate)): os.path.join(dirname, r.file) for r in runs.itertuples()}
    variants = list(dict.fromkeys(runs.sort_values("variant_index")["variant"]))
    return runs, outcomes, results, files, variants


def series_table(files, n_variants: int, n_reps: int, outcomes: pd.DataFrame) -> dict:
    """(variant, outcome) -> DataFrame [year x replicate]; also (variant, 'capital'/'elsewhere', metric)."""
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


def band(diff: pd.DataFrame):
    """Mean over replicates and the 95% t half-width, per year."""
    n = diff.notna().sum(axis=1)
    mean = diff.mean(axis=1)
    sd = diff.std(axis=1, ddof=1)
    half = np.array([t95(int(k)) for k in n]) * sd / np.sqrt(n)
    return mean, half


def scaled(values, unit_hint: str = ""):
    """(divisor, suffix) so that the largest |value| reads well."""
    v = np.nanmax(np.abs(np.asarray(values, dtype=float))) if np.size(values) else 0.0
    if not np.isfinite(v):
        v = 0.0
    for div, suf in ((1e9, " bn"), (1e6, " M"), (1e3, " k")):
        if v >= 10 * div:
            return div, suf
    return 1.0, ""


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dir", help="the DIR of `biocluster experiment ... --save-runs DIR`")
    ap.add_argument("-o", "--outdir", help="folder for the figures and report.html (default DIR/figures)")
    ap.add_argument("--dpi", type=int, default=100)
    a = ap.parse_args(argv)
    try:
        runs, outcomes, results, files, variants = load(a.dir)
    except (OSError, pd.errors.ParserError) as e:
        print(f"plot_experiment: error: cannot read an experiment's saved runs in '{a.dir}' ({e}); give the DIR of "
              "`biocluster experiment FILE --save-runs DIR`", file=sys.stderr)
        return 2
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    outdir = a.outdir or os.path.join(a.dir, "figures")
    os.makedirs(outdir, exist_ok=True)
    n_reps = int(runs["replicate"].max()) + 1
    try:
        tab = series_table(files, len(variants), n_reps, outcomes)
    except (bd.RunFileError, KeyError) as e:
        print(f"plot_experiment: error: {e}", file=sys.stderr)
        return 2
    plotted = [o for o in outcomes.itertuples() if str(o.ratio).lower() != "true"]
    figures = []

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
            ax.set_title(f"{o.name}: mean per year", loc="left", fontsize=10)
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

    rows = "".join("<tr>" + "".join(f"<td>{html.escape(str(x))}</td>" for x in r) + "</tr>"
                   for r in results.itertuples(index=False))
    head = "".join(f"<th>{html.escape(c)}</th>" for c in results.columns)
    body = "".join(f"<h2>{html.escape(t)}</h2><p>{html.escape(c)}</p><img src=\"{html.escape(f)}\" "
                   f"style=\"max-width:100%\">" for f, t, c in figures)
    with open(os.path.join(outdir, "report.html"), "w", encoding="utf-8") as f:
        f.write(f"<!doctype html><html><head><meta charset=\"utf-8\"><title>Experiment figures</title></head><body>"
                f"<h1>Experiment: {html.escape(', '.join(variants))}</h1>{body}<h2>The table</h2>"
                f"<table border=\"1\" cellspacing=\"0\" cellpadding=\"3\"><tr>{head}</tr>{rows}</table>"
                f"</body></html>\n")
    for fn, _, _ in figures:
        print(os.path.join(outdir, fn))
    return 0


if __name__ == "__main__":
    sys.exit(main())
