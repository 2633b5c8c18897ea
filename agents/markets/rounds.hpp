#pragma once
/// @file Funding rounds: screening with distance decay, lead and co-investors, the public fund's
/// match, dilution. docs/MODEL.md §7.4 ("Rounds").
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace biocluster::agents {

struct World;

/// Work buffers of round matching (contents meaningless between steps).
struct RoundBuffers {
  struct Screened {
    std::uint32_t vc;  ///< index in the VC store
    bool follow_on;
    double weight;
  };
  std::vector<std::uint32_t> seekers;           ///< startups seeking a round (store indices)
  std::vector<std::uint8_t> vc_state;           ///< per VC at the start of matching
  std::vector<std::vector<Screened>> screened;  ///< per seeker: VCs that would consider it
  std::vector<std::size_t> accepting, order;
  std::vector<double> weights;
  std::vector<std::pair<std::size_t, double>> commitments;
};

void match_rounds(World& w);

}  // namespace biocluster::agents
