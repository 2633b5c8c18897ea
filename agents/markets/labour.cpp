// The labour market: hiring within commuting reach, regional wages that rise with scarcity, and
// migration of job seekers between regions. docs/MODEL.md §7.7.
#include "agents/markets/labour.hpp"

#include <algorithm>
#include <cmath>

#include "agents/books.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

void hire_staff(World& w) {
  const auto& M = w.params.market;
  const int W = w.grid.width, H = w.grid.height;
  for (auto& r : w.regions) r.vacancies = 0, r.startup_staff = 0;
  for (auto& s : w.startups.items()) {
    const double want = std::max(0.0, std::floor(s.target_headcount) - s.headcount);
    if (want > 0) {
      double need_phd = want * M.phd_share_of_staff, need_gen = want - need_phd, hired = 0;
      const std::size_t c0 = w.grid.cell_of(s.x_km, s.y_km);
      const int x0 = static_cast<int>(c0 % W), y0 = static_cast<int>(c0 / W);
      for (const auto& [dx, dy] : w.commute_offsets) {
        if (need_phd <= 0 && need_gen <= 0) break;
        const int x = x0 + dx, y = y0 + dy;
        if (x < 0 || y < 0 || x >= W || y >= H) continue;
        const std::size_t c = static_cast<std::size_t>(y) * W + x;
        const double tp = std::min<double>(need_phd, w.talent_phd.values[c]);
        const double tg = std::min<double>(need_gen, w.talent.values[c]);
        w.talent_phd.values[c] -= static_cast<float>(tp);
        w.talent.values[c] -= static_cast<float>(tg);
        need_phd -= tp, need_gen -= tg, hired += tp + tg;
      }
      s.headcount += hired;
      const double grant = hired * (s.region >= 0 ? w.policy_of(s.region).training_grant_usd_per_hire : 0.0);
      if (grant > 0)
        w.ledger.transfer(w.ext.government, s.account, grant, code(Flow::training_grant), w.step, s.region);
    }
    if (s.region >= 0) {
      auto& r = w.regions[static_cast<std::size_t>(s.region)];
      r.vacancies += std::max(0.0, std::floor(s.target_headcount) - s.headcount);
      r.startup_staff += s.headcount;
    }
  }
}

namespace {
double region_pool(const World& w, std::size_t r) {
  double pool = 0;
  for (auto c : w.region_cells[r]) pool += w.talent.values[c] + w.talent_phd.values[c];
  return pool;
}
}  // namespace

void update_labour_market(World& w) {
  const auto& M = w.params.market;
  for (std::size_t r = 0; r < w.regions.size(); ++r) {
    auto& R = w.regions[r];
    // Scarcity: openings per job seeker; the wage moves part of the way to its target each month.
    const double target = std::pow(1.0 + R.vacancies / (region_pool(w, r) + 1.0), M.wage_elasticity);
    R.wage_index += M.wage_adjustment_per_month * (target - R.wage_index);
    const double grant = w.policy_of(static_cast<int>(r)).infrastructure_grant_usd_per_year;
    R.amenity = std::min(1.0, R.amenity + M.amenity_gain_per_billion_usd * grant / 1e9 / 12.0);
  }
}

void migrate_talent(World& w) {
  const auto& M = w.params.market;
  const std::size_t n = w.regions.size();
  if (n < 2 || M.migration_rate_per_year <= 0) return;
  std::vector<double> pool(n), utility(n);
  for (std::size_t r = 0; r < n; ++r) {
    pool[r] = region_pool(w, r);
    const auto& R = w.regions[r];
    utility[r] = M.migration_wage_weight * std::log(R.wage_index) + M.migration_amenity_weight * R.amenity +
                 M.migration_jobs_weight * std::log1p(R.vacancies / (pool[r] + 1.0));
  }
  // Mean-field flows (no randomness): movers choose a destination by a conditional logit.
  std::vector<double> inflow(n, 0.0), outflow(n, 0.0);
  for (std::size_t a = 0; a < n; ++a) {
    if (pool[a] <= 0 || w.region_cells[a].empty()) continue;
    const double movers = pool[a] * M.migration_rate_per_year / 12.0;
    std::vector<double> e(n);
    double total = 0;
    const auto& A = w.params.regions[a];
    for (std::size_t b = 0; b < n; ++b) {
      if (w.region_cells[b].empty()) continue;
      const auto& B = w.params.regions[b];
      const double d = sim::distance_km(A.x_km, A.y_km, B.x_km, B.y_km);
      e[b] =
          std::exp(utility[b] - M.migration_distance_weight * std::log1p(d) + (a == b ? M.migration_stay_bonus : 0.0));
      total += e[b];
    }
    for (std::size_t b = 0; b < n; ++b) {
      if (b == a || total <= 0) continue;
      const double f = movers * e[b] / total;
      outflow[a] += f;
      inflow[b] += f;
    }
  }
  // Movers leave each origin cell in proportion to its pool; their PhD share is the origin's.
  double moved = 0, moved_phd = 0;
  for (std::size_t r = 0; r < n; ++r) {
    if (w.region_cells[r].empty() || pool[r] <= 0) continue;
    double phd = 0;
    for (auto c : w.region_cells[r]) phd += w.talent_phd.values[c];
    moved += outflow[r];
    moved_phd += outflow[r] * phd / pool[r];
    const double keep = 1.0 - outflow[r] / pool[r];
    for (auto c : w.region_cells[r]) {
      w.talent.values[c] = static_cast<float>(w.talent.values[c] * keep);
      w.talent_phd.values[c] = static_cast<float>(w.talent_phd.values[c] * keep);
    }
  }
  const double phd_share = moved > 0 ? moved_phd / moved : 0.0;
  for (std::size_t r = 0; r < n; ++r) {
    if (w.region_cells[r].empty() || inflow[r] <= 0) continue;
    const double per_cell = inflow[r] / static_cast<double>(w.region_cells[r].size());
    for (auto c : w.region_cells[r]) {
      w.talent.values[c] += static_cast<float>(per_cell * (1.0 - phd_share));
      w.talent_phd.values[c] += static_cast<float>(per_cell * phd_share);
    }
  }
}

}  // namespace biocluster::agents
