#pragma once
/// @file Funding rounds priced by the investors' own valuations: deal flow with distance decay,
/// each investor's valuation of the company (agents/valuation.hpp), the lead's price, co-investors
/// and insiders who join only at a price their valuation justifies, the public fund's match,
/// dilution. docs/MODEL.md §7.4 ("Rounds").
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace biocluster::agents {

struct World;
struct VentureCapital;
struct Startup;

/// Work buffers of round matching (contents meaningless between steps).
struct RoundBuffers {
  struct Screened {
    std::uint32_t vc;  ///< index in the VC store
    bool follow_on;
    double weight;
    double value;  ///< the investor's valuation of the company before the round (asset + cash)
    double buyer;  ///< its estimate of what a pharma buyer would pay for the asset (+ cash)
  };
  std::vector<double> need;                     ///< per seeker: the round's size
  std::vector<std::uint8_t> worthless;          ///< per seeker: worth nothing even to the best signal
  std::vector<std::uint8_t> reachable;          ///< per seeker: some VC in reach could invest in it
  std::vector<std::uint32_t> seekers;           ///< startups seeking a round (store indices)
  std::vector<std::uint8_t> vc_state;           ///< per VC at the start of matching
  std::vector<std::vector<Screened>> screened;  ///< per seeker: VCs that would consider it
  std::vector<std::size_t> accepting, order;
  std::vector<double> weights;
  std::vector<std::pair<std::size_t, double>> commitments;
};

void match_rounds(World& w);

/// What the region's public fund `v` puts beside `raised` private dollars in startup s (MODEL.md
/// §7.4): public_fund_matching x raised, at most its cash less what its targets that s does not
/// serve still lack of their share of the endowment (hospital-origin firms, firms under a year old).
double public_match_usd(const World& w, const VentureCapital& v, const Startup& s, double raised);

}  // namespace biocluster::agents
