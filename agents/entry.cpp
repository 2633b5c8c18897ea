// Entry of firms other than startups, each January: pharma R&D sites (docs/MODEL.md §7.5) and VC
// firms (§7.4), placed in the region they choose.
#include "agents/entry.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>
#include <vector>

#include "agents/books.hpp"
#include "agents/location.hpp"
#include "agents/markets/funds.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

namespace {
/// RNG key of the national entry stream (no agent has this id).
constexpr sim::AgentId kNationalEntryKey = sim::AgentId{1} << 40;
}  // namespace

/// Each January a pharma firm outside the grid may open an R&D site, in a region it chooses by
/// the conditional logit of location.rd_site among those where it has none (MODEL.md §7.11).
void open_rd_sites(World& w) {
  const auto& P = w.params;
  if (w.calendar.month_of(w.step) != 1 || w.region_count() == 0) return;
  measure_sites(w);  // idempotent within a step
  auto& F = w.site_factors;
  const std::size_t n = w.pharmas.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& parent = w.pharmas[i];
    if (parent.region >= 0 || parent.site_of >= 0) continue;
    auto rng = rng_for(w, PhaseKey::births, AgentType::pharma, parent.id, Purpose::site);
    if (!rng.bernoulli(P.pharma.site_opening_probability_per_year)) continue;
    for (std::size_t r = 0; r < w.regions.size(); ++r) F.cost[r] = site_cost_in(w, r), F.allowed[r] = 1;
    for (const auto& f : w.pharmas.items())
      if (f.site_of == parent.id && f.region >= 0) F.allowed[static_cast<std::size_t>(f.region)] = 0;
    const int best = choose_region(w, P.location.rd_site, -1, F.cost, F.allowed, rng);
    if (best < 0) continue;
    const auto& R = P.regions[static_cast<std::size_t>(best)];
    Pharma site;
    std::tie(site.x_km, site.y_km) = place_near(w, R.x_km, R.y_km, R.radius_km, rng);
    site.region = static_cast<std::int16_t>(best);
    site.site_of = parent.id;
    site.founded_step = static_cast<std::int32_t>(w.step);
    site.site_budget_usd_per_year = parent.revenue_usd_per_year * P.pharma.rd_share * P.pharma.site_rd_share;
    const sim::AgentId id = w.pharmas.queue_birth(site);
    auto& born = w.pharmas.queued_births().back();
    born.account = open_account(w, AgentType::pharma, id, born.region);
    log_event(w, EventKind::site_opened, AgentType::pharma, id, born.region, AgentType::pharma, parent.id,
              born.site_budget_usd_per_year);
  }
  w.pharmas.commit();
}

/// VC entry (MODEL.md §7.4, "Entry"): each January, while vc.entry_per_billion_usd > 0, new managers
/// raise first funds of capital.first_fund_usd from the limited partners' commitments left
/// unallocated by the January raise: floor(unallocated / first fund) of them, at most
/// capital.max_entrants_per_year. Each chooses its office's region by the conditional logit of
/// location.vc_office (by default: where VC money was invested and its VC firms received exit
/// proceeds over the past 12 months; MODEL.md §7.11).
void open_vc_firms(World& w) {
  const auto& P = w.params;
  if (w.calendar.month_of(w.step) != 1) return;
  const std::size_t nr = w.regions.size();
  measure_sites(w);  // idempotent within a step; it reads the deal counters reset here
  for (std::size_t r = 0; r < nr; ++r) w.regions[r].vc_proceeds_year = w.regions[r].vc_invested_year = 0;  // seen
  auto& K = w.capital;
  const double first = P.capital.first_fund_usd;
  if (P.vc.entry_per_billion_usd <= 0 || nr == 0 || first <= 0) return;
  // New managers enter only while deal flow outruns the capital chasing it: the funds now investing
  // place their budgets for new companies at least as fast as their investment periods require
  // (commitment-weighted), so a crowded market admits no one.
  double placed = 0, due = 0;
  for (const auto& v : w.vcs.items())
    if (!v.public_fund && v.fund_open && fund_age_years(v, w.step) < P.vc.investment_period_years) {
      const double budget = (1.0 - P.vc.reserve_share) * v.committed_usd;
      placed += std::min(v.new_deals_usd, budget);
      due += budget * std::clamp(fund_age_years(v, w.step) / P.vc.investment_period_years, 0.0, 1.0);
    }
  if (due > 0 && placed < due) return;
  // First the managers the regional reserves fund (capital.regional_share of the private pool,
  // capital.fof_regional_share of the fund-of-funds'), who choose among the regions outside the
  // capital area only, then the managers the rest of the unallocated pools fund, who choose among
  // all. The fund-of-funds puts in at most capital.fof_share of a first fund; private money the rest.
  const double cap = static_cast<double>(P.capital.max_entrants_per_year);
  const double m = P.capital.fof_share;
  // What a next entrant's first fund draws on each pool (reserved: a regional manager); false when
  // the money is not there.
  auto sources = [&](bool reserved, double& fof, double& lp) {
    fof = std::min(m * first, std::max(0.0, reserved ? K.fof_unallocated_regional_usd
                                                     : K.fof_unallocated_usd - K.fof_unallocated_regional_usd));
    lp = first - fof;
    if (!reserved) return lp <= K.lp_unallocated_usd - K.lp_unallocated_regional_usd;
    return fof > 0 ? lp <= K.lp_unallocated_usd : lp <= K.lp_unallocated_regional_usd;
  };
  {
    double fof = 0, lp = 0;
    if (cap < 1 || (!sources(true, fof, lp) && !sources(false, fof, lp))) return;
  }
  // One national stream for the placements (keyed by the step: identical at any thread count).
  auto rng = rng_for(w, PhaseKey::births, AgentType::venture_capital, kNationalEntryKey, Purpose::vc_entry);
  auto& F = w.site_factors;
  std::fill(F.cost.begin(), F.cost.end(), 1.0);  // a manager's office costs are not weighed
  bool reserved = true;
  for (std::int64_t k = 0; static_cast<double>(k) < cap; ++k) {
    double fof = 0, lp = 0;
    if (reserved && !sources(true, fof, lp)) reserved = false;
    if (!reserved && !sources(false, fof, lp)) break;
    bool any = false;
    for (std::size_t r = 0; r < nr; ++r) {
      F.allowed[r] = !reserved || !P.regions[r].capital_area;
      any |= F.allowed[r] != 0;
    }
    if (!any) std::fill(F.allowed.begin(), F.allowed.end(), 1);
    const int chosen = choose_region(w, P.location.vc_office, -1, F.cost, F.allowed, rng);
    if (chosen < 0) break;
    const auto r = static_cast<std::size_t>(chosen);
    const auto& R = P.regions[r];
    VentureCapital v;
    std::tie(v.x_km, v.y_km) = place_near(w, R.x_km, R.y_km, R.radius_km, rng);
    v.region = static_cast<std::int16_t>(r);
    const sim::AgentId id = w.vcs.queue_birth(v);
    auto& b = w.vcs.queued_births().back();
    b.account = open_account(w, AgentType::venture_capital, id, b.region);
    open_fund(w, b, first, 0.0, fof);
    if (reserved) {
      K.lp_unallocated_regional_usd -= std::min(lp, K.lp_unallocated_regional_usd);
      K.fof_unallocated_regional_usd -= fof;
    }
    K.lp_unallocated_usd -= lp;
    K.lp_committed_usd += lp;
    K.fof_unallocated_usd -= fof;
    K.fof_committed_usd += fof;
  }
  w.vcs.commit();
  rebuild_indexes(w);
}

}  // namespace biocluster::agents
