"""Figures for biocluster runs: a shared look (Okabe-Ito palette, one colour per region in every
figure, readable fonts, units on every axis) and one function per figure. biocluster-plot-run turns a run
into PNGs and report.html with these; a sweep script can reuse the style, region_colors(),
money_scale() and the building blocks (they take DataFrames and Axes, not files).

Matplotlib runs on the Agg backend (no display needed).
"""
from __future__ import annotations

import math
import os
import textwrap
from dataclasses import dataclass, field

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.patheffects as pe  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.ticker  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.colors import LogNorm, Normalize  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Circle, Patch  # noqa: E402

from . import data as bd  # noqa: E402
from . import geo  # noqa: E402

# Okabe & Ito (2008) colour-blind-safe palette, in the order regions get them (yellow last: it is
# the hardest to see on white).
OKABE_ITO = {
    "blue": "#0072B2", "orange": "#E69F00", "bluish_green": "#009E73", "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7", "sky_blue": "#56B4E9", "black": "#000000", "yellow": "#F0E442",
}
REGION_PALETTE = list(OKABE_ITO.values())
# Beyond 8 regions colours repeat with another line style.
LINESTYLES = ["-", "--", ":", "-."]

DEFAULT_DPI = 100
TS_PANEL_W, TS_PANEL_H = 5.2, 2.6   # inches per time-series panel
HEADER_IN = 0.85                     # inches above the panels for the title and the region legend

# How agents are marked on the maps (agent table name -> label, marker, size).
AGENT_MARKERS = {
    "university": ("university", "^", 46),
    "hospital": ("hospital", "P", 46),
    "venture_capital": ("VC firm", "s", 30),
    "pharma": ("pharma firm", "D", 36),
    "startup": ("startup", "o", 12),
}


def apply_style() -> None:
    plt.rcParams.update({
        "font.size": 10.5, "axes.titlesize": 11.5, "axes.titleweight": "bold", "axes.labelsize": 10.5,
        "figure.titlesize": 14, "figure.titleweight": "bold", "legend.fontsize": 10,
        "xtick.labelsize": 9.5, "ytick.labelsize": 9.5,
        "axes.grid": True, "grid.color": "#d9d9d9", "grid.linewidth": 0.6,
        "axes.spines.top": False, "axes.spines.right": False,
        "axes.prop_cycle": matplotlib.cycler(color=REGION_PALETTE),
        "savefig.facecolor": "white", "figure.facecolor": "white", "lines.linewidth": 1.8,
        "image.cmap": "viridis",
    })


@dataclass(frozen=True)
class RegionStyle:
    color: str
    linestyle: str


def region_colors(region_names: list[str]) -> dict[str, RegionStyle]:
    """One style per region, by position in the run's region list (the same in every figure)."""
    return {name: RegionStyle(REGION_PALETTE[i % len(REGION_PALETTE)],
                              LINESTYLES[(i // len(REGION_PALETTE)) % len(LINESTYLES)])
            for i, name in enumerate(region_names)}


def money_scale(units: str, values, currency: str = "USD") -> tuple[float, str]:
    """(divisor, units label) that shows money in thousands, millions or billions."""
    if not units.startswith(currency):
        return 1.0, units
    vmax = float(np.nanmax(np.abs(values))) if np.size(values) else 0.0
    for div, prefix in ((1e9, "bn "), (1e6, "M "), (1e3, "k ")):
        if vmax >= div:
            return div, prefix + units
    return 1.0, units


# Short panel titles of the metrics the model records today; others get their description.
SHORT_LABELS = {
    "startups": "Live startups", "vc_firms": "VC firms ever entered", "pharma_firms": "Pharma firms with a site",
    "universities": "Universities", "hospitals": "Hospitals (incl. research hospitals)",
    "employment_startups": "Startup employment", "vc_invested": "VC invested",
    "vc_distributed": "VC exit proceeds", "government_spend": "Public money",
    "vc_cash": "VC firms' uninvested cash", "startups_founded": "Startups founded",
    "startups_founded_university": "University spin-offs founded",
    "startups_founded_hospital": "Hospital startups founded", "startups_failed": "Startups failed",
    "startups_acquired": "Startups acquired", "licences": "University licences",
    "trial_starts": "Clinical trials started", "approvals": "Approvals",
    "talent_pool": "Talent pool (job seekers)", "knowledge_stock": "Knowledge stock",
    "mean_rent": "Mean rent", "employment_universities": "University research staff",
    "employment_hospitals": "Research-hospital staff", "employment_pharma": "Pharma R&D staff",
    "employment_total": "Bio employment, total", "vc_raised": "VC funds raised",
    "employment_market": "Market jobs (startups, pharma)", "employment_budget": "Budget-derived jobs (research)",
    "listing_applications": "Technology evaluations applied for", "listing_rejections": "Technology evaluations failed",
    "public_cost_per_job": "Public spending per bio job (cumulative)", "startups_listed": "Startups listed (IPO)",
    "programmes_promoted": "Next programmes taking over a failed lead",
    "serial_founders": "Startups by serial founders", "talent_pool_phd": "Job seekers with a PhD",
    "wage": "Monthly wage", "amenity_index": "Amenity index",
    "vacancies": "Unfilled openings", "unemployment_rate": "Unemployment rate (job seekers / labour force)",
    "hires": "Hires", "employment_production": "Production (CDMO) staff",
    "production_plants": "Production plants", "production_capacity": "Bioreactor capacity",
    "production_revenue": "Contract-manufacturing revenue", "migrants_in": "Job seekers moving in", "migrants_out": "Job seekers moving out",
}


def nice_label(metric: str, description: str = "") -> str:
    """A one-line description of a metric: its description, capitalised, or the name with spaces."""
    text = description.strip() or metric.replace("_", " ")
    return text[:1].upper() + text[1:]


def short_label(metric: str, description: str = "", width: int = 40) -> str:
    """A panel title: a known short label, or the description shortened to `width` characters."""
    if metric in SHORT_LABELS:
        return SHORT_LABELS[metric]
    if metric.startswith("startups_stage_"):
        return "Live startups in stage " + metric[len("startups_stage_"):]
    return textwrap.shorten(nice_label(metric, description).replace(" this month", ""), width, placeholder="…")


def thousands(ax, units: str = "") -> None:
    """Tick labels with thousands separators; whole-number ticks for counts."""
    if units.split("/")[0].strip() in ("count", "persons"):
        ax.yaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True, min_n_ticks=3))
    ax.yaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
        lambda v, _: f"{v:,.0f}" if abs(v) >= 1000 else f"{v:g}"))


def date_axis(ax) -> None:
    loc = mdates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))


def region_handles(styles: dict[str, RegionStyle]) -> list[Line2D]:
    return [Line2D([], [], color=s.color, linestyle=s.linestyle, linewidth=2.4, label=name)
            for name, s in styles.items()]


def new_figure(width_in: float, body_height_in: float, title: str, legend_handles=None,
               legend_ncol: int | None = None, footer_in: float = 0.0):
    """A constrained-layout figure with a header band (title + legend) of HEADER_IN inches and an
    optional footer band; returns (fig, height_in)."""
    header = HEADER_IN if legend_handles else 0.5
    height = body_height_in + header + footer_in
    fig = plt.figure(figsize=(width_in, height), layout="constrained")
    fig.get_layout_engine().set(rect=(0, footer_in / height, 1, 1 - header / height))
    fig.suptitle(title, y=1 - 0.08 / height, va="top")
    if legend_handles:
        fig.legend(handles=legend_handles, loc="upper center", bbox_to_anchor=(0.5, 1 - 0.42 / height),
                   ncol=legend_ncol or min(len(legend_handles), 8), frameon=False)
    return fig, height


# ------------------------------------------------------------------------------------------------
# Time series
@dataclass
class SeriesGroup:
    """A time-series figure: a file stem, a title, a caption and the metrics it shows."""
    stem: str
    title: str
    caption: str
    metrics: list[str]
    ncols: int = 2  # for stock-only figures


SERIES_GROUPS = [
    SeriesGroup("firms", "Firms by type",
                "Number of firms and institutions of each type in each region (end of month).",
                ["startups", "vc_firms", "pharma_firms", "production_plants", "universities", "hospitals"], 3),
    SeriesGroup("employment", "Employment",
                "Bio employment in each region by employer type (end of month).",
                ["employment_startups", "employment_universities", "employment_hospitals", "employment_pharma",
                 "employment_production", "employment_total", "employment_market", "employment_budget",
                 "employment_local_services"], 3),
    SeriesGroup("location", "Where firms go",
                "Startups founded here by founders from another region and founders from here who started "
                "elsewhere; startups that moved in or out after a priced round (left: per month; right: "
                "12-month rolling sum; MODEL.md 7.11).",
                ["foundings_moved_in", "foundings_moved_out", "relocations_in", "relocations_out"]),
    SeriesGroup("money", "Venture capital and contract manufacturing",
                "VC money invested in the region's startups, exit proceeds received by its VC firms, new funds "
                "they raised and its plants' contract-manufacturing revenue (left: per month; right: 12-month "
                "rolling sum), and the VC firms' uninvested cash.",
                ["vc_invested", "vc_distributed", "vc_raised", "vc_cash", "production_revenue"]),
    SeriesGroup("capital", "Limited partners, the fund-of-funds and public equity",
                "What private limited partners and the government fund-of-funds committed to the region's VC "
                "firms, the national pools offered each January and left unallocated, VC raises that failed, "
                "firms with an open fund, the founders' pool and listed firms' follow-on offerings (MODEL.md 7.4; "
                "flows: left per month, right 12-month rolling sum).",
                ["lp_committed", "fof_committed", "lp_pool", "fof_pool", "lp_unallocated", "fof_unallocated",
                 "vc_raise_failed", "vc_firms_active", "founder_pool", "foundings_unfunded", "public_follow_on"], 3),
    SeriesGroup("public", "Public money",
                "Public money paid into the region (left: per month; right: 12-month rolling sum) and the "
                "cumulative public spending per bio job.",
                ["government_spend", "public_cost_per_job"]),
    SeriesGroup("startups", "Startups founded, failed, acquired and listed",
                "Startups founded, failed, acquired and listed on a stock market, and startups founded by serial "
                "founders (left: per month; right: 12-month rolling sum).",
                ["startups_founded", "startups_failed", "startups_acquired", "startups_listed", "serial_founders"]),
    SeriesGroup("listing", "Listings",
                "Technology evaluations applied for and failed (market.tech_listing), listings, delistings, "
                "discovery programmes that became a listed firm's lead when its lead failed "
                "(market.listed_programmes; left: per month; right: 12-month rolling sum) and listed companies.",
                ["listing_applications", "listing_rejections", "startups_listed", "delisted", "programmes_promoted",
                 "listed_firms"]),
    SeriesGroup("constraints", "Constraints that bound",
                "How often a constraint bound (firm-months, per month; right: 12-month rolling sum): acquisition "
                "candidates with no affordable bid or whose board declined, large-group acquisitions won only on "
                "the grace-period value, listable firms while the IPO window was shut or the year's public equity "
                "was spent, trial-ready firms with no slot in reach (MODEL.md 7.10).",
                ["acquisition_no_bid", "acquisition_declined", "acquired_on_grace", "ipo_blocked_window",
                 "ipo_blocked_budget", "trial_waits"]),
    SeriesGroup("grants", "Applied grants",
                "The competitive applied-grant programme (policy.sme_grant_share, MODEL.md 7.3): awards made and "
                "applications the budget could not fund (firm-months, per month; right: 12-month rolling sum).",
                ["grants_awarded", "grants_unfunded"]),
    SeriesGroup("innovation", "Licences, clinical trials and approvals",
                "University technologies licensed, clinical trials started and lead assets approved "
                "(left: per month; right: 12-month rolling sum).",
                ["licences", "trial_starts", "approvals"]),
    SeriesGroup("labour", "Labour market",
                "Job seekers in each region's cells (all and with a PhD), openings every employer left unfilled, "
                "the unemployment rate (seekers / (seekers + staff)) and the monthly wage (end of month; "
                "MODEL.md 7.7).",
                ["talent_pool", "talent_pool_phd", "vacancies", "unemployment_rate", "wage"], 3),
    SeriesGroup("migration", "Hiring and migration",
                "Persons hired by every employer, and job seekers moving in and out, from and to other regions "
                "and outside the grid (left: per month; right: 12-month rolling sum; MODEL.md 7.7).",
                ["hires", "migrants_in", "migrants_out"]),
    SeriesGroup("environment", "Knowledge, rent, amenity and production capacity",
                "The knowledge stock summed over each region's cells, the mean rent over them, the amenity "
                "index and the bioreactor capacity of its production plants (end of month).",
                ["knowledge_stock", "mean_rent", "amenity_index", "production_capacity"], 3),
]


@dataclass
class StackGroup:
    """A composition figure: the metrics PREFIX<part>, stacked, one panel per region. Flows are
    shown as 12-month rolling sums, stocks as they are."""
    stem: str
    title: str
    caption: str
    prefix: str
    ordered: bool = False  # parts have a natural order (sequential colours) or not (qualitative)


STACK_GROUPS = [
    StackGroup("pipeline", "Pipeline: live startups by stage of their lead asset",
               "Live startups in each region by the development stage of their lead asset (stacked, end of month).",
               "startups_stage_", ordered=True),
    StackGroup("founding_origin", "Startups founded, by origin",
               "Startups founded in each region by origin (stacked 12-month rolling sums).", "startups_founded_"),
    StackGroup("acquirers", "Startups acquired, by acquirer",
               "Startups acquired in each region by the kind of acquirer (stacked 12-month rolling sums).",
               "acquired_by_"),
    StackGroup("public_programmes", "Public spending by programme",
               "Public money paid into each region by programme (stacked 12-month rolling sums).", "spend_"),
    StackGroup("rounds_failed", "Failed rounds, by the constraint that bound",
               "Startups seeking a round that did not close, by reason (stacked 12-month rolling sums; "
               "MODEL.md 7.4, Rounds).", "rounds_failed_"),
]

#: The order of the figures in the report (stems of SERIES_GROUPS and STACK_GROUPS).
FIGURE_SEQUENCE = ["firms", "employment", "money", "capital", "rounds_failed", "public", "public_programmes", "startups",
                   "founding_origin", "location", "acquirers", "listing", "innovation", "pipeline", "labour", "migration",
                   "environment"]


def figure_groups() -> list:
    """SERIES_GROUPS and STACK_GROUPS in report order (groups not in FIGURE_SEQUENCE last)."""
    groups = SERIES_GROUPS + STACK_GROUPS
    rank = {stem: i for i, stem in enumerate(FIGURE_SEQUENCE)}
    return sorted(groups, key=lambda g: rank.get(g.stem, len(rank)))


# Paul Tol's 'muted' colour-blind-safe qualitative scheme, for the parts of a composition
# (distinct from the Okabe-Ito colours that mark regions).
TOL_MUTED = ["#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499",
             "#DDDDDD"]


def stack_parts(run: bd.Run, group: StackGroup) -> list[str]:
    """The parts of a composition present in the run, in their natural order where known."""
    parts = [m[len(group.prefix):] for m in run.metrics.index if m.startswith(group.prefix)]
    known: list[str] = []
    if group.prefix == "startups_stage_":
        known = run.stages
    elif group.prefix == "startups_founded_":
        cols = run.agent_columns.get("startup")
        if cols is not None and "origin" in cols.index:
            known = bd.code_labels(str(cols.loc["origin", "description"])) or []
    return [p for p in known if p in parts] + sorted(p for p in parts if p not in known)


def fig_stack(run: bd.Run, group: StackGroup, styles, dpi: int = DEFAULT_DPI):
    """Stacked composition per region; None when the run has fewer than two parts."""
    parts = stack_parts(run, group)
    if len(parts) < 2:
        return None
    metrics = [group.prefix + p for p in parts]
    flow = run.metrics.loc[metrics[0], "kind"] == "flow"
    units = run.units(metrics[0])
    currency = str(run.attrs.get("currency", "USD"))
    wides = {m: run.wide(m) for m in metrics}
    if flow:
        wides = {m: w.rolling(12, min_periods=12).sum() for m, w in wides.items()}
        units = units.rsplit("/", 1)[0]
    allv = np.concatenate([w.to_numpy().ravel() for w in wides.values()])
    total = np.nansum(np.stack([w.to_numpy() for w in wides.values()]), axis=0)
    div, label = money_scale(units, total if total.size else allv, currency)
    if flow:
        label += " / 12 months"
    n = len(run.region_names)
    ncols = min(n, 3)
    rows = math.ceil(n / ncols)
    if group.ordered:
        cmap = plt.get_cmap("viridis")
        colors = [cmap(x) for x in np.linspace(0.05, 0.95, len(parts))]
    else:
        colors = [TOL_MUTED[i % len(TOL_MUTED)] for i in range(len(parts))]
    handles = [Patch(facecolor=c, edgecolor="none", label=p.replace("_", " ")) for p, c in zip(parts, colors)]
    fig, _ = new_figure(TS_PANEL_W * ncols, (TS_PANEL_H + 0.4) * rows, group.title, handles,
                        legend_ncol=min(len(handles), 6 if ncols > 1 else 4))
    axes = fig.subplots(rows, ncols, squeeze=False, sharex=True, sharey=True)
    index = wides[metrics[0]].index
    for i, region in enumerate(run.region_names):
        ax = axes[i // ncols, i % ncols]
        ys = [np.nan_to_num(wides[m][region].to_numpy()) / div for m in metrics]
        if flow:  # the first 11 months have no 12-month sum
            valid = wides[metrics[0]][region].notna().to_numpy()
            ax.stackplot(index[valid], *[y[valid] for y in ys], colors=colors, linewidth=0)
            if not valid.any():
                ax.text(0.5, 0.5, "run shorter than 12 months", transform=ax.transAxes, ha="center",
                        va="center", color="#666666")
        else:
            ax.stackplot(index, *ys, colors=colors, linewidth=0)
        ax.set_title(region, loc="left", color=styles[region].color)
        for side in ("left", "bottom"):
            ax.spines[side].set_color(styles[region].color)
            ax.spines[side].set_linewidth(2)
        ax.set_ylabel(label)
        date_axis(ax)
        thousands(ax, label)
        ax.set_xlim(index[0], index[-1]) if len(index) > 1 else None
    for j in range(n, rows * ncols):
        axes[j // ncols, j % ncols].set_visible(False)
        if j - ncols >= 0:
            axes[(j - ncols) // ncols, j % ncols].xaxis.set_tick_params(labelbottom=True)
    return fig


def _plot_lines(ax, wide: pd.DataFrame, styles, div: float, lw: float = 1.8, alpha: float = 1.0, **kw) -> None:
    for region in wide.columns:
        s = styles[region]
        ax.plot(wide.index, wide[region].to_numpy() / div, color=s.color, linestyle=s.linestyle, lw=lw,
                alpha=alpha, label=region, **kw)


def _finish_axis(ax, title: str, ylabel: str, values=None) -> None:
    ax.set_title(title, loc="left")
    ax.set_ylabel(ylabel)
    date_axis(ax)
    thousands(ax, ylabel)
    v = np.asarray(values, dtype=float) if values is not None else np.zeros(0)
    if v.size and np.all(np.isnan(v) | (v == 0)) and not np.all(np.isnan(v)):
        ax.set_ylim(0, 1)  # all zero: a flat line at the bottom, and say so
        ax.text(0.5, 0.55, "zero throughout the run", transform=ax.transAxes, ha="center", va="center",
                color="#666666")
    else:
        ax.set_ylim(bottom=min(0.0, ax.get_ylim()[0]))
    ax.margins(x=0.01)


def fig_series(run: bd.Run, group: SeriesGroup, styles, dpi: int = DEFAULT_DPI):
    """A time-series figure: stocks as one panel each; flows as a row of two panels (per month,
    12-month rolling sum). Returns None when none of the group's metrics are in the run."""
    metrics = [m for m in group.metrics if m in run.metrics.index]
    if not metrics:
        return None
    currency = str(run.attrs.get("currency", "USD"))
    flows = [m for m in metrics if run.metrics.loc[m, "kind"] == "flow"]
    if flows:  # rows: each flow gets [monthly | rolling]; stocks are placed two per row
        stocks = [m for m in metrics if m not in flows]
        rows = len(flows) + math.ceil(len(stocks) / 2)
        ncols = 2
    else:
        stocks = metrics
        ncols = min(group.ncols, len(stocks))
        rows = math.ceil(len(stocks) / ncols)
    fig, _ = new_figure(TS_PANEL_W * ncols, TS_PANEL_H * rows, group.title, region_handles(styles))
    axes = fig.subplots(rows, ncols, squeeze=False, sharex=True)
    r = 0
    for m in flows:
        wide = run.wide(m)
        units = run.units(m)
        desc = short_label(m, run.metrics.loc[m, "description"])
        roll = wide.rolling(12, min_periods=12).sum()
        div, label = money_scale(units, wide.to_numpy(), currency)
        thin = len(wide) > 72  # long runs: thinner monthly lines, so that regions stay distinguishable
        _plot_lines(axes[r, 0], wide, styles, div, lw=0.8 if thin else 1.3, alpha=0.85 if thin else 1.0,
                    drawstyle="steps-mid")
        _finish_axis(axes[r, 0], desc + ": per month", label, wide.to_numpy())
        base = units.rsplit("/", 1)[0]
        div12, label12 = money_scale(base, roll.to_numpy(), currency)
        _plot_lines(axes[r, 1], roll, styles, div12, lw=2.0)
        _finish_axis(axes[r, 1], desc + ": 12-month sum", label12 + " / 12 months", roll.to_numpy())
        if roll.notna().sum().sum() == 0:
            axes[r, 1].text(0.5, 0.5, "run shorter than 12 months", transform=axes[r, 1].transAxes,
                            ha="center", va="center", color="#666666")
        r += 1
    k = 0
    for m in stocks:
        ax = axes[r + k // ncols, k % ncols]
        wide = run.wide(m)
        div, label = money_scale(run.units(m), wide.to_numpy(), currency)
        _plot_lines(ax, wide, styles, div)
        _finish_axis(ax, short_label(m, run.metrics.loc[m, "description"]), label, wide.to_numpy())
        k += 1
    while k < (rows - r) * ncols:  # hide unused cells; the cell above shows the dates instead
        axes[r + k // ncols, k % ncols].set_visible(False)
        if r + k // ncols > 0:
            axes[r + k // ncols - 1, k % ncols].xaxis.set_tick_params(labelbottom=True)
        k += 1
    return fig


#: The capital area against the other regions (runs whose scenario marks both; Run.by_group).
GROUP_FIGURE = SeriesGroup(
    "capital_area", "The capital area and elsewhere",
    "The regions marked capital_area in the scenario, together, against all the others: startups founded "
    "and VC money invested (left: per month; right: 12-month rolling sum), market jobs, live startups, "
    "bio jobs and the wage (end of month). Sums over each group's regions; the wage is their mean.",
    ["startups_founded", "employment_market", "vc_invested", "startups", "employment_total", "wage"])


class _GroupView:
    """A run seen through its two region groups: wide(m) has columns 'capital area' and 'elsewhere'."""

    def __init__(self, run: bd.Run):
        self._run, self.metrics, self.attrs = run, run.metrics, run.attrs

    def wide(self, metric: str) -> pd.DataFrame:
        return self._run.by_group(metric)[["capital_area", "elsewhere"]].rename(
            columns={"capital_area": "capital area"})

    def units(self, metric: str) -> str:
        return self._run.units(metric)


def fig_groups(run: bd.Run, dpi: int = DEFAULT_DPI):
    """GROUP_FIGURE, or None when the run has no capital-area regions beside others (or no series)."""
    try:
        run.by_group("startups")
    except (KeyError, bd.RunFileError):
        return None
    styles = {"capital area": RegionStyle("#0072B2", "-"), "elsewhere": RegionStyle("#D55E00", "--")}
    return fig_series(_GroupView(run), GROUP_FIGURE, styles, dpi)


def other_metrics(run: bd.Run) -> list[str]:
    """Metrics no figure shows (new metrics appear in an 'other' figure instead of being dropped)."""
    shown = {m for g in SERIES_GROUPS for m in g.metrics}
    for g in STACK_GROUPS:
        if len(stack_parts(run, g)) >= 2:
            shown |= {g.prefix + p for p in stack_parts(run, g)}
    return [m for m in run.metrics.index if m not in shown]


# ------------------------------------------------------------------------------------------------
# Cluster maps
FIELD_CMAPS = {"talent": "viridis", "knowledge": "cividis", "rent": "magma", "startup_density": "viridis"}
DENSITY_FIELD = "startup_density"


def gaussian_smooth(a: np.ndarray, sigma_cells: float) -> np.ndarray:
    """Separable Gaussian blur with zero padding (mass is kept away from the edges)."""
    if sigma_cells <= 0:
        return a
    r = max(1, int(math.ceil(3 * sigma_cells)))
    x = np.arange(-r, r + 1)
    k = np.exp(-0.5 * (x / sigma_cells) ** 2)
    k /= k.sum()
    out = np.apply_along_axis(lambda v: np.convolve(v, k, mode="same"), 1, a)
    return np.apply_along_axis(lambda v: np.convolve(v, k, mode="same"), 0, out)


@dataclass
class MapData:
    """Everything a cluster map needs, on the grid of the run."""
    names: list[str]                       # field names in panel order (grid fields + startup density)
    arrays: dict[str, np.ndarray]          # [snapshot, y, x]
    units: dict[str, str]
    titles: dict[str, str]
    steps: np.ndarray
    dates: pd.DatetimeIndex
    extent: tuple[float, float, float, float]
    agents: dict[str, pd.DataFrame] = field(default_factory=dict)  # agent type -> snapshot rows
    norms: dict[str, Normalize] = field(default_factory=dict)
    origin: "geo.Origin | None" = None     # the grid on the Earth (grid.origin_*), None for an abstract grid
    coast: list = field(default_factory=list)    # coastline segments in grid km ([n, 2] arrays)
    borders: list = field(default_factory=list)  # national borders in grid km


def map_data(run: bd.Run, density_sigma_km: float = 2.0) -> MapData | None:
    fl = run.fields
    if len(fl.steps) == 0 or fl.width == 0 or fl.height == 0:
        return None
    order = ["talent", "talent_phd", "knowledge", "rent"]
    names = sorted(fl.names, key=lambda n: (order.index(n) if n in order else len(order), n))
    arrays = {n: fl[n] for n in names}
    units = dict(fl.units)
    titles = {n: nice_label(n, fl.descriptions.get(n, "")) for n in names}
    agents = {}
    for t in run.agent_types:  # the five agent types with a place (a fund sits at its manager's: not drawn twice)
        cols = run.agent_columns[t].index
        if t in AGENT_MARKERS and "x_km" in cols and "y_km" in cols:
            agents[t] = run.snapshots(t)
    if "startup" in agents:
        s = agents["startup"]
        cell = fl.cell_km
        dens = np.zeros((len(fl.steps), fl.height, fl.width), dtype=float)
        for i, step in enumerate(fl.steps):
            rows = s[s["step"] == step]
            h, _, _ = np.histogram2d(rows["y_km"], rows["x_km"], bins=[fl.height, fl.width],
                                     range=[[0, fl.height * cell], [0, fl.width * cell]])
            dens[i] = gaussian_smooth(h, density_sigma_km / cell) / (cell * cell)
        names.append(DENSITY_FIELD)
        arrays[DENSITY_FIELD] = dens
        units[DENSITY_FIELD] = "startups/km2"
        titles[DENSITY_FIELD] = f"Startup density (from snapshot positions, Gaussian σ = {density_sigma_km:g} km)"
    md = MapData(names, arrays, units, titles, fl.steps, fl.dates, fl.extent_km, agents)
    for n in names:
        md.norms[n] = field_norm(arrays[n])
    add_geography(md, run)
    return md


def add_geography(md: MapData, run: bd.Run) -> None:
    """The coastline and borders under the grid, for scenarios that place it on the Earth."""
    md.origin = geo.origin(run)
    if md.origin is not None:
        md.coast, md.borders = geo.lines_km(md.origin, md.extent)


COAST_COLOR, BORDER_COLOR = "#24445c", "#6b6b6b"


def draw_geography(ax, md: MapData, lw: float = 1.0) -> None:
    for seg in md.coast:
        ax.plot(seg[:, 0], seg[:, 1], color=COAST_COLOR, lw=lw, zorder=2.6, solid_capstyle="round")
    for seg in md.borders:
        ax.plot(seg[:, 0], seg[:, 1], color=BORDER_COLOR, lw=lw * 1.1, ls=(0, (4, 2)), zorder=2.6)


def degree_axes(ax, md: MapData, primary: bool = False, labelsize: float = 8.5) -> None:
    """Latitude and longitude on a map in grid km: as the tick labels themselves (primary=True) or on
    secondary axes at the top and right. Longitudes are read at the grid's middle latitude."""
    o = md.origin
    if o is None:
        return
    x0, x1, y0, y1 = md.extent
    lat_mid = float(o.lat_of(0.5 * (y0 + y1)))
    lats = geo.degree_ticks(float(o.lat_of(y0)), float(o.lat_of(y1)))
    lons = geo.degree_ticks(float(o.lon_of(x0, lat_mid)), float(o.lon_of(x1, lat_mid)))
    ys = [(v - o.lat0) * geo.KM_PER_DEGREE for v in lats]
    xs = [(v - o.lon0) * geo.KM_PER_DEGREE * math.cos(math.radians(lat_mid)) for v in lons]
    if primary:
        ax.set_xticks(xs, [geo.fmt_lon(v) for v in lons], fontsize=labelsize)
        ax.set_yticks(ys, [geo.fmt_lat(v) for v in lats], fontsize=labelsize)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        return
    top = ax.secondary_xaxis("top")
    top.set_xticks(xs, [geo.fmt_lon(v) for v in lons], fontsize=labelsize - 0.5)
    right = ax.secondary_yaxis("right")
    right.set_yticks(ys, [geo.fmt_lat(v) for v in lats], fontsize=labelsize - 0.5)


def cluster_sizes(run: bd.Run, md: MapData, snap: int) -> pd.DataFrame:
    """Per region at a snapshot: startups alive (snapshot rows) and market jobs (the time series at
    that step, when recorded)."""
    step = md.steps[snap]
    s = md.agents.get("startup")
    firms = pd.Series(0, index=run.region_names, dtype=float)
    if s is not None:
        rows = s[s["step"] == step]
        if "region" in rows:
            idx = pd.to_numeric(rows["region"], errors="coerce").dropna().astype(int)
            counts = idx.value_counts()
            for i, n in counts.items():
                if 0 <= i < len(run.region_names):
                    firms.iloc[i] = n
    jobs = pd.Series(np.nan, index=run.region_names, dtype=float)
    if "employment_market" in run.metrics.index and run.level != "summary":
        w = run.wide("employment_market")
        at = w.index.get_indexer([md.dates[snap]], method="nearest")[0]
        jobs = w.iloc[at].reindex(run.region_names)
    return pd.DataFrame({"firms": firms, "jobs": jobs})


def bubble_area(n, scale: float):
    return np.maximum(np.asarray(n, dtype=float), 0.0) * scale


def fig_cluster_map(run: bd.Run, md: MapData, snap: int, styles):
    """The clusters on the map (on the real coastline when the scenario places its grid on the Earth:
    the view then reaches 15% beyond the grid, whose edge is drawn), each a bubble of area
    proportional to its startups, labelled with its name, startups and market jobs, with a size legend."""
    sizes = cluster_sizes(run, md, snap)
    x0, x1, y0, y1 = md.extent
    if md.coast:
        mx, my = 0.15 * (x1 - x0), 0.15 * (y1 - y0)
        view = (x0 - mx, x1 + mx, y0 - my, y1 + my)
    else:
        view = md.extent
    aspect = (view[3] - view[2]) / max(view[1] - view[0], 1e-9)
    fig_w = 10.5
    fig, ax = plt.subplots(figsize=(fig_w, max(4.0, min(12.0, 7.6 * aspect + 1.0))))
    fig.set_layout_engine("none")  # the legend sits right of the axes, in room kept for it
    fig.subplots_adjust(left=0.08, right=0.76, bottom=0.06, top=0.93)
    ax.set_facecolor("#f4f8fb" if md.coast else "white")
    draw_geography(ax, md, lw=1.1)
    if md.coast:
        ax.add_patch(plt.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="#999999", lw=1.0, ls=(0, (6, 3)),
                                   zorder=2.5))
    peak = max(1.0, float(sizes["firms"].max()))
    scale = 2400.0 / peak  # the largest cluster's bubble: 2,400 pt²
    regs = run.regions.set_index("name")
    ax.set_xlim(view[0], view[1])
    ax.set_ylim(view[2], view[3])
    ax.set_aspect("equal")
    labels = []
    for name, reg in regs.iterrows():
        st = styles[name]
        n, j = sizes.loc[name, "firms"], sizes.loc[name, "jobs"]
        area = float(bubble_area([max(n, 0.5)], scale)[0])
        ax.scatter([reg["x_km"]], [reg["y_km"]], s=area, color=st.color, alpha=0.45, edgecolor=st.color,
                   linewidth=1.6, zorder=4)
        ax.scatter([reg["x_km"]], [reg["y_km"]], s=14, color=st.color, zorder=5)
        jobs = "" if not np.isfinite(j) else f", {j:,.0f} market jobs"
        labels.append((f"{name.replace('_', ' ').title()}\n{n:,.0f} startups{jobs}", reg["x_km"], reg["y_km"],
                       0.5 * math.sqrt(area) + 3, st.color))
    place_labels(fig, ax, labels)
    top = max(nice_sizes(peak))
    bubbles = [ax.scatter([], [], s=bubble_area([v], scale), color="#999999", alpha=0.45, edgecolor="#666666",
                          label=f"{v:,.0f} startups") for v in nice_sizes(peak)]
    lines = []
    if md.coast:
        lines.append(Line2D([], [], color=COAST_COLOR, lw=1.1, label="coastline (GSHHG 2.3)"))
        lines.append(Line2D([], [], color="#999999", lw=1.0, ls=(0, (6, 3)), label="the model's grid"))
    if md.borders:
        lines.append(Line2D([], [], color=BORDER_COLOR, lw=1.2, ls=(0, (4, 2)), label="national border"))
    ax.legend(handles=bubbles + lines, loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8.5, frameon=False,
              labelspacing=max(1.0, 0.75 * math.sqrt(float(bubble_area([top], scale)[0])) / 8.5),
              borderpad=1.0, handletextpad=1.6, title="startups alive", title_fontsize=9)
    ax.grid(alpha=0.25)
    geo_view = MapData(md.names, md.arrays, md.units, md.titles, md.steps, md.dates, view, md.agents, md.norms,
                       md.origin, md.coast, md.borders)
    if md.origin is not None:
        degree_axes(ax, geo_view, primary=True, labelsize=9)
    else:
        ax.set_xlabel("x (km)")
        ax.set_ylabel("y (km)")
    ax.set_xlim(view[0], view[1])
    ax.set_ylim(view[2], view[3])
    ax.set_title(f"The clusters, {md.dates[snap]:%b %Y}: startups (bubble area) and market jobs", loc="left")
    return fig


def place_labels(fig, ax, labels) -> None:
    """Each (text, x, y, offset_pt, colour) at the first of eight directions (then twice as far) where it
    overlaps no label placed before, no cluster point and stays inside the axes; else where it
    overlaps least."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    inside = ax.get_window_extent(renderer)
    pts = ax.transData.transform([(x, y) for _, x, y, _, _ in labels])
    placed = []
    dirs = [(1, 1), (1, -1), (-1, 1), (-1, -1), (1, 0), (-1, 0), (0, 1), (0, -1)]
    for k, (text, x, y, off, color) in enumerate(labels):
        best = None
        for far in (1.0, 2.2):
            for dx, dy in dirs:
                ann = ax.annotate(text, (x, y), xytext=(dx * off * far, dy * off * far * 0.7), textcoords="offset points",
                                  ha="left" if dx > 0 else "right" if dx < 0 else "center",
                                  va="bottom" if dy > 0 else "top" if dy < 0 else "center", fontsize=9,
                                  fontweight="bold", color=color, zorder=6,
                                  path_effects=[pe.withStroke(linewidth=3, foreground="white")])
                bb = ann.get_window_extent(renderer)
                cost = sum(max(0, min(bb.x1, o.x1) - max(bb.x0, o.x0)) * max(0, min(bb.y1, o.y1) - max(bb.y0, o.y0))
                           for o in placed)
                cost += sum(1e4 for i, (px, py) in enumerate(pts) if i != k and bb.x0 - 4 <= px <= bb.x1 + 4
                            and bb.y0 - 4 <= py <= bb.y1 + 4)
                cost += 1e5 * (bb.x0 < inside.x0 or bb.x1 > inside.x1 or bb.y0 < inside.y0 or bb.y1 > inside.y1)
                if best is None or cost < best[0]:
                    if best is not None:
                        best[1].remove()
                    best = (cost, ann, bb)
                else:
                    ann.remove()
                if best[0] == 0:
                    break
            if best[0] == 0:
                break
        placed.append(best[2])


def geo_frame(run: bd.Run) -> MapData:
    """The map frame of a run without fields or snapshots (a series-level file): its grid extent and,
    when the scenario places it on the Earth, the coastline and borders."""
    W, H, cell = run.grid["width"], run.grid["height"], run.grid["cell_km"]
    md = MapData([], {}, {}, {}, np.zeros(0, dtype=np.int64), pd.DatetimeIndex([]), (0.0, W * cell, 0.0, H * cell))
    add_geography(md, run)
    return md


def fig_difference_map(run: bd.Run, md: MapData, panels: list[tuple[str, dict, dict]], styles, what: str):
    """One map per variant: each cluster a bubble of area proportional to |change| of `what` (green a
    rise, orange a fall), labelled with the change in startups and market jobs. panels: (title,
    {region: change in startups}, {region: change in market jobs})."""
    x0, x1, y0, y1 = md.extent
    mx, my = (0.15 * (x1 - x0), 0.15 * (y1 - y0)) if md.coast else (0.04 * (x1 - x0), 0.04 * (y1 - y0))
    view = (x0 - mx, x1 + mx, y0 - my, y1 + my)
    n = len(panels)
    aspect = (view[3] - view[2]) / max(view[1] - view[0], 1e-9)
    w = 5.2
    fig, axes = plt.subplots(1, n, figsize=(w * n + 0.4, min(9.0, w * aspect + 1.1)), squeeze=False)
    fig.set_layout_engine("none")
    fig.subplots_adjust(left=0.06, right=0.98, bottom=0.07, top=0.86, wspace=0.22)
    peak = max([abs(v) for _, d, _ in panels for v in d.values()] + [1e-9])
    scale = 1800.0 / peak
    regs = run.regions.set_index("name")
    for ax, (title, dstart, djobs) in zip(axes[0], panels):
        ax.set_facecolor("#f4f8fb" if md.coast else "white")
        draw_geography(ax, md, lw=0.9)
        if md.coast:
            ax.add_patch(plt.Rectangle((x0, y0), x1 - x0, y1 - y0, fill=False, ec="#999999", lw=0.9, ls=(0, (6, 3))))
        ax.set_xlim(view[0], view[1])
        ax.set_ylim(view[2], view[3])
        ax.set_aspect("equal")
        labels = []
        for name, reg in regs.iterrows():
            d, j = float(dstart.get(name, 0.0)), float(djobs.get(name, float("nan")))
            col = OKABE_ITO["bluish_green"] if d >= 0 else OKABE_ITO["vermillion"]
            area = max(6.0, abs(d) * scale)
            ax.scatter([reg["x_km"]], [reg["y_km"]], s=area, color=col, alpha=0.5, edgecolor=col, lw=1.4, zorder=4)
            ax.scatter([reg["x_km"]], [reg["y_km"]], s=10, color=styles[name].color, zorder=5)
            jobs = "" if not np.isfinite(j) else f"\n{j:+,.0f} jobs"
            labels.append((f"{name.replace('_', ' ').title()}: {d:+,.1f}{jobs}", reg["x_km"], reg["y_km"],
                           0.5 * math.sqrt(area) + 3, styles[name].color))
        place_labels(fig, ax, labels)
        ax.set_title(title, loc="left", fontsize=10)
        if md.origin is not None:
            geo_view = MapData([], {}, {}, {}, md.steps, md.dates, view, origin=md.origin)
            degree_axes(ax, geo_view, primary=True, labelsize=8)
        ax.grid(alpha=0.2)
    fig.suptitle(f"Where the change happens: {what} (bubble area ∝ |mean paired difference|; green a rise, "
                 "orange a fall)", fontsize=11, x=0.06, ha="left")
    return fig


def nice_sizes(peak: float) -> list[float]:
    """Two or three round reference sizes for a bubble legend, up to the peak."""
    mag = 10 ** math.floor(math.log10(max(peak, 1.0)))
    top = next(m * mag for m in (1, 2, 5, 10) if m * mag >= peak * 0.6)
    return sorted({max(1.0, top / 10), max(1.0, top / 3), top}) if top >= 3 else [1.0]


def field_norm(a: np.ndarray) -> Normalize:
    """One colour scale for all snapshots of a field: logarithmic (3 decades below the maximum)
    when the values are concentrated in a few cells, linear otherwise."""
    finite = a[np.isfinite(a)]
    vmax = float(finite.max()) if finite.size else 1.0
    if vmax <= 0:
        return Normalize(0, 1)
    p90 = float(np.percentile(finite, 90))
    if vmax / max(p90, 1e-30) > 30:
        return LogNorm(vmin=vmax * 1e-3, vmax=vmax, clip=True)
    vmin = float(finite.min())
    return Normalize(vmin=min(0.0, vmin) if vmin > 0 and vmin < 0.5 * vmax else vmin, vmax=vmax)


def map_units_label(units: str) -> str:
    return units.replace("m2", "m²").replace("km2", "km²")


def draw_map(ax, run: bd.Run, md: MapData, name: str, snap: int, styles, marker_scale: float = 1.0,
             show_labels: bool = True):
    """One field at one snapshot, with region discs and agent positions; returns the image."""
    cmap = plt.get_cmap(FIELD_CMAPS.get(name, "viridis")).copy()
    img = ax.imshow(md.arrays[name][snap], origin="lower", extent=md.extent, cmap=cmap, norm=md.norms[name],
                    interpolation="nearest", aspect="equal")
    draw_geography(ax, md, lw=0.8)
    halo = [pe.Stroke(linewidth=4.2, foreground="white"), pe.Normal()]
    for i, reg in run.regions.iterrows():
        st = styles[reg["name"]]
        ax.add_patch(Circle((reg["x_km"], reg["y_km"]), reg["radius_km"], fill=False, edgecolor=st.color,
                            linewidth=2.2, linestyle=st.linestyle, path_effects=halo, zorder=3))
        if show_labels:
            ax.annotate(reg["name"], (reg["x_km"], reg["y_km"] + reg["radius_km"]), xytext=(0, 4),
                        textcoords="offset points", ha="center", va="bottom", fontsize=9.5, fontweight="bold",
                        color=st.color, path_effects=[pe.withStroke(linewidth=3, foreground="white")], zorder=5)
    step = md.steps[snap]
    for t, df in md.agents.items():
        label, marker, size = AGENT_MARKERS.get(t, (t, "x", 20))
        rows = df[df["step"] == step]
        if len(rows):
            ax.scatter(rows["x_km"], rows["y_km"], s=size * marker_scale, marker=marker, facecolor="white",
                       edgecolor="black", linewidth=0.6, zorder=4, label=label)
    ax.set_xlim(md.extent[0], md.extent[1])
    ax.set_ylim(md.extent[2], md.extent[3])
    ax.grid(False)
    return img


def marker_handles(md: MapData) -> list[Line2D]:
    out = []
    for t in md.agents:
        label, marker, size = AGENT_MARKERS.get(t, (t, "x", 20))
        out.append(Line2D([], [], linestyle="none", marker=marker, markersize=math.sqrt(size) * 1.1,
                          markerfacecolor="white", markeredgecolor="black", label=label))
    return out


def pick_snapshots(n: int, count: int = 3) -> list[int]:
    """Indices of `count` snapshots spread from the first to the last."""
    if n <= count:
        return list(range(n))
    return sorted({int(round(x)) for x in np.linspace(0, n - 1, count)})


def map_figsize(width_cells: int, height_cells: int, cell_km: float, rows: int) -> tuple[float, float]:
    panel_w = 8.4
    panel_h = panel_w * (height_cells / max(width_cells, 1)) + 0.55  # title and x label
    return panel_w + 1.6, panel_h * rows


def fig_field_map(run: bd.Run, md: MapData, name: str, snaps: list[int], styles):
    """One field at the selected snapshots (one row each), sharing one colour scale."""
    w, h = map_figsize(run.grid["width"], run.grid["height"], run.grid["cell_km"], len(snaps))
    handles = region_handles(styles) + marker_handles(md)
    fig, _ = new_figure(w, h, md.titles[name], handles, legend_ncol=min(len(handles), 7))
    axes = fig.subplots(len(snaps), 1, squeeze=False, sharex=True)[:, 0]
    img = None
    for ax, k in zip(axes, snaps):
        img = draw_map(ax, run, md, name, k, styles)
        ax.set_title(f"{md.dates[k]:%b %Y} (step {md.steps[k]})", loc="left")
        ax.set_ylabel("y (km)")
        degree_axes(ax, md)
    axes[-1].set_xlabel("x (km)")
    cb = fig.colorbar(img, ax=list(axes), shrink=0.9, aspect=30, pad=0.01)
    cb.set_label(map_units_label(md.units.get(name, "")) +
                 (" (log scale)" if isinstance(md.norms[name], LogNorm) else ""))
    return fig


def write_map_animation(run: bd.Run, md: MapData, styles, path_gif: str, frames_dir: str,
                        dpi: int = 60, fps: float = 1.5, max_frames: int = 24) -> list[str]:
    """The field snapshots as an animation (at most max_frames, spread evenly from the first to the
    last): a GIF when Pillow is available, otherwise one PNG per frame in frames_dir. Returns the
    files written."""
    frames = pick_snapshots(len(md.steps), max(1, max_frames))
    n = len(md.names)
    ncols = 2 if n > 1 else 1
    rows = math.ceil(n / ncols)
    W, H = run.grid["width"], run.grid["height"]
    panel_w = 4.6
    panel_h = panel_w * H / max(W, 1) + 0.45
    handles = region_handles(styles) + marker_handles(md)
    fig, _ = new_figure(panel_w * ncols + 1.2, panel_h * rows, "Cluster maps", handles,
                        legend_ncol=min(len(handles), 7))
    axes = fig.subplots(rows, ncols, squeeze=False)
    axes_flat = list(axes.ravel())
    for ax in axes_flat[n:]:
        ax.set_visible(False)

    def draw(k: int) -> None:
        for ax, name in zip(axes_flat, md.names):
            for im in list(ax.images):
                im.remove()
            for coll in list(ax.collections):
                coll.remove()
            for p in list(ax.patches):
                p.remove()
            for t in list(ax.texts):
                t.remove()
            for ln in list(ax.lines):
                ln.remove()
            draw_map(ax, run, md, name, k, styles, marker_scale=0.6, show_labels=False)
            unit = map_units_label(md.units.get(name, ""))
            ax.set_title(f"{name.replace('_', ' ')} ({unit})", loc="left", fontsize=10)
            ax.tick_params(labelsize=8)
        fig._suptitle.set_text(f"Cluster maps, {md.dates[k]:%b %Y} (step {md.steps[k]})")

    draw(0)
    for ax, name in zip(axes_flat, md.names):  # colour bars once: the scales are fixed across frames
        cb = fig.colorbar(ax.images[0], ax=ax, shrink=0.85, pad=0.01)
        cb.ax.tick_params(labelsize=7.5)
    # Lay out once, then freeze: every frame has the same axes, and re-running constrained layout
    # per frame would dominate the time.
    fig.set_dpi(dpi)
    fig.canvas.draw()
    fig.set_layout_engine("none")
    written = []
    try:
        from matplotlib.animation import FuncAnimation, PillowWriter
        if not PillowWriter.isAvailable():
            raise ImportError("Pillow not available")
        anim = FuncAnimation(fig, draw, frames=frames, repeat=False)
        anim.save(path_gif, writer=PillowWriter(fps=fps), dpi=dpi)
        written.append(path_gif)
    except (ImportError, RuntimeError, ValueError, OSError):
        if os.path.exists(path_gif):
            os.remove(path_gif)
        os.makedirs(frames_dir, exist_ok=True)
        for k in frames:
            draw(k)
            p = os.path.join(frames_dir, f"frame_{k:03d}.png")
            fig.savefig(p, dpi=dpi)
            written.append(p)
    plt.close(fig)
    return written


# ================================================================================================
# Sweeps (biocluster-plot-sweep): the same look, one panel per metric. The functions take a
# biocluster.Sweep and the DataFrames of its statistics (sweep.summary(), .paired(), ...).
# ================================================================================================
SWEEP_PANEL_W, SWEEP_PANEL_H = 4.6, 3.2   # inches per panel of the means, Morris and Sobol figures
SWEEP_METRICS_PER_FIGURE = 6              # more metrics: further figures (means_2, ...)
SWEEP_MAX_GROUPS = 8                      # at most this many lines (levels of the other factors) per panel
SWEEP_MAX_POINTS = 60                     # paired-difference and replicate figures: at most this many points
COLOR_UP, COLOR_DOWN, COLOR_NONE = OKABE_ITO["blue"], OKABE_ITO["vermillion"], "#8c8c8c"
COLOR_FAILED = OKABE_ITO["vermillion"]
S1_COLOR, ST_COLOR = OKABE_ITO["blue"], OKABE_ITO["orange"]
MARKERS = ["o", "s", "D", "^", "v", "P", "X", "*"]

_ACRONYMS = {"rd": "R&D", "vc": "VC", "sme": "SME", "tto": "TTO", "ipo": "IPO", "phd": "PhD", "km": "km",
             "usd": "USD"}
_UNIT_TOKENS = {"usd", "per", "year", "years", "month", "months", "m2", "km", "persons", "h"}


def factor_short(key: str) -> str:
    """A short name of a factor for legends and labels: the last part of its key without unit
    words, e.g. 'policy.public_rd_usd_per_year' -> 'public R&D'; region keys keep the region:
    'regions.regional.research_hospitals' -> 'regional: research hospitals'."""
    parts = key.split(".")
    words = parts[-1].split("_")
    while len(words) > 1 and words[-1].lower() in _UNIT_TOKENS:
        words.pop()
    name = " ".join(_ACRONYMS.get(w.lower(), w) for w in words)
    if parts[0] == "regions" and len(parts) >= 3:
        middle = [p for p in parts[2:-1] if p != "policy"]
        return f"{parts[1]}: " + " ".join(middle + [name])
    return name


def factor_scale(sweep, key: str) -> tuple[float, str]:
    """(divisor, units label) of a factor's values: money in k/M/bn like the metrics."""
    info = sweep.factor_info.loc[key]
    units = str(info["units"])
    if not info["numeric"]:
        return 1.0, units
    return money_scale(units, np.asarray(info["values"], dtype=float), sweep.currency)


def factor_label(sweep, key: str, width: int = 36, with_units: bool = True) -> str:
    """An axis label for a factor: its parameter description (up to the first '(' or ';') when
    that is short, else its short name, and its units, e.g. 'National public bio R&D budget
    (bn USD/year)', 'Basic research share (fraction)'."""
    desc = str(sweep.factor_info.loc[key, "description"]).split(" (")[0].split(";")[0].strip()
    if len(desc.split()) < 2 or desc.startswith(("of ", "which ", "true:", "false:")) or len(desc) > width:
        desc = factor_short(key)
    elif key.startswith("regions.") and len(key.split(".")) >= 3:
        desc = f"{key.split('.')[1]}: {desc}"
    desc = desc[:1].upper() + desc[1:]
    _, units = factor_scale(sweep, key)
    return f"{desc} ({map_units_label(units)})" if with_units and units else desc


def fmt_factor(value, div: float = 1.0, prefix: str = "") -> str:
    """A factor value for a tick or a legend: booleans and strings as they are, numbers with up to
    4 significant digits after scaling (prefix: 'bn', 'M' or 'k' when scaled)."""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    text = format(float(value) / div, ".4g")
    return f"{text} {prefix}" if prefix else text


def _scale_prefix(div: float, label: str) -> str:
    return label.split(" ")[0] if div != 1.0 else ""


def varying_factors(sweep) -> list[str]:
    """Factors with more than one value in the design."""
    return [f for f in sweep.factors if int(sweep.factor_info.loc[f, "levels"]) > 1]


def point_labels(sweep, points, sep: str = ", ", max_factors: int = 3) -> list[str]:
    """Compact labels of points by the values of the varying factors ('0.4, 3 bn'), or 'point P'
    when there are none or more than max_factors."""
    fs = varying_factors(sweep)
    if not fs or len(fs) > max_factors:
        return [f"point {int(p)}" for p in points]
    scales = {f: factor_scale(sweep, f) for f in fs}
    return [sep.join(fmt_factor(sweep.design.at[int(p), f], scales[f][0], _scale_prefix(*scales[f])) for f in fs)
            for p in points]


def point_axis_label(sweep, max_factors: int = 3) -> str:
    """What the labels of point_labels() list, for an axis label (units other than 'fraction')."""
    fs = varying_factors(sweep)
    if not fs or len(fs) > max_factors:
        return "design point"
    parts = []
    for f in fs:
        units = factor_scale(sweep, f)[1]
        parts.append(factor_short(f) + (f" ({map_units_label(units)})" if units and units != "fraction" else ""))
    return ", ".join(parts)


def labels_fit(labels: list[str], spacing_in: float, font_pt: float = 9.5) -> bool:
    """Whether tick labels (lines split at newlines) fit side by side spacing_in inches apart."""
    widest = max((len(line) for lab in labels for line in lab.split("\n")), default=0)
    return widest * font_pt * 0.55 / 72 <= spacing_in * 0.92


def value_axis(ax, units: str, integer: bool = False, axis: str = "y") -> None:
    """Ticks at 1-2-5 steps with thousands separators; whole numbers for counts of runs' values."""
    whole = integer and units.split("/")[0].strip() in ("count", "persons")
    a = ax.yaxis if axis == "y" else ax.xaxis
    a.set_major_locator(matplotlib.ticker.MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10], integer=whole,
                                                      min_n_ticks=2))
    a.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 1000 else f"{v:g}"))


def sweep_metric_title(sweep, metric: str) -> str:
    """Panel title: the metric's short label and how the run was summarised."""
    return short_label(metric) + (", total over the run" if sweep.kind(metric) == "flow" else ", at the end")


def sweep_metric_scale(sweep, metric: str, values) -> tuple[float, str]:
    """(divisor, units label) of a metric's summary: flows are totals, so 'count/month' -> 'count'."""
    units = sweep.units.get(metric, "")
    if sweep.kind(metric) == "flow" and "/" in units:
        units = units.rsplit("/", 1)[0]
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    div, label = money_scale(units, v if v.size else np.zeros(1), sweep.currency)
    return div, map_units_label(label)


def chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)] or [[]]


def header_width_in(title: str, handles=None) -> float:
    """About how wide (inches) the title and a one-row legend of new_figure() are."""
    title_w = len(title) * 14 * 0.6 / 72
    legend_w = sum(len(h.get_label()) * 10 * 0.55 / 72 + 0.55 for h in handles or [])
    return max(title_w, legend_w) + 0.4


def panel_figure(n: int, ncols: int, panel_w: float, panel_h: float, title: str, handles=None,
                 legend_ncol: int | None = None):
    """A figure of n panels in rows of ncols (unused cells hidden) under a title and legend band;
    a single narrow column is widened (in steps of a quarter inch) until the title and legend fit."""
    cols = max(1, min(ncols, n))
    rows = max(1, math.ceil(n / cols))
    width = panel_w * cols
    need = header_width_in(title, handles)
    if need > width:
        width = math.ceil(need * 4) / 4
    fig, _ = new_figure(width, panel_h * rows, title, handles, legend_ncol=legend_ncol)
    axes = list(fig.subplots(rows, cols, squeeze=False).ravel())
    for ax in axes[n:]:
        ax.set_visible(False)
    return fig, axes[:n]


def _note(ax, text: str, y: float = 0.5) -> None:
    ax.text(0.5, y, text, transform=ax.transAxes, ha="center", va="center", color="#666666")


def _y_from_zero(ax, values) -> None:
    """y limits from the values drawn, with a margin: from zero when none is negative; an all-zero
    panel says so."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not v.size:
        return
    if np.all(v == 0):
        ax.set_ylim(-0.05, 1)
        _note(ax, "zero in every run", 0.6)
        return
    lo = 0.0 if v.min() >= 0 else float(v.min())
    hi = max(float(v.max()), 0.0)
    span = (hi - lo) or abs(hi) or 1.0
    ax.set_ylim(lo - (0.06 * span if lo < 0 else 0.0), hi + 0.07 * span)


@dataclass
class MeansLayout:
    """How the means figure arranges points: 'lines' (x = a factor, one line per level of the
    others), 'points' (x = point) or 'scatter' (sampled designs: the mean against each factor)."""
    mode: str
    x: str | None = None
    groups: list[tuple] = field(default_factory=list)     # values of the other factors, one per line
    others: list[str] = field(default_factory=list)


def means_layout(sweep, x: str | None = None) -> MeansLayout:
    fs = varying_factors(sweep)
    if not fs:
        return MeansLayout("points")
    if sweep.design_name != "grid":
        return MeansLayout("scatter")
    xf = x if x in fs else fs[0]
    others = [f for f in fs if f != xf]
    groups = list(dict.fromkeys(tuple(sweep.design.at[p, f] for f in others) for p in range(sweep.n_points)))
    if len(groups) > SWEEP_MAX_GROUPS:
        return MeansLayout("points")
    return MeansLayout("lines", xf, groups, others)


def _x_positions(sweep, key: str):
    """x coordinate per point for a factor, ticks and labels: numbers scaled (money in k/M/bn), with
    a tick at each level of a grid; strings and booleans at 0, 1, 2, ... in design order."""
    info = sweep.factor_info.loc[key]
    col = sweep.design[key]
    if info["numeric"]:
        div, units = factor_scale(sweep, key)
        xs = col.to_numpy(dtype=float) / div
        levels = sorted(set(xs.tolist()))
        ticks = levels if len(levels) <= 8 and sweep.design_name == "grid" else None
        return xs, ticks, [fmt_factor(v) for v in levels] if ticks else None, factor_label(sweep, key)
    values = list(dict.fromkeys(col.tolist()))
    pos = {v: i for i, v in enumerate(values)}
    return (np.array([pos[v] for v in col.tolist()], dtype=float), list(range(len(values))),
            [fmt_factor(v) for v in values], factor_label(sweep, key))


def _errorbar(ax, x, mean, lo, hi, color, **kw) -> None:
    x, mean, lo, hi = (np.asarray(a, dtype=float) for a in (x, mean, lo, hi))
    ok = np.isfinite(mean) & np.isfinite(lo) & np.isfinite(hi)
    if ok.any():
        ax.errorbar(x[ok], mean[ok], yerr=[mean[ok] - lo[ok], hi[ok] - mean[ok]], fmt="none", ecolor=color,
                    elinewidth=1.4, capsize=3.5, capthick=1.4, **kw)


def _clipped_intervals(ax, x, lo, hi, ylim: tuple[float, float], color: str = "#222222") -> None:
    """Vertical intervals with caps; an end beyond ylim stops at the axis with an arrowhead."""
    for xi, a, b in zip(x, lo, hi):
        if not (np.isfinite(a) and np.isfinite(b)):
            continue
        a2, b2 = max(a, ylim[0]), min(b, ylim[1])
        ax.vlines(xi, a2, b2, color=color, lw=1.4, zorder=3)
        for end, clipped, marker in ((a2, a < ylim[0], "v"), (b2, b > ylim[1], "^")):
            if clipped:
                ax.plot([xi], [end], marker=marker, color=color, markersize=6, zorder=3, clip_on=False)
            else:
                ax.plot([xi], [end], marker="_", color=color, markersize=8, mew=1.4, zorder=3)


def _failed_marks(ax, xs) -> None:
    """An 'x' at the bottom of the panel where every run of a point failed."""
    if len(xs):
        ax.scatter(xs, np.full(len(xs), 0.04), transform=ax.get_xaxis_transform(), marker="X", s=60,
                   color=COLOR_FAILED, zorder=5, clip_on=False)


def _failed_points(sweep) -> list[int]:
    done = sweep.runs[sweep.runs["status"] == "done"].groupby("point").size()
    return [p for p in range(sweep.n_points) if done.get(p, 0) == 0]


def fig_sweep_means(sweep, summary: pd.DataFrame, metrics: list[str], layout: MeansLayout, title: str):
    """Per metric, the mean over replicates with its 95% interval across the points of the design.
    summary: sweep.summary() (metric, point, n, mean, ci_lo, ci_hi)."""
    failed = _failed_points(sweep)
    handles = []
    if layout.mode == "lines" and layout.others:
        scales = {f: factor_scale(sweep, f) for f in layout.others}
        head = " · ".join(factor_label(sweep, f, 40) for f in layout.others) + ":"
        handles.append(Line2D([], [], linestyle="none", label=head))
        for i, g in enumerate(layout.groups):
            text = " · ".join(fmt_factor(v, scales[f][0], _scale_prefix(*scales[f])) for f, v in zip(layout.others, g))
            handles.append(Line2D([], [], color=REGION_PALETTE[i % len(REGION_PALETTE)], marker=MARKERS[i % 8],
                                  lw=2, label=text))
    else:
        handles.append(Line2D([], [], color=OKABE_ITO["blue"], marker="o", lw=2 if layout.mode == "lines" else 0,
                              label=("one run per point" if sweep.replicates == 1 else "mean over replicates" +
                                     (" and 95% interval" if sweep.replicates > 2 or layout.mode != "scatter" else ""))))
    if failed:
        handles.append(Line2D([], [], linestyle="none", marker="X", markersize=8, color=COLOR_FAILED,
                              label="every run failed"))
    if layout.mode == "scatter":
        fs = varying_factors(sweep)[:6]
        ncols = len(fs)
        n = len(metrics) * ncols
    else:
        fs, ncols, n = [], 3, len(metrics)
    fig, axes = panel_figure(n, ncols, SWEEP_PANEL_W, SWEEP_PANEL_H, title, handles or None,
                             legend_ncol=len(handles) or None)
    for i, m in enumerate(metrics):
        s = summary[summary["metric"] == m].sort_values("point")
        div, ylabel = sweep_metric_scale(sweep, m, pd.concat([s["mean"], s["ci_lo"], s["ci_hi"]]))
        mean, lo, hi = (s[c].to_numpy(dtype=float) / div for c in ("mean", "ci_lo", "ci_hi"))
        pts = s["point"].to_numpy()
        if layout.mode == "scatter":
            for j, f in enumerate(fs):
                ax = axes[i * ncols + j]
                if j > 0:
                    ax.sharey(axes[i * ncols])
                xs, ticks, labels, xlabel = _x_positions(sweep, f)
                many = len(pts) > 60
                ax.scatter(xs[pts], mean, s=12 if many else 22, color=OKABE_ITO["blue"], alpha=0.6 if many else 0.85,
                           linewidth=0, zorder=3)
                if sweep.replicates >= 3:  # the t-interval of 2 runs is +-12.7 sd: noise, not information
                    _errorbar(ax, xs[pts], mean, lo, hi, OKABE_ITO["blue"], alpha=0.35)
                if ticks is not None:
                    ax.set_xticks(ticks, labels)
                pad = 0.05 * ((np.nanmax(xs) - np.nanmin(xs)) or 1.0)
                ax.set_xlim(np.nanmin(xs) - pad, np.nanmax(xs) + pad)
                ax.set_xlabel(xlabel)
                ax.set_title(sweep_metric_title(sweep, m) if j == 0 else "", loc="left")
                ax.set_ylabel(ylabel if j == 0 else "")
                value_axis(ax, ylabel)
                _failed_marks(ax, xs[failed])
            drawn = np.concatenate([mean, lo, hi]) if sweep.replicates >= 3 else mean
            _y_from_zero(axes[i * ncols], drawn)  # y is shared along the row
            continue
        ax = axes[i]
        if layout.mode == "lines":
            xs, ticks, labels, xlabel = _x_positions(sweep, layout.x)
            span = (np.nanmax(xs) - np.nanmin(xs)) or 1.0
            ng = len(layout.groups)
            for gi, g in enumerate(layout.groups):
                in_g = np.array([tuple(sweep.design.at[p, f] for f in layout.others) == g for p in pts])
                order = np.argsort(xs[pts][in_g], kind="stable")
                x = xs[pts][in_g][order] + (gi - (ng - 1) / 2) * 0.012 * span * (ng > 1)
                color = REGION_PALETTE[gi % len(REGION_PALETTE)]
                mg, lg, hg = mean[in_g][order], lo[in_g][order], hi[in_g][order]
                band = np.isfinite(lg) & np.isfinite(hg)
                if band.sum() > 1:
                    ax.fill_between(x[band], lg[band], hg[band], color=color, alpha=0.13, linewidth=0)
                ax.plot(x, mg, color=color, marker=MARKERS[gi % 8], markersize=5.5, lw=1.8, zorder=3)
                _errorbar(ax, x, mg, lg, hg, color, zorder=2)
            if ticks is not None:
                ax.set_xticks(ticks, labels)
            ax.set_xlabel(xlabel)
            _failed_marks(ax, xs[failed])
            pad = 0.06 * span if sweep.factor_info.loc[layout.x, "numeric"] else 0.3
            ax.set_xlim(np.nanmin(xs) - pad, np.nanmax(xs) + pad)  # failed points too
        else:  # one marker per point
            x = np.arange(len(pts), dtype=float)
            ax.scatter(x, mean, s=28, color=OKABE_ITO["blue"], zorder=3)
            _errorbar(ax, x, mean, lo, hi, OKABE_ITO["blue"], zorder=2)
            labs = point_labels(sweep, pts, sep="\n")
            fit = labels_fit(labs, (SWEEP_PANEL_W - 0.8) / max(len(pts), 1))
            if fit:
                ax.set_xticks(x, labs)
            else:
                ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
            ax.set_xlabel(point_axis_label(sweep) if fit else "design point")
            ax.set_xlim(-0.6, len(pts) - 0.4)
            _failed_marks(ax, x[[list(pts).index(p) for p in failed if p in list(pts)]])
        ax.set_title(sweep_metric_title(sweep, m), loc="left")
        ax.set_ylabel(ylabel)
        value_axis(ax, ylabel)
        _y_from_zero(ax, np.concatenate([mean, lo, hi]))
    return fig


def paired_panel_height(n_rows: int) -> float:
    return max(2.4, 0.3 * n_rows + 1.1)


def fig_sweep_paired(sweep, paired: pd.DataFrame, metrics: list[str], baseline: int, title: str):
    """Per metric, the paired difference of every point to the baseline point (same seeds) with its
    95% interval, sorted; blue/vermillion where the interval lies above/below zero."""
    handles = [Line2D([], [], color=COLOR_UP, marker="o", lw=2.5, label="interval above 0"),
               Line2D([], [], color=COLOR_DOWN, marker="o", lw=2.5, label="interval below 0"),
               Line2D([], [], color=COLOR_NONE, marker="o", lw=2.5, label="interval includes 0 (or n < 2)")]
    if sweep.replicates < 2:
        handles = [Line2D([], [], color=COLOR_NONE, marker="o", lw=0, label="difference (one replicate: no interval)")]
    n_rows = sweep.n_points - 1
    fig, axes = panel_figure(len(metrics), 2, 5.6, paired_panel_height(n_rows), title, handles)
    for ax, m in zip(axes, metrics):
        d = paired[paired["metric"] == m].copy()
        d["key"] = d["mean_diff"].fillna(-np.inf)
        d = d.sort_values(["key", "point"], kind="stable")
        div, units = sweep_metric_scale(sweep, m, pd.concat([d["mean_diff"], d["ci_lo"], d["ci_hi"]]).abs())
        mean, lo, hi = (d[c].to_numpy(dtype=float) / div for c in ("mean_diff", "ci_lo", "ci_hi"))
        y = np.arange(len(d), dtype=float)
        colors = [COLOR_UP if (np.isfinite(a) and a > 0) else COLOR_DOWN if (np.isfinite(b) and b < 0) else COLOR_NONE
                  for a, b in zip(lo, hi)]
        ok = np.isfinite(lo) & np.isfinite(hi)
        ax.hlines(y[ok], lo[ok], hi[ok], colors=np.array(colors, dtype=object)[ok].tolist(), lw=2.6, zorder=2)
        fin = np.isfinite(mean)
        ax.scatter(mean[fin], y[fin], c=np.array(colors, dtype=object)[fin].tolist(), s=34, zorder=3,
                   edgecolor="white", linewidth=0.6)
        ax.axvline(0, color="#222222", lw=1.3, zorder=2.5)
        labels = point_labels(sweep, d["point"].to_numpy())
        if sweep.design_name != "grid" and labels and not labels[0].startswith("point"):
            labels = [f"{int(p)}: {lab}" for p, lab in zip(d["point"], labels)]
        ax.set_yticks(y, [lab + ("  (no pairs)" if not np.isfinite(v) else "") for lab, v in zip(labels, mean)])
        ax.set_ylim(-0.6, len(d) - 0.4)
        ax.grid(axis="y", visible=False)
        ax.set_title(sweep_metric_title(sweep, m), loc="left")
        ax.set_xlabel(f"difference to baseline ({units})" if units else "difference to baseline")
        ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(
            lambda v, _: f"{v:+,.0f}" if abs(v) >= 1000 else ("0" if v == 0 else f"{v:+g}")))
        vals = np.concatenate([mean[fin], lo[ok], hi[ok]])
        if vals.size and np.all(vals == 0):
            ax.set_xlim(-1.1, 1.1)
            ax.text(0.5, 0.5, "no difference in any pair", transform=ax.transAxes, ha="center", va="center",
                    color="#555555", bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.9}, zorder=5)
        else:
            ax.margins(x=0.08)
    return fig


def replicate_panel_width(n_points: int) -> float:
    return max(SWEEP_PANEL_W, 0.42 * n_points + 1.3)


def fig_sweep_replicates(sweep, metrics: list[str], title: str):
    """Per metric, the spread of the replicates at every point: a box (median, quartiles, 1.5 IQR
    whiskers) and one dot per replicate, coloured by replicate (the same seed at every point)."""
    R = sweep.replicates
    by_rep = R <= len(REGION_PALETTE)
    handles = ([Line2D([], [], linestyle="none", marker="o", color=REGION_PALETTE[r], label=f"replicate {r}")
                for r in range(R)] if by_rep and R > 1 else
               [Line2D([], [], linestyle="none", marker="o", color=OKABE_ITO["blue"], label="one run")])
    handles.append(Patch(facecolor="#e8eef5", edgecolor="#4d4d4d", label="median and quartiles"))
    failed = _failed_points(sweep)
    if failed:
        handles.append(Line2D([], [], linestyle="none", marker="X", markersize=8, color=COLOR_FAILED,
                              label="every run failed"))
    pw = replicate_panel_width(sweep.n_points)
    ncols = max(1, min(3, int(14.5 // pw)))
    fig, axes = panel_figure(len(metrics), ncols, pw, SWEEP_PANEL_H + 0.5, title, handles,
                             legend_ncol=min(len(handles), 8))
    runs = sweep.runs[sweep.runs["status"] == "done"]
    pts = np.arange(sweep.n_points)
    labels = point_labels(sweep, pts, sep="\n")
    show = sweep.design_name == "grid" and labels_fit(labels, (pw - 1.3) / max(sweep.n_points, 1))
    for ax, m in zip(axes, metrics):
        div, ylabel = sweep_metric_scale(sweep, m, runs[m])
        data = [runs.loc[runs["point"] == p, m].to_numpy(dtype=float) / div for p in pts]
        have = [i for i, v in enumerate(data) if len(v)]
        if have:
            ax.boxplot([data[i] for i in have], positions=have, widths=0.6, patch_artist=True,
                             showfliers=False, manage_ticks=False, zorder=2,
                             medianprops={"color": "#222222", "lw": 1.6},
                             boxprops={"facecolor": "#e8eef5", "edgecolor": "#4d4d4d", "lw": 1.0},
                             whiskerprops={"color": "#4d4d4d"}, capprops={"color": "#4d4d4d"})
        for p in have:
            reps = runs.loc[runs["point"] == p, "replicate"].to_numpy()
            jitter = (reps - (R - 1) / 2) * (0.5 / max(R, 1)) if R > 1 else np.zeros(len(reps))
            colors = [REGION_PALETTE[int(r)] for r in reps] if by_rep else OKABE_ITO["blue"]
            ax.scatter(p + jitter, data[p], s=18, c=colors, zorder=3, edgecolor="white", linewidth=0.4)
        _failed_marks(ax, np.array(failed, dtype=float))
        if show:
            ax.set_xticks(pts, labels)
        else:
            ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
        ax.set_xlim(-0.7, sweep.n_points - 0.3)
        ax.set_xlabel(textwrap.fill(point_axis_label(sweep), int(pw * 12)) if show else "design point")
        ax.set_title(sweep_metric_title(sweep, m), loc="left")
        ax.set_ylabel(ylabel)
        ax.grid(axis="x", visible=False)
        value_axis(ax, ylabel, integer=True)
        _y_from_zero(ax, np.concatenate(data) if data else [])
    return fig


def factor_styles(factors: list[str]) -> dict[str, tuple[str, str]]:
    """(colour, marker) per factor, in design order."""
    return {f: (REGION_PALETTE[i % len(REGION_PALETTE)], MARKERS[(i // len(REGION_PALETTE)) % len(MARKERS)])
            for i, f in enumerate(factors)}


def fig_morris(sweep, morris: pd.DataFrame, metrics: list[str], title: str):
    """Per metric, Morris μ* (importance) against σ (non-linearity and interactions), one marker
    per factor; the dashed rays are σ/μ* = 0.1, 0.5 and 1."""
    styles = factor_styles(sweep.factors)
    handles = [Line2D([], [], linestyle="none", marker=mk, markersize=8, color=c, label=factor_short(f))
               for f, (c, mk) in styles.items()]
    fig, axes = panel_figure(len(metrics), 3, SWEEP_PANEL_W, SWEEP_PANEL_H + 0.4, title, handles,
                             legend_ncol=min(len(handles), 6))
    for ax, m in zip(axes, metrics):
        d = morris[morris["metric"] == m]
        div, units = sweep_metric_scale(sweep, m, pd.concat([d["mu_star"], d["sigma"]]))
        mus, sig = d["mu_star"].to_numpy(dtype=float) / div, d["sigma"].to_numpy(dtype=float) / div
        top = np.nanmax(np.concatenate([mus, sig, [0.0]]))
        top = top * 1.18 if top > 0 else 1.0
        for ratio in (0.1, 0.5, 1.0):
            x_end = min(top, top / ratio)
            ax.plot([0, x_end], [0, x_end * ratio], color="#9a9a9a", lw=0.9, ls="--", zorder=1)
            ax.annotate(f"σ/μ* = {ratio:g}", (0.9 * x_end, 0.9 * x_end * ratio), xytext=(2, -2),
                        textcoords="offset points", ha="left", va="top", fontsize=8, color="#7a7a7a",
                        rotation_mode="anchor")
        placed: list[tuple[float, float]] = []   # label anchors in axes fractions, to keep them apart
        order = np.argsort(-np.nan_to_num(sig, nan=-1.0))
        for i in order:
            f, x, y = d["factor"].iloc[i], mus[i], sig[i]
            if not (np.isfinite(x) and np.isfinite(y)):
                continue
            c, mk = styles[f]
            ax.scatter([x], [y], s=55, marker=mk, color=c, edgecolor="white", linewidth=0.7, zorder=3)
            fx, fy = x / top, y / top
            left = fx > 0.62
            dy = 4.0
            while any(abs(fx - px) < 0.35 and abs((fy + dy / 180) - py) < 0.07 for px, py in placed):
                dy -= 12.0
            placed.append((fx, fy + dy / 180))
            ax.annotate(factor_short(f), (x, y), xytext=(-7 if left else 7, dy), textcoords="offset points",
                        ha="right" if left else "left", va="center", fontsize=9, color=c, fontweight="bold",
                        path_effects=[pe.withStroke(linewidth=3, foreground="white")], zorder=4)
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_title(sweep_metric_title(sweep, m), loc="left")
        u = f" ({units})" if units else ""
        ax.set_xlabel(f"μ*, mean |elementary effect|{u}")
        ax.set_ylabel(f"σ of the effects{u}")
        value_axis(ax, units)
        value_axis(ax, units, axis="x")
        if not np.isfinite(mus).any():
            _note(ax, "no elementary effects (runs failed?)")
        elif np.nanmax(np.concatenate([mus, sig])) == 0:
            _note(ax, "no effect of any factor", 0.6)
    return fig


def sobol_panel_width(k: int) -> float:
    return max(SWEEP_PANEL_W, 0.95 * k + 1.4)


SOBOL_YLIM = (-0.5, 1.5)


def fig_sobol(sweep, sobol: pd.DataFrame, metrics: list[str], title: str):
    """Per metric, first-order (S1) and total (ST) Sobol indices per factor with 95% bootstrap
    intervals (clipped to the axis, which spans -0.5..1.5 at most)."""
    handles = [Patch(facecolor=S1_COLOR, label="S1, first order"), Patch(facecolor=ST_COLOR, label="ST, total"),
               Line2D([], [], color="#222222", lw=1.3, marker="_", markersize=8, mew=1.4,
                      label="95% bootstrap interval")]
    k = len(sweep.factors)
    pw = sobol_panel_width(k)
    fig, axes = panel_figure(len(metrics), max(1, min(3, int(14.5 // pw))), pw, SWEEP_PANEL_H + 0.3, title,
                             handles)
    x = np.arange(k, dtype=float)
    for ax, m in zip(axes, metrics):
        d = sobol[sobol["metric"] == m].set_index("factor").reindex(sweep.factors)
        clipped = False
        lows, highs = [0.0], [1.0]
        for off, col, color in ((-0.2, "S1", S1_COLOR), (0.2, "ST", ST_COLOR)):
            v = d[col].to_numpy(dtype=float)
            lo, hi = d[col + "_lo"].to_numpy(dtype=float), d[col + "_hi"].to_numpy(dtype=float)
            ax.bar(x + off, np.clip(np.nan_to_num(v), *SOBOL_YLIM), width=0.38, color=color, zorder=2)
            _clipped_intervals(ax, x + off, lo, hi, SOBOL_YLIM)
            for xi, vi in zip(x + off, v):  # a bar beyond the axis: write its value on it
                if np.isfinite(vi) and not SOBOL_YLIM[0] <= vi <= SOBOL_YLIM[1]:
                    edge = SOBOL_YLIM[1] if vi > 0 else SOBOL_YLIM[0]
                    ax.annotate(f"{vi:.2f}", (xi, edge), xytext=(0, -4 if vi > 0 else 4), textcoords="offset points",
                                ha="center", va="top" if vi > 0 else "bottom", fontsize=8, color="white",
                                fontweight="bold", zorder=4, rotation=90)
            fin = np.concatenate([v, lo, hi])
            fin = fin[np.isfinite(fin)]
            lows.append(fin.min() if fin.size else 0.0)
            highs.append(fin.max() if fin.size else 1.0)
        y0 = max(SOBOL_YLIM[0], min(lows) - 0.05)
        y1 = min(SOBOL_YLIM[1], max(highs) + 0.05)
        ints = d[["S1_lo", "S1_hi", "ST_lo", "ST_hi"]].to_numpy(dtype=float)
        clipped = bool(np.any(ints[np.isfinite(ints)] < SOBOL_YLIM[0]) or np.any(ints[np.isfinite(ints)] > SOBOL_YLIM[1]))
        no_ci = bool(np.isfinite(d[["S1", "ST"]].to_numpy(dtype=float)).any() and not np.isfinite(ints).any())
        ax.set_ylim(y0, y1)
        ax.axhline(0, color="#333333", lw=0.9, zorder=1)
        ax.axhline(1, color="#9a9a9a", lw=0.8, ls="--", zorder=1)
        ax.set_xticks(x, [factor_short(f) for f in sweep.factors], rotation=20 if k > 3 else 0,
                      ha="right" if k > 3 else "center")
        ax.grid(axis="x", visible=False)
        n = int(d["n_samples"].max()) if "n_samples" in d and d["n_samples"].notna().any() else 0
        ax.set_title(sweep_metric_title(sweep, m), loc="left")
        ax.set_ylabel("share of variance")
        extra = "; ▲▼ interval beyond the axis" if clipped else ": too few for intervals" if no_ci else ""
        ax.set_xlabel(f"factor ({n} base samples{extra})", color="#444444")
        if not np.isfinite(d["S1"].to_numpy(dtype=float)).any():
            _note(ax, "no variance to decompose (constant output or too few samples)")
    return fig
