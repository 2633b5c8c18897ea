"""Scaling plots from measured figures (docs/data/scaling.csv) into docs/img/.

    biocluster-plot-scaling [--csv docs/data/scaling.csv] [--out docs/img]

Writes scaling_national.png (national wall time and speed-up vs threads) and scaling_sweep.png
(sweep / replicate-throughput speed-up vs threads), each speed-up with the ideal (linear) line.
Speed-up = time at the series' fewest threads / time at N threads (for runs/s: throughput at N /
throughput at the fewest), so a series starts at 1. Only rows in the CSV are plotted: no interpolation.
"""
import argparse
import csv
import os
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def load(path):
    series = defaultdict(list)  # (machine, series, benchmark, unit) -> [(threads, value)]
    with open(path, newline="") as f:
        rows = [line for line in f if not line.startswith("#")]
    for r in csv.DictReader(rows):
        key = (r["machine"], r["series"], r["benchmark"], r["unit"])
        series[key].append((int(r["threads"]), float(r["value"])))
    for pts in series.values():
        pts.sort()
    return series


def speedup(pts, unit):
    t0, v0 = pts[0]
    if unit == "runs/s":
        return [(t, v / v0) for t, v in pts]
    return [(t, v0 / v) for t, v in pts]


def label(key):
    machine, name, _, _ = key
    return f"{name}, {machine}"


def style(i):
    markers = "osD^v<>"
    return dict(marker=markers[i % len(markers)], linewidth=1.6, markersize=6)


def speedup_axes(ax, series, max_threads):
    ts = [1, 2, 4, 8, 16]
    ts = [t for t in ts if t <= max_threads] or [1, max_threads]
    ax.plot(ts, ts, color="grey", linestyle="--", linewidth=1, label="ideal (linear)")
    ends = defaultdict(list)  # threads -> last speed-ups there, to stack close labels
    for key, pts in series:
        t, s = speedup(pts, key[3])[-1]
        ends[t].append(s)
    for i, (key, pts) in enumerate(series):
        sp = speedup(pts, key[3])
        ax.plot([p[0] for p in sp], [p[1] for p in sp], label=label(key), **style(i))
        t, s = sp[-1]
        rank = sorted(ends[t], reverse=True).index(s)
        ax.annotate(f"{s:.2f}×", (t, s), textcoords="offset points", xytext=(6, 4 - 11 * rank), fontsize=8)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xticks(ts)
    ax.set_xticklabels([str(t) for t in ts])
    ax.set_yticks(ts)
    ax.set_yticklabels([str(t) for t in ts])
    ax.set_xlabel("threads")
    ax.set_ylabel("speed-up over 1 thread")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--csv", default="docs/data/scaling.csv")
    ap.add_argument("--out", default="docs/img")
    a = ap.parse_args(argv)
    data = load(a.csv)
    os.makedirs(a.out, exist_ok=True)

    nat = [(k, v) for k, v in sorted(data.items()) if k[2] == "national"]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    at = defaultdict(list)  # threads -> values, to stack the labels of close points
    for _, pts in nat:
        for t, v in pts:
            at[t].append(v)
    for i, (key, pts) in enumerate(nat):
        ax1.plot([p[0] for p in pts], [p[1] for p in pts], label=label(key), **style(i))
        for t, v in pts:
            rank = sorted(at[t], reverse=True).index(v)
            ax1.annotate(f"{v:.1f} s", (t, v), textcoords="offset points", xytext=(6, 4 - 12 * rank), fontsize=8)
    ax1.axhline(10, color="firebrick", linestyle=":", linewidth=1)
    ax1.annotate("goal: 10 s", (1, 10), textcoords="offset points", xytext=(2, 3), fontsize=8, color="firebrick")
    ax1.set_xscale("log", base=2)
    ax1.set_xticks([1, 2, 4, 8, 16])
    ax1.set_xticklabels(["1", "2", "4", "8", "16"])
    ax1.set_ylim(0, None)
    ax1.set_xlabel("threads")
    ax1.set_ylabel("wall time (s), 360 steps, full HDF5 output")
    ax1.set_title("national.toml: wall time")
    ax1.grid(True, alpha=0.3)
    ax1.legend(fontsize=8)
    speedup_axes(ax2, nat, 16)
    ax2.set_title("national.toml: speed-up")
    fig.suptitle("device = 16-core Xeon; here = 2-core EPYC (shared)", fontsize=9)
    fig.tight_layout()
    p = os.path.join(a.out, "scaling_national.png")
    fig.savefig(p, dpi=110)
    print("wrote", p)

    sw = [(k, v) for k, v in sorted(data.items()) if k[2] == "sweep"]
    fig, ax = plt.subplots(figsize=(6.2, 4.6))
    speedup_axes(ax, sw, 16)
    ax.set_title("Replicate sweeps: speed-up (runs in parallel)")
    fig.tight_layout()
    p = os.path.join(a.out, "scaling_sweep.png")
    fig.savefig(p, dpi=110)
    print("wrote", p)


if __name__ == "__main__":
    main()  # biocluster-plot-scaling
