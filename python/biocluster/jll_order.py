"""Does the model reproduce the JLL 2019 order? (seed digest §(f).1; docs/EXPERIMENTS.md)

JLL's US Life Science Outlook 2019 ranks Boston 1st (score 89.2), the San Francisco Bay Area 2nd
(81.6) and San Diego 3rd (71.6) (../shared/seed/facts.csv ids 262-264) on eight weighted indicators
(ids 278-285). This script runs the three US reference scenarios for N replicates (seed S + r, the
same seed for every cluster: paired), computes a model proxy of each indicator from the run files,
scores them the JLL way (value / best of the three clusters x 100), and reports how often each of the
six possible orders of the composite comes out.

Usage:
  biocluster-jll-order BIOCLUSTER_BINARY [--replicates N] [--seed S] [--steps N] [--outdir DIR]
                      [--markdown] [--root DIR]

Run files: DIR/<cluster>_<r>.h5 (output.level "series": time series only). Output: stdout. Exit 2,
with one line on stderr, on bad input (missing binary, a failed run, an unreadable run file).
Needs numpy, pandas, h5py (Debian: python3-numpy python3-pandas python3-h5py).
"""
from __future__ import annotations

import argparse
import csv
import itertools
import math
import os
import subprocess
import sys

import numpy as np

from . import _cli
from . import data as bd

ROOT = _cli.repo_root()  # scenarios/us/ and ../shared/seed/facts.csv; --root changes it
PROG = "biocluster-jll-order"


def facts_path() -> str:
    return os.path.join(ROOT, "..", "shared", "seed", "facts.csv")

# cluster key (scenario file name), label, facts.csv id of its JLL 2019 score; in JLL's order
CLUSTERS = [("boston", "Boston", 262), ("sf_bay", "SF Bay", 263), ("san_diego", "San Diego", 264)]

# JLL 2019 indicators: key, name, JLL weight (%), facts.csv id of the weight, units of our proxy.
# market_share is not modelled: its weight is dropped and the others renormalised.
INDICATORS = [
    ("emp_conc", "employment concentration", 20, 278, "jobs/km2"),
    ("vc", "VC funding", 15, 279, "USD M"),
    ("lab", "lab stock", 15, 280, "sites"),
    ("job_growth", "job growth", 10, 281, "%"),
    ("firm_conc", "firm concentration", 10, 282, "firms"),
    ("nih", "NIH funding", 10, 283, "USD M/yr"),
    ("market_share", "market share", 10, 284, ""),
    ("rent", "rent", 10, 285, "USD/m2/mo"),
]
MODELLED = [i for i in INDICATORS if i[0] != "market_share"]
WEIGHT_USED = {k: w / sum(i[2] for i in MODELLED) for k, _, w, _, _ in MODELLED}

GROWTH_MONTHS = 60  # JLL's job growth is over five years


class InputError(Exception):
    """Bad input: reported as one line, exit 2."""


# ------------------------------------------------------------------------------------------------
def t95(df: int) -> float:
    """0.975 quantile of Student's t with df degrees of freedom (table to 30, Cornish-Fisher beyond)."""
    table = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
             2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
             2.052, 2.048, 2.045, 2.042]
    if df < 1:
        return float("nan")
    if df <= 30:
        return table[df - 1]
    z = 1.959964
    return z + (z ** 3 + z) / (4 * df) + (5 * z ** 5 + 16 * z ** 3 + 3 * z) / (96 * df ** 2)


def mean_ci(x: list[float]) -> tuple[float, float, float]:
    """Mean and the 95% Student-t interval of the mean (NaN for fewer than 2 values)."""
    a = np.asarray(x, dtype=float)
    m = float(a.mean())
    if len(a) < 2:
        return m, float("nan"), float("nan")
    h = t95(len(a) - 1) * float(a.std(ddof=1)) / math.sqrt(len(a))
    return m, m - h, m + h


def run_cluster(binary: str, key: str, seed: int, steps: int | None, path: str) -> None:
    cmd = [binary, "run", os.path.join(ROOT, "scenarios", "us", f"{key}.toml"), "--seed", str(seed),
           "-o", path, "-q", "--threads", "1", "--set", 'output.level="series"']
    if steps is not None:
        cmd += ["--steps", str(steps)]
    try:
        p = subprocess.run(cmd, capture_output=True, text=True)
    except OSError as e:
        raise InputError(f"cannot start '{binary}': {e}") from None
    if p.returncode != 0:
        lines = [ln for ln in (p.stderr + p.stdout).splitlines() if ln.strip()]
        raise InputError(f"run {key} seed {seed} failed (exit {p.returncode}): "
                         f"{lines[-1].strip() if lines else 'no message'}")


def indicators(run: bd.Run) -> dict:
    """The JLL proxies of one run, summed over the scenario's regions (see NOTES)."""
    def last(metric: str) -> float:
        return float(run.wide(metric).iloc[-1].sum())

    emp = run.wide("employment_total").sum(axis=1)
    base = max(0, len(emp) - 1 - GROWTH_MONTHS)
    # The sites' own footprint: the circles (regions.NAME.radius_km) firms are placed in.
    area = sum(math.pi * float(r.get("radius_km", 0.0)) ** 2 for r in (run.params.get("regions") or {}).values())
    if area <= 0:
        raise InputError(f"'{run.path}': its regions have no radius_km; cannot measure employment concentration")
    jobs_by_region = run.wide("employment_total").iloc[-1]
    rent_by_region = run.wide("mean_rent").iloc[-1]
    vc = run.wide("vc_invested").sum(axis=1)
    nih = run.param("policy.public_rd_usd_per_year", 0.0) * run.param("policy.basic_research_share", 0.0)
    scheduled = [k for k, v in (run.params.get("schedule") or {}).items()
                 if "public_rd_usd_per_year" in v.get("policy", {}) or "basic_research_share" in v.get("policy", {})]
    if scheduled:
        print(f"{PROG}: warning: '{run.path}' schedules public research money ({', '.join(scheduled)}); "
              f"the NIH proxy uses the base value", file=sys.stderr)
    return {
        "emp_conc": float(emp.iloc[-1]) / area,
        "vc": float(vc.iloc[-12:].sum()) / 1e6,
        "lab": last("startups") - last("startups_service") + last("pharma_firms") + last("production_plants"),
        "job_growth": (float(emp.iloc[-1]) / float(emp.iloc[base]) - 1.0) * 100.0,
        "firm_conc": last("startups") + last("pharma_firms"),
        "nih": nih / 1e6,
        "rent": float((rent_by_region * jobs_by_region).sum() / jobs_by_region.sum()),
        "_dates": (run.dates[-1], run.dates[base], run.dates[max(0, len(vc) - 12)]),
        "_area": area,
    }


def scores(values: dict[str, dict]) -> dict[str, dict]:
    """JLL-style: each indicator as value / max over the three clusters x 100 (0 at or below 0), and
    the composite = sum of renormalised weights x scores."""
    out = {c: {} for c in values}
    for k, *_ in MODELLED:
        best = max(values[c][k] for c in values)
        for c in values:
            out[c][k] = max(0.0, values[c][k] / best * 100.0) if best > 0 else 0.0
    for c in values:
        out[c]["composite"] = sum(WEIGHT_USED[k] * out[c][k] for k in WEIGHT_USED)
    return out


def jll_facts() -> dict[int, str]:
    """facts.csv rows by id (value), or {} when the file is not there."""
    try:
        with open(facts_path(), newline="") as f:
            return {int(r["id"]): r["value"] for r in csv.DictReader(f)}
    except (OSError, KeyError, ValueError):
        return {}


# ------------------------------------------------------------------------------------------------
def fmt(v: float, units: str) -> str:
    if not math.isfinite(v):
        return "n/a"
    if units in ("USD M", "USD M/yr", "sites", "firms"):
        return f"{v:,.0f}"
    return f"{v:,.1f}"


def table(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    width = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    line = lambda r: "  ".join(str(x).ljust(w) if i == 0 else str(x).rjust(w) for i, (x, w) in enumerate(zip(r, width)))
    return "\n".join([line(header), "  ".join("-" * w for w in width)] + [line(r) for r in rows])


def report(args, vals: list[dict], scs: list[dict]) -> str:
    n = len(vals)
    labels = {k: lab for k, lab, _ in CLUSTERS}
    facts = jll_facts()
    end, base, vc_from = vals[0]["boston"]["_dates"]
    md = args.markdown
    out = []
    title = (f"JLL 2019 order from the model: {n} replicate{'s' if n != 1 else ''} per cluster "
             f"(seeds {args.seed}..{args.seed + n - 1}, the same seed in every cluster), runs ending {end:%Y-%m}")
    out += [f"## {title}" if md else title, ""]

    header = ["indicator (JLL weight -> used)", "units"] + [labels[k] for k, _, _ in CLUSTERS]
    rows = []
    for key, name, w, fid, units in INDICATORS:
        if key == "market_share":
            rows.append([f"{name} ({w}% -> dropped) [3]", "-"] + ["not modelled"] * len(CLUSTERS))
            continue
        cells = []
        for c, _, _ in CLUSTERS:
            v = float(np.mean([r[c][key] for r in vals]))
            s = float(np.mean([r[c][key] for r in scs]))
            cells.append(f"{fmt(v, units)} ({s:.0f})")
        rows.append([f"{name} ({w}% -> {WEIGHT_USED[key] * 100:.1f}%)", units] + cells)
    comp = {c: mean_ci([r[c]["composite"] for r in scs]) for c, _, _ in CLUSTERS}
    rows.append(["composite score, mean", "0-100"] + [f"{comp[c][0]:.1f}" for c, _, _ in CLUSTERS])
    rows.append(["composite score, 95% interval [4]", "0-100"]
                + [f"{comp[c][1]:.1f} to {comp[c][2]:.1f}" if math.isfinite(comp[c][1]) else "n/a" for c, _, _ in CLUSTERS])
    rows.append(["JLL 2019 published score (facts id)", "score"]
                + [f"{facts[fid]} (id {fid})" if fid in facts else f"n/a (id {fid})" for _, _, fid in CLUSTERS])
    rows.append(["JLL 2019 rank", "rank"] + ["1", "2", "3"])
    out += ["Indicators: mean over replicates of the model value (and its JLL-style score, 0-100) [1]", ""]
    out += [table(header, rows, md), ""]

    # the six possible orders of the composite
    orders = []
    for r in scs:
        orders.append(tuple(sorted((c for c, _, _ in CLUSTERS), key=lambda c: -r[c]["composite"])))
    jll = tuple(k for k, _, _ in CLUSTERS)
    rows = []
    for perm in itertools.permutations(jll):
        k = sum(o == perm for o in orders)
        rows.append([" > ".join(labels[c] for c in perm) + ("  (JLL order)" if perm == jll else ""),
                     f"{k}/{n}", f"{100.0 * k / n:.0f}%"])
    out += ["Order of the composite score over replicates", ""]
    out += [table(["order", "replicates", "share"], rows, md), ""]
    k = sum(o == jll for o in orders)
    verdict = "reproduced in every replicate" if k == n else ("never reproduced" if k == 0 else "reproduced in some replicates")
    line = (f"JLL order (Boston > SF Bay > San Diego) holds in {k} of {n} replicates "
            f"({100.0 * k / n:.0f}%): {verdict}.")
    out += [f"**{line}**" if md else line, ""]

    area = {c: vals[0][c]["_area"] for c, _, _ in CLUSTERS}
    proxies = [  # (indicator, model proxy [JLL's own measure])
        ("employment concentration (id 278)", f"bio employment (employment_total, {end:%Y-%m}) per km2 of the "
         f"sites' circles, sum of pi x regions.NAME.radius_km^2 ({', '.join(f'{labels[c]} {area[c]:,.0f} km2' for c in area)}) [JLL: life-science share "
         "of private employment; the model has no non-bio labour force. Per km2 of the scenario's whole grid "
         "instead (the box drawn around the sites; SF Bay's takes in Davis and Santa Cruz), SF Bay scores 11 "
         "and the JLL order held in 2 of 4 replicates (session 12): this proxy decides second place]"),
        ("VC funding (id 279)", f"vc_invested summed over {vc_from:%Y-%m}..{end:%Y-%m} [JLL: life-science VC, 2018]"),
        ("lab stock (id 280)", f"drug-developing sites at {end:%Y-%m}: startups - startups_service + pharma_firms + "
         "production_plants [JLL: lab inventory in sq ft; the model has no floor-space stock]"),
        ("job growth (id 281)", f"employment_total {end:%Y-%m} / {base:%Y-%m} - 1 [JLL: life-science job growth]"),
        ("firm concentration (id 282)", f"firms at {end:%Y-%m}: startups (service firms, subsidiaries and listed "
         "ones included) + pharma_firms (sites) [JLL: life-science establishments as a share of private ones]"),
        ("NIH funding (id 283)", "the scenario's public research money to universities, policy.public_rd_usd_per_year "
         "x policy.basic_research_share: an input, the same in every replicate [JLL: NIH funding]"),
        ("rent (id 285)", f"mean_rent at {end:%Y-%m}, averaged over the regions weighted by their bio employment; "
         "higher scores better, as JLL reads high rent as demand [JLL: average lab rent]"),
    ]
    notes = [
        "Proxies (JLL 2019 weights: facts.csv ids 278-285; each cluster = the sum over its scenario's regions):",
        "Scores: each indicator as value / the highest of the three clusters x 100 in the same replicate "
        "(negative values, e.g. shrinking employment, score 0); composite = weighted sum of the scores.",
        "Market share (JLL 10%, id 284) is not modelled: its weight is dropped and the other seven "
        "weights renormalised to sum to 100% (each x 100/90).",
        "95% interval: Student-t interval of the mean composite over replicates (n/a with one replicate). "
        "JLL's published scores rank 16 clusters on JLL's own scale, so compare orders, not levels.",
    ]
    out += ["Notes:" if md else "Notes", ""]
    for i, t in enumerate(notes, 1):
        out.append(f"{i}. {t}" if md else f"[{i}] {t}")
        if i == 1:
            out += [f"   - {name}: {text}" if md else f"    - {name}: {text}" for name, text in proxies]
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------
class Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2
        print(f"{PROG}: {message}", file=sys.stderr)
        sys.exit(2)


def main(argv=None) -> int:
    global ROOT
    ap = Parser(prog=PROG, description="Reproduce the JLL 2019 order of Boston, SF Bay and San Diego over replicates.")
    ap.add_argument("binary", help="the biocluster binary (e.g. build/release/biocluster)")
    ap.add_argument("--replicates", type=int, default=10)
    ap.add_argument("--seed", type=int, default=2019, help="replicate r uses seed S + r in every cluster")
    ap.add_argument("--steps", type=int, default=None, help="override run.steps (default: the scenarios' 120)")
    ap.add_argument("--outdir", default=os.path.join("out", "jll"))
    ap.add_argument("--markdown", action="store_true", help="print Markdown tables")
    ap.add_argument("--root", default=ROOT, help="the biocluster source tree, with scenarios/us/ and ../shared/ "
                    "beside it (default: %(default)s)")
    args = ap.parse_args(argv)
    ROOT = args.root
    try:
        if not (os.path.isfile(args.binary) and os.access(args.binary, os.X_OK)):
            raise InputError(f"no executable biocluster binary at '{args.binary}'")
        if args.replicates < 1:
            raise InputError(f"--replicates must be at least 1, not {args.replicates}")
        if args.seed < 0:
            raise InputError(f"--seed must be >= 0, not {args.seed}")
        if args.steps is not None and args.steps < 1:
            raise InputError(f"--steps must be at least 1, not {args.steps}")
        try:
            os.makedirs(args.outdir, exist_ok=True)
        except OSError as e:
            raise InputError(f"cannot create '{args.outdir}': {e.strerror}") from None
        vals, scs = [], []
        for r in range(args.replicates):
            seed = args.seed + r
            v = {}
            for key, _, _ in CLUSTERS:
                path = os.path.join(args.outdir, f"{key}_{r}.h5")
                run_cluster(args.binary, key, seed, args.steps, path)
                try:
                    v[key] = indicators(bd.load_run(path))
                except (bd.RunFileError, KeyError) as e:
                    raise InputError(f"'{path}': {e}") from None
            vals.append(v)
            scs.append(scores(v))
            print(f"{PROG}: replicate {r + 1}/{args.replicates} (seed {seed}) done", file=sys.stderr)
    except InputError as e:
        print(f"{PROG}: {e}", file=sys.stderr)
        return 2
    print(report(args, vals, scs))
    return 0


if __name__ == "__main__":
    sys.exit(_cli.run(PROG, "jll_order"))
