// libFuzzer target for the scenario loader (docs/FUZZING.md).
//
// The input bytes go, unchanged, through
//   1. sim::find_invalid_utf8, checked against an independent reference validator;
//   2. sim::parse_scenario_text (TOML -> flat ScenarioDoc; includes are refused without a base
//      directory, so the fuzzer never reads files) and agents::load_params (typed, validated);
//   3. sim::apply_override with the bytes as a "key=value" assignment, onto the parsed document
//      (or an empty one), then agents::load_params again;
//   4. for every scenario that loads: agents::to_toml, parsed and loaded back, must print the same.
// biocluster::ConfigError is the expected answer to bad input. Anything else -- another exception
// (uncaught: std::terminate), a crash, an ASan/UBSan report, a broken check below -- is a finding.
//
// Invalid UTF-8 must be rejected by our code before toml11 sees it: toml11 3.7.1 reads out of
// bounds on it (TOOLCHAIN.md), so an ASan report from inside toml11 is a finding against us too.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "agents/params.hpp"
#include "sim/config.hpp"
#include "sim/errors.hpp"

namespace {

using namespace biocluster;

[[noreturn]] void finding(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "fuzz_scenario: FINDING: %s\n", what);
  if (!detail.empty()) std::fprintf(stderr, "%.*s\n", static_cast<int>(detail.size()), detail.data());
  std::abort();
}

/// Offset of the first ill-formed UTF-8 sequence (Unicode 15, table 3-7), or -1. Written
/// independently of sim::find_invalid_utf8 so that the two can be compared.
std::ptrdiff_t reference_invalid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  auto in = [](unsigned char b, unsigned lo, unsigned hi) { return b >= lo && b <= hi; };
  for (std::size_t i = 0; i < n;) {
    const unsigned char b = p[i];
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (b <= 0x7F)
      len = 1;
    else if (in(b, 0xC2, 0xDF))
      len = 2;
    else if (b == 0xE0)
      len = 3, lo = 0xA0;
    else if (in(b, 0xE1, 0xEC) || in(b, 0xEE, 0xEF))
      len = 3;
    else if (b == 0xED)
      len = 3, hi = 0x9F;
    else if (b == 0xF0)
      len = 4, lo = 0x90;
    else if (in(b, 0xF1, 0xF3))
      len = 4;
    else if (b == 0xF4)
      len = 4, hi = 0x8F;
    else
      return static_cast<std::ptrdiff_t>(i);
    if (n - i < len) return static_cast<std::ptrdiff_t>(i);
    if (len >= 2 && !in(p[i + 1], lo, hi)) return static_cast<std::ptrdiff_t>(i);
    for (std::size_t k = 2; k < len; ++k)
      if (!in(p[i + k], 0x80, 0xBF)) return static_cast<std::ptrdiff_t>(i);
    i += len;
  }
  return -1;
}

/// Loads `doc`; on success, checks that the printed parameters load back and print the same.
void load_and_round_trip(const sim::ScenarioDoc& doc) {
  agents::Params p;
  try {
    p = agents::load_params(doc);
  } catch (const ConfigError&) {
    return;
  }
  const std::string printed = agents::to_toml(p);
  std::string again;
  try {
    again = agents::to_toml(agents::load_params(sim::parse_scenario_text(printed, "printed.toml")));
  } catch (const ConfigError& e) {
    finding("printed parameters do not load back", std::string(e.what()) + "\n--- printed:\n" + printed);
  }
  if (again != printed)
    finding("printed parameters do not round-trip", "--- first:\n" + printed + "--- second:\n" + again);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  // 1. The UTF-8 gate in front of toml11.
  const std::ptrdiff_t bad = sim::find_invalid_utf8(text);
  if (bad != reference_invalid_utf8(text)) finding("find_invalid_utf8 disagrees with the reference validator");

  // 2. The bytes as a scenario file.
  sim::ScenarioDoc doc;
  try {
    doc = sim::parse_scenario_text(text, "fuzz.toml");
    if (bad >= 0) finding("invalid UTF-8 was accepted by parse_scenario_text");
  } catch (const ConfigError& e) {
    if (bad >= 0 && std::string_view(e.what()).find("invalid UTF-8") == std::string_view::npos)
      finding("invalid UTF-8 was rejected, but not by the UTF-8 check", e.what());
    doc = {};
  }
  if (!doc.entries.empty()) load_and_round_trip(doc);

  // 3. The bytes as a --set key=value override, onto the parsed document (or an empty one).
  try {
    sim::apply_override(doc, text);
    if (bad >= 0) finding("invalid UTF-8 was accepted by apply_override");
    load_and_round_trip(doc);
  } catch (const ConfigError&) {
  }
  return 0;
}
