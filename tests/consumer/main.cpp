// Uses the installed biocluster: loads a scenario (sim::), builds the world and runs a few steps
// (agents::), and writes an empty run file (output::, so HDF5 is linked through the package).
// Usage: consumer SCENARIO.toml OUT_DIR. Prints one line; exit 0 when the world ran.
#include <cstdio>
#include <exception>
#include <filesystem>
#include <string>
#include <tuple>
#include <type_traits>

#include "agents/model.hpp"
#include "agents/params.hpp"
#include "biocluster/version.hpp"
#include "output/run_writer.hpp"
#include "sim/config.hpp"
#include "sim/grid.hpp"
#include "sim/schedule.hpp"

namespace bc = biocluster;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: consumer SCENARIO.toml OUT_DIR\n");
    return 2;
  }
  try {
    constexpr int kSteps = 3;
    auto doc = bc::sim::load_scenario_doc(argv[1]);
    bc::sim::apply_override(doc, "run.steps=" + std::to_string(kSteps));
    const bc::agents::Params params = bc::agents::load_params(doc);
    bc::agents::World world = bc::agents::make_world(params, 42);
    constexpr std::size_t kPhases = std::tuple_size_v<std::remove_cvref_t<decltype(bc::agents::step_phases())>>;
    bc::sim::PhaseTimes<kPhases> times;
    for (int k = 0; k < kSteps; ++k) bc::agents::run_step(world, times);

    bc::output::RunHeader header;
    header.program_version = bc::kVersion;
    const std::filesystem::path file = std::filesystem::path(argv[2]) / "consumer.h5";
    bc::output::RunWriter writer(file, header);
    writer.finish({});

    std::printf("consumer: biocluster %s, %d steps of %s, %d regions, %zu fields; wrote %s\n", bc::kVersion, kSteps,
                argv[1], world.region_count(), bc::agents::output_fields(world).size(), file.c_str());
    return std::filesystem::exists(file) ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "consumer: %s\n", e.what());
    return 1;
  }
}
