#!/usr/bin/python3
"""Bounded and alive? For each run file: deals per 5 years in the last decade, and the level of every
stock at years 10, 20 and the end (ratio end / year 20). Usage: long_run_check.py RUN.h5 ...
Prints one row per file and a summary per scenario prefix (the file name up to '_seed')."""
import sys, collections
import h5py, numpy as np

STOCKS = ["startups", "employment_total", "vc_cash", "vc_firms_active", "listed_firms", "founder_pool"]
FLOWS = ["vc_invested", "vc_raised", "drug_sales"]
DEALS = ["round_priced", "acquisition", "ipo", "fund_raised"]

def row(path):
    f = h5py.File(path, "r")
    ts = f["timeseries"]
    n = len(f["time/step"])
    ev = f["events"][:]
    kinds = h5py.check_enum_dtype(f["events"].dtype["kind"])
    out = {}
    last5 = ev["step"] >= n - 60
    for k in DEALS:
        out[k + "_last5y"] = int(((ev["kind"] == kinds[k]) & last5).sum())
    for m in STOCKS:
        x = ts[m][:].sum(axis=1)
        out[m] = (x[min(119, n - 1)], x[min(239, n - 1)], x[-1])
    for m in FLOWS:
        x = ts[m][:].sum(axis=1)
        yr = lambda a: x[a:a + 12].sum()
        out[m] = (yr(108), yr(228), yr(n - 12))
    return out

by = collections.defaultdict(list)
for p in sys.argv[1:]:
    name = p.rsplit("/", 1)[-1]
    by[name.split("_seed")[0]].append(row(p))
for scen, rows in by.items():
    print(f"== {scen}: {len(rows)} runs")
    for k in DEALS:
        v = [r[k + "_last5y"] for r in rows]
        print(f"  {k:14s} in the last 5 years: min {min(v)}, median {int(np.median(v))}, max {max(v)}")
    for m in STOCKS + FLOWS:
        a = np.array([r[m] for r in rows], dtype=float)
        med = np.median(a, axis=0)
        ratio = a[:, 2] / np.maximum(a[:, 1], 1e-9)
        print(f"  {m:18s} median at year 10 / 20 / end: {med[0]:.4g} / {med[1]:.4g} / {med[2]:.4g};"
              f" end / year 20: median {np.median(ratio):.2f}, max {ratio.max():.2f}")
