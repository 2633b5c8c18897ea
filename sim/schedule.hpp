#pragma once
/// @file The step as a named, ordered list of phases, with per-phase wall-clock timing.
#include <array>
#include <chrono>
#include <string_view>

namespace biocluster::sim {

/// One phase of a step: a name (for timing and docs) and a function of the model.
template <class Model>
struct Phase {
  std::string_view name;
  void (*run)(Model&);
};

/// Accumulated seconds per phase.
template <std::size_t N>
struct PhaseTimes {
  std::array<double, N> seconds{};
};

/// Runs every phase in order, adding each one's wall time to `times`.
template <class Model, std::size_t N>
void run_phases(Model& model, const std::array<Phase<Model>, N>& phases, PhaseTimes<N>& times) {
  for (std::size_t i = 0; i < N; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    phases[i].run(model);
    times.seconds[i] += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
}

}  // namespace biocluster::sim
