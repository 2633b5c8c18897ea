// libFuzzer target for the calibration-targets and experiment readers (docs/FUZZING.md).
//
// The input bytes go, unchanged, through batch::parse_targets_text (what `biocluster calibrate
// FILE` reads) and batch::parse_experiment_text (what `biocluster experiment FILE` reads), with a
// base directory that does not exist: the readers only resolve scenario paths against it and read
// nothing, so the fuzzer never touches the file system. Whatever parses must satisfy what the
// readers promise (a targets file has a scenario and at least one target, each with a name, a
// source and a positive observed value; an experiment has a baseline scenario and an outcome).
// biocluster::ConfigError is the expected answer to bad input. Anything else -- another exception
// (uncaught: std::terminate), a crash, an ASan/UBSan report, a broken check below -- is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "batch/study.hpp"
#include "sim/errors.hpp"

namespace {

using namespace biocluster;

[[noreturn]] void finding(const char* what) {
  std::fprintf(stderr, "fuzz_study: FINDING: %s\n", what);
  std::abort();
}

const char* const kDir = "/nonexistent-biocluster-fuzz-dir";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const batch::TargetsSpec t = batch::parse_targets_text(text, "fuzz.targets.toml", kDir);
    if (t.scenario.empty() || t.targets.empty()) finding("a targets file without a scenario or a target was accepted");
    for (const auto& tg : t.targets)
      if (tg.name.empty() || tg.source.empty() || !(tg.observed > 0))
        finding("a target without name, source or observed value was accepted");
  } catch (const ConfigError&) {
  }
  try {
    const batch::ExperimentSpec e = batch::parse_experiment_text(text, "fuzz.experiment.toml", kDir);
    if (e.baseline.scenario.empty() || e.outcomes.empty())
      finding("an experiment without a baseline or an outcome was accepted");
  } catch (const ConfigError&) {
  }
  return 0;
}
