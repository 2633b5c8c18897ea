"""The package itself: what it exports, its console entry points, and no sys.path manipulation anywhere."""
import os
import re
import tomllib

import biocluster as bc
from conftest import BIN, SRC, sh

with open(os.path.join(SRC, "python", "pyproject.toml"), "rb") as f:
    PYPROJECT = tomllib.load(f)
SCRIPTS = PYPROJECT["project"]["scripts"]


def test_exports_and_version():
    for name in ("load_run", "load_sweep", "load_experiment", "Run", "Sweep", "Experiment", "RunFileError"):
        assert hasattr(bc, name), name
    assert bc.__version__ == PYPROJECT["project"]["version"]
    assert issubclass(bc.ExperimentError, bc.RunFileError) and issubclass(bc.SweepIndexError, bc.RunFileError)


def test_every_entry_point_is_installed_and_answers_help():
    assert {"biocluster-report", "biocluster-plot-run", "biocluster-plot-sweep", "biocluster-plot-experiment",
            "biocluster-sweep-stats", "biocluster-dynamics"} <= set(SCRIPTS)
    for name in SCRIPTS:
        path = os.path.join(BIN, name)
        assert os.access(path, os.X_OK), f"{name} is not installed in {BIN} (run scripts/python_env.sh)"
        r = sh([path, "--help"])
        assert r.returncode == 0, f"{name} --help: {r.returncode} {r.stderr}"
        assert "usage:" in r.stdout + r.stderr and "Traceback" not in r.stderr, name


def test_no_sys_path_manipulation_anywhere():
    """Everything imports the installed package; nothing puts a folder on sys.path."""
    # The peer benchmarks load Mesa's own source tree from ../shared/peers (PYTHONPATH), not this package.
    peers = {os.path.join("scripts", "bench_peers.sh"), os.path.join("tests", "bench", "peers")}
    hits = []
    for top in ("python", "scripts", "tests", "docs"):
        for root, _, files in os.walk(os.path.join(SRC, top)):
            if "__pycache__" in root or ".egg-info" in root or os.path.relpath(root, SRC) in peers:
                continue
            for fn in files:
                if fn.endswith((".py", ".sh", ".md")) and os.path.join(os.path.relpath(root, SRC), fn) not in peers:
                    path = os.path.join(root, fn)
                    with open(path, encoding="utf-8", errors="replace") as f:
                        for i, line in enumerate(f, 1):
                            if re.search(r"sys\.path\.(insert|append)|PYTHONPATH=", line) and \
                                    "re.search" not in line:
                                hits.append(f"{os.path.relpath(path, SRC)}:{i}: {line.strip()}")
    assert not hits, "sys.path manipulation:\n" + "\n".join(hits)


def test_report_without_a_path_is_usage_error():
    r = sh([os.path.join(BIN, "biocluster-report")])
    assert r.returncode == 2 and "usage: biocluster-report PATH" in r.stderr


def test_missing_file_is_one_line_exit_2(tmp_path):
    r = sh([os.path.join(BIN, "biocluster-report"), str(tmp_path / "nothing.h5"), "-o", str(tmp_path / "o")])
    assert r.returncode == 2, r.stderr
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "error:" in lines[0] and "nothing.h5" in lines[0], r.stderr
