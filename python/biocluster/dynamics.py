"""Emergent firm dynamics of biocluster runs: the distributions the model produces (docs/DYNAMICS.md).

    biocluster-dynamics run --outdir out/dynamics [--replicates 20] [--jobs 2]
    biocluster-dynamics report out/dynamics -o docs/img/dynamics
    biocluster-dynamics all --outdir out/dynamics -o docs/img/dynamics   # both

`run` runs the binary for every scenario x seed (seeds 1..N) into OUTDIR/runs/NAME_seedNN.h5; a
finished file newer than the binary is kept, so a second `run` only completes what is missing. `report` reads every run
file in DIR/runs (or DIR itself) and writes PNG figures, summary.csv and summary.md (median, IQR
and n of each distribution per scenario) and distributions.csv.gz (every pooled observation).

Exit codes: 0 done, 2 bad input (no run files, a damaged or unfinished run file, a bad option, the
binary missing or a run failing), 3 cannot write the output folder.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import h5py
import numpy as np
import pandas as pd

from . import _cli
from . import data as bd

PROG = "biocluster-dynamics"


def die(msg: str, code: int = 2) -> None:
    print(f"{PROG}: error: {msg}", file=sys.stderr)
    sys.exit(code)


try:
    import tomllib
except ImportError:  # pragma: no cover - Python < 3.11
    tomllib = None

# The shipped scenarios and the month each is run to (name, scenario file, last month).
SCENARIOS = [
    ("boston", "scenarios/us/boston.toml", "2039-12"),
    ("sf_bay", "scenarios/us/sf_bay.toml", "2039-12"),
    ("san_diego", "scenarios/us/san_diego.toml", "2039-12"),
    ("korea", "scenarios/korea/korea.toml", "2049-12"),
]
EXIT_KINDS = ["acquisition", "ipo", "failure"]
# Kinds whose aux column is documented to hold the startup's stage (OUTPUT.md); any other kind
# whose aux is non-zero somewhere in a file is taken to carry it too (a later model version).
AUX_STAGE_KINDS = {"round_priced", "proceeds", "delisted"}
# Ledger flow types (agents/types.hpp kFlowNames): the detail code of a proceeds event.
FLOW_NAMES = ["salary", "rent", "equipment", "round", "fee", "carry", "distribution", "licence", "trial_payment",
              "acquisition", "ipo_proceeds", "revenue", "operating_cost", "tax", "equity", "residual", "intra_group",
              "compliance", "loan", "loan_repayment", "research_income", "grant_basic_research", "grant_applied",
              "grant_hospital", "tax_credit", "training_grant", "infrastructure_grant", "public_fund", "alliance"]
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442"]
EXIT_COLORS = {"acquisition": "#0072B2", "ipo": "#009E73", "failure": "#D55E00", "private at end": "#999999"}


# ================================================================================================
# run
# ================================================================================================
def months_between(start: str, end: str) -> int:
    """Steps from month `start` to month `end` inclusive ('YYYY-MM')."""
    sy, sm = map(int, start.split("-"))
    ey, em = map(int, end.split("-"))
    return (ey - sy) * 12 + (em - sm) + 1


def scenario_start(path: str) -> str:
    """run.start of a scenario file, following its include(s); '2000-01' (the model default) if none."""
    if tomllib is None:
        die("reading scenario files needs Python >= 3.11 (tomllib)")
    seen: set[str] = set()

    def walk(p: str) -> str | None:
        p = os.path.abspath(p)
        if p in seen:
            return None
        seen.add(p)
        try:
            with open(p, "rb") as fh:
                d = tomllib.load(fh)
        except OSError as e:
            die(f"cannot read scenario '{p}': {e.strerror or e}")
        except tomllib.TOMLDecodeError as e:
            die(f"scenario '{p}' is not valid TOML ({bd._one_line(e)})")
        start = d.get("run", {}).get("start") if isinstance(d.get("run"), dict) else None
        if start:
            return str(start)
        inc = d.get("include", [])
        for q in ([inc] if isinstance(inc, str) else inc):
            s = walk(os.path.join(os.path.dirname(p), q))
            if s:
                return s
        return None
    return walk(path) or "2000-01"


def file_is_complete(path: str) -> bool:
    try:
        with h5py.File(path, "r") as f:
            return bd._text(f.attrs.get("status", "")) == "complete"
    except OSError:
        return False


def one_run(job: tuple) -> tuple[str, float, str]:
    binary, scen, steps, seed, out, threads, extra = job
    # A finished file is kept only if it is newer than the binary: a rebuilt model reruns.
    if os.path.exists(out) and file_is_complete(out) and os.path.getmtime(out) > os.path.getmtime(binary):
        return out, 0.0, "kept"
    cmd = [binary, "run", scen, "--set", f"run.steps={steps}", "--seed", str(seed), "--threads", str(threads),
           "-q", "-o", out] + [a for s in extra for a in ("--set", s)]
    t0 = time.monotonic()
    p = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.monotonic() - t0
    if p.returncode != 0:
        lines = (p.stderr or p.stdout).strip().splitlines()
        return out, dt, "failed: " + (lines[-1] if lines else f"exit code {p.returncode}")
    return out, dt, "done"


def cmd_run(args) -> int:
    binary = args.binary
    if not (os.path.isfile(binary) and os.access(binary, os.X_OK)):
        die(f"no biocluster binary at '{binary}'; build it (cmake --preset release && cmake --build --preset "
            f"release) or pass --binary")
    if args.replicates < 1:
        die(f"--replicates {args.replicates} must be >= 1")
    if args.jobs < 1:
        die(f"--jobs {args.jobs} must be >= 1")
    scen = SCENARIOS
    if args.scenario:
        scen = []
        for s in args.scenario:  # PATH or PATH:YYYY-MM
            path, _, end = s.partition(":")
            scen.append((os.path.splitext(os.path.basename(path))[0], path, end or None))
    runs = os.path.join(args.outdir, "runs")
    try:
        os.makedirs(runs, exist_ok=True)
    except OSError as e:
        die(f"cannot write to output folder '{args.outdir}': {e.strerror or e}", 3)
    jobs = []
    for name, path, end in scen:
        if not os.path.isfile(path):
            die(f"no scenario file '{path}'")
        start = scenario_start(path)
        steps = args.steps if args.steps else months_between(start, end) if end else None
        if steps is None:
            die(f"give the last month of '{path}' (PATH:YYYY-MM) or --steps")
        if steps < 1:
            die(f"'{path}' starts {start}, after its end month {end}")
        print(f"{PROG}: {name}: {path}, start {start}, {steps} steps, seeds 1..{args.replicates}")
        for seed in range(1, args.replicates + 1):
            jobs.append((binary, path, steps, seed, os.path.join(runs, f"{name}_seed{seed:02d}.h5"),
                         args.threads, args.set or []))
    t0 = time.monotonic()
    failed = []
    with ThreadPoolExecutor(max_workers=args.jobs) as ex:
        for i, (out, dt, status) in enumerate(ex.map(one_run, jobs), 1):
            if not args.quiet:
                print(f"  [{i}/{len(jobs)}] {os.path.basename(out)}: {status}" + (f" ({dt:.1f} s)" if dt else ""))
            if status.startswith("failed"):
                failed.append(f"{os.path.basename(out)} {status}")
    print(f"{PROG}: {len(jobs)} runs in {time.monotonic() - t0:.1f} s wall ({args.jobs} at a time) in {runs}")
    if failed:
        die(f"{len(failed)} runs failed, first: {failed[0]}")
    return 0


# ================================================================================================
# reading one run file into per-startup / per-VC tables
# ================================================================================================
def open_run(path: str) -> h5py.File:
    """Opens a finished biocluster run file; RunFileError (one line) otherwise (bd.load_run's checks,
    without reading every time series)."""
    if not os.path.exists(path):
        raise bd.RunFileError(f"no such file '{path}'")
    try:
        ok = h5py.is_hdf5(path)
    except OSError as e:
        raise bd.RunFileError(f"cannot read '{path}': {bd._one_line(e)}") from None
    if not ok:
        raise bd.RunFileError(f"'{path}' is not an HDF5 file (expected a biocluster run file)")
    try:
        f = bd._open(path)
    except OSError as e:
        raise bd.RunFileError(f"'{path}' is a damaged or truncated HDF5 file ({bd._one_line(e)})") from None
    fmt = bd._text(f.attrs.get("format", ""))
    if fmt != bd.FORMAT_NAME:
        f.close()
        raise bd.RunFileError(f"'{path}' is an HDF5 file but not a biocluster run (format '{fmt}')")
    if bd._text(f.attrs.get("status", "")) != "complete" or path.endswith(".partial"):
        f.close()
        raise bd.RunFileError(f"'{path}' is an interrupted run (status '{bd._text(f.attrs.get('status', ''))}'); "
                              f"rerun 'biocluster-dynamics run' to complete it")
    return f


def _snapshot_table(f: h5py.File, agent: str, which: str = "all") -> pd.DataFrame:
    """Rows of an agent table: which = 'all', 'last' or 'first' snapshot; columns step, id, <columns>."""
    if "agents" not in f or agent not in f["agents"]:
        return pd.DataFrame()
    g = f["agents"][agent]
    steps = np.asarray(g["snapshot_step"][:], np.int64)
    if not len(steps):
        return pd.DataFrame()
    start = np.asarray(g["snapshot_start"][:len(steps)], np.int64)
    count = np.asarray(g["snapshot_count"][:len(steps)], np.int64)
    if which == "last":
        sel = [len(steps) - 1]
    elif which == "first":
        sel = [0]
    else:
        sel = list(range(len(steps)))
    lo, hi = int(start[sel[0]]), int(start[sel[-1]] + count[sel[-1]])
    cols = [bd._text(c) for c in g.attrs["columns"]] if "columns" in g.attrs else \
        [k for k in g.keys() if k not in ("id", "snapshot_step", "snapshot_start", "snapshot_count")]
    df = pd.DataFrame({"step": np.repeat(steps[sel], count[sel]), "id": np.asarray(g["id"][lo:hi], np.int64)})
    for c in cols:
        df[c] = np.asarray(g[c][lo:hi], float)
    return df


def extract(path: str) -> dict[str, pd.DataFrame]:
    """Every observation of one run file as tidy tables (see DYNAMICS.md for the definitions)."""
    with open_run(path) as f:
        try:
            return _extract(f, path)
        except (KeyError, ValueError, IndexError, TypeError) as e:
            raise bd.RunFileError(f"'{path}' is a damaged or unexpected run file ({bd._one_line(e)})") from None


def last_before(sids, rows_, t_sid, t_row, t_val) -> np.ndarray:
    """For each (sid, row): t_val of the last table entry of that sid with t_row < row (event order); NaN if none."""
    left = pd.DataFrame({"sid": np.asarray(sids, np.int64), "row": np.asarray(rows_, np.int64),
                         "i": np.arange(len(sids))})
    if not len(left):
        return np.zeros(0)
    right = pd.DataFrame({"sid": np.asarray(t_sid, np.int64), "row": np.asarray(t_row, np.int64),
                          "v": np.asarray(t_val, float)})
    if not len(right):
        return np.full(len(left), np.nan)
    m = pd.merge_asof(left.sort_values("row"), right.sort_values("row"), on="row", by="sid",
                      allow_exact_matches=False, direction="backward")
    out = np.full(len(left), np.nan)
    out[m["i"].to_numpy()] = m["v"].to_numpy()
    return out


def _extract(f: h5py.File, path: str) -> dict[str, pd.DataFrame]:
    scenario = os.path.splitext(os.path.basename(bd._text(f.attrs.get("scenario_file", path))))[0]
    seed = int(f.attrs.get("seed", 0))
    n_steps = int(f.attrs.get("steps_completed", f.attrs.get("steps_written", len(f["time/step"]))))
    kinds = h5py.check_enum_dtype(f["events"].dtype["kind"]) or {}
    types = h5py.check_enum_dtype(f["events"].dtype["subject_type"]) or {}
    ev = f["events"][:]
    has_aux = "aux" in (ev.dtype.names or ())
    K = lambda name: kinds.get(name, -999)  # noqa: E731
    T = lambda name: types.get(name, -999)  # noqa: E731
    kind = ev["kind"].astype(int)
    row = np.arange(len(ev))
    aux = ev["aux"].astype(np.int64) if has_aux else np.zeros(len(ev), np.int64)
    aux_kinds = {k for k in AUX_STAGE_KINDS} | ({n for n, v in kinds.items() if has_aux and (aux[kind == v] != 0).any()}
                                                if has_aux else set())
    tag = {"scenario": scenario, "seed": seed}

    def sel(name: str) -> pd.DataFrame:
        m = kind == K(name)
        d = pd.DataFrame({"row": row[m], "step": ev["step"][m].astype(np.int64), "subject": ev["subject_id"][m],
                          "object": ev["object_id"][m], "object_type": ev["object_type"][m].astype(int),
                          "detail": ev["detail"][m].astype(np.int64), "aux": aux[m],
                          "amount": ev["amount"][m].astype(float), "value": ev["value"][m].astype(float)})
        return d

    # --- startups: founding step (event, else founded_step of the first snapshot), service flag, first stage
    snaps = _snapshot_table(f, "startup", "all")
    first = snaps.sort_values("step").drop_duplicates("id") if len(snaps) else pd.DataFrame(
        columns=["id", "founded_step", "stage", "service"])
    founding = sel("founding").drop_duplicates("subject")
    st = pd.DataFrame({"id": pd.unique(np.concatenate([founding["subject"].to_numpy(), first["id"].to_numpy()]))
                       .astype(np.int64)})
    st["founded_in_run"] = st["id"].isin(founding["subject"])
    fs = dict(zip(founding["subject"], founding["step"]))
    snap_found = dict(zip(first["id"], first["founded_step"])) if "founded_step" in first else {}
    st["founded"] = st["id"].map(fs).fillna(st["id"].map(snap_found)).astype(float)
    st["service"] = st["id"].map(dict(zip(first["id"], first["service"])) if "service" in first else {})
    init_stage = dict(zip(first["id"], first["stage"])) if "stage" in first else {}

    # stage of a startup just before event row r: the last stage_success before it, else its first
    # snapshot's stage if it was not founded in the run (initial firms start at any stage), else 0.
    ss = sel("stage_success")
    founded_in = set(founding["subject"].tolist())

    def stage_before(sids, rows_) -> np.ndarray:
        got = last_before(sids, rows_, ss["subject"], ss["row"], ss["detail"])
        miss = ~np.isfinite(got)
        if miss.any():
            fb = [init_stage.get(i, 0.0) if i not in founded_in else 0.0 for i in np.asarray(sids)[miss]]
            got[miss] = np.nan_to_num(np.asarray(fb, float))
        return got.astype(np.int64)

    # --- exits: the first event of each exit kind per startup
    exits = []
    for k in EXIT_KINDS:
        e = sel(k).sort_values("row").drop_duplicates("subject")
        if not len(e):
            continue
        e = e.assign(exit=k)
        if k in aux_kinds:
            e["stage"] = e["aux"]
            e["stage_source"] = "aux"
        else:
            e["stage"] = stage_before(e["subject"], e["row"])
            e["stage_source"] = "stage_success"
        exits.append(e)
    exits = pd.concat(exits, ignore_index=True) if exits else pd.DataFrame(
        columns=["row", "step", "subject", "object", "detail", "aux", "amount", "value", "exit", "stage",
                 "stage_source"])
    exits = exits.merge(st[["id", "founded", "founded_in_run", "service"]], left_on="subject", right_on="id",
                        how="left")
    exits["age_months"] = exits["step"] - exits["founded"]

    # --- rounds: from round_priced when the file has it, else rebuilt from funding_round rows
    fr = sel("funding_round")
    rp = sel("round_priced")
    if len(rp):
        rounds = pd.DataFrame({"startup": rp["subject"], "row": rp["row"], "step": rp["step"], "round": rp["detail"],
                               "size": rp["amount"], "pre": rp["value"], "post": rp["value"] + rp["amount"],
                               "stage": rp["aux"], "source": "round_priced"})
    elif len(fr):
        g = fr.groupby(["subject", "step", "detail"], sort=False)
        rounds = g.agg(row=("row", "min"), size=("amount", "sum"), post=("value", "max")).reset_index()
        rounds = rounds.rename(columns={"subject": "startup", "detail": "round"})
        rounds["pre"] = rounds["post"] - rounds["size"]
        rounds["stage"] = stage_before(rounds["startup"], rounds["row"])
        rounds["source"] = "funding_round"
    else:
        rounds = pd.DataFrame(columns=["startup", "row", "step", "round", "size", "pre", "post", "stage", "source"])
    rounds = rounds.sort_values(["startup", "row"]).reset_index(drop=True)
    prev_post = rounds.groupby("startup")["post"].shift(1)
    rounds["step_up_post"] = rounds["post"] / prev_post  # post-money / previous round's post-money
    rounds["step_up_pre"] = rounds["pre"] / prev_post    # pre-money / previous post-money (< 1: a down round)

    # exit price / last post-money before the exit (acquisition: price; ipo: listing valuation)
    last_post = last_before(exits["subject"], exits["row"], rounds["startup"], rounds["row"], rounds["post"])
    exits["last_post"] = last_post
    exits["exit_value"] = np.where(exits["exit"] == "acquisition", exits["amount"],
                                   np.where(exits["exit"] == "ipo", exits["value"], np.nan))
    exits["exit_over_post"] = exits["exit_value"] / exits["last_post"]

    # highest round per startup
    max_round = fr.groupby("subject")["detail"].max() if len(fr) else pd.Series(dtype=float)
    st["max_round"] = st["id"].map(max_round).fillna(0).astype(int)
    st = st.merge(exits.pivot_table(index="subject", columns="exit", values="step", aggfunc="min")
                  .reindex(columns=EXIT_KINDS).add_prefix("step_"), left_on="id", right_index=True, how="left")
    st["end_step"] = n_steps - 1

    # --- returns: money from VCs (funding_round with a venture_capital investor) and proceeds to VCs
    vcf = fr[fr["object_type"] == T("venture_capital")]
    pr = sel("proceeds")
    inv_c = vcf.groupby("subject")["amount"].sum()
    got_c = pr.groupby("object")["amount"].sum() if len(pr) else pd.Series(dtype=float)
    comp = pd.DataFrame({"startup": inv_c.index.astype(np.int64), "invested": inv_c.to_numpy()})
    comp["proceeds"] = comp["startup"].map(got_c).fillna(0.0)
    comp["multiple"] = comp["proceeds"] / comp["invested"]
    # firms of the initial population may hold VC money from before the run (not in the events): flagged
    comp["founded_in_run"] = comp["startup"].isin(founding["subject"])
    first_exit = exits.sort_values("row").drop_duplicates("subject").set_index("subject")["exit"]
    failed = set(exits.loc[exits["exit"] == "failure", "subject"])
    acq = set(exits.loc[exits["exit"] == "acquisition", "subject"])
    ipo = set(exits.loc[exits["exit"] == "ipo", "subject"])
    comp["outcome"] = ["acquisition" if s in acq else "ipo" if s in ipo else "failure" if s in failed
                       else "private at end" for s in comp["startup"]]
    del first_exit

    # per VC firm: events (all money paid in and out) and the last snapshot (distributed / invested)
    inv_v = vcf.groupby("object")["amount"].sum()
    got_v = pr.groupby("subject")["amount"].sum() if len(pr) else pd.Series(dtype=float)
    vc = _snapshot_table(f, "venture_capital", "last")
    vcs = pd.DataFrame({"vc": inv_v.index.astype(np.int64), "invested_events": inv_v.to_numpy()})
    vcs["proceeds_events"] = vcs["vc"].map(got_v).fillna(0.0)
    vcs["multiple_events"] = vcs["proceeds_events"] / vcs["invested_events"]
    if len(vc) and {"invested_usd", "distributed_usd"} <= set(vc.columns):
        snap = vc.set_index("id")
        vcs = vcs.merge(snap[[c for c in ("invested_usd", "distributed_usd", "public_fund") if c in snap]],
                        left_on="vc", right_index=True, how="outer")
        vcs["vc"] = vcs["vc"].fillna(-1) if "vc" in vcs else -1
        vcs["multiple_snapshot"] = np.where(vcs["invested_usd"] > 0, vcs["distributed_usd"] / vcs["invested_usd"],
                                            np.nan)
    if "public_fund" not in vcs:
        vcs["public_fund"] = 0.0
    # funds: a per-fund table when the file has one, else the multiple fund_raised reports for the previous fund
    funds = None
    if "agents" in f and "funds" in f["agents"]:
        ft = _snapshot_table(f, "funds", "last")
        inv = next((c for c in ft.columns if "invested" in c or "paid_in" in c), None)
        dist = next((c for c in ft.columns if "distributed" in c), None)
        if inv and dist:
            funds = pd.DataFrame({"multiple": np.where(ft[inv] > 0, ft[dist] / ft[inv], np.nan),
                                  "source": f"/agents/funds {dist}/{inv}"})
    if funds is None:
        fr2 = sel("fund_raised")
        fr2 = fr2[fr2["detail"] >= 2]  # a first fund reports no multiple
        funds = pd.DataFrame({"multiple": fr2["value"].to_numpy(), "source": "fund_raised value"})

    # --- firm size at the last snapshot (independent firms and acquired units alike)
    last = snaps[snaps["step"] == snaps["step"].max()] if len(snaps) else pd.DataFrame(columns=["headcount", "service"])
    size = pd.DataFrame({"headcount": last["headcount"].to_numpy() if "headcount" in last else [],
                         "service": (last["service"].to_numpy() > 0) if "service" in last else False})

    out = {"startups": st, "exits": exits, "rounds": rounds, "companies": comp, "vcs": vcs, "funds": funds,
           "size": size}
    for k, d in out.items():
        out[k] = d.assign(**tag)
    out["meta"] = pd.DataFrame([{**tag, "file": path, "steps": n_steps,
                                 "start": bd._text(f.attrs.get("start_date", "")),
                                 "exit_stage_source": ",".join(sorted(set(exits["stage_source"]))) or "none",
                                 "round_source": ",".join(sorted(set(rounds["source"]))) or "none"}])
    return out


# ================================================================================================
# distributions
# ================================================================================================
def kaplan_meier(duration: np.ndarray, event: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """S(a) at each age in grid: product over event ages t <= a of (1 - d_t / n_t), n_t = at risk at t
    (durations >= t), d_t = events at t; censored spells leave the risk set after their last age."""
    duration = np.asarray(duration, float)
    event = np.asarray(event, bool)
    ok = np.isfinite(duration) & (duration >= 0)
    duration, event = duration[ok], event[ok]
    if not len(duration):
        return np.full(len(grid), np.nan)
    ts, d = np.unique(duration[event], return_counts=True)
    n = len(duration) - np.searchsorted(np.sort(duration), ts, side="left")  # durations >= t
    s = np.cumprod(1.0 - d / n)
    idx = np.searchsorted(ts, grid, side="right") - 1
    return np.where(idx >= 0, s[np.clip(idx, 0, None)] if len(s) else 1.0, 1.0)


def survival_inputs(st: pd.DataFrame, ending: str) -> tuple[np.ndarray, np.ndarray]:
    """Ages (months) and event flags of startups founded in the run. ending 'failure': event = failure,
    an acquisition censors (the firm leaves the independent population); 'independent': event =
    failure or acquisition. Run end censors."""
    s = st[st["founded_in_run"]]
    fail = s["step_failure"].to_numpy(float)
    acq = s["step_acquisition"].to_numpy(float)
    end = s["end_step"].to_numpy(float)
    if ending == "failure":
        stop = np.fmin(np.fmin(fail, acq), end)
        ev = np.isfinite(fail) & (fail <= np.fmin(acq, end))
    else:
        stop = np.fmin(np.fmin(fail, acq), end)
        ev = np.isfinite(fail) | np.isfinite(acq)
    return stop - s["founded"].to_numpy(float), ev


def q(x) -> dict:
    x = np.asarray(x, float)
    x = x[np.isfinite(x)]
    if not len(x):
        return {"n": 0, "median": np.nan, "q25": np.nan, "q75": np.nan, "mean": np.nan}
    return {"n": len(x), "median": float(np.median(x)), "q25": float(np.quantile(x, 0.25)),
            "q75": float(np.quantile(x, 0.75)), "mean": float(np.mean(x))}


def summarise(data: dict[str, pd.DataFrame], stages: list[str]) -> pd.DataFrame:
    rows = []

    def add(quantity: str, units: str, scen: str, x, group: str = "") -> None:
        rows.append({"quantity": quantity, "group": group, "units": units, "scenario": scen, **q(x)})

    for scen in scenario_order(data):
        ex = data["exits"][data["exits"]["scenario"] == scen]
        for k in EXIT_KINDS:
            e = ex[ex["exit"] == k]
            add("(a) age at exit", "years", scen, e.loc[e["founded_in_run"].astype(bool), "age_months"] / 12, k)
            add("(b) stage at exit", "stage code", scen, e["stage"], k)
        st = data["startups"][data["startups"]["scenario"] == scen]
        for ending in ("failure", "independent"):
            dur, evf = survival_inputs(st, ending)
            for a in (1, 5, 10):
                s = kaplan_meier(dur, evf, np.array([a * 12.0]))[0]
                rows.append({"quantity": f"(c) KM survival ({'not failed' if ending == 'failure' else 'independent'})",
                             "group": f"age {a} y", "units": "fraction", "scenario": scen, "n": int(len(dur)),
                             "median": s, "q25": np.nan, "q75": np.nan, "mean": np.nan})
        fo = st[st["founded_in_run"]]
        for r in range(1, 6):
            rows.append({"quantity": "(d) share reaching round", "group": f"round {r}", "units": "fraction",
                         "scenario": scen, "n": int(len(fo)), "median": float((fo["max_round"] >= r).mean())
                         if len(fo) else np.nan, "q25": np.nan, "q75": np.nan, "mean": np.nan})
        c = data["companies"][(data["companies"]["scenario"] == scen) & data["companies"]["founded_in_run"]]
        add("(e) company multiple (VC proceeds / VC invested)", "x", scen, c["multiple"], "all VC-backed")
        for o in EXIT_KINDS + ["private at end"]:
            add("(e) company multiple (VC proceeds / VC invested)", "x", scen, c.loc[c["outcome"] == o, "multiple"], o)
        v = data["vcs"][data["vcs"]["scenario"] == scen]
        priv = v[v["public_fund"].fillna(0) == 0]
        add("(e) VC-firm multiple (events)", "x", scen, priv["multiple_events"], "private VC firms")
        if "multiple_snapshot" in priv:
            add("(e) VC-firm multiple (snapshot distributed/invested)", "x", scen, priv["multiple_snapshot"],
                "private VC firms")
        fu = data["funds"][data["funds"]["scenario"] == scen]
        add("(e) fund multiple", "x", scen, fu["multiple"], fu["source"].iloc[0] if len(fu) else "")
        sz = data["size"][data["size"]["scenario"] == scen]
        add("(f) headcount at last snapshot", "persons", scen, sz.loc[~sz["service"], "headcount"], "drug developers")
        add("(f) headcount at last snapshot", "persons", scen, sz.loc[sz["service"], "headcount"], "service firms")
        rd = data["rounds"][data["rounds"]["scenario"] == scen]
        for r in range(1, 6):
            add("(g) pre-money by round", "USD M", scen, rd.loc[rd["round"] == r, "pre"] / 1e6, f"round {r}")
        for s_i, s_name in enumerate(stages):
            add("(g) pre-money by stage", "USD M", scen, rd.loc[rd["stage"] == s_i, "pre"] / 1e6, s_name)
        add("(g) step-up post/previous post", "x", scen, rd["step_up_post"])
        add("(g) pre-money/previous post (<1: down round)", "x", scen, rd["step_up_pre"])
        sp = rd["step_up_pre"].to_numpy(float)
        sp = sp[np.isfinite(sp)]
        rows.append({"quantity": "(g) share of down rounds (pre < previous post)", "group": "", "units": "fraction",
                     "scenario": scen, "n": len(sp), "median": float((sp < 1).mean()) if len(sp) else np.nan,
                     "q25": np.nan, "q75": np.nan, "mean": np.nan})
        for k in ("acquisition", "ipo"):
            add("(g) exit value / last post-money", "x", scen, ex.loc[ex["exit"] == k, "exit_over_post"], k)
    return pd.DataFrame(rows)


def scenario_order(data) -> list[str]:
    names = list(dict.fromkeys(data["meta"]["scenario"]))
    known = [n for n, _, _ in SCENARIOS]
    return sorted(names, key=lambda n: (known.index(n) if n in known else len(known), n))


def fmt(v: float) -> str:
    if not np.isfinite(v):
        return "none"
    a = abs(v)
    return f"{v:.3g}" if a < 1000 else f"{v:,.0f}"


def markdown_table(summary: pd.DataFrame) -> str:
    out = []
    for quantity, g in summary.groupby("quantity", sort=False):
        units = g["units"].iloc[0]
        share = quantity.startswith(("(c)", "(d)")) or "share of" in quantity
        out.append(f"**{quantity}** ({units})\n")
        if share:
            out.append("| group | " + " | ".join(f"{s}" for s in dict.fromkeys(g["scenario"])) + " |")
            out.append("|---|" + "---|" * g["scenario"].nunique())
            for grp, gg in g.groupby("group", sort=False):
                cells = [f"{fmt(r.median)} (n {r.n})" if r.n else "none" for r in gg.itertuples()]
                out.append(f"| {grp or '-'} | " + " | ".join(cells) + " |")
        else:
            out.append("| group | scenario | n | median | IQR (q25-q75) |")
            out.append("|---|---|---|---|---|")
            for r in g.itertuples():
                if r.n == 0:
                    out.append(f"| {r.group or '-'} | {r.scenario} | 0 | none | none |")
                else:
                    out.append(f"| {r.group or '-'} | {r.scenario} | {r.n} | {fmt(r.median)} | "
                               f"{fmt(r.q25)}-{fmt(r.q75)} |")
        out.append("")
    return "\n".join(out)


# ================================================================================================
# figures
# ================================================================================================
def load_mpl():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    try:
        from . import plots as bp
        bp.apply_style()
    except ImportError:
        pass
    return plt


def _empty(ax, what: str = "none") -> None:
    ax.text(0.5, 0.5, what, transform=ax.transAxes, ha="center", va="center", color="#777777", fontsize=12)


def _ecdf(ax, x, color, label, log=False) -> bool:
    x = np.sort(np.asarray(x, float)[np.isfinite(np.asarray(x, float))])
    if log:
        x = x[x > 0]
    if not len(x):
        return False
    ax.step(x, np.arange(1, len(x) + 1) / len(x), where="post", color=color, label=f"{label} (n {len(x)})")
    return True


def figures(data, stages, outdir: str, dpi: int) -> list[str]:
    plt = load_mpl()
    scen = scenario_order(data)
    colors = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(scen)}
    written = []

    def save(fig, name: str) -> None:
        p = os.path.join(outdir, name)
        fig.savefig(p, dpi=dpi, bbox_inches="tight")
        plt.close(fig)
        written.append(p)

    def scen_legend(ax) -> None:
        from matplotlib.patches import Patch
        ax.legend(handles=[Patch(color=colors[s], alpha=0.7, label=s) for s in scen], fontsize=8.5)

    nrep = data["meta"].groupby("scenario")["seed"].nunique()
    reps = ", ".join(f"{s} {nrep[s]}" for s in scen)
    ex = data["exits"]

    # --- figure 1: (a) age at exit, (b) stage at exit
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5))
    for j, k in enumerate(EXIT_KINDS):
        ax = axes[0, j]
        any_ = False
        for s in scen:
            e = ex[(ex["scenario"] == s) & (ex["exit"] == k) & ex["founded_in_run"].astype(bool)]
            any_ |= _ecdf(ax, e["age_months"] / 12, colors[s], s)
        if any_:
            ax.legend(fontsize=8.5, loc="lower right")
        else:
            _empty(ax, f"no {k}")
        ax.set_title(f"(a) age at {k}")
        ax.set_xlabel("years from founding to exit")
        ax.set_ylabel("cumulative share of exits")
        ax = axes[1, j]
        w = 0.8 / max(len(scen), 1)
        any_ = False
        for i, s in enumerate(scen):
            e = ex[(ex["scenario"] == s) & (ex["exit"] == k)]
            if not len(e):
                continue
            any_ = True
            share = np.bincount(np.clip(e["stage"].astype(int), 0, len(stages) - 1), minlength=len(stages)) / len(e)
            ax.bar(np.arange(len(stages)) + (i - (len(scen) - 1) / 2) * w, share, w, color=colors[s],
                   label=f"{s} (n {len(e)})")
        if any_:
            ax.legend(fontsize=8.5)
        else:
            _empty(ax, f"no {k}")
        ax.set_xticks(range(len(stages)), stages, rotation=20)
        ax.set_title(f"(b) stage at {k}")
        ax.set_ylabel("share of exits of this type")
    fig.suptitle(f"Exits: time from founding (firms founded in the run) and lead-asset stage; replicates: {reps}")
    fig.tight_layout()
    save(fig, "exits.png")

    # --- figure 2: (c) survival, (d) rounds reached
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    st = data["startups"]
    for j, ending in enumerate(("failure", "independent")):
        ax = axes[j]
        for s in scen:
            dur, evf = survival_inputs(st[st["scenario"] == s], ending)
            if not len(dur):
                continue
            grid = np.arange(0, np.nanmax(dur) + 1 if len(dur) else 1)
            ax.plot(grid / 12, kaplan_meier(dur, evf, grid), color=colors[s], label=f"{s} (n {len(dur)})")
        ax.set_ylim(0, 1.02)
        ax.set_xlabel("age (years)")
        ax.set_ylabel("fraction surviving (Kaplan-Meier)")
        ax.set_title("(c) not failed (acquisition, run end censor)" if ending == "failure"
                     else "(c) independent (failure or acquisition ends)")
        ax.legend(fontsize=8.5)
    ax = axes[2]
    for s in scen:
        fo = st[(st["scenario"] == s) & st["founded_in_run"]]
        if not len(fo):
            continue
        top = max(int(fo["max_round"].max()), 1)
        r = np.arange(1, top + 1)
        ax.plot(r, [(fo["max_round"] >= k).mean() for k in r], "o-", color=colors[s], label=f"{s} (n {len(fo)})")
    ax.set_yscale("log")
    ax.set_xlabel("funding round")
    ax.set_ylabel("share of startups founded in the run")
    ax.set_title("(d) share reaching each round")
    ax.legend(fontsize=8.5)
    fig.suptitle("Survival by age and funding rounds reached (startups founded during the run)")
    fig.tight_layout()
    save(fig, "survival_rounds.png")

    # --- figure 3: (e) returns
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.6))
    comp = data["companies"][data["companies"]["founded_in_run"].astype(bool)]
    ax = axes[0]
    for s in scen:
        c = comp[comp["scenario"] == s]
        _ecdf(ax, c["multiple"], colors[s], s)
    ax.set_xscale("symlog", linthresh=0.1)
    ax.set_xlabel("company multiple: VC proceeds / VC invested (x)")
    ax.set_ylabel("cumulative share of VC-backed companies")
    ax.set_title("(e) company-level multiple")
    ax.legend(fontsize=8.5)
    ax = axes[1]
    outcomes = EXIT_KINDS + ["private at end"]
    pos, labels, vals, cols = [], [], [], []
    for i, o in enumerate(outcomes):
        for jj, s in enumerate(scen):
            x = comp.loc[(comp["scenario"] == s) & (comp["outcome"] == o), "multiple"].to_numpy(float)
            x = x[np.isfinite(x)]
            if len(x):
                pos.append(i * (len(scen) + 1) + jj)
                vals.append(x)
                cols.append(colors[s])
    if vals:
        bpl = ax.boxplot(vals, positions=pos, widths=0.8, showfliers=False, patch_artist=True)
        for b, c in zip(bpl["boxes"], cols):
            b.set_facecolor(c)
            b.set_alpha(0.7)
    ax.set_xticks([i * (len(scen) + 1) + (len(scen) - 1) / 2 for i in range(len(outcomes))], outcomes)
    ax.set_yscale("symlog", linthresh=0.1)
    ax.set_ylabel("company multiple (x)")
    ax.set_title("(e) company multiple by outcome")
    ax.set_xlabel("outcome (boxes: quartiles; whiskers: 1.5 IQR)")
    scen_legend(ax)
    ax = axes[2]
    v = data["vcs"]
    for s in scen:
        vv = v[(v["scenario"] == s) & (v["public_fund"].fillna(0) == 0)]
        col = "multiple_snapshot" if "multiple_snapshot" in vv else "multiple_events"
        _ecdf(ax, vv[col], colors[s], f"{s} firms")
        fu = data["funds"][data["funds"]["scenario"] == s]
        if len(fu):
            x = np.sort(fu["multiple"].to_numpy(float))
            ax.step(x, np.arange(1, len(x) + 1) / len(x), where="post", color=colors[s], ls="--", lw=1.2,
                    label=f"{s} funds (n {len(x)})")
    ax.set_xscale("symlog", linthresh=0.1)
    ax.set_xlabel("multiple (x)")
    ax.set_ylabel("cumulative share")
    ax.set_title("(e) VC firms (solid), funds (dashed)")
    ax.legend(fontsize=7.5)
    fig.suptitle("Returns to VC investors: companies founded in the run (proceeds / invested, events); private VC "
                 "firms (distributed / invested, last snapshot); funds (" +
                 ",".join(sorted(set(data["funds"]["source"]))) + ")", fontsize=12)
    fig.tight_layout()
    save(fig, "returns.png")

    # --- figure 4: (f) firm size
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.4))
    sz = data["size"]
    hmax = np.nanmax(sz["headcount"].to_numpy(float)) if len(sz) else 2.0
    bins = np.logspace(0, np.log10(max(hmax, 2.0)) + 0.05, 40)
    for j, (svc, title) in enumerate(((False, "drug developers"), (True, "service firms"))):
        ax = axes[j]
        any_ = False
        for s in scen:
            x = sz.loc[(sz["scenario"] == s) & (sz["service"] == svc), "headcount"].to_numpy(float)
            x = x[np.isfinite(x) & (x > 0)]
            if not len(x):
                continue
            any_ = True
            ax.hist(x, bins=bins, histtype="step", color=colors[s], lw=1.8, density=False,
                    weights=np.full(len(x), 1.0 / len(x)), label=f"{s} (n {len(x)})")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("headcount (persons)")
        ax.set_ylabel("share of firms")
        ax.set_title(f"(f) {title}")
        if any_:
            ax.legend(fontsize=8.5)
        else:
            _empty(ax, f"no {title}")
    fig.suptitle("Firm size at the last snapshot (all replicates pooled)")
    fig.tight_layout()
    save(fig, "firm_size.png")

    # --- figure 5: (g) valuations
    fig, axes = plt.subplots(2, 2, figsize=(14, 9))
    rd = data["rounds"]

    def boxes(ax, key, cats, labels_):
        pos, vals, cols = [], [], []
        for i, c in enumerate(cats):
            for jj, s in enumerate(scen):
                x = rd.loc[(rd["scenario"] == s) & (rd[key] == c), "pre"].to_numpy(float) / 1e6
                x = x[np.isfinite(x) & (x > 0)]
                if len(x):
                    pos.append(i * (len(scen) + 1) + jj)
                    vals.append(x)
                    cols.append(colors[s])
        if vals:
            b = ax.boxplot(vals, positions=pos, widths=0.8, showfliers=False, patch_artist=True)
            for bb, c in zip(b["boxes"], cols):
                bb.set_facecolor(c)
                bb.set_alpha(0.7)
            ax.set_yscale("log")
        else:
            _empty(ax)
        ax.set_xticks([i * (len(scen) + 1) + (len(scen) - 1) / 2 for i in range(len(cats))], labels_)
        ax.set_ylabel("pre-money valuation (USD M)")
        scen_legend(ax)

    top = int(min(rd["round"].max(), 8)) if len(rd) else 1
    boxes(axes[0, 0], "round", list(range(1, top + 1)), [str(r) for r in range(1, top + 1)])
    axes[0, 0].set_xlabel("round")
    axes[0, 0].set_title("(g) pre-money by round")
    boxes(axes[0, 1], "stage", list(range(len(stages))), stages)
    axes[0, 1].set_title("(g) pre-money by lead-asset stage at the round")
    ax = axes[1, 0]
    for s in scen:
        x = rd.loc[rd["scenario"] == s, "step_up_post"].to_numpy(float)
        x = x[np.isfinite(x) & (x > 0)]
        if len(x):
            ax.hist(x, bins=np.logspace(-1.5, 1.5, 49), histtype="step", color=colors[s], lw=1.6,
                    weights=np.full(len(x), 1 / len(x)), label=f"{s} post/prev post (n {len(x)})")
        y = rd.loc[rd["scenario"] == s, "step_up_pre"].to_numpy(float)
        y = y[np.isfinite(y) & (y > 0)]
        if len(y):
            ax.hist(y, bins=np.logspace(-1.5, 1.5, 49), histtype="step", color=colors[s], lw=1.0, ls="--",
                    weights=np.full(len(y), 1 / len(y)), label=f"{s} pre/prev post ({(y < 1).mean():.0%} < 1)")
    ax.axvline(1, color="k", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("ratio to the previous round's post-money (x); < 1 = down round")
    ax.set_ylabel("share of rounds")
    ax.set_title("(g) step-ups between consecutive rounds")
    ax.legend(fontsize=7.5)
    ax = axes[1, 1]
    any_ = False
    for s in scen:
        for k, ls in (("acquisition", "-"), ("ipo", "--")):
            x = ex.loc[(ex["scenario"] == s) & (ex["exit"] == k), "exit_over_post"]
            xx = np.asarray(x, float)
            xx = np.sort(xx[np.isfinite(xx) & (xx > 0)])
            if len(xx):
                any_ = True
                ax.step(xx, np.arange(1, len(xx) + 1) / len(xx), where="post", color=colors[s], ls=ls,
                        label=f"{s} {k} (n {len(xx)})")
    if any_:
        ax.set_xscale("log")
        ax.axvline(1, color="k", lw=0.8)
        ax.legend(fontsize=7.5)
    else:
        _empty(ax, "no acquisition or IPO after a priced round")
    ax.set_xlabel("exit value / last post-money (x): acquisition price, IPO listing valuation")
    ax.set_ylabel("cumulative share of exits")
    ax.set_title("(g) exit value over the last post-money")
    src = ",".join(sorted(set(data["meta"]["round_source"])))
    fig.suptitle(f"Valuations (rounds from {src} events)")
    fig.tight_layout()
    save(fig, "valuations.png")
    return written


# ================================================================================================
def run_files(d: str) -> list[str]:
    base = os.path.join(d, "runs") if os.path.isdir(os.path.join(d, "runs")) else d
    if not os.path.isdir(base):
        die(f"'{d}' is not a folder of run files (expected DIR/runs/*.h5 written by 'biocluster-dynamics run')")
    files = sorted(os.path.join(base, n) for n in os.listdir(base) if n.endswith(".h5"))
    if not files:
        die(f"no run files (*.h5) in '{base}'; run 'biocluster-dynamics run --outdir {d}' first")
    return files


BEGIN, END = "<!-- dynamics:summary begin (written by biocluster-dynamics report --doc) -->", \
    "<!-- dynamics:summary end -->"


def update_doc(doc: str, table: str, seconds: float, n_files: int) -> None:
    """Replaces the text between the BEGIN and END markers of doc with the summary table."""
    try:
        text = open(doc, encoding="utf-8").read()
    except OSError as e:
        die(f"cannot read --doc '{doc}': {e.strerror or e}")
    if BEGIN not in text or END not in text:
        die(f"--doc '{doc}' has no '{BEGIN}' ... '{END}' markers")
    i, j = text.index(BEGIN) + len(BEGIN), text.index(END)
    with open(doc, "w", encoding="utf-8") as fh:
        fh.write(text[:i] + "\n" + table.rstrip() + "\n" + text[j:])


def cmd_report(args) -> int:
    t0 = time.monotonic()
    files = run_files(args.dir)
    try:
        os.makedirs(args.output, exist_ok=True)
        probe = os.path.join(args.output, ".dynamics_write_test")
        with open(probe, "w"):
            pass
        os.remove(probe)
    except OSError as e:
        die(f"cannot write to output folder '{args.output}': {e.strerror or e}", 3)
    parts: list[dict] = []
    try:
        if args.jobs > 1:
            with ProcessPoolExecutor(max_workers=args.jobs) as ex:
                parts = list(ex.map(extract, files))
        else:
            parts = [extract(p) for p in files]
    except bd.RunFileError as e:
        die(str(e))
    t_read = time.monotonic() - t0
    data = {k: pd.concat([p[k] for p in parts], ignore_index=True) for k in parts[0]}
    stages = list(bd.STAGES)
    summary = summarise(data, stages)
    try:
        summary.to_csv(os.path.join(args.output, "summary.csv"), index=False, float_format="%.6g")
        meta = data["meta"]
        head = (f"Runs: {len(meta)} files; " + "; ".join(
            f"{s}: {meta[meta.scenario == s].seed.nunique()} seeds, start {meta[meta.scenario == s].start.iloc[0]}, "
            f"{int(meta[meta.scenario == s].steps.iloc[0])} steps" for s in scenario_order(data)) +
            f". Stage at exit from: {', '.join(sorted(set(','.join(meta.exit_stage_source).split(','))))}; "
            f"rounds from: {', '.join(sorted(set(meta.round_source)))} events.\n\n")
        with open(os.path.join(args.output, "summary.md"), "w", encoding="utf-8") as fh:
            fh.write(head + markdown_table(summary))
        obs = []
        if not args.observations:
            obs = None
        for k, cols in () if obs is None else (("exits", ["exit", "age_months", "stage", "exit_over_post", "founded_in_run"]),
                        ("companies", ["outcome", "invested", "proceeds", "multiple", "founded_in_run"]),
                        ("rounds", ["round", "stage", "size", "pre", "post", "step_up_post", "step_up_pre"]),
                        ("size", ["headcount", "service"])):
            obs.append(data[k][["scenario", "seed"] + cols].assign(table=k))
        if obs:
            pd.concat(obs, ignore_index=True).to_csv(os.path.join(args.output, "distributions.csv.gz"), index=False,
                                                     float_format="%.6g")
        figs = [] if args.no_figures else figures(data, stages, args.output, args.dpi)
        if args.doc:
            update_doc(args.doc, head + markdown_table(summary), time.monotonic() - t0, len(files))
    except OSError as e:
        die(f"cannot write to output folder '{args.output}': {e.strerror or e}", 3)
    print(f"{PROG}: read {len(files)} run files in {t_read:.1f} s; wrote {len(figs)} figures, summary.csv, "
          f"summary.md{', distributions.csv.gz' if args.observations else ''} to {args.output} in {time.monotonic() - t0:.1f} s total")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog=PROG, description="Distributions of exits, survival, rounds, returns, "
                                 "firm size and valuations over replicated runs (docs/DYNAMICS.md).")
    sub = ap.add_subparsers(dest="cmd", required=True)

    def run_opts(p):
        p.add_argument("--outdir", required=True, help="folder for runs/ (the run files)")
        p.add_argument("--replicates", type=int, default=20, help="seeds 1..N per scenario (default %(default)s)")
        p.add_argument("--jobs", type=int, default=2, help="runs at a time (default %(default)s)")
        p.add_argument("--threads", type=int, default=1, help="threads per run (default %(default)s)")
        p.add_argument("--binary", default="build/release/biocluster", help="biocluster binary (default %(default)s)")
        p.add_argument("--scenario", action="append", metavar="PATH[:YYYY-MM]",
                       help="run this scenario (to that month) instead of the shipped four; repeatable")
        p.add_argument("--steps", type=int, help="steps for every scenario (instead of the end month)")
        p.add_argument("--set", action="append", metavar="KEY=VALUE", help="extra parameter override; repeatable")
        p.add_argument("-q", "--quiet", action="store_true", help="no line per run")

    def rep_opts(p, with_dir=True):
        if with_dir:
            p.add_argument("dir", help="folder written by 'biocluster-dynamics run' (or a folder of run files)")
        p.add_argument("-o", "--output", required=True, help="folder for the figures and tables")
        p.add_argument("--dpi", type=int, default=100)
        p.add_argument("--no-figures", action="store_true", help="tables only")
        p.add_argument("--observations", action="store_true",
                       help="also write distributions.csv.gz: every pooled observation (large: ~9 MB for 80 runs)")
        p.add_argument("--doc", metavar="FILE.md", help="also write the summary table between the dynamics:summary "
                       "markers of this Markdown file (docs/DYNAMICS.md)")
        if with_dir:
            p.add_argument("--jobs", type=int, default=2, help="files read at a time (default %(default)s)")

    run_opts(sub.add_parser("run", help="run every scenario x seed"))
    rep_opts(sub.add_parser("report", help="figures and tables from the run files"))
    p_all = sub.add_parser("all", help="run, then report")
    run_opts(p_all)
    rep_opts(p_all, with_dir=False)
    args = ap.parse_args(argv)
    if args.cmd == "run":
        return cmd_run(args)
    if args.cmd == "report":
        if args.jobs < 1:
            die(f"--jobs {args.jobs} must be >= 1")
        return cmd_report(args)
    cmd_run(args)
    args.dir = args.outdir
    return cmd_report(args)


if __name__ == "__main__":
    sys.exit(_cli.run(PROG, "dynamics"))
