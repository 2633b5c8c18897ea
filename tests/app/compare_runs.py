#!/usr/bin/python3
"""Exits 0 if two run files hold bit-identical datasets (run-time attributes aside), else 1.
Usage: compare_runs.py A.h5 B.h5 [--expect-different]"""
import sys

import h5py
import numpy as np

# How and when the file was written, not what it holds (a sweep writes its runs once, at the end:
# flush_every_steps is then the largest int).
RUNTIME_ATTRS = {"started_at_utc", "finished_at_utc", "wall_seconds", "threads", "scenario_file", "flush_every_steps"}


def datasets(f):
    out = {}
    f.visititems(lambda name, obj: out.__setitem__(name, obj[()]) if isinstance(obj, h5py.Dataset) else None)
    return out


def main():
    a_path, b_path = sys.argv[1], sys.argv[2]
    expect_different = "--expect-different" in sys.argv
    diffs = []
    with h5py.File(a_path, "r") as a, h5py.File(b_path, "r") as b:
        da, db = datasets(a), datasets(b)
        if set(da) != set(db):
            diffs.append(f"different dataset names: {sorted(set(da) ^ set(db))}")
        for name in sorted(set(da) & set(db)):
            x, y = da[name], db[name]
            if x.shape != y.shape or x.dtype != y.dtype or x.tobytes() != y.tobytes():
                diffs.append(f"dataset {name} differs")
        for key in set(a.attrs) | set(b.attrs):
            if key in RUNTIME_ATTRS:
                continue
            if key not in a.attrs or key not in b.attrs or not np.array_equal(a.attrs[key], b.attrs[key]):
                diffs.append(f"attribute {key} differs")
    if expect_different:
        if not diffs:
            print(f"compare_runs: {a_path} and {b_path} are identical but should differ", file=sys.stderr)
            sys.exit(1)
        print(f"compare_runs: differ as expected ({len(diffs)} differences)")
        return
    if diffs:
        print(f"compare_runs: {a_path} vs {b_path}:\n  " + "\n  ".join(diffs[:20]), file=sys.stderr)
        sys.exit(1)
    print(f"compare_runs: {a_path} and {b_path} are bit-identical")


if __name__ == "__main__":
    main()
