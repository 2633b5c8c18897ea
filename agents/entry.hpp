#pragma once
/// @file Entry of firms other than startups (births_deaths phase, January): pharma R&D sites
/// (docs/MODEL.md §7.5) and VC firms from the region's exit proceeds (§7.4).

namespace biocluster::agents {

struct World;

/// Each January a pharma firm outside the grid may open an R&D site in the region that attracts it most.
void open_rd_sites(World& w);
/// Each January a region gains Poisson(vc.entry_per_billion_usd x its VC firms' exit proceeds, $B) VC firms.
void open_vc_firms(World& w);

}  // namespace biocluster::agents
