// Entry of firms other than startups, each January: pharma R&D sites (docs/MODEL.md §7.5) and VC
// firms (§7.4), placed in the region they choose.
#include "agents/entry.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>
#include <vector>

#include "agents/books.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

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

/// VC entry (MODEL.md §7.4): each January a region gains Poisson(vc.entry_per_billion_usd x the exit
/// proceeds, in $B, its private VC firms received over the past 12 months) new VC firms, each raising
/// a first fund of vc.fund_size_usd (called like any fund's), placed within the region.
void open_vc_firms(World& w) {
  const auto& P = w.params;
  if (w.calendar.month_of(w.step) != 1) return;
  bool born = false;
  for (std::size_t r = 0; r < w.regions.size(); ++r) {
    const double proceeds = std::exchange(w.regions[r].vc_proceeds_year, 0.0);
    if (P.vc.entry_per_billion_usd <= 0 || proceeds <= 0) continue;
    auto rng =
        rng_for(w, PhaseKey::births, AgentType::venture_capital, static_cast<sim::AgentId>(r), Purpose::vc_entry);
    const std::int64_t n = rng.poisson(P.vc.entry_per_billion_usd * proceeds / 1e9);
    const auto& R = P.regions[r];
    for (std::int64_t k = 0; k < n; ++k) {
      VentureCapital v;
      std::tie(v.x_km, v.y_km) = place_near(w, R.x_km, R.y_km, R.radius_km, rng);
      v.region = static_cast<std::int16_t>(r);
      v.committed_usd = P.vc.fund_size_usd;
      v.vintage_step = static_cast<std::int32_t>(w.step);
      v.fund_open = true;
      v.fund_number = 1;
      const sim::AgentId id = w.vcs.queue_birth(v);
      auto& b = w.vcs.queued_births().back();
      b.account = open_account(w, AgentType::venture_capital, id, b.region);
      log_event(w, EventKind::fund_raised, AgentType::venture_capital, id, b.region, AgentType::startup, -1,
                b.committed_usd, 0.0, 1);
      count(w, w.m.vc_raised, b.region, b.committed_usd);
      born = true;
    }
  }
  w.vcs.commit();
  if (born) rebuild_indexes(w);
}

}  // namespace biocluster::agents
