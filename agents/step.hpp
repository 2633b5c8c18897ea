#pragma once
/// @file The step as a named list of phases (agents/step.cpp). docs/MODEL.md §3.
#include <array>

#include "sim/schedule.hpp"

namespace biocluster::agents {

struct World;

/// The phases of one step, in order:
/// decide -> match -> apply -> births_deaths_hiring -> account -> fields_labour_record.
const std::array<sim::Phase<World>, 6>& step_phases();
/// Runs one step (all phases) and advances w.step.
template <class W, std::size_t N>
void run_step(W& w, sim::PhaseTimes<N>& times) {
  sim::run_phases(w, step_phases(), times);
  ++w.step;
}

}  // namespace biocluster::agents
