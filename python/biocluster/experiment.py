"""An experiment's saved runs (`biocluster experiment FILE --save-runs DIR`, docs/EXPERIMENTS.md) as
tidy pandas tables: the experiment's own table, every run file, and each outcome per year.

    exp = load_experiment("out/gp")
    exp.variants                 # ["baseline", "grace 10 years", ...]; index 0 is the baseline
    exp.results                  # the experiment's end-of-run table (results.csv)
    exp.series(outcome)          # long table: variant, replicate, year, value (one outcome per year)
    exp.paired(outcome)          # per variant and year: mean paired difference to the baseline, 95% band
    exp.load_run(variant, replicate)   # a biocluster.Run

A year's value is the sum of a flow's months, or a stock's value in the year's last month, summed over
the outcome's regions (all, capital_area, outside_capital_area or names joined by '+').
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from . import data as bd


class ExperimentError(bd.RunFileError):
    """A folder that is not (or no longer) an experiment's --save-runs output; a one-line message."""


def t95(n: int) -> float:
    """0.975 quantile of Student's t with n - 1 degrees of freedom (NaN for n < 2)."""
    if n < 2:
        return float("nan")
    from scipy.stats import t
    return float(t.ppf(0.975, n - 1))


def region_columns(run: bd.Run, regions: str) -> list[str]:
    """The region names an outcome's `regions` selects (all, capital_area, outside_capital_area, a+b)."""
    names = run.region_names
    cap = [bool(x) for x in run.regions["capital_area"]]
    if regions == "all":
        return names
    if regions == "capital_area":
        return [r for r, c in zip(names, cap) if c]
    if regions == "outside_capital_area":
        return [r for r, c in zip(names, cap) if not c]
    return [r for r in regions.split("+") if r in names]


def yearly(run: bd.Run, metrics: list[str], regions: list[str]) -> pd.Series:
    """The metrics summed over `regions`, per calendar year (flows: summed over the months; stocks:
    the year's last month)."""
    total = None
    for m in metrics:
        w = run.wide(m)[regions].sum(axis=1)
        if run.metrics.loc[m, "kind"] == "flow":
            y = w.groupby(w.index.year).sum()
        else:
            y = w.groupby(w.index.year).last()
        total = y if total is None else total + y
    return total


def band(diff: pd.DataFrame):
    """Per row (year) of a [year x replicate] table: the mean over replicates and the 95% Student-t
    half-width of that mean."""
    n = diff.notna().sum(axis=1)
    mean = diff.mean(axis=1)
    sd = diff.std(axis=1, ddof=1)
    half = np.array([t95(int(k)) for k in n]) * sd / np.sqrt(n)
    return mean, half


@dataclass
class Experiment:
    dir: str
    runs: pd.DataFrame       # one row per run: variant_index, variant, replicate, seed, file, ...
    outcomes: pd.DataFrame   # one row per outcome: outcome, name, metrics, regions, ratio, ...
    results: pd.DataFrame    # the experiment's table: variant, outcome, baseline_mean, diff_mean, diff_ci_low, ...
    variants: list[str]

    @property
    def n_replicates(self) -> int:
        return int(self.runs["replicate"].max()) + 1 if len(self.runs) else 0

    @property
    def files(self) -> dict[tuple[int, int], str]:
        """(variant index, replicate) -> run file path."""
        return {(int(r.variant_index), int(r.replicate)): os.path.join(self.dir, r.file) for r in self.runs.itertuples()}

    def load_run(self, variant: int | str, replicate: int) -> bd.Run:
        v = self.variant_index(variant)
        try:
            return _load_run_cached(self.files[(v, int(replicate))])
        except KeyError:
            raise ExperimentError(f"'{self.dir}' has no run of variant {v} replicate {replicate} "
                                  f"(replicates 0..{self.n_replicates - 1})") from None

    def variant_index(self, variant: int | str) -> int:
        if isinstance(variant, str):
            if variant not in self.variants:
                raise ExperimentError(f"variant '{variant}' is not in '{self.dir}'; variants are: "
                                      f"{', '.join(self.variants)}")
            return self.variants.index(variant)
        if not 0 <= int(variant) < len(self.variants):
            raise ExperimentError(f"variant {variant} is out of range 0..{len(self.variants) - 1}")
        return int(variant)

    def outcome(self, outcome: int | str):
        """The outcomes.csv row of an outcome given by its number or its name."""
        o = self.outcomes
        hit = o[o["name"] == outcome] if isinstance(outcome, str) else o[o["outcome"] == int(outcome)]
        if not len(hit):
            raise ExperimentError(f"outcome {outcome!r} is not in '{self.dir}'; outcomes are: "
                                  f"{', '.join(map(str, o['name']))}")
        return hit.iloc[0]

    def level(self, outcome: int | str) -> float | None:
        """The target level of an `at_least` outcome (its table value is 1 when the quantity reaches it, so
        its mean is the share of runs that do), or None for a plain quantity."""
        o = self.outcome(outcome)
        x = str(o["at_least"]).strip() if "at_least" in o.index else ""
        return float(x) if x else None

    def series(self, outcome: int | str, regions: str | None = None) -> pd.DataFrame:
        """Long table (variant, variant_index, replicate, year, value): the outcome per year in every run.
        `regions` overrides the outcome's own (e.g. 'capital_area'). Ratio outcomes have no yearly series.
        An `at_least` outcome's series is its quantity (compare it with `level(outcome)`), not the 0/1."""
        o = self.outcome(outcome)
        if str(o["ratio"]).lower() == "true":
            raise ExperimentError(f"outcome '{o['name']}' is a ratio; it has an end-of-run value only "
                                  "(see .results)")
        metrics = str(o["metrics"]).split("+")
        rows = []
        for (v, r), path in sorted(self.files.items()):
            run = _load_run_cached(path)
            y = yearly(run, metrics, region_columns(run, regions or str(o["regions"])))
            rows.append(pd.DataFrame({"variant": self.variants[v], "variant_index": v, "replicate": r,
                                      "year": y.index.astype(int), "value": y.to_numpy(dtype=float)}))
        return pd.concat(rows, ignore_index=True)

    def wide(self, outcome: int | str, variant: int | str, regions: str | None = None) -> pd.DataFrame:
        """[year x replicate] table of one variant's outcome."""
        s = self.series(outcome, regions)
        s = s[s["variant_index"] == self.variant_index(variant)]
        return s.pivot(index="year", columns="replicate", values="value")

    def paired(self, outcome: int | str, regions: str | None = None) -> pd.DataFrame:
        """Per variant (not the baseline) and year: n, the mean paired difference variant - baseline (same
        seed) and its 95% Student-t interval."""
        s = self.series(outcome, regions)
        base = s[s["variant_index"] == 0].pivot(index="year", columns="replicate", values="value")
        out = []
        for v in range(1, len(self.variants)):
            x = s[s["variant_index"] == v].pivot(index="year", columns="replicate", values="value")
            d = x - base
            mean, half = band(d)
            out.append(pd.DataFrame({"variant": self.variants[v], "year": mean.index.astype(int),
                                     "n": d.notna().sum(axis=1).to_numpy(), "diff_mean": mean.to_numpy(),
                                     "ci_low": (mean - half).to_numpy(), "ci_high": (mean + half).to_numpy()}))
        return pd.concat(out, ignore_index=True) if out else pd.DataFrame(
            columns=["variant", "year", "n", "diff_mean", "ci_low", "ci_high"])

    def __repr__(self) -> str:
        return (f"<Experiment {self.dir!r}: {len(self.variants)} variants x {self.n_replicates} replicates, "
                f"{len(self.outcomes)} outcomes>")


@lru_cache(maxsize=64)
def _load_run_cached(path: str) -> bd.Run:
    return bd.load_run(path)


def load_experiment(dirname: str | os.PathLike) -> Experiment:
    """Read DIR/runs.csv, outcomes.csv and results.csv as `experiment --save-runs DIR` wrote them.
    Raises ExperimentError (a RunFileError) with a one-line message when the folder is not one."""
    dirname = os.fspath(dirname)
    if not os.path.isdir(dirname):
        raise ExperimentError(f"'{dirname}' is not a folder; give the DIR of `biocluster experiment FILE "
                              "--save-runs DIR`")
    tables = {}
    for name in ("runs", "outcomes", "results"):
        path = os.path.join(dirname, name + ".csv")
        try:
            tables[name] = pd.read_csv(path, keep_default_na=False)
        except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as e:
            raise ExperimentError(f"cannot read an experiment's saved runs in '{dirname}' ({name}.csv: "
                                  f"{getattr(e, 'strerror', None) or e}); give the DIR of `biocluster experiment "
                                  "FILE --save-runs DIR`") from None
    runs = tables["runs"]
    need = {"variant_index", "variant", "replicate", "file"}
    if not need <= set(runs.columns):
        raise ExperimentError(f"'{os.path.join(dirname, 'runs.csv')}' lacks the columns "
                              f"{', '.join(sorted(need - set(runs.columns)))}; it was not written by "
                              "`biocluster experiment --save-runs`")
    variants = list(dict.fromkeys(runs.sort_values("variant_index")["variant"]))
    return Experiment(dirname, runs, tables["outcomes"], tables["results"], variants)

