#!/usr/bin/python3
"""Checks the layout of a biocluster run file (docs/OUTPUT.md). Usage: check_run_file.py FILE.h5 STEPS"""
import sys

import h5py
import numpy as np


def fail(msg):
    print(f"check_run_file: {msg}", file=sys.stderr)
    sys.exit(1)


def main():
    path, steps = sys.argv[1], int(sys.argv[2])
    with h5py.File(path, "r") as f:
        a = f.attrs
        for key in ["scenario_file", "scenario_sources", "resolved_parameters", "seed", "program_version",
                    "git_revision", "threads", "started_at_utc", "finished_at_utc", "start_date", "currency"]:
            if key not in a:
                fail(f"root attribute {key} missing")
        if a["status"] != "complete":
            fail(f"status is {a['status']!r}, not 'complete'")
        if int(a["steps_completed"]) != steps:
            fail(f"steps_completed {a['steps_completed']} != {steps}")
        if "[regions." not in a["scenario_sources"] and "regions." not in a["scenario_sources"]:
            fail("scenario_sources does not hold the scenario text")
        if "run.seed = " not in a["resolved_parameters"]:
            fail("resolved_parameters does not hold the resolved scenario")
        regions = f["regions"]
        n_regions = regions.shape[0]
        if n_regions < 1:
            fail("no regions")
        # time
        dates = [d.decode() if isinstance(d, bytes) else d for d in f["time/date"][:]]
        if len(dates) != steps or dates[0] != a["start_date"]:
            fail(f"time/date has {len(dates)} rows starting {dates[:1]}, expected {steps} from {a['start_date']}")
        if not np.array_equal(f["time/step"][:], np.arange(steps)):
            fail("time/step is not 0..steps-1")
        # time series
        ts = f["timeseries"]
        if len(ts) < 10:
            fail(f"only {len(ts)} time series")
        for name, d in ts.items():
            if d.shape != (steps, n_regions):
                fail(f"timeseries/{name} has shape {d.shape}, expected {(steps, n_regions)}")
            if "units" not in d.attrs or not d.attrs["units"]:
                fail(f"timeseries/{name} has no units")
            if not np.all(np.isfinite(d[:])):
                fail(f"timeseries/{name} has non-finite values")
        if ts["startups_founded"][:].sum() <= 0:
            fail("no startup was founded")
        # events
        ev = f["events"]
        kind_map = h5py.check_enum_dtype(ev.dtype["kind"])
        if kind_map is None or "founding" not in kind_map:
            fail("events.kind is not an enum with a 'founding' member")
        rows = ev[:]
        if len(rows) == 0:
            fail("no events")
        if np.any(np.diff(rows["step"]) < 0):
            fail("events are not in step order")
        if rows["step"].max() >= steps:
            fail("an event lies beyond the last step")
        n_found = int(np.sum(rows["kind"] == kind_map["founding"]))
        if n_found != int(ts["startups_founded"][:].sum()):
            fail(f"{n_found} founding events but startups_founded sums to {ts['startups_founded'][:].sum()}")
        # fields
        g = f["grid"].attrs
        for name in ["talent", "knowledge", "rent"]:
            d = f["fields"][name]
            if d.shape[1:] != (g["height"], g["width"]):
                fail(f"fields/{name} has shape {d.shape}, grid is {g['height']}x{g['width']}")
            if d.shape[0] != f["fields/step"].shape[0] or d.shape[0] < 1:
                fail(f"fields/{name} snapshot count does not match fields/step")
        # agent snapshots
        for t in ["university", "hospital", "startup", "venture_capital", "pharma"]:
            grp = f["agents"][t]
            start, count = grp["snapshot_start"][:], grp["snapshot_count"][:]
            n = grp["id"].shape[0]
            if len(start) < 1 or start[0] != 0 or np.any(start[1:] != (start + count)[:-1]) or (start + count)[-1] != n:
                fail(f"agents/{t}: snapshot_start/count do not tile the {n} rows")
            for col, d in grp.items():
                if col.startswith("snapshot_"):
                    continue
                if d.shape[0] != n:
                    fail(f"agents/{t}/{col} has {d.shape[0]} rows, id has {n}")
    print(f"check_run_file: {path}: layout OK ({steps} steps, {n_regions} regions, {len(rows)} events)")


if __name__ == "__main__":
    main()
