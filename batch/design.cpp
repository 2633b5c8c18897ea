// Sweep designs (grid, Latin hypercube, Morris, Sobol/Saltelli) and the sweep's plan.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <numeric>

#include "batch/sweep.hpp"
#include "batch/text.hpp"
#include "sim/errors.hpp"
#include "sim/rng.hpp"

namespace biocluster::batch {

namespace {

// Key of the design's own random streams (sim::Rng phase field): never used by the model.
constexpr std::uint32_t kDesignPhase = 0x44534721;  // "DSG!"
enum : std::uint32_t { kLhsPermutation = 1, kLhsJitter = 2, kMorrisBase = 3, kMorrisOrder = 4 };

// Joe & Kuo (2008) direction numbers (new-joe-kuo-6.21201), first 64 dimensions: the primitive
// polynomial (with its leading and trailing 1 bits) and the initial m_1..m_s. Dimension 0 is the
// van der Corput sequence.
struct Direction {
  std::uint32_t poly;
  std::array<std::uint32_t, 10> m;
};
constexpr Direction kDirections[] = {
    {1, {1}},
    {3, {1}},
    {7, {1, 3}},
    {11, {1, 3, 1}},
    {13, {1, 1, 1}},
    {19, {1, 1, 3, 3}},
    {25, {1, 3, 5, 13}},
    {37, {1, 1, 5, 5, 17}},
    {41, {1, 1, 5, 5, 5}},
    {47, {1, 1, 7, 11, 19}},
    {55, {1, 1, 5, 1, 1}},
    {59, {1, 1, 1, 3, 11}},
    {61, {1, 3, 5, 5, 31}},
    {67, {1, 3, 3, 9, 7, 49}},
    {91, {1, 1, 1, 15, 21, 21}},
    {97, {1, 3, 1, 13, 27, 49}},
    {103, {1, 1, 1, 15, 7, 5}},
    {109, {1, 3, 1, 15, 13, 25}},
    {115, {1, 1, 5, 5, 19, 61}},
    {131, {1, 3, 7, 11, 23, 15, 103}},
    {137, {1, 3, 7, 13, 13, 15, 69}},
    {143, {1, 1, 3, 13, 7, 35, 63}},
    {145, {1, 3, 5, 9, 1, 25, 53}},
    {157, {1, 3, 1, 13, 9, 35, 107}},
    {167, {1, 3, 1, 5, 27, 61, 31}},
    {171, {1, 1, 5, 11, 19, 41, 61}},
    {185, {1, 3, 5, 3, 3, 13, 69}},
    {191, {1, 1, 7, 13, 1, 19, 1}},
    {193, {1, 3, 7, 5, 13, 19, 59}},
    {203, {1, 1, 3, 9, 25, 29, 41}},
    {211, {1, 3, 5, 13, 23, 1, 55}},
    {213, {1, 3, 7, 3, 13, 59, 17}},
    {229, {1, 3, 1, 3, 5, 53, 69}},
    {239, {1, 1, 5, 5, 23, 33, 13}},
    {241, {1, 1, 7, 7, 1, 61, 123}},
    {247, {1, 1, 7, 9, 13, 61, 49}},
    {253, {1, 3, 3, 5, 3, 55, 33}},
    {285, {1, 3, 1, 15, 31, 13, 49, 245}},
    {299, {1, 3, 5, 15, 31, 59, 63, 97}},
    {301, {1, 3, 1, 11, 11, 11, 77, 249}},
    {333, {1, 3, 1, 11, 27, 43, 71, 9}},
    {351, {1, 1, 7, 15, 21, 11, 81, 45}},
    {355, {1, 3, 7, 3, 25, 31, 65, 79}},
    {357, {1, 3, 1, 1, 19, 11, 3, 205}},
    {361, {1, 1, 5, 9, 19, 21, 29, 157}},
    {369, {1, 3, 7, 11, 1, 33, 89, 185}},
    {391, {1, 3, 3, 3, 15, 9, 79, 71}},
    {397, {1, 3, 7, 11, 15, 39, 119, 27}},
    {425, {1, 1, 3, 1, 11, 31, 97, 225}},
    {451, {1, 1, 1, 3, 23, 43, 57, 177}},
    {463, {1, 3, 7, 7, 17, 17, 37, 71}},
    {487, {1, 3, 1, 5, 27, 63, 123, 213}},
    {501, {1, 1, 3, 5, 11, 43, 53, 133}},
    {529, {1, 3, 5, 5, 29, 17, 47, 173, 479}},
    {539, {1, 3, 3, 11, 3, 1, 109, 9, 69}},
    {545, {1, 1, 1, 5, 17, 39, 23, 5, 343}},
    {557, {1, 3, 1, 5, 25, 15, 31, 103, 499}},
    {563, {1, 1, 1, 11, 11, 17, 63, 105, 183}},
    {601, {1, 1, 5, 11, 9, 29, 97, 231, 363}},
    {607, {1, 1, 5, 15, 19, 45, 41, 7, 383}},
    {617, {1, 3, 7, 7, 31, 19, 83, 137, 221}},
    {623, {1, 1, 1, 3, 23, 15, 111, 223, 83}},
    {631, {1, 1, 5, 13, 31, 15, 55, 25, 161}},
    {637, {1, 1, 3, 13, 25, 47, 39, 87, 257}},
};
constexpr int kBits = 32;

/// Unscrambled Sobol' sequence (Bratley & Fox / Joe & Kuo, Gray-code order), `dims` <= 64.
class SobolSequence {
 public:
  explicit SobolSequence(int dims) : v_(static_cast<std::size_t>(dims)), x_(static_cast<std::size_t>(dims), 0) {
    for (int j = 0; j < dims; ++j) {
      auto& v = v_[static_cast<std::size_t>(j)];
      const auto& d = kDirections[j];
      std::array<std::uint64_t, kBits + 1> m{};
      if (j == 0) {
        for (int i = 1; i <= kBits; ++i) m[static_cast<std::size_t>(i)] = 1;
      } else {
        int s = 0;
        while ((d.poly >> (s + 1)) != 0) ++s;  // degree
        for (int i = 1; i <= s; ++i) m[static_cast<std::size_t>(i)] = d.m[static_cast<std::size_t>(i - 1)];
        for (int i = s + 1; i <= kBits; ++i) {
          auto& mi = m[static_cast<std::size_t>(i)];
          mi = m[static_cast<std::size_t>(i - s)] ^ (m[static_cast<std::size_t>(i - s)] << s);
          for (int k = 1; k < s; ++k)
            if ((d.poly >> (s - k)) & 1u) mi ^= m[static_cast<std::size_t>(i - k)] << k;
        }
      }
      for (int i = 1; i <= kBits; ++i)
        v[static_cast<std::size_t>(i)] = static_cast<std::uint32_t>(m[static_cast<std::size_t>(i)] << (kBits - i));
    }
  }
  /// Advances to the next point (the first call gives point 1; point 0 is the origin) and returns it.
  const std::vector<double>& next() {
    std::uint64_t c = 1, n = index_++;
    while (n & 1u) n >>= 1, ++c;  // position of the lowest zero bit of the previous index
    out_.resize(x_.size());
    for (std::size_t j = 0; j < x_.size(); ++j) {
      x_[j] ^= v_[j][c];
      out_[j] = static_cast<double>(x_[j]) * 0x1.0p-32;
    }
    return out_;
  }

 private:
  std::vector<std::array<std::uint32_t, kBits + 1>> v_;
  std::vector<std::uint32_t> x_;
  std::vector<double> out_;
  std::uint64_t index_ = 0;
};

std::string range_text(const Factor& f, double x) {
  return f.integer ? std::to_string(static_cast<long long>(std::llround(x))) : sim::format_double(x);
}

/// Sets factor `j` of `p` from a grid/list level index.
void set_level(DesignPoint& p, std::size_t j, const Factor& f, std::int64_t idx, std::int64_t n) {
  const double u = n > 1 ? static_cast<double>(idx) / static_cast<double>(n - 1) : 0.0;
  p.unit[j] = u;
  if (f.is_list) {
    p.value[j] = f.numbers[static_cast<std::size_t>(idx)];
    p.text[j] = f.texts[static_cast<std::size_t>(idx)];
  } else {
    double x = idx == n - 1 ? f.max : f.min + u * (f.max - f.min);
    if (f.integer) x = static_cast<double>(std::llround(x));
    p.value[j] = x;
    p.text[j] = range_text(f, x);
  }
}

/// Sets factor `j` of `p` from a uniform coordinate u in [0, 1) (sampled designs).
void set_uniform(DesignPoint& p, std::size_t j, const Factor& f, double u) {
  p.unit[j] = u;
  if (f.is_list) {
    const auto n = static_cast<std::int64_t>(f.texts.size());
    const auto idx = std::min<std::int64_t>(static_cast<std::int64_t>(u * static_cast<double>(n)), n - 1);
    p.value[j] = f.numbers[static_cast<std::size_t>(idx)];
    p.text[j] = f.texts[static_cast<std::size_t>(idx)];
  } else if (f.integer) {
    const double x = std::min(f.max, f.min + std::floor(u * (f.max - f.min + 1.0)));
    p.value[j] = x;
    p.text[j] = range_text(f, x);
  } else {
    const double x = f.min + u * (f.max - f.min);
    p.value[j] = x;
    p.text[j] = range_text(f, x);
  }
}

DesignPoint blank(std::size_t k, std::int64_t block, std::string role) {
  DesignPoint p;
  p.block = block;
  p.role = std::move(role);
  p.unit.assign(k, 0.0);
  p.value.assign(k, 0.0);
  p.text.assign(k, "");
  return p;
}

}  // namespace

std::vector<std::vector<double>> latin_hypercube(std::int64_t n, std::size_t k, std::uint64_t seed) {
  std::vector<std::vector<double>> u(static_cast<std::size_t>(n), std::vector<double>(k));
  for (std::size_t j = 0; j < k; ++j) {
    std::vector<std::int64_t> perm(static_cast<std::size_t>(n));
    std::iota(perm.begin(), perm.end(), 0);
    sim::Rng shuffle(seed, 0, kDesignPhase, static_cast<std::int64_t>(j), kLhsPermutation);
    for (std::int64_t i = n - 1; i > 0; --i)
      std::swap(perm[static_cast<std::size_t>(i)], perm[shuffle.below(static_cast<std::uint64_t>(i + 1))]);
    sim::Rng jitter(seed, 0, kDesignPhase, static_cast<std::int64_t>(j), kLhsJitter);
    for (std::int64_t p = 0; p < n; ++p)
      u[static_cast<std::size_t>(p)][j] =
          (static_cast<double>(perm[static_cast<std::size_t>(p)]) + jitter.uniform()) / static_cast<double>(n);
  }
  return u;
}

const char* design_name(Design d) {
  switch (d) {
    case Design::grid:
      return "grid";
    case Design::lhs:
      return "lhs";
    case Design::morris:
      return "morris";
    case Design::sobol:
      return "sobol";
  }
  return "?";
}

std::vector<DesignPoint> make_design(const SweepSpec& spec) {
  const std::size_t k = spec.factors.size();
  std::vector<DesignPoint> out;
  switch (spec.design) {
    case Design::grid: {
      std::vector<std::int64_t> n(k);
      std::int64_t total = 1;
      for (std::size_t j = 0; j < k; ++j) {
        n[j] =
            spec.factors[j].is_list ? static_cast<std::int64_t>(spec.factors[j].texts.size()) : spec.factors[j].levels;
        total *= n[j];
        if (total > 10000000)
          throw ConfigError(spec.file + ": the grid has more than 10 million points; use fewer levels");
      }
      for (std::int64_t p = 0; p < total; ++p) {
        auto pt = blank(k, p, "");
        std::int64_t rest = p;
        for (std::size_t jj = k; jj-- > 0;) {  // last factor varies fastest
          set_level(pt, jj, spec.factors[jj], rest % n[jj], n[jj]);
          rest /= n[jj];
        }
        out.push_back(std::move(pt));
      }
      break;
    }
    case Design::lhs: {
      const std::int64_t n = spec.samples;
      for (std::int64_t p = 0; p < n; ++p) out.push_back(blank(k, p, ""));
      const auto u = latin_hypercube(n, k, spec.seed);
      for (std::size_t j = 0; j < k; ++j)
        for (std::int64_t p = 0; p < n; ++p)
          set_uniform(out[static_cast<std::size_t>(p)], j, spec.factors[j], u[static_cast<std::size_t>(p)][j]);
      break;
    }
    case Design::morris: {
      // Morris (1991) one-at-a-time trajectories on a p-level grid with jump p/2 levels.
      const std::int64_t p = spec.levels, jump = p / 2;
      for (std::int64_t t = 0; t < spec.trajectories; ++t) {
        sim::Rng base(spec.seed, t, kDesignPhase, 0, kMorrisBase);
        sim::Rng order_rng(spec.seed, t, kDesignPhase, 0, kMorrisOrder);
        std::vector<std::int64_t> lvl(k);
        for (auto& l : lvl) l = static_cast<std::int64_t>(base.below(static_cast<std::uint64_t>(p)));
        std::vector<std::size_t> order(k);
        std::iota(order.begin(), order.end(), std::size_t{0});
        for (std::size_t i = k; i-- > 1;) std::swap(order[i], order[order_rng.below(i + 1)]);
        auto emit = [&](std::string role) {
          auto pt = blank(k, t, std::move(role));
          for (std::size_t j = 0; j < k; ++j) {
            const auto& f = spec.factors[j];
            if (f.is_list) {
              const auto n = static_cast<std::int64_t>(f.texts.size());
              const auto idx = static_cast<std::int64_t>(
                  std::llround(static_cast<double>(lvl[j]) * static_cast<double>(n - 1) / static_cast<double>(p - 1)));
              set_level(pt, j, f, idx, n);
              pt.unit[j] = static_cast<double>(lvl[j]) / static_cast<double>(p - 1);
            } else {
              const double u = static_cast<double>(lvl[j]) / static_cast<double>(p - 1);
              double x = lvl[j] == p - 1 ? f.max : f.min + u * (f.max - f.min);
              if (f.integer) x = static_cast<double>(std::llround(x));
              pt.unit[j] = u;
              pt.value[j] = x;
              pt.text[j] = range_text(f, x);
            }
          }
          out.push_back(std::move(pt));
        };
        emit("base");
        for (std::size_t j : order) {
          lvl[j] = lvl[j] + jump <= p - 1 ? lvl[j] + jump : lvl[j] - jump;
          emit(spec.factors[j].key);
        }
      }
      break;
    }
    case Design::sobol: {
      // Saltelli (2010): A and B from one 2k-dimensional Sobol' sequence; AB_i = A with column i from B.
      SobolSequence seq(static_cast<int>(2 * k));
      for (std::int64_t s = 0; s < spec.samples; ++s) {
        const auto& x = seq.next();
        auto a = blank(k, s, "A"), b = blank(k, s, "B");
        for (std::size_t j = 0; j < k; ++j) {
          set_uniform(a, j, spec.factors[j], x[j]);
          set_uniform(b, j, spec.factors[j], x[k + j]);
        }
        out.push_back(a);
        out.push_back(b);
        for (std::size_t i = 0; i < k; ++i) {
          auto ab = a;
          ab.role = "AB:" + spec.factors[i].key;
          ab.unit[i] = b.unit[i];
          ab.value[i] = b.value[i];
          ab.text[i] = b.text[i];
          out.push_back(std::move(ab));
        }
      }
      break;
    }
  }
  return out;
}

Plan make_plan(const SweepSpec& spec, const std::vector<DesignPoint>& design) {
  Plan plan;
  plan.replicates = spec.replicates;
  plan.seed = spec.seed;
  plan.steps = spec.steps;
  for (const auto& d : design) {
    // The sweep's output level first, so that a `set` entry for output.level wins over it.
    std::vector<std::string> fixed{"output.level=\"" + spec.output_level + "\""};
    fixed.insert(fixed.end(), spec.set.begin(), spec.set.end());
    Point p{spec.scenario, fixed};
    for (std::size_t j = 0; j < spec.factors.size(); ++j) p.overrides.push_back(spec.factors[j].key + "=" + d.text[j]);
    plan.points.push_back(std::move(p));
  }
  return plan;
}

std::string design_csv(const SweepSpec& spec, const std::vector<DesignPoint>& design) {
  std::string out = "point,block,role";
  for (const auto& f : spec.factors) out += "," + csv_field(f.key);
  out += "\n";
  for (std::size_t p = 0; p < design.size(); ++p) {
    out += std::to_string(p) + "," + std::to_string(design[p].block) + "," + csv_field(design[p].role);
    for (const auto& t : design[p].text) out += "," + csv_field(t);
    out += "\n";
  }
  return out;
}

std::string sweep_hash(const SweepSpec& spec) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  auto add = [&](const std::string& s) {
    for (unsigned char c : s) h = (h ^ c) * 0x100000001b3ull;
    h = (h ^ 0xFFu) * 0x100000001b3ull;  // separator
  };
  add("biocluster-sweep-1");
  add(spec.text);
  if (!spec.scenario.empty())
    for (const auto& [path, text] : sim::load_scenario_doc(spec.scenario).sources) add(text);
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace biocluster::batch
