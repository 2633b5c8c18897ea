"""Statistics over a biocluster sweep directory (DIR/index.h5; docs/SWEEPS.md).

  biocluster-sweep-stats summary DIR [--metric M]...           per point: n, mean, sd, 95% t-interval over replicates
                                                        (as biocluster wrote them: the index's /stats)
  biocluster-sweep-stats paired DIR [--baseline P] [--metric M] paired differences point - baseline (same replicate seed),
                                                        with the index's t quantiles (/stats/t95)
  biocluster-sweep-stats morris DIR [--metric M]               Morris mu, mu*, sigma per factor (design = "morris")
  biocluster-sweep-stats sobol DIR [--metric M] [--bootstrap B] Sobol first-order and total indices with 95% bootstrap
                                                        intervals (design = "sobol"; Saltelli 2010 / Jansen 1999)

Output is CSV on stdout. Only runs with status "done" enter; a point's value for Sobol is the mean over
its replicates (/stats/<metric>/mean); Morris takes one effect per trajectory step and replicate.
Needs numpy, h5py and pandas (Debian: python3-numpy python3-h5py python3-pandas).
"""
import argparse
import math
import sys

import numpy as np


# ----- statistics: biocluster writes them into the index (/stats, docs/SWEEPS.md) -----------------

STAT_FIELDS = ("n", "mean", "sd", "ci_low", "ci_high")


class NoStatsError(KeyError):
    """The index has no /stats: it was written by a biocluster from before per-point statistics."""


def _need_stats(ix):
    if ix["stats"] is None:
        raise NoStatsError(f"'{ix['path']}' has no /stats (written by an older biocluster); rewrite the index "
                           f"from its run files with 'biocluster sweep-merge DIR'")


def point_stats(ix, metric):
    """Per-point statistics of a metric as biocluster computed them (batch/stats.cpp) over each
    point's done runs: {"n", "mean", "sd", "ci_low", "ci_high"} -> array [points]; sd and the 95%
    Student-t interval are NaN where n < 2."""
    _need_stats(ix)
    return ix["stats"][metric]


def t95_table(ix):
    """/stats/t95: t95[df] = the 0.975 quantile of Student's t with df degrees of freedom (t95[0] NaN)."""
    _need_stats(ix)
    return ix["t95"]


def paired_ci(d, t95):
    """(n, mean, sd, lo, hi) of paired differences d: the mean with the 95% Student-t interval
    mean -+ t95[n - 1] * sd / sqrt(n), where t95 is the index's /stats/t95 (biocluster's t quantile
    by degrees of freedom); sd and the interval need n >= 2."""
    d = np.asarray(d, dtype=float)
    d = d[np.isfinite(d)]
    n = len(d)
    if n == 0:
        return 0, float("nan"), float("nan"), float("nan"), float("nan")
    m = float(np.mean(d))
    if n < 2:
        return n, m, float("nan"), float("nan"), float("nan")
    sd = float(np.std(d, ddof=1))
    h = float(t95[n - 1]) * sd / math.sqrt(n)
    return n, m, sd, m - h, m + h


# ----- sensitivity analysis (pure functions: also used by the tests on the Ishigami function) ---------

def morris_effects(unit, blocks, roles, factors, y):
    """Morris elementary effects from trajectories. unit: [points x k] coordinates in [0, 1];
    blocks: trajectory per point; roles: "base" or the factor changed; y: output per point, or
    [points x R] with one column per paired replicate. Returns {factor: (mu, mu_star, sigma, n)}."""
    unit = np.asarray(unit, dtype=float)
    y = np.asarray(y, dtype=float)
    if y.ndim == 1:
        y = y[:, None]
    ee = {f: [] for f in factors}
    for i in range(1, len(roles)):
        if roles[i] == "base" or blocks[i] != blocks[i - 1]:
            continue
        j = factors.index(roles[i])
        dx = unit[i, j] - unit[i - 1, j]
        if dx == 0:
            continue
        for r in range(y.shape[1]):
            d = (y[i, r] - y[i - 1, r]) / dx
            if np.isfinite(d):
                ee[roles[i]].append(d)
    out = {}
    for f in factors:
        e = np.asarray(ee[f])
        if len(e) == 0:
            out[f] = (float("nan"), float("nan"), float("nan"), 0)
        else:
            out[f] = (float(np.mean(e)), float(np.mean(np.abs(e))), float(np.std(e, ddof=1)) if len(e) > 1 else float("nan"), len(e))
    return out


def _sobol_from(fa, fb, fab):
    var = np.var(np.concatenate([fa, fb]), ddof=1)
    s1 = np.mean(fb[:, None] * (fab - fa[:, None]), axis=0) / var  # Saltelli et al. (2010)
    st = 0.5 * np.mean((fa[:, None] - fab) ** 2, axis=0) / var     # Jansen (1999)
    return s1, st


def sobol_indices(blocks, roles, factors, y, bootstrap=1000, seed=1):
    """First-order (S1) and total (ST) Sobol indices from a Saltelli design: per block (base sample)
    the roles "A", "B" and "AB:<factor>". Returns {factor: (S1, S1_lo, S1_hi, ST, ST_lo, ST_hi)}
    with 95% percentile-bootstrap intervals over the base samples. Blocks with a missing value are dropped."""
    k = len(factors)
    col = {"A": 0, "B": 1}
    for j, f in enumerate(factors):
        col["AB:" + f] = 2 + j
    ids = sorted(set(int(b) for b in blocks))
    pos = {b: i for i, b in enumerate(ids)}
    m = np.full((len(ids), k + 2), np.nan)
    for b, r, v in zip(blocks, roles, y):
        m[pos[int(b)], col[r]] = v
    m = m[np.all(np.isfinite(m), axis=1)]
    fa, fb, fab = m[:, 0], m[:, 1], m[:, 2:]
    s1, st = _sobol_from(fa, fb, fab)
    rng = np.random.default_rng(seed)
    n = len(fa)
    bs1, bst = [], []
    for _ in range(bootstrap):
        i = rng.integers(0, n, n)
        a, b_ = _sobol_from(fa[i], fb[i], fab[i])
        bs1.append(a)
        bst.append(b_)
    out = {}
    for j, f in enumerate(factors):
        if bootstrap > 0:
            lo1, hi1 = np.percentile([b[j] for b in bs1], [2.5, 97.5])
            lot, hit = np.percentile([b[j] for b in bst], [2.5, 97.5])
        else:
            lo1 = hi1 = lot = hit = float("nan")
        out[f] = (float(s1[j]), float(lo1), float(hi1), float(st[j]), float(lot), float(hit))
    return out


# ----- reading a sweep directory -----------------------------------------------------------------

def _strs(ds):
    return [v.decode() if isinstance(v, bytes) else str(v) for v in ds[()].ravel()]


def read_index(path):
    """Reads DIR/index.h5 (or the file itself) into a dict of numpy arrays and lists."""
    import h5py
    import os
    if os.path.isdir(path):
        path = os.path.join(path, "index.h5")
    with h5py.File(path, "r") as f:
        ix = {
            "design": f.attrs["design"].decode() if isinstance(f.attrs["design"], bytes) else str(f.attrs["design"]),
            "factors": _strs(f["design/factors"]),
            "block": f["design/block"][()],
            "role": _strs(f["design/role"]),
            "unit": f["design/unit"][()],
            "value": f["design/value"][()],
            "text": np.array(_strs(f["design/text"]), dtype=object).reshape(f["design/text"].shape),
            "point": f["runs/point"][()],
            "replicate": f["runs/replicate"][()],
            "status": _strs(f["runs/status"]),
            "metrics": {k: f["metrics/" + k][()] for k in f["metrics"].keys()},
            "replicates": int(f.attrs["replicates"]),
            "path": path,
            "stats": None,
            "t95": None,
        }
        if "stats" in f:
            ix["stats"] = {k: {s: f[f"stats/{k}/{s}"][()] for s in STAT_FIELDS} for k in ix["metrics"]}
            ix["t95"] = f["stats/t95"][()]
    return ix


def point_matrix(ix, metric):
    """[points x replicates] of a metric; NaN where the run is not done."""
    npts, reps = len(ix["block"]), ix["replicates"]
    y = np.full((npts, reps), np.nan)
    vals = ix["metrics"][metric]
    for i, (p, r, s) in enumerate(zip(ix["point"], ix["replicate"], ix["status"])):
        if s == "done":
            y[p, r] = vals[i]
    return y


def _factor_values(ix, p):
    """The point's value of each factor, as the design wrote it (TOML text; a string unquoted)."""
    return [str(ix["text"][p, j]).strip('"') for j in range(len(ix["factors"]))]


def _fmt(v, digits=6):
    """A CSV cell: '' for a missing or non-finite number, floats to `digits` significant digits
    (0: every digit, repr), anything else as str."""
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return ""
    if isinstance(v, float):
        return repr(v) if digits <= 0 else f"{v:.{digits}g}"
    return str(v)


def _csv(rows, header, digits=6):
    import csv
    w = csv.writer(sys.stdout, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow([_fmt(v, digits) for v in r])


def main(argv=None):
    import signal
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends the output quietly
    try:
        _main(argv)
    except NoStatsError as e:
        sys.exit(f"biocluster-sweep-stats: error: {e.args[0]}")


def _main(argv):
    ap = argparse.ArgumentParser(prog="biocluster-sweep-stats", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("command", choices=["summary", "paired", "morris", "sobol"])
    ap.add_argument("dir", help="sweep output directory (or its index.h5)")
    ap.add_argument("--metric", action="append", help="metric (repeatable; default: all in the index)")
    ap.add_argument("--baseline", type=int, default=0, help="paired: the baseline point (default 0)")
    ap.add_argument("--bootstrap", type=int, default=1000, help="sobol: bootstrap resamples (default 1000)")
    ap.add_argument("--digits", type=int, default=6,
                    help="significant digits of the statistics (default 6; 0: every digit, for exact comparisons)")
    a = ap.parse_args(argv)
    try:
        ix = read_index(a.dir)
    except (OSError, KeyError) as e:
        sys.exit(f"sweep_stats: error: cannot read a sweep index from '{a.dir}' ({e}); "
                 "give the output directory of 'biocluster sweep' or its index.h5")
    metrics = a.metric or sorted(ix["metrics"])
    for m in metrics:
        if m not in ix["metrics"]:
            sys.exit(f"sweep_stats: metric '{m}' is not in the index; available: {', '.join(sorted(ix['metrics']))}")
    npts = len(ix["block"])
    rows = []
    if a.command == "summary":
        for m in metrics:
            st = point_stats(ix, m)
            for p in range(npts):
                rows.append([m, p, *_factor_values(ix, p), int(st["n"][p]),
                             *(float(st[k][p]) for k in STAT_FIELDS[1:])])
        _csv(rows, ["metric", "point", *ix["factors"], "n", "mean", "sd", "ci95_lo", "ci95_hi"], a.digits)
    elif a.command == "paired":
        if not 0 <= a.baseline < npts:
            sys.exit(f"sweep_stats: --baseline {a.baseline} is not a point (0..{npts - 1})")
        for m in metrics:
            y = point_matrix(ix, m)
            for p in range(npts):
                if p == a.baseline:
                    continue
                d = y[p] - y[a.baseline]  # same replicate = same seed: common random numbers
                n, *rest = paired_ci(d, t95_table(ix))
                rows.append([m, p, a.baseline, *_factor_values(ix, p), int(n), *(float(x) for x in rest)])
        _csv(rows, ["metric", "point", "baseline", *ix["factors"], "n_pairs", "mean_diff", "sd_diff", "ci95_lo",
                    "ci95_hi"], a.digits)
    elif a.command == "morris":
        if ix["design"] != "morris":
            sys.exit("sweep_stats: morris needs a sweep with design = \"morris\"")
        for m in metrics:
            res = morris_effects(ix["unit"], ix["block"], ix["role"], ix["factors"], point_matrix(ix, m))
            for f in ix["factors"]:
                rows.append([m, f, *res[f]])
        _csv(rows, ["metric", "factor", "mu", "mu_star", "sigma", "n_effects"], a.digits)
    elif a.command == "sobol":
        if ix["design"] != "sobol":
            sys.exit("sweep_stats: sobol needs a sweep with design = \"sobol\"")
        for m in metrics:
            y = point_stats(ix, m)["mean"]
            res = sobol_indices(ix["block"], ix["role"], ix["factors"], y, bootstrap=a.bootstrap)
            for f in ix["factors"]:
                rows.append([m, f, *res[f]])
        _csv(rows, ["metric", "factor", "S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi"], a.digits)


if __name__ == "__main__":
    main()  # biocluster-sweep-stats
