#include "batch/stats.hpp"

#include <boost/math/distributions/students_t.hpp>

#include <algorithm>
#include <cmath>
#include <limits>

namespace biocluster::batch {

double t95(std::int64_t df) {
  if (df < 1) return std::numeric_limits<double>::quiet_NaN();
  return boost::math::quantile(boost::math::students_t_distribution<double>(static_cast<double>(df)), 0.975);
}

double quantile_sorted(const std::vector<double>& v, double p) {
  if (v.empty()) return NAN;
  const double h = p * static_cast<double>(v.size() - 1);
  const auto i = static_cast<std::size_t>(std::floor(h));
  const double f = h - static_cast<double>(i);
  return i + 1 < v.size() ? v[i] + f * (v[i + 1] - v[i]) : v[i];
}

Stats stats(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
  Stats s{0, NAN, NAN, NAN, NAN, NAN};
  s.n = v.size();
  if (v.empty()) return s;
  double sum = 0;
  for (double x : v) sum += x;
  s.mean = sum / static_cast<double>(v.size());
  if (v.size() > 1) {
    double ss = 0;
    for (double x : v) ss += (x - s.mean) * (x - s.mean);
    s.sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
    s.half = t95(static_cast<std::int64_t>(v.size()) - 1) * s.sd / std::sqrt(static_cast<double>(v.size()));
  } else {
    s.half = 0;
  }
  std::sort(v.begin(), v.end());
  s.lo = quantile_sorted(v, 0.025);
  s.hi = quantile_sorted(v, 0.975);
  return s;
}

}  // namespace biocluster::batch
