"""Fixtures of the package's pytest suite: real, short runs of the biocluster binary this tree built.

BIOCLUSTER_EXE (ctest sets it) names the binary; without it, build/release/biocluster of the tree.
Each fixture is made once per session and read by many tests."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

SRC = os.environ.get("BIOCLUSTER_SOURCE_DIR") or os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
EXE = os.environ.get("BIOCLUSTER_EXE") or os.path.join(SRC, "build", "release", "biocluster")
BIN = os.path.dirname(sys.executable)  # the venv's bin: the console entry points
STEPS = 24


def sh(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, **kw)


@pytest.fixture(scope="session")
def exe() -> str:
    if not (os.path.isfile(EXE) and os.access(EXE, os.X_OK)):
        pytest.fail(f"no biocluster binary at {EXE}: build it (cmake --build --preset release) or set BIOCLUSTER_EXE")
    return EXE


@pytest.fixture(scope="session")
def work(tmp_path_factory):
    """BIOCLUSTER_TEST_TMP/session (emptied first; ctest puts it in the build tree), else a pytest tmp dir."""
    base = os.environ.get("BIOCLUSTER_TEST_TMP")
    return _fresh(base) if base else tmp_path_factory.mktemp("biocluster")


def _fresh(base: str):
    import pathlib
    import shutil
    p = pathlib.Path(base) / "session"
    shutil.rmtree(p, ignore_errors=True)
    p.mkdir(parents=True)
    return p


@pytest.fixture(scope="session")
def korea_run(exe, work) -> str:
    """36 months of the Korea baseline (capital area and elsewhere, KRW; the grid on the Earth)."""
    path = str(work / "korea.h5")
    r = sh([exe, "run", os.path.join(SRC, "scenarios", "korea", "korea.toml"), "--steps", "36", "-q", "-o", path])
    assert r.returncode == 0, r.stderr
    return path


@pytest.fixture(scope="session")
def default_run(exe, work) -> str:
    path = str(work / "default.h5")
    r = sh([exe, "run", os.path.join(SRC, "scenarios", "default.toml"), "--steps", str(STEPS), "-q", "-o", path])
    assert r.returncode == 0, r.stderr
    return path


@pytest.fixture(scope="session")
def sweep_dir(exe, work) -> str:
    """A 2-point grid x 2 replicates x 12 steps of the default scenario."""
    toml = work / "grid.toml"
    toml.write_text(textwrap.dedent(f"""\
        scenario = "{os.path.join(SRC, 'scenarios', 'default.toml')}"
        replicates = 2
        seed = 3
        steps = 12
        design = "grid"
        set = ["output.snapshot_every_steps=0", "output.field_snapshot_every_steps=0"]
        metrics = ["startups", "startups_founded"]
        [factors."policy.basic_research_share"]
        values = [0.2, 0.6]
        """))
    out = str(work / "grid")
    r = sh([exe, "sweep", str(toml), "-o", out, "-q"])
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="session")
def experiment_dir(exe, work) -> str:
    """An experiment of the default scenario: a baseline and one variant, 3 replicates x 36 steps, saved."""
    variant = work / "more_basic.toml"
    variant.write_text(f'include = "{os.path.join(SRC, "scenarios", "default.toml")}"\n'
                       "[policy]\nbasic_research_share = 0.8\n")
    exp = work / "exp.toml"
    exp.write_text(textwrap.dedent(f"""\
        name = "more basic research, default scenario"
        question = "Does a larger basic share change foundings?"
        mechanism = "test"
        replicates = 3
        seed = 11
        steps = 36
        [baseline]
        name = "baseline"
        scenario = "{os.path.join(SRC, 'scenarios', 'default.toml')}"
        [[variant]]
        name = "basic 0.8"
        scenario = "{variant}"
        changes = ["policy.basic_research_share"]
        [[outcome]]
        name = "startups founded"
        metric = "startups_founded"
        [[outcome]]
        name = "startups alive at end"
        metric = "startups"
        """))
    out = str(work / "exp")
    r = sh([exe, "experiment", str(exp), "-q", "--save-runs", out])
    assert r.returncode == 0, r.stderr
    return out


@pytest.fixture(scope="session")
def korea_experiment_dir(exe, work) -> str:
    """The grace-period experiment on the Korea baseline: 2 replicates x 24 months, saved."""
    out = str(work / "gp")
    r = sh([exe, "experiment", os.path.join(SRC, "scenarios", "experiments", "grace_period.toml"), "--replicates", "2",
            "--steps", "24", "-q", "--save-runs", out])
    assert r.returncode == 0, r.stderr
    return out
