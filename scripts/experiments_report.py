#!/usr/bin/python3
"""Generate the Results sections of docs/EXPERIMENTS.md by running every shipped experiment.

    /usr/bin/python3 scripts/experiments_report.py build/release/biocluster            # all, rewrite the doc
    /usr/bin/python3 scripts/experiments_report.py BIN --only pandemic,incubator        # some sections only
    /usr/bin/python3 scripts/experiments_report.py BIN --replicates 4 --doc /tmp/E.md   # a quick draft
    /usr/bin/python3 scripts/experiments_report.py BIN --check                          # sections vs files

Each experiment file `scenarios/experiments/NAME.toml` gets one section `### NAME` between the markers
`<!-- results:begin -->` and `<!-- results:end -->`: the command, then exactly what
`biocluster experiment FILE --markdown -q` printed on stdout (tables, lever reach, mechanism trace;
for proposal 3 also `--robust 20`, the robustness of the sign).
Nothing is edited by hand inside the markers; the analysis lives after them. Sections are written in
the order of the files' names after the four proposals (digest §e), and a section this run did not
regenerate (--only) is kept as it was. The document is rewritten (atomically) after each section,
so an interrupted run keeps the sections it finished. With --replicates N the command shown carries it, so a quick
draft never passes for the files' own replicate counts.

--check runs nothing: it exits 1 (and names them) when an experiment file has no section or a section
names no file. Exit 2 with one line for a bad binary, doc or experiment.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time

BEGIN, END = "<!-- results:begin -->", "<!-- results:end -->"
FIRST = ["hospital_osong_daegu", "basic_research", "grace_period", "songdo_package"]
# Options some sections carry (shown in their command): proposal 3's robustness of the sign.
EXTRA = {"grace_period": ["--robust", "20", "--robust-replicates", "4"]}


def fail(msg: str) -> None:
    print(f"experiments_report: {msg}", file=sys.stderr)
    sys.exit(2)


def experiment_names(root: str) -> list[str]:
    folder = os.path.join(root, "scenarios", "experiments")
    names = sorted(f[:-5] for f in os.listdir(folder) if f.endswith(".toml"))
    return [n for n in FIRST if n in names] + [n for n in names if n not in FIRST]


def split_doc(text: str, path: str) -> tuple[str, dict[str, str], str]:
    """Text before the markers, the sections by name (in order), the text after."""
    if text.count(BEGIN) != 1 or text.count(END) != 1 or text.index(BEGIN) > text.index(END):
        fail(f"{path}: needs one '{BEGIN}' line followed by one '{END}' line around the generated sections")
    head, rest = text.split(BEGIN, 1)
    body, tail = rest.split(END, 1)
    sections: dict[str, str] = {}
    for m in re.finditer(r"^### (\S+)\n(.*?)(?=^### |\Z)", body, flags=re.S | re.M):
        sections[m.group(1)] = m.group(2).strip("\n")
    return head, sections, tail


def run_one(binary: str, root: str, name: str, replicates: int | None, steps: int | None) -> str:
    rel = f"scenarios/experiments/{name}.toml"
    extra = list(EXTRA.get(name, []))
    if replicates:
        extra += ["--replicates", str(replicates)]
    if steps:
        extra += ["--steps", str(steps)]
    cmd = [binary, "experiment", rel, "--markdown", "-q", *extra]
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, cwd=root, capture_output=True, text=True)
    except OSError as e:
        fail(f"{binary}: cannot run it: {e.strerror}")
    if p.returncode != 0:
        last = (p.stderr.strip().splitlines() or ["(no message)"])[-1]
        fail(f"{rel}: biocluster experiment exited {p.returncode}: {last}")
    print(f"experiments_report: {name}: {time.monotonic() - t0:.1f} s", file=sys.stderr)
    shown = " ".join(["./build/release/biocluster", "experiment", rel, "--markdown", *extra])
    return f"```sh\n{shown}\n```\n\n{p.stdout.strip()}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary", help="the biocluster executable")
    ap.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap.add_argument("--doc", help="the document to rewrite (default ROOT/docs/EXPERIMENTS.md)")
    ap.add_argument("--only", help="comma-separated experiment names (default: all)")
    ap.add_argument("--replicates", type=int, help="override every file's replicates (a quick draft)")
    ap.add_argument("--steps", type=int, help="override every run's steps (tests)")
    ap.add_argument("--check", action="store_true", help="only check that sections and files correspond")
    a = ap.parse_args()
    doc = a.doc or os.path.join(a.root, "docs", "EXPERIMENTS.md")
    try:
        text = open(doc, encoding="utf-8").read()
    except OSError as e:
        fail(f"{doc}: {e.strerror}")
    head, sections, tail = split_doc(text, doc)
    names = experiment_names(a.root)
    if a.check:
        missing = [n for n in names if n not in sections]
        stale = [n for n in sections if n not in names]
        for n in missing:
            print(f"{doc}: no results section for scenarios/experiments/{n}.toml (run scripts/experiments_report.py)")
        for n in stale:
            print(f"{doc}: section '### {n}' names no file scenarios/experiments/{n}.toml")
        sys.exit(1 if missing or stale else 0)
    if not (os.path.isfile(a.binary) and os.access(a.binary, os.X_OK)):
        fail(f"{a.binary}: not an executable (build it: cmake --build --preset release)")
    binary = os.path.abspath(a.binary)
    wanted = names if not a.only else [n.strip() for n in a.only.split(",") if n.strip()]
    for n in wanted:
        if n not in names:
            fail(f"--only: no scenarios/experiments/{n}.toml (have: {', '.join(names)})")
    for n in wanted:  # the document is rewritten after each section: an interruption keeps those done
        sections[n] = run_one(binary, a.root, n, a.replicates, a.steps)
        body = "\n\n".join(f"### {m}\n\n{sections[m]}" for m in names if m in sections)
        with open(doc + ".tmp", "w", encoding="utf-8") as f:
            f.write(f"{head}{BEGIN}\n\n{body}\n\n{END}{tail}")
        os.replace(doc + ".tmp", doc)  # never a half-written document
    print(f"experiments_report: wrote {len(wanted)} section(s) to {doc}", file=sys.stderr)


if __name__ == "__main__":
    main()
