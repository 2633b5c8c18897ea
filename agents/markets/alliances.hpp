#pragma once
/// @file Pharma alliances: upfront payments to startups by rNPV x distance weight, within a yearly
/// allowance. docs/MODEL.md §7.5 ("Alliances").
#include <cstdint>
#include <vector>

namespace biocluster::agents {

struct World;

/// Work buffers of alliance matching (contents meaningless between steps).
struct AllianceBuffers {
  std::vector<std::uint32_t> candidates;
  std::vector<double> value;
};

void match_alliances(World& w);

}  // namespace biocluster::agents
