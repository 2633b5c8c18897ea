#pragma once
/// @file Where agents choose to be: a conditional logit over regions (FORMS.md §5) for founders, for
/// startups that have just raised a priced round, for pharma R&D sites and for new VC managers,
/// each with its own weights (params.location). docs/MODEL.md §7.11.
#include <cstdint>
#include <span>
#include <vector>

#include "agents/params.hpp"
#include "sim/rng.hpp"

namespace biocluster::agents {

struct World;

/// What a chooser sees of each region this month (measured once per births phase; contents are
/// meaningless between uses).
struct SiteFactors {
  std::int64_t step = -1;         ///< the step measured (-1: never)
  std::vector<double> mean_rent;  ///< USD/m2/month, mean over the region's cells
  std::vector<double> talent;     ///< job seekers (PhD and other) in the region's cells
  std::vector<double> hospitals;  ///< research hospitals within hospital.trial_reach_km of the centre
  std::vector<double> vc;         ///< private VC firms with an open fund, each weighted by deal_weight(distance)
  std::vector<double> knowledge;  ///< knowledge stock of the region's cells
  std::vector<double> startups;   ///< living startups of the region
  std::vector<double> deals;      ///< VC money invested there and its VC firms' exit proceeds, past year (M USD)
  std::vector<double> utility;    ///< work buffer of one choice
  std::vector<double> cost;       ///< work buffer: a chooser's monthly cost per region
  std::vector<char> allowed;      ///< work buffer: regions a chooser may pick
};

/// Measures SiteFactors for this step (once; later calls in the step reuse them).
void measure_sites(World& w);

/// Monthly cost to a startup of `headcount` staff in region r, net of the incentives it would
/// receive there: salaries at the region's wage, rent at its mean rent (or, for a founder, the
/// incubator fee when a place is free and cheaper), equipment with import duty unless exempt, minus the local R&D and
/// investment credits, the training grant per hire (spread over a year) and, for a founder, the
/// public loan while its budget lasts (spread over five years).
double startup_cost_in(const World& w, std::size_t r, double headcount, bool founding);

/// Monthly cost of one R&D employee of a pharma site in region r, net of the local R&D credit.
double site_cost_in(const World& w, std::size_t r);

/// Logit utility of region r to a chooser with weights `L`, home region `home` (-1: none) and
/// monthly cost `cost` there.
double location_utility(const World& w, const LocationWeights& L, std::size_t r, int home, double cost);

/// Draws a region by the conditional logit among those with cells, within L.reach_km of the home
/// centre (every region when home < 0) and allowed[r] != 0; cost[r] is the chooser's monthly cost
/// in region r. Returns -1 when no region is eligible. Uses one uniform draw of `rng`.
int choose_region(World& w, const LocationWeights& L, int home, std::span<const double> cost,
                  std::span<const char> allowed, sim::Rng& rng);

}  // namespace biocluster::agents
