#pragma once
/// @file Trial slots: hospitals' yearly slots and the matching of startups to the nearest hospital
/// with a free slot. docs/MODEL.md §7.2.
#include <cstdint>
#include <vector>

#include "sim/spatial_index.hpp"

namespace biocluster::agents {

struct World;

/// Work buffers of trial matching (contents meaningless between steps).
struct TrialBuffers {
  std::vector<std::uint32_t> open;  ///< hospitals with a free slot
  std::vector<float> x, y;
  sim::SpatialIndex index;
};

/// Hospitals' trial slots refill each January (and at step 0); decide phase.
void refill_trial_slots(World& w);
void match_trials(World& w);

}  // namespace biocluster::agents
