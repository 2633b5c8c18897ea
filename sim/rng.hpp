#pragma once
/// @file Keyed, counter-based randomness (Philox4x64-10 from Random123).
///
/// Every stream is a pure function of (seed, step, phase, agent id, purpose): the same key gives
/// the same numbers on any thread, in any order, with any thread count. A stream yields as many
/// draws as needed (the draw index is part of the counter). See docs/ARCHITECTURE.md.
#include <Random123/philox.h>

#include <cmath>
#include <cstdint>
#include <numbers>

namespace biocluster::sim {

__extension__ using uint128 = unsigned __int128;  ///< GCC/Clang extension, for multiply-shift

/// Independent random stream for one (seed, step, phase, agent, purpose).
class Rng {
 public:
  /// `counterpart` keys a draw about a pair (e.g. a VC screening one startup); 0 when unused.
  Rng(std::uint64_t seed, std::int64_t step, std::uint32_t phase, std::int64_t agent_id, std::uint32_t purpose,
      std::uint64_t counterpart = 0) {
    key_ = {{seed, (static_cast<std::uint64_t>(phase) << 32) | purpose}};
    ctr_ = {{static_cast<std::uint64_t>(step), static_cast<std::uint64_t>(agent_id), 0, counterpart}};
  }

  /// 64 uniformly random bits.
  std::uint64_t bits() {
    if (pos_ == 4) refill();
    return out_.v[pos_++];
  }
  /// Uniform double in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(bits() >> 11) * 0x1.0p-53; }
  /// Uniform double in (0, 1]: safe for log().
  double uniform_pos() { return 1.0 - uniform(); }
  /// Uniform double in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  /// Uniform integer in [0, n), n >= 1 (Lemire's multiply-shift; bias < 2^-64 * n, negligible).
  std::uint64_t below(std::uint64_t n) { return static_cast<std::uint64_t>((static_cast<uint128>(bits()) * n) >> 64); }
  /// True with probability p.
  bool bernoulli(double p) { return uniform() < p; }
  /// Standard normal (Box-Muller, both values used).
  double normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = uniform_pos(), u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * std::numbers::pi * u2);
    has_spare_ = true;
    return r * std::cos(2.0 * std::numbers::pi * u2);
  }
  double normal(double mean, double sd) { return mean + sd * normal(); }
  /// Log-normal with the given median and log-space standard deviation.
  double lognormal_median(double median, double sigma) { return median * std::exp(sigma * normal()); }
  /// Exponential with the given mean.
  double exponential(double mean) { return -mean * std::log(uniform_pos()); }
  /// Poisson(lambda): inversion for lambda < 10, PTRS (Hormann 1993) above.
  std::int64_t poisson(double lambda);

 private:
  void refill() {
    out_ = r123::Philox4x64{}(ctr_, key_);
    ++ctr_.v[2];
    pos_ = 0;
  }
  r123::Philox4x64::ctr_type ctr_{};
  r123::Philox4x64::key_type key_{};
  r123::Philox4x64::ctr_type out_{};
  int pos_ = 4;
  bool has_spare_ = false;
  double spare_ = 0.0;
};

inline std::int64_t Rng::poisson(double lambda) {
  if (!(lambda > 0.0)) return 0;
  if (lambda < 10.0) {
    // Inversion by sequential search.
    double p = std::exp(-lambda), s = p;
    const double u = uniform();
    std::int64_t k = 0;
    while (u > s && k < 1000) {
      ++k;
      p *= lambda / static_cast<double>(k);
      s += p;
    }
    return k;
  }
  // PTRS: transformed rejection with squeeze.
  const double slam = std::sqrt(lambda), loglam = std::log(lambda);
  const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const double u = uniform() - 0.5, v = uniform_pos();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<std::int64_t>(k);
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <= -lambda + k * loglam - std::lgamma(k + 1))
      return static_cast<std::int64_t>(k);
  }
}

}  // namespace biocluster::sim
