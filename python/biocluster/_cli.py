"""What every command of the package shares: one-line errors, the output-folder check, a hint when a
Debian package is missing, and Ctrl-C as exit code 130. The console entry points of pyproject.toml
are the functions at the end of this module; each imports its command's module only when it runs,
so `--help` and a missing package give one line, not a traceback."""
from __future__ import annotations

import importlib
import os
import sys
from typing import NoReturn

HINT = "run scripts/bootstrap.sh (it installs Debian's python3-h5py, -numpy, -pandas, -matplotlib, -scipy)"


def die(prog: str, msg, code: int = 2) -> NoReturn:
    """Print `prog: error: msg` on one line to stderr and exit with `code` (2 bad input, 3 output)."""
    print(f"{prog}: error: {' '.join(str(msg).split())}", file=sys.stderr)
    sys.exit(code)


def writable_dir(prog: str, path: str) -> None:
    """Create `path` if needed and prove a file can be written there; else exit 3 naming the folder."""
    try:
        os.makedirs(path, exist_ok=True)
        probe = os.path.join(path, f".{prog}_write_test")
        with open(probe, "w"):
            pass
        os.remove(probe)
    except OSError as err:
        die(prog, f"cannot write to output folder '{path}': {err.strerror or err}", 3)


def check_dpi(prog: str, dpi: int) -> None:
    if dpi < 20 or dpi > 600:
        die(prog, f"--dpi {dpi} is out of range; allowed [20, 600]")


def load(prog: str, loader, path: str, allow_incomplete: bool, warning, note: str):
    """loader(path, allow_incomplete=...) (load_run, load_sweep), a RunFileError as one line and exit 2,
    and each warning of class `warning` (an incomplete file) as one line `prog: warning: ...; note`."""
    import warnings
    from .data import RunFileError
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", warning)
        try:
            obj = loader(path, allow_incomplete=allow_incomplete)
        except RunFileError as err:
            die(prog, err)
    for w in caught:
        if issubclass(w.category, warning):
            print(f"{prog}: warning: {' '.join(str(w.message).split())}; {note}", file=sys.stderr)
    return obj


def quiet_log(quiet: bool):
    return (lambda *_: None) if quiet else (lambda m: print(m))


def run(prog: str, module: str, argv=None) -> int:
    """Import biocluster.<module> and call its main(argv); ImportError and Ctrl-C become one line."""
    try:
        mod = importlib.import_module(f"biocluster.{module}")
    except ImportError as e:
        die(prog, f"cannot import the Python packages it needs ({e}); {HINT}")
    try:
        return int(mod.main(argv) or 0)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130


def _entry(prog: str, module: str):
    def main() -> None:
        sys.exit(run(prog, module))
    main.__name__ = prog.replace("-", "_")
    return main


plot_run = _entry("biocluster-plot-run", "run_report")
plot_sweep = _entry("biocluster-plot-sweep", "sweep_report")
plot_experiment = _entry("biocluster-plot-experiment", "experiment_report")
sweep_stats = _entry("biocluster-sweep-stats", "stats")
dynamics = _entry("biocluster-dynamics", "dynamics")
plot_scaling = _entry("biocluster-plot-scaling", "scaling")
jll_order = _entry("biocluster-jll-order", "jll_order")
explore = _entry("biocluster-explore", "explorer")


def kind_of(path: str) -> str:
    """'experiment', 'sweep' or 'run': what `biocluster-report PATH` was given (by its files, not its name)."""
    if os.path.isdir(path):
        if os.path.isfile(os.path.join(path, "runs.csv")) and os.path.isfile(os.path.join(path, "results.csv")):
            return "experiment"
        return "sweep"
    if os.path.basename(path) == "index.h5":
        return "sweep"
    return "run"


def report() -> None:
    """biocluster-report PATH [options]: the report for a run file, a sweep directory (or its index.h5)
    or an experiment's --save-runs directory, by what PATH holds; the options are those of
    biocluster-plot-run, -plot-sweep or -plot-experiment."""
    argv = sys.argv[1:]
    path = next((a for a in argv if not a.startswith("-")), None)
    if path is None or argv[:1] in (["-h"], ["--help"]):
        print("usage: biocluster-report PATH [options]\n\n"
              "The report (figures and report.html) for what PATH holds:\n"
              "  a run file (.h5)                       -> biocluster-plot-run PATH -o OUTDIR ...\n"
              "  a sweep directory (or its index.h5)    -> biocluster-plot-sweep PATH -o OUTDIR ...\n"
              "  an experiment's --save-runs directory  -> biocluster-plot-experiment PATH [-o OUTDIR] ...\n"
              "Options are those of the command it calls (see its --help).",
              file=sys.stdout if path is None and argv else sys.stderr)
        sys.exit(0 if argv[:1] in (["-h"], ["--help"]) else 2)
    kind = kind_of(path)
    module = {"run": "run_report", "sweep": "sweep_report", "experiment": "experiment_report"}[kind]
    sys.exit(run(f"biocluster-report ({kind})", module, argv))


def repo_root() -> str:
    """The biocluster source tree (the folder with scenarios/ and CMakeLists.txt): the current folder or
    one above it, else the tree this package was installed from in editable mode, else the current folder."""
    here = os.path.abspath(os.getcwd())
    d = here
    while True:
        if os.path.isdir(os.path.join(d, "scenarios")) and os.path.isfile(os.path.join(d, "CMakeLists.txt")):
            return d
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    src = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if os.path.isdir(os.path.join(src, "scenarios")):
        return src
    return here
