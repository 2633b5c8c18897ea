#pragma once
/// @file Licensing deals: a pharma firm buys `pharma.licence_share` of a startup's sales rights for
/// an upfront and milestones priced by its valuation, within a yearly allowance. docs/MODEL.md §7.5
/// ("Licensing deals").
#include <cstdint>
#include <vector>

namespace biocluster::agents {

struct World;
struct Startup;

/// Work buffers of alliance matching (contents meaningless between steps).
struct AllianceBuffers {
  std::vector<std::uint32_t> candidates;
  std::vector<double> value;
};

/// Licensing deals of the month (before the rounds; the `alliance` event and flow).
void match_alliances(World& w);
/// At a stage success of a licensed asset: the licensee pays the startup its milestone (as far as
/// its cash allows; a `milestone` flow), whoever owns the startup now.
void pay_licence_milestone(World& w, Startup& s);

}  // namespace biocluster::agents
