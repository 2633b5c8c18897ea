// libFuzzer target for the sweep-file reader (docs/FUZZING.md).
//
// The input bytes go, unchanged, through batch::parse_sweep_text (what `biocluster sweep FILE`
// reads), with a base directory that does not exist: the reader only resolves the `scenario` path
// against it and reads nothing, so the fuzzer never touches the file system. For every sweep that
// parses and whose design is small (at most 4,096 points), batch::make_design, make_plan and
// design_csv run on it too: every design coordinate must lie in [0, 1], every value of a min/max
// factor in [min, max], and an integer factor's text must be its value.
// biocluster::ConfigError is the expected answer to bad input. Anything else -- another exception
// (uncaught: std::terminate), a crash, an ASan/UBSan report, a broken check below -- is a finding.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "batch/sweep.hpp"
#include "sim/errors.hpp"

namespace {

using namespace biocluster;

[[noreturn]] void finding(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz_sweep: FINDING: %s\n", what);
  if (!detail.empty()) std::fprintf(stderr, "%.*s\n", static_cast<int>(detail.size()), detail.data());
  std::abort();
}

/// Design points the spec asks for, or -1 past `cap` (then the design is not built: a 10-million
/// point design is legal but too slow for a fuzz input).
std::int64_t design_size(const batch::SweepSpec& s, std::int64_t cap) {
  const auto k = static_cast<std::int64_t>(s.factors.size());
  std::int64_t n = 1;
  switch (s.design) {
    case batch::Design::grid:
      for (const auto& f : s.factors) {
        const std::int64_t m = f.is_list ? static_cast<std::int64_t>(f.texts.size()) : f.levels;
        if (m > cap) return -1;
        n *= m;
        if (n > cap) return -1;
      }
      return n;
    case batch::Design::lhs:
      n = s.samples;
      break;
    case batch::Design::sobol:
      n = s.samples > cap ? cap + 1 : s.samples * (k + 2);
      break;
    case batch::Design::morris:
      n = s.trajectories > cap ? cap + 1 : s.trajectories * (k + 1);
      break;
  }
  return n > cap || k > cap ? -1 : n;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  batch::SweepSpec spec;
  try {
    spec = batch::parse_sweep_text(text, "fuzz.sweep.toml", "/nonexistent-biocluster-fuzz-dir");
  } catch (const ConfigError&) {
    return 0;
  }
  if (spec.text != text) finding("SweepSpec::text is not the input");
  if (design_size(spec, 4096) < 0) return 0;
  try {
    const auto design = batch::make_design(spec);
    for (const auto& p : design) {
      if (p.unit.size() != spec.factors.size() || p.text.size() != spec.factors.size())
        finding("a design point does not have one coordinate per factor");
      for (double u : p.unit)
        if (!(u >= 0.0 && u <= 1.0)) finding("a design coordinate is outside [0, 1]", std::to_string(u));
      // A min/max factor's values lie in [min, max]; an integer range's text is that integer.
      for (std::size_t j = 0; j < spec.factors.size(); ++j) {
        const auto& f = spec.factors[j];
        if (f.is_list) continue;
        const double x = p.value[j];
        if (!(x >= f.min && x <= f.max))
          finding("a design value is outside [min, max]", f.key + " = " + p.text[j] + " (" + std::to_string(x) + ")");
        if (f.integer && p.text[j] != std::to_string(static_cast<long long>(x)))
          finding("an integer factor's text is not its value",
                  f.key + " = " + p.text[j] + " (" + std::to_string(x) + ")");
      }
    }
    const auto plan = batch::make_plan(spec, design);
    if (plan.points.size() != design.size()) finding("the plan does not have one point per design point");
    (void)batch::design_csv(spec, design);
  } catch (const ConfigError&) {
  }
  return 0;
}
