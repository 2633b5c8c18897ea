"""Tests of biocluster-dynamics (python/biocluster/dynamics.py; docs/DYNAMICS.md); run with the package's venv python.

    test_dynamics.py BIOCLUSTER SOURCE_DIR WORK_DIR CASE

CASE hand: hand-built tiny run files with known answers (age and stage at exit, company, VC-firm
multiples, Kaplan-Meier survival, rounds reached, pre-money, step-ups, exit / last post-money), in
both event vocabularies (rounds rebuilt from funding_round and stage from stage_success; or
round_priced events and an exit event whose aux carries the stage); an empty folder exits 2.
CASE runs: `biocluster-dynamics all` on 2 short runs of scenarios/default.toml writes the figures and tables.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys

import h5py
import numpy as np
import pandas as pd

KINDS = ["founding", "funding_round", "licence", "trial_start", "stage_success", "approval", "acquisition", "ipo",
         "failure", "fund_raised", "grace_expired", "site_opened", "alliance", "round_priced", "proceeds", "delisted"]
TYPES = {"none": -1, "university": 0, "hospital": 1, "startup": 2, "venture_capital": 3, "pharma": 4}
FAILS = []


def check(cond: bool, what: str) -> None:
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        FAILS.append(what)


def close(a, b, what: str, tol: float = 1e-9) -> None:
    check(abs(float(a) - float(b)) <= tol * max(1.0, abs(float(b))), f"{what}: {a} == {b}")


def write_run(path: str, events: list[tuple], steps: int = 36) -> None:
    """A minimal biocluster run file: root attributes, /time, /events, startup and VC snapshots."""
    kind_t = h5py.enum_dtype({k: i for i, k in enumerate(KINDS)}, basetype="i2")
    type_t = h5py.enum_dtype(TYPES, basetype="i1")
    dt = np.dtype([("step", "<i4"), ("kind", kind_t), ("region", "<i2"), ("subject_type", type_t),
                   ("object_type", type_t), ("detail", "<i2"), ("aux", "<i4"), ("subject_id", "<i8"),
                   ("object_id", "<i8"), ("amount", "<f8"), ("value", "<f8")])
    rows = []
    for step, kind, st, sid, ot, oid, detail, amount, value, *aux in events:
        rows.append((step, KINDS.index(kind), 0, TYPES[st], TYPES[ot], detail, aux[0] if aux else 0, sid, oid,
                     amount, value))
    with h5py.File(path, "w") as f:
        for k, v in {"format": "biocluster-run", "status": "complete", "scenario_file": "scenarios/tiny.toml",
                     "start_date": "2020-01", "currency": "USD"}.items():
            f.attrs[k] = v
        f.attrs["format_version"] = np.int32(1)
        f.attrs["seed"] = np.uint64(7)
        f.attrs["steps_completed"] = np.int64(steps)
        f.attrs["steps_written"] = np.int64(steps)
        f["time/step"] = np.arange(steps, dtype=np.int64)
        f.create_dataset("events", data=np.array(rows, dtype=dt))
        snap = {"startup": ([1, 3], {"stage": [2, 0], "headcount": [10, 3], "service": [0, 1], "founded_step": [0, 3]}),
                "venture_capital": ([100, 101], {"invested_usd": [9e6, 1e6], "distributed_usd": [20e6, 5e6],
                                                 "public_fund": [0, 0]})}
        for t, (ids, cols) in snap.items():
            g = f.create_group(f"agents/{t}")
            g["snapshot_step"] = np.array([steps - 1], np.int64)
            g["snapshot_start"] = np.array([0], np.int64)
            g["snapshot_count"] = np.array([len(ids)], np.int64)
            g["id"] = np.array(ids, np.int64)
            for c, v in cols.items():
                g[c] = np.array(v, float)
            g.attrs["columns"] = list(cols)


# startup 1: founded 0, round 1 at step 2 (VC 100 4M + VC 101 1M, post 10M), phase1 at 10, round 2 at 12
# (VC 100 5M, post 30M), phase2 at 20, acquired at 24 for 60M; proceeds 20M to VC 100, 5M to VC 101.
# startup 2: founded 0, fails at 6. startup 3: founded 3, private at the end (step 35).
BASE = [
    (0, "founding", "startup", 1, "university", 9, 1, 0.0, 0.0),
    (0, "founding", "startup", 2, "startup", 9, 3, 0.0, 0.0),
    (2, "funding_round", "startup", 1, "venture_capital", 100, 1, 4e6, 10e6),
    (2, "funding_round", "startup", 1, "venture_capital", 101, 1, 1e6, 10e6),
    (3, "founding", "startup", 3, "startup", 9, 3, 0.0, 0.0),
    (6, "failure", "startup", 2, "none", -1, 0, 0.0, 0.0),
    (10, "stage_success", "startup", 1, "none", -1, 1, 0.0, 0.0),
    (12, "funding_round", "startup", 1, "venture_capital", 100, 2, 5e6, 30e6),
    (20, "stage_success", "startup", 1, "none", -1, 2, 0.0, 0.0),
    (24, "acquisition", "startup", 1, "pharma", 200, 0, 60e6, 1e9),
    (24, "proceeds", "venture_capital", 100, "startup", 1, 9, 20e6, 0.0, 2),
    (24, "proceeds", "venture_capital", 101, "startup", 1, 9, 5e6, 0.0, 2),
    (30, "fund_raised", "venture_capital", 100, "none", -1, 2, 250e6, 1.8),
]


def case_hand(script_dir: str, work: str) -> None:
    import biocluster.dynamics as dy
    os.makedirs(os.path.join(work, "runs"), exist_ok=True)
    p = os.path.join(work, "runs", "tiny_seed01.h5")
    write_run(p, BASE)
    x = dy.extract(p)
    ex = x["exits"].set_index("exit")
    close(ex.loc["acquisition", "age_months"], 24, "age at acquisition (months)")
    close(ex.loc["acquisition", "stage"], 2, "stage at acquisition from the last stage_success")
    close(ex.loc["failure", "stage"], 0, "stage at failure without stage_success")
    close(ex.loc["acquisition", "exit_over_post"], 2.0, "acquisition price / last post-money")
    check("ipo" not in ex.index, "no IPO in the file")
    comp = x["companies"].set_index("startup")
    close(comp.loc[1, "multiple"], 2.5, "company multiple of startup 1 (25M / 10M)")
    check(comp.loc[1, "outcome"] == "acquisition", "outcome of startup 1")
    vcs = x["vcs"].set_index("vc")
    close(vcs.loc[100, "multiple_events"], 20 / 9, "VC 100 multiple from events")
    close(vcs.loc[101, "multiple_snapshot"], 5.0, "VC 101 multiple from the snapshot")
    close(x["funds"]["multiple"].iloc[0], 1.8, "fund multiple from fund_raised")
    rd = x["rounds"].set_index("round")
    close(rd.loc[1, "pre"], 5e6, "pre-money of round 1 (post 10M - size 5M)")
    close(rd.loc[2, "pre"], 25e6, "pre-money of round 2")
    close(rd.loc[2, "stage"], 1, "stage at round 2")
    close(rd.loc[2, "step_up_post"], 3.0, "post / previous post")
    close(rd.loc[2, "step_up_pre"], 2.5, "pre / previous post")
    st = x["startups"]
    dur, ev = dy.survival_inputs(st, "failure")
    close(dy.kaplan_meier(dur, ev, np.array([12.0]))[0], 2 / 3, "KM not-failed survival at 1 year")
    dur, ev = dy.survival_inputs(st, "independent")
    close(dy.kaplan_meier(dur, ev, np.array([24.0]))[0], 1 / 3, "KM independent survival at 2 years")
    close((st.loc[st["founded_in_run"], "max_round"] >= 1).mean(), 1 / 3, "share reaching round 1")
    sz = x["size"]
    check(sorted(sz["headcount"]) == [3, 10] and int(sz["service"].sum()) == 1, "headcount table")

    # the newer vocabulary: round_priced (pre-money, stage in aux) and an exit whose aux carries the stage
    ev2 = [e for e in BASE if e[1] != "acquisition"] + [
        (2, "round_priced", "startup", 1, "venture_capital", 100, 1, 5e6, 6e6, 0),
        (12, "round_priced", "startup", 1, "venture_capital", 100, 2, 5e6, 24e6, 1),
        (24, "acquisition", "startup", 1, "pharma", 200, 0, 60e6, 1e9, 3)]
    ev2.sort(key=lambda e: e[0])
    p2 = os.path.join(work, "runs", "tiny_seed02.h5")
    write_run(p2, ev2)
    y = dy.extract(p2)
    ey = y["exits"].set_index("exit")
    close(ey.loc["acquisition", "stage"], 3, "stage at acquisition from aux when the exit kind carries it")
    ry = y["rounds"].set_index("round")
    close(ry.loc[1, "pre"], 6e6, "pre-money from round_priced")
    close(ry.loc[2, "step_up_pre"], 24 / 11, "pre / previous post with round_priced")
    close(ey.loc["acquisition", "exit_over_post"], 60 / 29, "exit / last post with round_priced")

    out = os.path.join(work, "report")
    r = subprocess.run([os.path.join(script_dir, "biocluster-dynamics"), "report", work, "-o", out,
                        "--jobs", "1"], capture_output=True, text=True)
    check(r.returncode == 0, f"report on the hand-built files exits 0 ({r.stderr.strip()[-300:]})")
    if r.returncode == 0:
        s = pd.read_csv(os.path.join(out, "summary.csv"))
        m = s[(s["quantity"].str.startswith("(e) company multiple")) & (s["group"] == "acquisition")]
        close(m["median"].iloc[0], 2.5, "summary.csv: median company multiple of acquisitions")
        md = open(os.path.join(out, "summary.md"), encoding="utf-8").read()
        check("| ipo | tiny | 0 | none | none |" in md, "summary.md says 'none' for zero IPOs")
    empty = os.path.join(work, "empty")
    os.makedirs(empty, exist_ok=True)
    r = subprocess.run([os.path.join(script_dir, "biocluster-dynamics"), "report", empty, "-o",
                        os.path.join(work, "r2")], capture_output=True, text=True)
    check(r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, "an empty folder: exit 2, one line")


def case_runs(binary: str, src: str, script_dir: str, work: str) -> None:
    out = os.path.join(work, "figs")
    r = subprocess.run([os.path.join(script_dir, "biocluster-dynamics"), "all", "--outdir", work,
                        "--replicates", "2", "--jobs", "2", "--binary", binary, "--scenario",
                        os.path.join(src, "scenarios/default.toml"), "--steps", "36", "-o", out, "--dpi", "50", "--observations"],
                       capture_output=True, text=True, cwd=src)
    print(r.stdout[-2000:], r.stderr[-2000:])
    check(r.returncode == 0, "biocluster-dynamics all on 2 short runs exits 0")
    check(len([n for n in os.listdir(os.path.join(work, "runs")) if n.endswith(".h5")]) == 2, "2 run files")
    for n in ("exits.png", "survival_rounds.png", "returns.png", "firm_size.png", "valuations.png", "summary.csv",
              "summary.md", "distributions.csv.gz"):
        p = os.path.join(out, n)
        check(os.path.exists(p) and os.path.getsize(p) > 500, f"{n} written")
    if os.path.exists(os.path.join(out, "summary.csv")):
        s = pd.read_csv(os.path.join(out, "summary.csv"))
        check({"quantity", "group", "scenario", "n", "median", "q25", "q75"} <= set(s.columns), "summary columns")
        check(set(s["scenario"]) == {"default"}, "summary names the scenario")


def main() -> int:
    binary, src, work, case = sys.argv[1:5]
    script_dir = os.path.dirname(sys.executable)  # the venv's bin: biocluster-dynamics
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    if case == "hand":
        case_hand(script_dir, work)
    elif case == "runs":
        case_runs(binary, src, script_dir, work)
    else:
        print(f"unknown case {case}")
        return 2
    print(f"{len(FAILS)} failures" if FAILS else "all passed")
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.dont_write_bytecode = True
    sys.exit(main())
