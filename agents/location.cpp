// Location choice as a conditional logit over regions (FORMS.md §5; docs/MODEL.md §7.11).
#include "agents/location.hpp"

#include <algorithm>
#include <cmath>

#include "agents/books.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

void measure_sites(World& w) {
  auto& F = w.site_factors;
  if (F.step == w.step) return;
  F.step = w.step;
  const auto& P = w.params;
  const std::size_t n = w.regions.size();
  for (auto* v :
       {&F.mean_rent, &F.talent, &F.hospitals, &F.vc, &F.knowledge, &F.startups, &F.deals, &F.utility, &F.cost})
    v->assign(n, 0.0);
  F.allowed.assign(n, 0);
  for (std::size_t r = 0; r < n; ++r) {
    for (auto c : w.region_cells[r]) {
      F.mean_rent[r] += w.rent.values[c];
      F.talent[r] += w.talent.values[c] + w.talent_phd.values[c];
      F.knowledge[r] += w.knowledge.values[c];
    }
    if (!w.region_cells[r].empty()) F.mean_rent[r] /= static_cast<double>(w.region_cells[r].size());
    F.deals[r] = (w.regions[r].vc_proceeds_year + w.regions[r].vc_invested_year) / 1e6;
    const auto& R = P.regions[r];
    for (const auto& h : w.hospitals.items())
      if (h.alive && h.research_hospital &&
          sim::distance_km(R.x_km, R.y_km, h.x_km, h.y_km) <= P.hospital.trial_reach_km)
        F.hospitals[r] += 1;
    for (const auto& v : w.vcs.items())
      if (v.alive && !v.public_fund && v.fund_open)
        F.vc[r] += deal_weight(sim::distance_km(R.x_km, R.y_km, v.x_km, v.y_km), P.vc);
  }
  for (const auto& s : w.startups.items())
    if (s.alive && s.region >= 0) F.startups[static_cast<std::size_t>(s.region)] += 1;
}

double startup_cost_in(const World& w, std::size_t r, double headcount, bool founding) {
  const auto& P = w.params;
  const auto& S = P.startup;
  const auto& pol = w.policy_of(static_cast<int>(r));
  const int region = static_cast<int>(r);
  const double salary = headcount * cost_per_employee(w, region);
  const bool exempt = pol.customs_exemption_years > 0;  // a young firm pays no import duty there
  const double equipment =
      S.equipment_usd / (12.0 * S.equipment_life_years) / (exempt ? 1.0 + P.market.capital_goods_duty : 1.0);
  double space = headcount * S.office_m2_per_employee * w.site_factors.mean_rent[r] + equipment;
  const bool incubator =
      founding && w.regions[r].incubator_used < pol.incubator_capacity && headcount <= S.incubator_max_headcount;
  if (incubator) space = std::min(space, incubator_fee(w, region));
  double credits = pol.rd_tax_credit * S.rd_share_of_costs * salary + pol.investment_tax_credit * equipment +
                   pol.training_grant_usd_per_hire * headcount / 12.0;
  if (founding && pol.loan_usd > 0) {
    const auto& R = w.regions[r];
    const int year = w.calendar.date_of(w.step).year;
    const double left = R.loan_year == year ? R.loan_budget_left : pol.loan_budget_usd_per_year;
    if (left >= pol.loan_usd) credits += pol.loan_usd / 60.0;
  }
  return std::max(1.0, salary + space - credits);
}

double site_cost_in(const World& w, std::size_t r) {
  const auto& P = w.params;
  const double salary = cost_per_employee(w, static_cast<int>(r));
  return std::max(1.0, salary * (1.0 - w.policy_of(static_cast<int>(r)).rd_tax_credit) +
                           P.startup.office_m2_per_employee * w.site_factors.mean_rent[r]);
}

double location_utility(const World& w, const LocationWeights& L, std::size_t r, int home, double cost) {
  const auto& F = w.site_factors;
  const auto& R = w.params.regions[r];
  double u = -L.cost * std::log(cost) + L.talent * std::log1p(F.talent[r] / 1000.0) +
             L.hospitals * std::log1p(F.hospitals[r]) + L.vc * std::log1p(F.vc[r]) +
             L.knowledge * std::log1p(F.knowledge[r]) + L.startups * std::log1p(F.startups[r]) +
             L.deals * std::log1p(F.deals[r]) + L.amenity * w.regions[r].amenity -
             L.travel * R.travel_time_to_capital_h;
  if (home >= 0) {
    const auto& H = w.params.regions[static_cast<std::size_t>(home)];
    if (static_cast<int>(r) == home)
      u += L.home;
    else
      u -= L.distance * std::log1p(sim::distance_km(H.x_km, H.y_km, R.x_km, R.y_km));
  }
  return u;
}

int choose_region(World& w, const LocationWeights& L, int home, std::span<const double> cost,
                  std::span<const char> allowed, sim::Rng& rng) {
  auto& F = w.site_factors;
  const std::size_t n = w.regions.size();
  const double draw = rng.uniform();
  double best = -1e300;
  for (std::size_t r = 0; r < n; ++r) {
    F.utility[r] = -1e300;
    if (!allowed[r] || w.region_cells[r].empty()) continue;
    if (home >= 0) {
      const auto& H = w.params.regions[static_cast<std::size_t>(home)];
      const auto& R = w.params.regions[r];
      if (static_cast<int>(r) != home && sim::distance_km(H.x_km, H.y_km, R.x_km, R.y_km) > L.reach_km) continue;
    }
    F.utility[r] = location_utility(w, L, r, home, cost[r]);
    best = std::max(best, F.utility[r]);
  }
  if (best <= -1e299) return -1;
  double total = 0;
  for (std::size_t r = 0; r < n; ++r)
    if (F.utility[r] > -1e299) total += std::exp(F.utility[r] - best);
  double u = draw * total;
  int last = -1;
  for (std::size_t r = 0; r < n; ++r) {
    if (F.utility[r] <= -1e299) continue;
    last = static_cast<int>(r);
    u -= std::exp(F.utility[r] - best);
    if (u < 0) return last;
  }
  return last;
}

}  // namespace biocluster::agents
