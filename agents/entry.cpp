// Entry of firms other than startups, each January: pharma R&D sites (docs/MODEL.md §7.5) and VC
// firms (§7.4), placed in the region they choose.
#include "agents/entry.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>
#include <vector>

#include "agents/books.hpp"
#include "agents/markets/funds.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

namespace {
/// RNG key of the national entry stream (no agent has this id).
constexpr sim::AgentId kNationalEntryKey = sim::AgentId{1} << 40;
}  // namespace

/// Each January a pharma firm outside the grid may open an R&D site in the region that attracts it
/// most: knowledge, startups, amenity, against rent (MODEL.md §7.5).
void open_rd_sites(World& w) {
  const auto& P = w.params;
  if (w.calendar.month_of(w.step) != 1 || w.region_count() == 0) return;
  std::vector<double> score(static_cast<std::size_t>(w.region_count()), 0.0);
  std::vector<double> startups(score.size(), 0.0);
  for (const auto& s : w.startups.items())
    if (s.region >= 0) startups[static_cast<std::size_t>(s.region)] += 1;
  for (std::size_t r = 0; r < score.size(); ++r) {
    double know = 0, rent = 0;
    for (auto c : w.region_cells[r]) know += w.knowledge.values[c], rent += w.rent.values[c];
    const double cells = std::max<double>(1.0, static_cast<double>(w.region_cells[r].size()));
    score[r] =
        std::log1p(know) + std::log1p(startups[r]) + 2.0 * w.regions[r].amenity - std::log1p(rent / cells / 10.0);
  }
  const std::size_t n = w.pharmas.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& parent = w.pharmas[i];
    if (parent.region >= 0 || parent.site_of >= 0) continue;
    auto rng = rng_for(w, PhaseKey::births, AgentType::pharma, parent.id, Purpose::site);
    if (!rng.bernoulli(P.pharma.site_opening_probability_per_year)) continue;
    std::ptrdiff_t best = -1;
    for (std::size_t r = 0; r < score.size(); ++r) {
      bool has_site = false;
      for (const auto& f : w.pharmas.items()) has_site |= f.site_of == parent.id && f.region == static_cast<int>(r);
      if (!has_site && (best < 0 || score[r] > score[static_cast<std::size_t>(best)]))
        best = static_cast<std::ptrdiff_t>(r);
    }
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
/// capital.max_entrants_per_year. Each is placed in a region drawn in proportion to the VC money
/// invested in the region's startups plus the exit proceeds its VC firms received over the past 12
/// months (where deals and exits happen; by VC firms present when there were none).
void open_vc_firms(World& w) {
  const auto& P = w.params;
  if (w.calendar.month_of(w.step) != 1) return;
  const std::size_t nr = w.regions.size();
  std::vector<double> weight(nr, 0.0);
  double total = 0;
  for (std::size_t r = 0; r < nr; ++r) {
    weight[r] = std::exchange(w.regions[r].vc_proceeds_year, 0.0) + std::exchange(w.regions[r].vc_invested_year, 0.0);
    total += weight[r];
  }
  if (total <= 0) {
    for (const auto& v : w.vcs.items())
      if (v.region >= 0 && !v.public_fund) weight[static_cast<std::size_t>(v.region)] += 1, total += 1;
    if (total <= 0) std::fill(weight.begin(), weight.end(), 1.0), total = static_cast<double>(nr);
  }
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
  // First the managers the regional reserve funds (capital.regional_share), placed outside the
  // capital area only (by the same weights; by startups there when those are all zero), then the
  // managers the rest of the unallocated pool funds, placed anywhere.
  const double cap = static_cast<double>(P.capital.max_entrants_per_year);
  const auto n_regional = static_cast<std::int64_t>(std::min(cap, std::floor(K.lp_unallocated_regional_usd / first)));
  const auto n = std::min(
      static_cast<std::int64_t>(cap),
      n_regional + static_cast<std::int64_t>(
                       std::floor(std::max(0.0, K.lp_unallocated_usd - K.lp_unallocated_regional_usd) / first)));
  if (n <= 0) return;
  std::vector<double> regional(nr, 0.0);
  double regional_total = 0;
  if (n_regional > 0) {
    for (std::size_t r = 0; r < nr; ++r)
      if (!P.regions[r].capital_area) regional[r] = weight[r], regional_total += weight[r];
    if (regional_total <= 0)
      for (const auto& s : w.startups.items())
        if (s.alive && s.region >= 0 && !P.regions[static_cast<std::size_t>(s.region)].capital_area)
          regional[static_cast<std::size_t>(s.region)] += 1, regional_total += 1;
  }
  // One national stream for the placements (keyed by the step: identical at any thread count).
  auto rng = rng_for(w, PhaseKey::births, AgentType::venture_capital, kNationalEntryKey, Purpose::vc_entry);
  for (std::int64_t k = 0; k < n; ++k) {
    const bool reserved = k < n_regional && regional_total > 0;
    const auto& wt = reserved ? regional : weight;
    double u = rng.uniform() * (reserved ? regional_total : total);
    std::size_t r = 0;
    while (r + 1 < nr && u >= wt[r]) u -= wt[r], ++r;
    const auto& R = P.regions[r];
    VentureCapital v;
    std::tie(v.x_km, v.y_km) = place_near(w, R.x_km, R.y_km, R.radius_km, rng);
    v.region = static_cast<std::int16_t>(r);
    const sim::AgentId id = w.vcs.queue_birth(v);
    auto& b = w.vcs.queued_births().back();
    b.account = open_account(w, AgentType::venture_capital, id, b.region);
    open_fund(w, b, first, 0.0);
    if (reserved) K.lp_unallocated_regional_usd -= first;
    K.lp_unallocated_usd -= first;
    K.lp_committed_usd += first;
  }
  w.vcs.commit();
  rebuild_indexes(w);
}

}  // namespace biocluster::agents
