"""Read a biocluster run file (HDF5, layout in docs/OUTPUT.md) into tidy pandas tables.

    import biocluster as bd             # the package (python/; scripts/bootstrap.sh installs it in .venv)

    run = bd.load_run("out/default.h5")
    run.timeseries                      # long table: date, step, region, metric, value, units
    run.metrics                         # per metric: units, description, kind (flow/stock), additive
    run.wide("startups")                # one metric: index date, one column per region
    run.events.query("kind == 'founding'")
    run.snapshots("startup")            # one row per agent per snapshot, with step and date
    run.fields["talent"]                # numpy array [snapshot, y, x]; run.fields.steps, .dates
    run.params["policy"]["basic_research_share"]

    sweep = bd.load_sweep("out/policy")  # a sweep's output directory (or its index.h5)
    sweep.design                        # one row per point: point, block, role, one column per factor
    sweep.runs                          # one row per run: point, replicate, seed, status, error, file, metrics
    sweep.units["startups"]             # units of a summary metric
    sweep.summary()                     # per metric and point: n, mean, sd, 95% interval (the index's /stats)
    sweep.paired(baseline=0)            # paired differences to a baseline point (same seeds)
    sweep.morris(), sweep.sobol()       # sensitivity indices of morris / sobol designs

Needs h5py, numpy and pandas (Debian: python3-h5py python3-numpy python3-pandas) and Python >= 3.11
(tomllib). Every problem with the file itself is raised as RunFileError with a one-line message
(SweepIndexError, a subclass, for sweep indexes). The per-point sweep statistics are read from the
index (/stats, written by biocluster) with biocluster.stats (biocluster-sweep-stats), which also computes
the paired differences and the Morris and Sobol indices. Every table carries plain columns that
concatenate (add a `run` column and `pd.concat`), so the runs of a sweep can be combined:
sweep.load_run(point, replicate).
"""
from __future__ import annotations

import math
import os
import re
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import h5py
import numpy as np
import pandas as pd

try:
    import tomllib
except ImportError:  # pragma: no cover - Python < 3.11
    tomllib = None

__all__ = ["RunFileError", "IncompleteRunWarning", "Run", "Fields", "load_run", "is_flow_units",
           "FORMAT_NAME", "SUPPORTED_FORMAT_VERSIONS", "SweepIndexError", "IncompleteSweepWarning", "Sweep",
           "load_sweep", "SWEEP_FORMAT_NAME", "SUPPORTED_SWEEP_FORMAT_VERSIONS", "calibration_status",
           "money_formatter", "report_krw_per_usd"]

FORMAT_NAME = "biocluster-run"
SUPPORTED_FORMAT_VERSIONS = (1,)

#: Stages of a startup's lead asset, in pipeline order (the `stage` code of the startup snapshot).
STAGES = ["preclinical", "phase1", "phase2", "phase3", "filing", "approved"]
#: Origin codes of the startup snapshot.
ORIGINS = ["initial", "university", "hospital"]


class RunFileError(Exception):
    """The file cannot be used as a biocluster run: missing, not HDF5, foreign, damaged or
    incomplete. str(error) is a one-line message naming the file."""


class IncompleteRunWarning(UserWarning):
    """Issued when an interrupted run is loaded with allow_incomplete=True."""


#: Metrics whose units are per month but which are levels (a price or a rate read at a date), not
#: flows to be summed. The file does not say which is which (see docs/PLOTS.md), so this list and
#: the name prefixes below settle it; a `kind` attribute on the dataset, if ever written, wins.
LEVEL_METRICS = {"wage", "mean_rent"}
LEVEL_PREFIXES = ("mean_", "avg_", "median_", "price_")
NON_ADDITIVE_UNITS = {"index", "fraction", "0..1", "flag", "code", "probability", "ratio", "share"}


def metric_kind(name: str, units: str) -> str:
    """'flow' (a monthly amount: totals are sums over months) or 'stock' (a level read at a date)."""
    if name in LEVEL_METRICS or name.startswith(LEVEL_PREFIXES):
        return "stock"
    return "flow" if is_flow_units(units) else "stock"


def is_additive(name: str, units: str, kind: str) -> bool:
    """Whether values of different regions may be summed (counts, persons, money; not means,
    prices, indexes or ratios)."""
    if name in LEVEL_METRICS or name.startswith(LEVEL_PREFIXES):
        return False
    if kind == "flow":
        return True
    return "/" not in units and units.strip() not in NON_ADDITIVE_UNITS


def is_flow_units(units: str) -> bool:
    """A metric is a monthly flow (summed over months) when its units are a quantity per month,
    e.g. 'count/month' or 'USD/month'; otherwise it is a stock or a level read at a date
    ('count', 'persons', 'USD', and prices such as 'USD/m2/month')."""
    return re.fullmatch(r"\s*[^/\s]+\s*/\s*month\s*", units) is not None


def code_labels(description: str) -> list[str] | None:
    """Labels of a coded column from its description, e.g. 'stage: 0 preclinical, 1 phase1' ->
    ['preclinical', 'phase1']; None unless the codes are 0, 1, 2, ... in order."""
    pairs = re.findall(r"(\d+)\s+([A-Za-z][A-Za-z0-9_\-]*)", description)
    if len(pairs) < 2 or [int(c) for c, _ in pairs] != list(range(len(pairs))):
        return None
    return [name for _, name in pairs]


def parameter_notes(resolved_parameters: str) -> dict[str, str]:
    """The comment after each `key = value` line of a run's resolved_parameters text (allowed range,
    unit and a one-line description), by dotted key."""
    notes = {}
    for line in resolved_parameters.splitlines():
        m = re.match(r"\s*([A-Za-z0-9_.\-\"]+)\s*=.*?#\s*(.*)$", line)
        if m:
            notes[m.group(1).replace('"', "")] = m.group(2).strip()
    return notes


def _text(v: Any) -> str:
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.ndarray) and v.shape == ():
        return _text(v.item())
    return str(v)


def _scalar(v: Any) -> Any:
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, np.ndarray):
        return [_scalar(x) for x in v.tolist()] if v.dtype.kind in "OSU" else v.tolist()
    return v


def _open(path: str) -> h5py.File:
    """Opens read-only. A run killed while writing leaves its superblock marked 'open for writing'
    (SWMR mode); such a file opens only with the SWMR-read flag, so try that second."""
    try:
        return h5py.File(path, "r")
    except OSError as first:
        try:
            return h5py.File(path, "r", swmr=True)
        except OSError:
            raise first from None


def _one_line(e: BaseException) -> str:
    msg = " ".join(str(e).split())
    return msg or type(e).__name__


# ------------------------------------------------------------------------------------------------
@dataclass
class Fields:
    """Grid-field snapshots. fields["talent"] -> float32 array [snapshot, y, x] (row 0 is y = 0,
    i.e. the southern edge; plot with origin='lower'). Read lazily, then cached."""

    path: str
    names: list[str]
    steps: np.ndarray
    dates: pd.DatetimeIndex
    units: dict[str, str]
    descriptions: dict[str, str]
    width: int
    height: int
    cell_km: float
    _cache: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def __getitem__(self, name: str) -> np.ndarray:
        if name not in self.names:
            raise KeyError(f"no field '{name}'; fields are: {', '.join(self.names) or 'none'}")
        if name not in self._cache:
            n = len(self.steps)
            try:
                with _open(self.path) as f:
                    self._cache[name] = np.asarray(f["fields"][name][:n])
            except (OSError, KeyError) as e:
                raise RunFileError(f"'{self.path}': cannot read field '{name}' ({_one_line(e)})") from None
        return self._cache[name]

    def __iter__(self):
        return iter(self.names)

    def __len__(self) -> int:
        return len(self.names)

    def __contains__(self, name: object) -> bool:
        return name in self.names

    @property
    def extent_km(self) -> tuple[float, float, float, float]:
        """(x0, x1, y0, y1) for matplotlib's imshow(extent=...)."""
        return (0.0, self.width * self.cell_km, 0.0, self.height * self.cell_km)


# ------------------------------------------------------------------------------------------------
class Run:
    """One run file, read into pandas tables. Build it with load_run()."""

    def __init__(self, path: str, f: h5py.File, allow_incomplete: bool):
        self.path = path
        self.attrs: dict[str, Any] = {k: _scalar(v) for k, v in f.attrs.items()}
        status = str(self.attrs.get("status", "incomplete"))
        self.complete: bool = status == "complete" and not path.endswith(".partial")
        self.allow_incomplete = allow_incomplete

        # -- time axis: for an interrupted run, only the steps vouched for by steps_written
        n = len(f["time/step"])
        if "steps_written" in self.attrs:
            n = min(n, int(self.attrs["steps_written"]))
        self.n_steps: int = n
        self.steps = np.asarray(f["time/step"][:n], dtype=np.int64)
        self.dates = pd.DatetimeIndex([pd.Timestamp(_text(d) + "-01") for d in f["time/date"][:n]], name="date")
        self._date_of_step = dict(zip(self.steps.tolist(), self.dates))
        self.start = pd.Timestamp(_text(self.attrs.get("start_date", "2000-01")) + "-01")

        # -- regions
        reg = f["regions"][:]
        cols = {}
        for name in reg.dtype.names:
            col = reg[name]
            cols[name] = [_text(x) for x in col] if col.dtype.kind in "SOU" else col
        self.regions = pd.DataFrame(cols)
        self.regions.index.name = "region_index"
        self.region_names: list[str] = list(self.regions["name"])

        # -- grid
        g = f["grid"].attrs
        self.grid = {"width": int(g["width"]), "height": int(g["height"]), "cell_km": float(g["cell_km"])}

        # -- metrics (one table of name, units, description, kind) and the long time-series table
        # Output level (docs/OUTPUT.md, "Output levels"): "summary" files have no /timeseries, only
        # /summary; files before levels existed are "full".
        self.level: str = str(self.attrs.get("output_level", "full"))
        rows, frames = [], []
        series = f["timeseries"] if "timeseries" in f else {}
        if not series and "summary" in f:  # a summary-level file: the metrics are described in /summary
            for name, d in f["summary"].items():
                units, kind = _text(d.attrs.get("units", "")), _text(d.attrs.get("kind", ""))
                rows.append({"metric": name, "units": units, "description": _text(d.attrs.get("description", "")),
                             "kind": kind, "additive": is_additive(name, units, kind)})
        for name, d in series.items():
            units = _text(d.attrs.get("units", ""))
            kind = _text(d.attrs.get("kind", ""))  # an explicit flow/stock attribute wins, if written
            if kind not in ("flow", "stock"):
                kind = metric_kind(name, units)
            rows.append({"metric": name, "units": units, "description": _text(d.attrs.get("description", "")),
                         "kind": kind, "additive": is_additive(name, units, kind)})
            values = np.asarray(d[:n], dtype=float)
            frame = pd.DataFrame({
                "date": np.repeat(self.dates.values, values.shape[1]),
                "step": np.repeat(self.steps, values.shape[1]),
                "region": np.tile(np.array(self.region_names, dtype=object), len(self.steps)),
                "metric": name,
                "value": values.reshape(-1),
                "units": units,
            })
            frames.append(frame)
        self.metrics = pd.DataFrame(rows, columns=["metric", "units", "description", "kind", "additive"]
                                    ).set_index("metric")
        ts_cols = ["date", "step", "region", "metric", "value", "units"]
        self.timeseries = (pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=ts_cols))[ts_cols]
        self.timeseries["region"] = pd.Categorical(self.timeseries["region"], categories=self.region_names)

        # -- run totals per metric and region (/summary: flows summed over the steps, stocks at the
        # last step); None for a file without it (an unfinished run, or one written before levels)
        self.summary: pd.DataFrame | None = None
        if "summary" in f:
            self.summary = pd.DataFrame([
                {"metric": name, "region": self.region_names[r], "value": float(v),
                 "units": _text(d.attrs.get("units", "")), "summary": _text(d.attrs.get("summary", ""))}
                for name, d in f["summary"].items() for r, v in enumerate(np.asarray(d[()], dtype=float))],
                columns=["metric", "region", "value", "units", "summary"])

        # -- events
        self.events = self._read_events(f)

        # -- fields (lazy) and agent tables (lazy)
        fg = f["fields"] if "fields" in f else None
        fnames = [k for k in fg.keys() if k != "step"] if fg is not None else []
        fsteps = np.asarray(fg["step"][:], dtype=np.int64) if fg is not None and "step" in fg else np.zeros(0, np.int64)
        fsteps = fsteps[fsteps < n] if not self.complete else fsteps
        self.fields = Fields(
            path=path, names=fnames, steps=fsteps, dates=pd.DatetimeIndex([self.date_of(s) for s in fsteps]),
            units={k: _text(fg[k].attrs.get("units", "")) for k in fnames},
            descriptions={k: _text(fg[k].attrs.get("description", "")) for k in fnames},
            width=self.grid["width"], height=self.grid["height"], cell_km=self.grid["cell_km"])
        self.agent_types: list[str] = list(f["agents"].keys()) if "agents" in f else []
        self.agent_columns: dict[str, pd.DataFrame] = {}
        for t in self.agent_types:
            g = f["agents"][t]
            names = [_text(c) for c in g.attrs["columns"]] if "columns" in g.attrs else \
                [k for k in g.keys() if k not in ("id", "snapshot_step", "snapshot_start", "snapshot_count")]
            self.agent_columns[t] = pd.DataFrame(
                [{"column": c, "units": _text(g[c].attrs.get("units", "")),
                  "description": _text(g[c].attrs.get("description", ""))} for c in names]).set_index("column") \
                if names else pd.DataFrame(columns=["units", "description"])
        self._snapshots: dict[str, pd.DataFrame] = {}

    # ---------------------------------------------------------------------------------------------
    def _read_events(self, f: h5py.File) -> pd.DataFrame:
        cols = ["step", "date", "kind", "region", "region_index", "subject_type", "subject_id",
                "object_type", "object_id", "detail", "amount", "value"]
        if "events" not in f:
            return pd.DataFrame(columns=cols)
        d = f["events"]
        ev = d[:]
        ev = ev[ev["step"] < self.n_steps] if len(ev) else ev

        def decode(name: str) -> pd.Categorical:
            mapping = h5py.check_enum_dtype(d.dtype[name]) or {}
            by_value = {v: k for k, v in mapping.items()}
            cats = [k for k, _ in sorted(mapping.items(), key=lambda kv: kv[1]) if k != "none"]
            codes = ev[name].astype(int) if len(ev) else np.zeros(0, int)
            labels = [by_value.get(c, f"unknown_{c}") for c in codes.tolist()]
            labels = [None if x == "none" else x for x in labels]
            extra = sorted({x for x in labels if x is not None and x not in cats})
            return pd.Categorical(labels, categories=cats + extra)

        region_index = ev["region"].astype(int) if len(ev) else np.zeros(0, int)
        names = np.array(self.region_names + [None], dtype=object)
        region = names[np.where((region_index >= 0) & (region_index < len(self.region_names)), region_index, -1)]
        steps = ev["step"].astype(np.int64) if len(ev) else np.zeros(0, np.int64)
        out = pd.DataFrame({
            "step": steps,
            "date": pd.DatetimeIndex([self.date_of(s) for s in steps.tolist()]),
            "kind": decode("kind"),
            "region": pd.Categorical(region, categories=self.region_names),
            "region_index": region_index,
            "subject_type": decode("subject_type"),
            "subject_id": ev["subject_id"] if len(ev) else np.zeros(0, np.int64),
            "object_type": decode("object_type"),
            "object_id": ev["object_id"] if len(ev) else np.zeros(0, np.int64),
            "detail": ev["detail"] if len(ev) else np.zeros(0, np.int16),
            "amount": ev["amount"] if len(ev) else np.zeros(0),
            "value": ev["value"] if len(ev) else np.zeros(0),
        })
        out.attrs["amount_units"] = _text(d.attrs.get("amount_units", self.attrs.get("currency", "")))
        return out[cols]

    # ---------------------------------------------------------------------------------------------
    def date_of(self, step: int) -> pd.Timestamp:
        """Month-start date of a step (also for steps not in the time axis, e.g. snapshots)."""
        d = self._date_of_step.get(int(step))
        return d if d is not None else self.start + pd.DateOffset(months=int(step))

    def wide(self, metric: str) -> pd.DataFrame:
        """One metric as a table: index date, one column per region (in file order)."""
        if metric not in self.metrics.index:
            raise KeyError(f"no metric '{metric}'; metrics are: {', '.join(self.metrics.index)}")
        if self.level == "summary":
            raise RunFileError(f"'{self.path}' was written with output.level = \"summary\": it holds run totals "
                               "(run.summary), not time series; run again with --set 'output.level=\"series\"'")
        t = self.timeseries[self.timeseries["metric"] == metric]
        w = t.pivot(index="date", columns="region", values="value")
        w.columns = list(w.columns.astype(str))
        return w.reindex(columns=self.region_names)

    def by_group(self, metric: str) -> pd.DataFrame:
        """One metric over the region groups: index date, columns capital_area, elsewhere and total
        (regions marked capital_area in /regions, the rest, and all). Additive metrics are summed
        over the group's regions, others (wages, rates, indices) averaged, as the run summary does.
        Raises KeyError when the scenario does not have regions both in and outside the capital area."""
        w = self.wide(metric)
        cap = [bool(x) for x in self.regions["capital_area"]] if "capital_area" in self.regions else []
        if not any(cap) or all(cap):
            raise KeyError(f"'{self.path}' has no capital_area regions beside others: no region groups")
        inside = [r for r, c in zip(self.region_names, cap) if c]
        outside = [r for r, c in zip(self.region_names, cap) if not c]
        agg = (lambda cols: w[cols].sum(axis=1)) if bool(self.metrics.loc[metric, "additive"]) \
            else (lambda cols: w[cols].mean(axis=1))
        return pd.DataFrame({"capital_area": agg(inside), "elsewhere": agg(outside), "total": agg(self.region_names)})

    def to_xarray(self, metrics=None):
        """The time series as an xarray.Dataset: one variable per metric over (date, region), with its
        units, description and kind as attributes, and each region's capital_area flag as a coordinate.
        Needs Debian's python3-xarray."""
        import xarray as xr
        if self.level == "summary":
            raise RunFileError(f"'{self.path}' was written with output.level = \"summary\": it holds run totals "
                               "(run.summary), not time series; run again with --set 'output.level=\"series\"'")
        names = list(self.metrics.index) if metrics is None else list(metrics)
        coords = {"date": self.dates, "region": self.region_names}
        if "capital_area" in self.regions:
            coords["capital_area"] = ("region", np.asarray(self.regions["capital_area"], dtype=bool))
        data = {}
        for m in names:
            w = self.wide(m)
            meta = self.metrics.loc[m]
            data[m] = xr.DataArray(w.to_numpy(dtype=float), dims=("date", "region"),
                                   attrs={"units": meta["units"], "description": meta["description"],
                                          "kind": meta["kind"]})
        return xr.Dataset(data, coords=coords, attrs={"path": self.path, "scenario_file": str(self.attrs.get("scenario_file", ""))})

    @cached_property
    def stages(self) -> list[str]:
        """Pipeline stages in order, from the startup table's stage column (or the default)."""
        cols = self.agent_columns.get("startup")
        if cols is not None and "stage" in cols.index:
            labels = code_labels(str(cols.loc["stage", "description"]))
            if labels:
                return labels
        return list(STAGES)

    def units(self, metric: str) -> str:
        return str(self.metrics.loc[metric, "units"])

    def snapshots(self, agent_type: str) -> pd.DataFrame:
        """Agent-state snapshots of one type: one row per agent per snapshot, columns step, date,
        id, then the table's columns (units in run.agent_columns[agent_type]). For startups the
        `stage` and `origin` codes are also given as names (stage_name, origin_name; any column
        with units 'code' whose description lists '0 name, 1 name, ...' gets one), and every table
        with a `region` column gets region_name."""
        if agent_type not in self.agent_types:
            raise KeyError(f"no agent table '{agent_type}'; tables are: {', '.join(self.agent_types) or 'none'}")
        if agent_type in self._snapshots:
            return self._snapshots[agent_type]
        try:
            with _open(self.path) as f:
                g = f["agents"][agent_type]
                snap_step = np.asarray(g["snapshot_step"][:], dtype=np.int64)
                start = np.asarray(g["snapshot_start"][:len(snap_step)], dtype=np.int64)
                count = np.asarray(g["snapshot_count"][:len(snap_step)], dtype=np.int64)
                keep = snap_step < self.n_steps
                snap_step, start, count = snap_step[keep], start[keep], count[keep]
                end = int((start + count).max()) if len(start) else 0
                ids = np.asarray(g["id"][:end], dtype=np.int64)
                cols = {c: np.asarray(g[c][:end]) for c in self.agent_columns[agent_type].index}
        except (OSError, KeyError) as e:
            raise RunFileError(f"'{self.path}': cannot read agent table '{agent_type}' ({_one_line(e)})") from None
        rows = np.concatenate([np.arange(s, s + c) for s, c in zip(start, count)]) if len(start) else np.zeros(0, int)
        steps = np.repeat(snap_step, count)
        df = pd.DataFrame({"step": steps,
                           "date": pd.DatetimeIndex([self.date_of(s) for s in snap_step]).repeat(count),
                           "id": ids[rows]})
        for c, v in cols.items():
            df[c] = v[rows]
        if "region" in df:
            idx = df["region"].to_numpy()
            ok = np.isfinite(idx) & (idx >= 0) & (idx < len(self.region_names))
            names = np.array(self.region_names, dtype=object)
            df["region_name"] = pd.Categorical(np.where(ok, names[np.where(ok, idx, 0).astype(int)], None),
                                               categories=self.region_names)
        for col, meta in self.agent_columns[agent_type].iterrows():
            labels = code_labels(str(meta["description"])) if meta["units"] == "code" else None
            if labels is None and agent_type == "startup":
                labels = {"stage": STAGES, "origin": ORIGINS}.get(col)
            if labels is not None and col in df:
                codes = df[col].to_numpy()
                ok = np.isfinite(codes) & (codes >= 0) & (codes < len(labels))
                lab = np.array(labels, dtype=object)
                df[col + "_name"] = pd.Categorical(np.where(ok, lab[np.where(ok, codes, 0).astype(int)], None),
                                                   categories=labels)
        self._snapshots[agent_type] = df
        return df

    # ---------------------------------------------------------------------------------------------
    @cached_property
    def params(self) -> dict[str, Any]:
        """The resolved parameters (root attribute resolved_parameters, TOML with dotted keys) as a
        nested dict: params["regions"]["capital"]["startups"]."""
        text = str(self.attrs.get("resolved_parameters", ""))
        if tomllib is None:
            raise RunFileError("reading parameters needs Python >= 3.11 (tomllib)")
        try:
            return tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise RunFileError(f"'{self.path}': resolved_parameters is not valid TOML ({_one_line(e)})") from None

    @cached_property
    def param_table(self) -> pd.DataFrame:
        """Flat table of the resolved parameters: key (dotted), value, note (the comment written
        after each key: allowed range, unit and a one-line description)."""
        flat: dict[str, Any] = {}

        def walk(prefix: str, d: dict) -> None:
            for k, v in d.items():
                key = f"{prefix}.{k}" if prefix else k
                if isinstance(v, dict):
                    walk(key, v)
                else:
                    flat[key] = v
        walk("", self.params)
        notes = parameter_notes(str(self.attrs.get("resolved_parameters", "")))
        return pd.DataFrame([{"key": k, "value": v, "note": notes.get(k, "")} for k, v in flat.items()])

    def param(self, dotted: str, default: Any = None) -> Any:
        """One resolved parameter by dotted key, e.g. run.param('policy.basic_research_share')."""
        d: Any = self.params
        for part in dotted.split("."):
            if not isinstance(d, dict) or part not in d:
                return default
            d = d[part]
        return d

    def __repr__(self) -> str:
        state = "complete" if self.complete else "INCOMPLETE"
        return (f"<biocluster Run '{self.path}' {state}: {self.n_steps} steps from {self.dates[0]:%Y-%m} "
                f"({len(self.region_names)} regions, {len(self.metrics)} metrics, {len(self.events)} events)>"
                if self.n_steps else f"<biocluster Run '{self.path}' {state}: no steps>")


# ------------------------------------------------------------------------------------------------
def load_run(path: str | os.PathLike, allow_incomplete: bool = False) -> Run:
    """Reads a run file. Raises RunFileError (one-line message) when the file is missing, not
    HDF5, damaged, not a biocluster run, or an interrupted run (a .partial file, or root attribute
    status != 'complete') unless allow_incomplete=True, in which case it loads what the file holds,
    sets run.complete = False and issues an IncompleteRunWarning."""
    path = os.fspath(path)
    if not os.path.exists(path):
        hint = ""
        if os.path.exists(path + ".partial"):
            hint = f"; an interrupted run '{path}.partial' exists (load it with allow_incomplete=True; biocluster-plot-run --allow-incomplete)"
        raise RunFileError(f"no such file '{path}'{hint}")
    if os.path.isdir(path):
        raise RunFileError(f"'{path}' is a directory, not a run file")
    try:
        hdf5 = h5py.is_hdf5(path)
    except OSError as e:
        raise RunFileError(f"cannot read '{path}': {_one_line(e)}") from None
    if not hdf5:
        raise RunFileError(f"'{path}' is not an HDF5 file (expected a biocluster run file written by "
                           f"'biocluster run ... -o FILE.h5')")
    try:
        f = _open(path)
    except OSError as e:
        raise RunFileError(f"'{path}' is a damaged or truncated HDF5 file and cannot be opened "
                           f"({_one_line(e)})") from None
    try:
        with f:
            fmt = _text(f.attrs["format"]) if "format" in f.attrs else None
            if fmt != FORMAT_NAME:
                what = f"root attribute format is '{fmt}'" if fmt is not None else "it has no root attribute 'format'"
                raise RunFileError(f"'{path}' is an HDF5 file but not a biocluster run ({what}, "
                                   f"expected '{FORMAT_NAME}')")
            version = int(f.attrs.get("format_version", 0))
            if version not in SUPPORTED_FORMAT_VERSIONS:
                raise RunFileError(f"'{path}' has run-file format version {version}; this reader knows "
                                   f"{', '.join(map(str, SUPPORTED_FORMAT_VERSIONS))} (update the Python package: bash scripts/bootstrap.sh)")
            status = _text(f.attrs.get("status", "incomplete"))
            incomplete = status != "complete" or path.endswith(".partial")
            if incomplete:
                held = int(f.attrs.get("steps_written", 0))
                planned = f.attrs.get("planned_steps")
                of = f" of {int(planned)} planned" if planned is not None else ""
                msg = (f"'{path}' is an interrupted run (status '{status}'): it holds {held}{of} steps")
                if not allow_incomplete:
                    raise RunFileError(msg + "; rerun to completion, or load it with allow_incomplete=True "
                                             "(biocluster-plot-run --allow-incomplete)")
                warnings.warn(msg, IncompleteRunWarning, stacklevel=2)
            return Run(path, f, allow_incomplete)
    except RunFileError:
        raise
    except (OSError, KeyError, ValueError, TypeError, IndexError) as e:
        raise RunFileError(f"'{path}' is a damaged or incomplete biocluster run file ({_one_line(e)})") from None


# ================================================================================================
# Sweeps: DIR/index.h5 written by `biocluster sweep` (layout in docs/SWEEPS.md)
# ================================================================================================
SWEEP_FORMAT_NAME = "biocluster-sweep-index"
SUPPORTED_SWEEP_FORMAT_VERSIONS = (1,)


# ------------------------------------------------------------------------------------------------
# Shared by the reports (run_report, experiment_report)

def calibration_status(scenario: str) -> list[str]:
    """Sentences on how the baseline scenario was calibrated: each targets file beside it that names
    it, with the shipped result (docs/data/calibration/<name>.csv, from `biocluster calibrate --csv`)."""
    import glob
    scen = os.path.realpath(scenario)
    root = os.path.dirname(scen)
    while root != os.path.dirname(root) and not os.path.isdir(os.path.join(root, "docs", "data", "calibration")):
        root = os.path.dirname(root)
    out = []
    targets = sorted(glob.glob(os.path.join(os.path.dirname(scen), "*.targets.toml")), key=lambda t: ("holdout" in t, t))
    for t in targets:
        try:
            spec = tomllib.load(open(t, "rb"))
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if os.path.realpath(os.path.join(os.path.dirname(t), str(spec.get("scenario", "")))) != scen:
            continue
        stem = os.path.basename(t)[: -len(".targets.toml")]
        kind = "validated on a holdout" if "holdout" in stem else "calibrated (fitted)"
        data = os.path.join(root, "docs", "data", "calibration", stem + ".csv")
        if os.path.isfile(data):
            rows = pd.read_csv(data, keep_default_na=False)
            within = int(rows["within"].astype(str).str.lower().isin(["true", "yes", "1"]).sum())
            out.append(f"{kind} against {os.path.basename(t)}: {within} of {len(rows)} targets within their goal "
                       f"(docs/CALIBRATION.md)")
        else:
            out.append(f"{kind} against {os.path.basename(t)} (no shipped result: run `biocluster calibrate {t}`)")
    return out or ["not calibrated: no targets file names this scenario, so read the results as mechanisms, "
                   "not forecasts"]


def report_krw_per_usd(run) -> float:
    """The rate the reports show amounts at: run.krw_per_usd when the scenario sets
    output.report_currency = "KRW" (Korea), else 0 (amounts in USD)."""
    if str(run.param("output.report_currency", "USD")) != "KRW":
        return 0.0
    return float(run.param("run.krw_per_usd", 0) or 0)


def money_formatter(krw_per_usd: float):
    """USD amount -> text in the scenario's currency: KRW in 억 (1e8) and 조 (1e12) when the scenario
    gives run.krw_per_usd, else USD in M and bn."""
    def fmt(usd: float) -> str:
        if not math.isfinite(usd):
            return "n/a"
        if krw_per_usd and krw_per_usd > 1:
            k = usd * krw_per_usd
            if abs(k) >= 1e12:
                return f"{k / 1e12:,.2f}조 KRW"
            if abs(k) >= 1e8:
                return f"{k / 1e8:,.0f}억 KRW"
            return f"{k:,.0f} KRW"
        if abs(usd) >= 1e9:
            return f"{usd / 1e9:,.2f} bn USD"
        if abs(usd) >= 1e6:
            return f"{usd / 1e6:,.1f} M USD"
        return f"{usd:,.0f} USD"
    return fmt



class SweepIndexError(RunFileError):
    """The path cannot be used as a sweep: missing, not a sweep directory or index, a run file
    instead of an index, damaged, or incomplete (runs missing). A RunFileError, so one except
    clause catches both; str(error) is a one-line message naming the path."""


class IncompleteSweepWarning(IncompleteRunWarning):
    """Issued when a sweep index with missing runs is loaded with allow_incomplete=True."""


def _stats():
    """biocluster.stats (the statistics of `biocluster-sweep-stats summary/paired/morris/sobol`)."""
    from . import stats
    return stats


def split_note(note: str) -> tuple[str, str, str]:
    """(range, units, description) of a parameter note such as
    '[0, 1] fraction  share of public R&D ...' -> ('[0, 1]', 'fraction', 'share of public R&D ...')."""
    m = re.match(r"\s*(\[[^\]]*\]|one of \S+)\s*(.*)$", note)
    if not m:
        return "", "", note.strip()
    rng, rest = m.group(1), m.group(2).strip()
    parts = re.split(r"\s{2,}", rest, maxsplit=1)
    if len(parts) == 2:
        return rng, parts[0], parts[1]
    return rng, "", rest


def _toml_value(text: str) -> Any:
    """A design value as written for --set (TOML syntax) -> Python value (None if it does not parse)."""
    if tomllib is None:
        return None
    try:
        return tomllib.loads("v = " + text)["v"]
    except (tomllib.TOMLDecodeError, ValueError):
        return None


class Sweep:
    """One sweep's index, read into pandas tables. Build it with load_sweep().

    sweep.design     one row per point: point, block, role, then one column per factor (the value
                     as passed to --set: numbers, strings or booleans)
    sweep.runs       one row per run: run, point, replicate, seed, status (done/failed/missing),
                     error, file (path of the run file), then one column per summary metric
    sweep.by_group   the metrics over region groups (index metrics NAME@capital_area and
                     NAME@elsewhere): one row per run, metric and group; sweep.groups names them
    sweep.units      metric -> units of its summary ('count/month' for a flow: a total over the run)
    sweep.factors    factor key paths, in design order
    sweep.factor_info  per factor: units, description, range (from a run file's parameter notes),
                     min, max, levels (number of distinct values), values
    Statistics: summary() (the index's /stats), paired(), morris(), sobol() (biocluster.stats), matrix().
    """

    def __init__(self, directory: str, index_path: str, f: h5py.File):
        self.dir = directory
        self.index_path = index_path
        self.attrs: dict[str, Any] = {k: _scalar(v) for k, v in f.attrs.items()}
        self.design_name: str = str(self.attrs.get("design", "grid"))
        self.seed: int = int(self.attrs.get("sweep_seed", 0))
        self.replicates: int = int(self.attrs.get("replicates", 1))
        ss = _stats()
        self._ix = ss.read_index(index_path)  # the same reader as `biocluster-sweep-stats`
        ix = self._ix
        self.factors: list[str] = list(ix["factors"])
        npts, nf = len(ix["block"]), len(self.factors)
        if ix["value"].shape != (npts, nf) or ix["text"].shape != (npts, nf) or ix["unit"].shape != (npts, nf) \
                or len(ix["role"]) != npts:
            raise ValueError(f"design tables disagree: {npts} points, {nf} factors, value {ix['value'].shape}, "
                             f"text {ix['text'].shape}")
        self.n_points: int = npts

        # -- design: one row per point, one column per factor (parsed from the --set text)
        cols: dict[str, Any] = {"point": np.arange(npts, dtype=np.int64),
                                "block": np.asarray(ix["block"], dtype=np.int64),
                                "role": list(ix["role"])}
        for j, key in enumerate(self.factors):
            parsed = [_toml_value(str(t)) for t in ix["text"][:, j]]
            if all(isinstance(v, bool) for v in parsed) or all(isinstance(v, str) for v in parsed):
                cols[key] = parsed
            elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in parsed):
                cols[key] = np.asarray(parsed, dtype=np.int64 if all(isinstance(v, int) for v in parsed) else float)
            else:
                cols[key] = np.asarray(ix["value"][:, j], dtype=float)
        self.design = pd.DataFrame(cols)
        self.design_text = pd.DataFrame(ix["text"], columns=self.factors)
        self.design_text.index.name = "point"
        self.design_unit = pd.DataFrame(np.asarray(ix["unit"], dtype=float), columns=self.factors)
        self.design_unit.index.name = "point"

        # -- runs: one row per run, one column per summary metric
        point = np.asarray(ix["point"], dtype=np.int64)
        replicate = np.asarray(ix["replicate"], dtype=np.int64)
        nr = len(point)
        if nr and (point.min() < 0 or point.max() >= npts or replicate.min() < 0
                   or replicate.max() >= self.replicates):
            raise ValueError("a run's point or replicate lies outside the design")
        seed = np.asarray(f["runs/seed"][()], dtype=np.uint64)
        error = [_text(x) for x in f["runs/error"][()]]
        files = [_text(x) for x in f["runs/file"][()]]
        if not (len(seed) == len(error) == len(files) == len(ix["status"]) == len(replicate) == nr):
            raise ValueError("the /runs datasets have different lengths")
        runs = pd.DataFrame({"run": np.arange(nr, dtype=np.int64), "point": point, "replicate": replicate,
                             "seed": seed, "status": list(ix["status"]), "error": error,
                             "file": [os.path.normpath(os.path.join(directory, p)) for p in files]})
        # Region groups (SWEEPS.md, "Region groups"): NAME@capital_area and NAME@elsewhere are the
        # metric over one group of regions; they go to `by_group`, not to `metrics` and `runs`.
        names = list(ix["metrics"])
        self.metrics: list[str] = self._metric_order([m for m in names if "@" not in m])
        grouped = [m for m in names if "@" in m]
        self.groups: list[str] = sorted({m.rsplit("@", 1)[1] for m in grouped})
        self.by_group = pd.DataFrame(
            [{"run": r, "point": int(point[r]), "replicate": int(replicate[r]), "metric": m.rsplit("@", 1)[0],
              "group": m.rsplit("@", 1)[1], "value": float(ix["metrics"][m][r])}
             for m in grouped for r in range(nr)],
            columns=["run", "point", "replicate", "metric", "group", "value"])
        self.units: dict[str, str] = {}
        self.summaries: dict[str, str] = {}
        for m in self.metrics:
            d = f["metrics"][m]
            if d.shape != (nr,):
                raise ValueError(f"/metrics/{m} has shape {d.shape}, expected ({nr},)")
            runs[m] = np.asarray(ix["metrics"][m], dtype=float)
            self.units[m] = _text(d.attrs.get("units", ""))
            self.summaries[m] = _text(d.attrs.get("summary", ""))
        self.runs = runs
        self.status_counts: dict[str, int] = {s: int((runs["status"] == s).sum()) for s in ("done", "failed", "missing")}
        self.complete: bool = self.status_counts["missing"] == 0

    # ---------------------------------------------------------------------------------------------
    def _metric_order(self, names: list[str]) -> list[str]:
        """Metrics in the order the sweep file lists them (HDF5 lists them alphabetically)."""
        listed = self.sweep_params.get("metrics") if isinstance(self.sweep_params.get("metrics"), list) else []
        first = [m for m in listed if m in names]
        return first + [m for m in names if m not in first]

    @cached_property
    def sweep_params(self) -> dict[str, Any]:
        """The sweep file as parsed TOML (root attribute sweep_text): scenario, steps, set, ..."""
        if tomllib is None:
            return {}
        try:
            return tomllib.loads(str(self.attrs.get("sweep_text", "")))
        except tomllib.TOMLDecodeError:
            return {}

    def kind(self, metric: str) -> str:
        """'flow' (summary = total over steps and regions) or 'stock' (last step, summed over regions)."""
        s = self.summaries.get(metric, "")
        if s:
            return "flow" if s.startswith("sum") else "stock"
        return "flow" if is_flow_units(self.units.get(metric, "")) else "stock"

    @cached_property
    def _first_run_attrs(self) -> dict[str, str]:
        """currency and resolved_parameters of the first run file that exists (for parameter notes)."""
        for path in self.runs.loc[self.runs["status"] == "done", "file"]:
            try:
                with _open(path) as f:
                    return {k: _text(f.attrs[k]) for k in ("currency", "resolved_parameters") if k in f.attrs}
            except (OSError, KeyError):
                continue
        return {}

    @property
    def currency(self) -> str:
        return self._first_run_attrs.get("currency", "USD")

    @cached_property
    def factor_info(self) -> pd.DataFrame:
        """Per factor (index: key path): range, units and description from the parameter notes of a
        run file, and min, max, levels (distinct values) and values of the design."""
        notes = parameter_notes(self._first_run_attrs.get("resolved_parameters", ""))
        rows = []
        for key in self.factors:
            rng, units, desc = split_note(notes.get(key, ""))
            col = self.design[key]
            values = list(dict.fromkeys(col.tolist()))
            numeric = pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col)
            rows.append({"factor": key, "units": units, "description": desc, "range": rng,
                         "min": col.min() if numeric else None, "max": col.max() if numeric else None,
                         "levels": len(values), "values": sorted(values) if numeric else values,
                         "numeric": numeric})
        return pd.DataFrame(rows).set_index("factor")

    # ---------------------------------------------------------------------------------------------
    def matrix(self, metric: str) -> np.ndarray:
        """[point x replicate] of a metric; NaN where the run is not done."""
        self._check_metric(metric)
        return _stats().point_matrix(self._ix, metric)

    def _point_stats(self, metric: str) -> dict[str, np.ndarray]:
        """The index's /stats/<metric> (biocluster.stats.point_stats); SweepIndexError if the index has none."""
        ss = _stats()
        try:
            return ss.point_stats(self._ix, metric)
        except ss.NoStatsError as e:
            raise SweepIndexError(e.args[0]) from None

    def _t95(self) -> np.ndarray:
        ss = _stats()
        try:
            return ss.t95_table(self._ix)
        except ss.NoStatsError as e:
            raise SweepIndexError(e.args[0]) from None

    def _check_metric(self, metric: str) -> None:
        if metric not in self.units:
            raise KeyError(f"no metric '{metric}' in the sweep; metrics are: {', '.join(self.metrics) or 'none'}")

    def _metrics(self, metrics) -> list[str]:
        ms = list(self.metrics) if metrics is None else ([metrics] if isinstance(metrics, str) else list(metrics))
        for m in ms:
            self._check_metric(m)
        return ms

    def point_label(self, point: int, sep: str = "; ") -> str:
        """'key=value; key=value' of a point (the values as passed to --set)."""
        return sep.join(f"{f}={self.design_text.iat[int(point), j]}" for j, f in enumerate(self.factors))

    def with_factors(self, df: pd.DataFrame) -> pd.DataFrame:
        """df (with a `point` column) joined with the design's factor columns."""
        return df.merge(self.design[["point"] + self.factors], on="point", how="left")

    def long(self, metrics=None) -> pd.DataFrame:
        """Done runs as a long table: point, replicate, seed, <factors>, metric, value, units."""
        ms = self._metrics(metrics)
        done = self.with_factors(self.runs[self.runs["status"] == "done"])
        out = done.melt(id_vars=["point", "replicate", "seed"] + self.factors, value_vars=ms,
                        var_name="metric", value_name="value")
        out["units"] = out["metric"].map(self.units)
        return out

    def summary(self, metrics=None) -> pd.DataFrame:
        """Per metric and point: n (done runs), mean, sd and the 95% Student-t interval (ci_lo, ci_hi)
        over replicates, as biocluster wrote them into the index (/stats; sd and the interval need
        n >= 2), with the factor columns."""
        frames = []
        for m in self._metrics(metrics):
            st = self._point_stats(m)
            frames.append(pd.DataFrame({"metric": m, "point": np.arange(self.n_points, dtype=np.int64),
                                        "n": np.asarray(st["n"], dtype=np.int64),
                                        **{k2: np.asarray(st[k], dtype=float) for k, k2 in
                                           (("mean", "mean"), ("sd", "sd"), ("ci_low", "ci_lo"), ("ci_high", "ci_hi"))}}))
        cols = ["metric", "point", "n", "mean", "sd", "ci_lo", "ci_hi"]
        out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=cols)
        return self.with_factors(out[cols])

    def paired(self, baseline: int = 0, metrics=None) -> pd.DataFrame:
        """Per metric and point (other than baseline): the mean difference point - baseline over
        paired replicates (same replicate = same seed), its sd and 95% Student-t interval (with the
        index's t quantiles, /stats/t95)."""
        if not 0 <= int(baseline) < self.n_points:
            raise ValueError(f"baseline {baseline} is not a point of the sweep (0..{self.n_points - 1})")
        ss = _stats()
        t95 = self._t95()
        rows = []
        for m in self._metrics(metrics):
            y = self.matrix(m)
            for p in range(self.n_points):
                if p == baseline:
                    continue
                n, mean, sd, lo, hi = ss.paired_ci(y[p] - y[baseline], t95)
                rows.append({"metric": m, "point": p, "baseline": int(baseline), "n_pairs": n, "mean_diff": mean,
                             "sd_diff": sd, "ci_lo": lo, "ci_hi": hi})
        cols = ["metric", "point", "baseline", "n_pairs", "mean_diff", "sd_diff", "ci_lo", "ci_hi"]
        return self.with_factors(pd.DataFrame(rows, columns=cols))

    def morris(self, metrics=None) -> pd.DataFrame:
        """Morris elementary effects per metric and factor (design 'morris'): mu, mu_star, sigma,
        n_effects, in unit-scaled coordinates (an effect is the change over the factor's full range)."""
        if self.design_name != "morris":
            raise ValueError(f"Morris indices need a sweep with design = \"morris\" (this one is "
                             f"\"{self.design_name}\")")
        ss = _stats()
        ix = self._ix
        rows = []
        for m in self._metrics(metrics):
            res = ss.morris_effects(ix["unit"], ix["block"], ix["role"], self.factors, self.matrix(m))
            for f in self.factors:
                mu, mu_star, sigma, n = res[f]
                rows.append({"metric": m, "factor": f, "mu": mu, "mu_star": mu_star, "sigma": sigma, "n_effects": n})
        return pd.DataFrame(rows, columns=["metric", "factor", "mu", "mu_star", "sigma", "n_effects"])

    def sobol(self, metrics=None, bootstrap: int = 1000, seed: int = 1) -> pd.DataFrame:
        """First-order (S1) and total (ST) Sobol indices per metric and factor (design 'sobol') with
        95% percentile-bootstrap intervals over base samples; a point's value is the mean over its
        done replicates; n_samples is the number of complete base samples used."""
        if self.design_name != "sobol":
            raise ValueError(f"Sobol indices need a sweep with design = \"sobol\" (this one is "
                             f"\"{self.design_name}\")")
        ss = _stats()
        ix = self._ix
        cols = ["metric", "factor", "S1", "S1_lo", "S1_hi", "ST", "ST_lo", "ST_hi", "n_samples"]
        rows = []
        for m in self._metrics(metrics):
            ybar = np.asarray(self._point_stats(m)["mean"], dtype=float)  # NaN where no replicate is done
            blocks = np.asarray(ix["block"])
            per_block = pd.Series(np.isfinite(ybar)).groupby(blocks).all()
            n_ok = int(per_block.sum())
            y_var = np.nanvar(ybar) if np.isfinite(ybar).sum() > 1 else 0.0
            if n_ok < 2 or not y_var > 0:
                for f in self.factors:
                    rows.append({"metric": m, "factor": f, **{c: float("nan") for c in cols[2:8]}, "n_samples": n_ok})
                continue
            res = ss.sobol_indices(blocks, ix["role"], self.factors, ybar, bootstrap=bootstrap, seed=seed)
            for f in self.factors:
                rows.append(dict(zip(cols, [m, f, *res[f], n_ok])))
        return pd.DataFrame(rows, columns=cols)

    def load_run(self, point: int, replicate: int, **kw) -> Run:
        """The run file of (point, replicate), read with load_run()."""
        row = self.runs[(self.runs["point"] == point) & (self.runs["replicate"] == replicate)]
        if row.empty:
            raise KeyError(f"no run ({point}, {replicate}) in the sweep")
        return load_run(row["file"].iloc[0], **kw)

    def __repr__(self) -> str:
        c = self.status_counts
        return (f"<biocluster Sweep '{self.dir}' {self.design_name}: {self.n_points} points x {self.replicates} "
                f"replicates, {len(self.factors)} factors, {len(self.metrics)} metrics; runs {c['done']} done, "
                f"{c['failed']} failed, {c['missing']} missing>")


def load_sweep(dir_or_index: str | os.PathLike, allow_incomplete: bool = False) -> Sweep:
    """Reads a sweep's index (the output directory of `biocluster sweep`, or its index.h5).
    Raises SweepIndexError (a RunFileError; one-line message) when the path is missing, is not a
    sweep directory or index (a run file, a text file, a foreign HDF5 file), is damaged, or lists
    missing runs (an interrupted or unmerged sweep) unless allow_incomplete=True, in which case it
    loads the index, sets sweep.complete = False and issues an IncompleteSweepWarning. Failed runs
    (invalid parameter combinations) are not an error: they have status 'failed' and an error."""
    path = os.fspath(dir_or_index)
    if not os.path.exists(path):
        raise SweepIndexError(f"no such file or directory '{path}'")
    if os.path.isdir(path):
        directory, index = path, os.path.join(path, "index.h5")
        if not os.path.exists(index):
            looks = any(os.path.exists(os.path.join(path, n)) for n in ("sweep.toml", "sweep.hash", "runs"))
            if looks:
                raise SweepIndexError(
                    f"'{path}' has no index.h5: the sweep has not finished (run the same 'biocluster sweep' command "
                    f"again to complete it; after sharded runs, 'biocluster sweep-merge {path}')")
            raise SweepIndexError(f"'{path}' is not a sweep output directory (no index.h5); give the folder "
                                  f"written by 'biocluster sweep FILE -o DIR' or its index.h5")
    else:
        directory, index = os.path.dirname(os.path.abspath(path)), path
    try:
        hdf5 = h5py.is_hdf5(index)
    except OSError as e:
        raise SweepIndexError(f"cannot read '{index}': {_one_line(e)}") from None
    if not hdf5:
        raise SweepIndexError(f"'{index}' is not an HDF5 file (expected a sweep index: the output directory of "
                              f"'biocluster sweep' or its index.h5)")
    try:
        f = h5py.File(index, "r")
    except OSError as e:
        raise SweepIndexError(f"'{index}' is a damaged or truncated HDF5 file and cannot be opened "
                              f"({_one_line(e)})") from None
    try:
        with f:
            fmt = _text(f.attrs["format"]) if "format" in f.attrs else None
            if fmt == FORMAT_NAME:
                raise SweepIndexError(f"'{index}' is a biocluster run file, not a sweep index; give the output "
                                      f"directory of 'biocluster sweep' (or its index.h5); biocluster-plot-run plots one run")
            if fmt != SWEEP_FORMAT_NAME:
                what = f"root attribute format is '{fmt}'" if fmt is not None else "it has no root attribute 'format'"
                raise SweepIndexError(f"'{index}' is an HDF5 file but not a biocluster sweep index ({what}, "
                                      f"expected '{SWEEP_FORMAT_NAME}')")
            version = int(f.attrs.get("format_version", 0))
            if version not in SUPPORTED_SWEEP_FORMAT_VERSIONS:
                raise SweepIndexError(f"'{index}' has sweep-index format version {version}; this reader knows "
                                      f"{', '.join(map(str, SUPPORTED_SWEEP_FORMAT_VERSIONS))} (update the Python package: bash scripts/bootstrap.sh)")
            sweep = Sweep(directory, index, f)
    except RunFileError:
        raise
    except (OSError, KeyError, ValueError, TypeError, IndexError, AttributeError) as e:
        raise SweepIndexError(f"'{index}' is a damaged or incomplete sweep index ({_one_line(e)})") from None
    if not sweep.complete:
        miss = sweep.runs[sweep.runs["status"] == "missing"]
        names = ", ".join(os.path.basename(p) for p in miss["file"].head(4)) + (", ..." if len(miss) > 4 else "")
        msg = (f"'{index}' is an incomplete sweep: {len(miss)} of {len(sweep.runs)} runs are missing ({names})")
        if not allow_incomplete:
            raise SweepIndexError(msg + "; run the sweep again to finish them (after sharded runs: 'biocluster "
                                        "sweep-merge'), or load it with allow_incomplete=True (biocluster-plot-sweep "
                                        "--allow-incomplete)")
        warnings.warn(msg, IncompleteSweepWarning, stacklevel=2)
    return sweep
