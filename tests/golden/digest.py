#!/usr/bin/python3
"""Digest of everything a biocluster run file says about the simulation.

Prints one line per HDF5 object: its path, and a SHA-256 of the dataset's raw bytes (with its
dtype and shape) or of an attribute's value. Attributes that describe the run rather than the
simulation (wall time, timestamps, threads, git revision, program version, the scenario path as
typed) are left out, so two runs of one scenario and seed digest the same whatever the binary,
the machine's clock or the thread count — and any change in a simulated value shows.

Usage: digest.py [--per-file] RUN.h5 [RUN.h5 ...]
  one block per file, headed '== FILE'; --per-file: one line per file (a hash of its block)
"""
import hashlib
import sys

import h5py
import numpy as np

# Root attributes that describe how/when/by what a run was made, not what it simulated.
RUN_ATTRIBUTES = {"wall_seconds", "started_at_utc", "finished_at_utc", "threads", "git_revision",
                  "program_version", "scenario_file", "output_seconds", "setup_seconds"}


def _hash_value(v):
    h = hashlib.sha256()
    if isinstance(v, np.ndarray):
        h.update(str(v.dtype).encode())
        h.update(str(v.shape).encode())
        if v.dtype.kind == "O":
            for x in v.ravel():
                h.update(repr(x).encode())
        else:
            h.update(np.ascontiguousarray(v).tobytes())
    else:
        h.update(repr(v).encode())
    return h.hexdigest()[:24]


def digest(path):
    lines = []
    with h5py.File(path, "r") as f:
        def attrs(name, obj):
            for k in sorted(obj.attrs):
                if name == "/" and k in RUN_ATTRIBUTES:
                    continue
                if name.startswith("/timing") or k.endswith("_seconds"):
                    continue
                lines.append(f"{name}@{k} {_hash_value(obj.attrs[k])}")

        def visit(name, obj):
            full = "/" + name
            if full.startswith("/timing"):
                return
            if isinstance(obj, h5py.Dataset):
                lines.append(f"{full} {_hash_value(obj[()])}")
            attrs(full, obj)

        attrs("/", f)
        f.visititems(visit)
    return lines


def main(argv):
    per_file = len(argv) > 1 and argv[1] == "--per-file"
    files = argv[2:] if per_file else argv[1:]
    if not files:
        print(__doc__, file=sys.stderr)
        return 2
    for p in files:
        lines = digest(p)
        if per_file:
            print(f"== {p} {hashlib.sha256(chr(10).join(lines).encode()).hexdigest()[:24]}")
        else:
            print(f"== {p}")
            print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
