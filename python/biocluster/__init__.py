"""biocluster: read, analyse and plot the output of the biocluster simulation (docs/PYTHON.md).

    import biocluster as bc

    run = bc.load_run("out/korea.h5")          # one run file: tidy pandas tables
    run.wide("startups")                        # index date, one column per region
    run.by_group("startups")                    # capital area / elsewhere / all
    sweep = bc.load_sweep("out/policy")         # a sweep's directory: design, runs, statistics
    sweep.summary(), sweep.paired(baseline=0)
    exp = bc.load_experiment("out/gp")          # an experiment's --save-runs directory
    exp.results                                 # the experiment's table; exp.series(outcome) over time

The commands biocluster-report, biocluster-plot-run, -plot-sweep, -plot-experiment,
biocluster-sweep-stats, biocluster-dynamics, biocluster-plot-scaling and biocluster-jll-order are
this package's entry points. Needs Debian's python3-h5py, python3-numpy, python3-pandas (and
python3-matplotlib for figures); scripts/bootstrap.sh installs them and the virtual environment.
"""
from .data import (IncompleteRunWarning, IncompleteSweepWarning, Run, RunFileError, Sweep, SweepIndexError,
                   load_run, load_sweep)
from .experiment import Experiment, ExperimentError, load_experiment

__all__ = ["load_run", "load_sweep", "load_experiment", "Run", "Sweep", "Experiment", "RunFileError",
           "SweepIndexError", "ExperimentError", "IncompleteRunWarning", "IncompleteSweepWarning"]
__version__ = "0.1.0"
