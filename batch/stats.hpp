#pragma once
/// @file Statistics of replicate values: mean with a Student-t 95% interval, and the 2.5%..97.5%
/// range of the runs. The one implementation for calibration, experiments and sweeps.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace biocluster::batch {

/// Two-sided 95% interval half-width factor of Student's t with `df` degrees of freedom (NaN if df < 1).
double t95(std::int64_t df);

/// Linear-interpolation quantile (numpy's default) of sorted values; NaN if empty.
double quantile_sorted(const std::vector<double>& sorted, double p);

struct Stats {
  std::size_t n = 0;          ///< finite values
  double mean, half, lo, hi;  ///< mean +- half (95% CI of the mean); lo..hi: 2.5%..97.5% of the runs
  double sd;                  ///< sample standard deviation (n - 1 in the denominator); NaN if n < 2
};

/// Stats of the finite values of `v` (all NaN when none; half = 0 and sd = NaN for one value).
Stats stats(std::vector<double> v);

}  // namespace biocluster::batch
