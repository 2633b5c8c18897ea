// The labour market: every employer hires within commuting reach, regional wages follow local
// unemployment and unfilled openings, and job seekers migrate between regions and the labour
// market outside the grid. docs/MODEL.md §7.7.
#include "agents/markets/labour.hpp"

#include <algorithm>
#include <cmath>

#include "agents/books.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

namespace {

double region_pool(const World& w, std::size_t r) {
  double pool = 0;
  for (auto c : w.region_cells[r]) pool += w.talent.values[c] + w.talent_phd.values[c];
  return pool;
}

/// One employer's opening this month: where it hires and how many it still wants.
struct Opening {
  double* staff;
  double want;
  std::size_t cell;
  int region;
  Startup* startup;  ///< null for a university, hospital or pharma site
};

/// Hires up to `want` persons from the seekers in the cells within commuting reach of `cell`, PhDs
/// in the employers' PhD share; returns the persons hired.
double hire_near(World& w, std::size_t cell, double want) {
  const auto& M = w.params.market;
  const int W = w.grid.width, H = w.grid.height;
  double need_phd = want * M.phd_share_of_staff, need_gen = want - need_phd, hired = 0;
  const int x0 = static_cast<int>(cell % W), y0 = static_cast<int>(cell / W);
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
  return hired;
}

/// Persons an institution's salary money pays for at the region's cost per employee.
double staff_paid_for(const World& w, double usd_per_month, int region) {
  return usd_per_month > 0 ? usd_per_month / cost_per_employee(w, region) : 0.0;
}

}  // namespace

void hire_staff(World& w) {
  const auto& M = w.params.market;
  const double keep = 1.0 - M.separation_per_year / 12.0;
  for (std::size_t r = 0; r < w.regions.size(); ++r) {
    auto& R = w.regions[r];
    R.vacancies = R.startup_staff = R.employed = R.hires = 0;
    R.seekers = region_pool(w, r);
  }
  // Every employer loses separation_per_year of its staff to retirement and other sectors, lays off
  // what its money no longer pays for (back to the seekers where it sits), and posts the rest of its
  // target as openings. Employers present at step 0 start fully staffed.
  std::vector<Opening> open;
  auto post = [&](double& staff, double target, float x_km, float y_km, int region, Startup* s) {
    const std::size_t c = w.grid.cell_of(x_km, y_km);
    if (staff < 0) staff = w.step == 0 ? target : 0.0;
    staff *= keep;
    if (staff > target) {
      const double out = staff - target, phd = out * M.phd_share_of_staff;
      w.talent_phd.at(c) += static_cast<float>(phd);
      w.talent.at(c) += static_cast<float>(out - phd);
      staff = target;
    }
    if (target - staff > 1e-9) open.push_back({&staff, target - staff, c, region, s});
  };
  for (auto& u : w.universities.items())
    if (u.alive)
      post(u.staff, staff_paid_for(w, research_usd_per_month(u), u.region), u.x_km, u.y_km, u.region, nullptr);
  for (auto& h : w.hospitals.items())
    if (h.alive && h.research_hospital)
      post(h.staff, staff_paid_for(w, w.params.hospital.research_funding_usd_per_year / 12.0, h.region), h.x_km, h.y_km,
           h.region, nullptr);
  for (auto& f : w.pharmas.items())
    if (f.alive && f.region >= 0)
      post(f.staff, f.production ? f.staff_needed : staff_paid_for(w, f.rd_salary_due, f.region), f.x_km, f.y_km,
           f.region, nullptr);
  for (auto& s : w.startups.items()) {
    if (!s.alive) continue;
    s.headcount *= keep;
    const double want = std::max(0.0, std::floor(s.target_headcount) - s.headcount);
    if (want > 0) open.push_back({&s.headcount, want, w.grid.cell_of(s.x_km, s.y_km), s.region, &s});
  }
  // Openings are filled in a keyed random order, so no employer type is always first in line.
  auto order = rng_for(w, PhaseKey::births, AgentType::startup, 0, Purpose::hiring_order);
  for (std::size_t i = open.size(); i > 1; --i) std::swap(open[i - 1], open[order.below(i)]);
  for (auto& o : open) {
    const double hired = hire_near(w, o.cell, o.want);
    *o.staff += hired;
    if (o.region >= 0) {
      auto& R = w.regions[static_cast<std::size_t>(o.region)];
      R.hires += hired;
      R.vacancies += o.want - hired;
    }
    const double grant =
        o.startup != nullptr && o.region >= 0 ? hired * w.policy_of(o.region).training_grant_usd_per_hire : 0.0;
    if (grant > 0)
      w.ledger.transfer(w.ext.government, o.startup->account, grant, code(Flow::training_grant), w.step, o.region);
  }
  auto employed = [&](int region, double n) {
    if (region >= 0) w.regions[static_cast<std::size_t>(region)].employed += n;
  };
  for (auto& u : w.universities.items()) {
    const double target = staff_paid_for(w, research_usd_per_month(u), u.region);
    u.staffed = target > 0 ? std::pow(std::min(1.0, std::max(0.0, u.staff) / target), M.understaffing_elasticity) : 1.0;
    employed(u.region, std::max(0.0, u.staff));
  }
  for (const auto& h : w.hospitals.items()) employed(h.region, std::max(0.0, h.staff));
  for (const auto& f : w.pharmas.items()) employed(f.region, std::max(0.0, f.staff));
  for (const auto& s : w.startups.items())
    if (s.alive && s.region >= 0) {
      employed(s.region, s.headcount);
      w.regions[static_cast<std::size_t>(s.region)].startup_staff += s.headcount;
    }
}

void update_labour_market(World& w) {
  const auto& M = w.params.market;
  for (std::size_t r = 0; r < w.regions.size(); ++r) {
    auto& R = w.regions[r];
    // The wage curve: a slack market (unemployment above its natural rate) pays less, a tight one
    // more; openings left unfilled push further up. The wage moves part of the way each month.
    const double u = std::clamp(R.seekers / (R.seekers + R.employed + 1.0), 0.005, 1.0);
    const double target = std::pow(u / M.natural_unemployment, -M.wage_curve_elasticity) *
                          std::pow(1.0 + R.vacancies / (R.seekers + 1.0), M.wage_elasticity);
    R.wage_index += M.wage_adjustment_per_month * (target - R.wage_index);
    const double grant = w.policy_of(static_cast<int>(r)).infrastructure_grant_usd_per_year;
    R.amenity = std::min(1.0, R.amenity + M.amenity_gain_per_billion_usd * grant / 1e9 / 12.0);
  }
}

void migrate_talent(World& w) {
  const auto& M = w.params.market;
  const std::size_t n = w.regions.size();
  if (M.migration_rate_per_year <= 0 && M.outside_movers_per_year <= 0) return;
  // Alternative n is the labour market outside the grid: the base wage, its own amenity, and a
  // seeker's odds of being hired there at the natural rate.
  std::vector<double> pool(n + 1, 0.0), utility(n + 1, 0.0);
  for (std::size_t r = 0; r < n; ++r) {
    pool[r] = region_pool(w, r);
    const auto& R = w.regions[r];
    utility[r] = M.migration_wage_weight * std::log(R.wage_index) + M.migration_amenity_weight * R.amenity +
                 M.migration_jobs_weight * std::log1p(12.0 * R.hires / (R.seekers + 1.0));
  }
  // Outside, a seeker is hired at the rate that keeps unemployment at its natural level given the
  // separation rate: f = s (1 - u*) / u* a month.
  const double outside_hiring = M.separation_per_year / 12.0 * (1.0 - M.natural_unemployment) / M.natural_unemployment;
  utility[n] =
      M.migration_amenity_weight * M.outside_amenity + M.migration_jobs_weight * std::log1p(12.0 * outside_hiring);
  auto km = [&](std::size_t a, std::size_t b) {
    if (a == b) return 0.0;
    if (a == n || b == n) return M.outside_distance_km;
    const auto &A = w.params.regions[a], &B = w.params.regions[b];
    return sim::distance_km(A.x_km, A.y_km, B.x_km, B.y_km);
  };
  auto open = [&](std::size_t r) { return r == n || !w.region_cells[r].empty(); };
  // Mean-field flows (no randomness): movers choose a destination by a conditional logit.
  std::vector<double> inflow(n + 1, 0.0), outflow(n + 1, 0.0);
  for (std::size_t a = 0; a <= n; ++a) {
    const double movers = a == n ? M.outside_movers_per_year / 12.0 : pool[a] * M.migration_rate_per_year / 12.0;
    if (movers <= 0 || !open(a)) continue;
    std::vector<double> e(n + 1, 0.0);
    double total = 0;
    for (std::size_t b = 0; b <= n; ++b) {
      if (!open(b)) continue;
      e[b] = std::exp(utility[b] - M.migration_distance_weight * std::log1p(km(a, b) / M.migration_distance_km) +
                      (a == b ? M.migration_stay_bonus : 0.0));
      total += e[b];
    }
    for (std::size_t b = 0; b <= n; ++b) {
      if (b == a || total <= 0) continue;
      const double f = movers * e[b] / total;
      outflow[a] += f;
      inflow[b] += f;
    }
  }
  // Movers leave each origin cell in proportion to its pool (their PhD share is the origin's) and
  // settle evenly over the destination's cells; those from outside have the employers' PhD share.
  double moved = 0, moved_phd = 0;
  for (std::size_t r = 0; r < n; ++r) {
    auto& R = w.regions[r];
    R.migrants_in = inflow[r], R.migrants_out = outflow[r];
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
  // Arrivals in the grid's regions: movers between them (the movers' PhD share; those who left
  // for outside had the same) and arrivals from outside (the employers' PhD share).
  const double between = std::max(0.0, moved - inflow[n]);
  const double arrivals = between + outflow[n];
  const double share =
      arrivals > 0 ? ((moved > 0 ? moved_phd / moved : 0.0) * between + M.phd_share_of_staff * outflow[n]) / arrivals
                   : 0.0;
  for (std::size_t r = 0; r < n; ++r) {
    if (w.region_cells[r].empty() || inflow[r] <= 0) continue;
    const double per_cell = inflow[r] / static_cast<double>(w.region_cells[r].size());
    for (auto c : w.region_cells[r]) {
      w.talent.values[c] += static_cast<float>(per_cell * (1.0 - share));
      w.talent_phd.values[c] += static_cast<float>(per_cell * share);
    }
  }
}

}  // namespace biocluster::agents
