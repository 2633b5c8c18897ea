"""Tests of biocluster.stats (biocluster-sweep-stats); run with the package's venv python. Usage: test_sweep_stats.py BIOCLUSTER SOURCE_DIR
Sobol: the design comes from `biocluster sweep-design` (the sweeps' own code path) and the Ishigami
function is evaluated on it; the indices must match the analytic ones. Also checks the paired
differences' interval and the Morris effects of a linear function. (The per-point statistics and
t quantiles biocluster writes into the index are checked by sweep_e2e.sh, case stats.)"""
import io
import math
import subprocess
import sys

import numpy as np
import pandas as pd

bin_, src = sys.argv[1], sys.argv[2]
import biocluster.stats as ss  # noqa: E402

# Paired differences: mean, sd and the interval with the index's t factors (/stats/t95, here a table);
# non-finite differences (a run not done) are left out; one pair has no interval
t95 = [float("nan"), 12.7062047, 4.3026527, 3.1824463, 2.7764451]
n, mean, sd, lo, hi = ss.paired_ci([1.0, 2.0, float("nan"), 3.0, 4.0, 5.0], t95)
assert n == 5 and mean == 3.0 and abs(sd - math.sqrt(2.5)) < 1e-12, (n, mean, sd)
assert abs(hi - mean - 2.7764451 * math.sqrt(2.5 / 5)) < 1e-9 and abs((mean - lo) - (hi - mean)) < 1e-12, (lo, hi)
n, mean, sd, lo, hi = ss.paired_ci([7.0, float("nan")], t95)
assert n == 1 and mean == 7.0 and all(math.isnan(x) for x in (sd, lo, hi))
assert ss.paired_ci([], t95)[0] == 0

# Ishigami: y = sin x1 + a sin^2 x2 + b x3^4 sin x1, a = 7, b = 0.1, x ~ U(-pi, pi)^3
out = subprocess.run([bin_, "sweep-design", src + "/tests/data/sweeps/ishigami.toml"], check=True, capture_output=True, text=True).stdout
d = pd.read_csv(io.StringIO(out), keep_default_na=False)
x1, x2, x3 = d["x1"].to_numpy(float), d["x2"].to_numpy(float), d["x3"].to_numpy(float)
assert len(d) == 4096 * 5, len(d)
assert x1.min() >= -math.pi and x1.max() <= math.pi
y = np.sin(x1) + 7.0 * np.sin(x2) ** 2 + 0.1 * x3 ** 4 * np.sin(x1)
res = ss.sobol_indices(d["block"].to_numpy(), list(d["role"]), ["x1", "x2", "x3"], y, bootstrap=200)
a, b = 7.0, 0.1
v1 = 0.5 * (1 + b * math.pi ** 4 / 5) ** 2
v2 = a ** 2 / 8
v13 = b ** 2 * math.pi ** 8 * (1 / 18 - 1 / 50)
v = v1 + v2 + v13
exact = {"x1": (v1 / v, (v1 + v13) / v), "x2": (v2 / v, v2 / v), "x3": (0.0, v13 / v)}
tol = 0.03
for f, (s1, st) in exact.items():
    got = res[f]
    print(f"{f}: S1 {got[0]:.4f} [{got[1]:.4f}, {got[2]:.4f}] (exact {s1:.4f})  ST {got[3]:.4f} [{got[4]:.4f}, {got[5]:.4f}] (exact {st:.4f})")
    assert abs(got[0] - s1) < tol, f"{f}: S1 {got[0]} vs {s1}"
    assert abs(got[3] - st) < tol, f"{f}: ST {got[3]} vs {st}"
    assert got[1] <= got[0] <= got[2] and got[4] <= got[3] <= got[5], f"{f}: estimate outside its interval"

# Morris on y = 3 u0 - 2 u1 (+ 0 u2) in unit coordinates: mu = (3, -2, 0), mu* = (3, 2, 0), sigma = 0
rng = np.random.default_rng(3)
unit, blocks, roles = [], [], []
for t in range(5):
    u = rng.integers(0, 4, 3) / 3.0
    unit.append(u.copy()), blocks.append(t), roles.append("base")
    for j in rng.permutation(3):
        u[j] = u[j] + 2 / 3 if u[j] + 2 / 3 <= 1 else u[j] - 2 / 3
        unit.append(u.copy()), blocks.append(t), roles.append(f"f{j}")
unit = np.array(unit)
yy = 3 * unit[:, 0] - 2 * unit[:, 1]
m = ss.morris_effects(unit, blocks, roles, ["f0", "f1", "f2"], yy)
for f, (mu, mus) in {"f0": (3, 3), "f1": (-2, 2), "f2": (0, 0)}.items():
    assert abs(m[f][0] - mu) < 1e-9 and abs(m[f][1] - mus) < 1e-9, (f, m[f])
print("sweep_stats: paired intervals, Ishigami Sobol indices and Morris effects as expected")
