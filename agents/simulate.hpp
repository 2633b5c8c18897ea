#pragma once
/// @file The one simulation loop: `steps` steps of a world, with an observer called after each.
/// Used by the run driver (batch/run.cpp), in-memory batch runs (batch/study.cpp), the tests and the
/// benchmarks. Header-only.
#include <atomic>
#include <cstdint>
#include <tuple>
#include <type_traits>
#include <utility>

#include "agents/model.hpp"

namespace biocluster::agents {

/// Wall time per step phase (agents::step_phases() order), summed over the steps run.
using StepTimes = sim::PhaseTimes<std::tuple_size_v<std::remove_cvref_t<decltype(step_phases())>>>;

/// Runs steps 0..steps-1 of `w` (each: agents::run_step), calling `observe(w, k)` after step k.
/// The observer may read the world and clear its pending events; it must not change the model.
/// If `stop` becomes true, the loop ends before the next step. Returns the number of steps run.
template <class Observer>
std::int64_t simulate(World& w, std::int64_t steps, Observer&& observe, StepTimes& times,
                      const std::atomic<bool>* stop = nullptr) {
  for (std::int64_t k = 0; k < steps; ++k) {
    if (stop && stop->load()) return k;
    run_step(w, times);
    observe(w, k);
  }
  return steps;
}

/// As above, without phase times.
template <class Observer>
std::int64_t simulate(World& w, std::int64_t steps, Observer&& observe) {
  StepTimes times;
  return simulate(w, steps, std::forward<Observer>(observe), times);
}

}  // namespace biocluster::agents
