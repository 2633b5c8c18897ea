"""Figures for biocluster runs: a shared look (Okabe-Ito palette, one colour per region in every
figure, readable fonts, units on every axis) and one function per figure. plot_run.py turns a run
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

import biocluster_data as bd  # noqa: E402

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
    "startups": "Live startups", "vc_firms": "VC firms", "pharma_firms": "Pharma firms with a site",
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
    "public_cost_per_job": "Public spending per bio job (cumulative)", "startups_listed": "Startups listed (IPO)",
    "serial_founders": "Startups by serial founders", "talent_pool_phd": "Job seekers with a PhD",
    "wage": "Monthly wage", "amenity_index": "Amenity index",
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
                ["startups", "vc_firms", "pharma_firms", "universities", "hospitals"], 3),
    SeriesGroup("employment", "Employment",
                "Bio employment in each region by employer type (end of month).",
                ["employment_startups", "employment_universities", "employment_hospitals", "employment_pharma",
                 "employment_total"], 3),
    SeriesGroup("money", "Venture capital",
                "VC money invested in the region's startups, exit proceeds received by its VC firms and new funds "
                "they raised (left: per month; right: 12-month rolling sum), and the VC firms' uninvested cash.",
                ["vc_invested", "vc_distributed", "vc_raised", "vc_cash"]),
    SeriesGroup("public", "Public money",
                "Public money paid into the region (left: per month; right: 12-month rolling sum) and the "
                "cumulative public spending per bio job.",
                ["government_spend", "public_cost_per_job"]),
    SeriesGroup("startups", "Startups founded, failed, acquired and listed",
                "Startups founded, failed, acquired and listed on a stock market, and startups founded by serial "
                "founders (left: per month; right: 12-month rolling sum).",
                ["startups_founded", "startups_failed", "startups_acquired", "startups_listed", "serial_founders"]),
    SeriesGroup("innovation", "Licences, clinical trials and approvals",
                "University technologies licensed, clinical trials started and lead assets approved "
                "(left: per month; right: 12-month rolling sum).",
                ["licences", "trial_starts", "approvals"]),
    SeriesGroup("environment", "Talent, knowledge, rent and wages",
                "Job seekers and the knowledge stock summed over each region's cells, the mean rent over them, "
                "the monthly wage and the amenity index (end of month).",
                ["talent_pool", "talent_pool_phd", "knowledge_stock", "mean_rent", "wage", "amenity_index"], 3),
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
]

#: The order of the figures in the report (stems of SERIES_GROUPS and STACK_GROUPS).
FIGURE_SEQUENCE = ["firms", "employment", "money", "public", "public_programmes", "startups", "founding_origin",
                   "acquirers", "innovation", "pipeline", "environment"]


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
    for t in run.agent_types:
        cols = run.agent_columns[t].index
        if "x_km" in cols and "y_km" in cols:
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
    return md


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
