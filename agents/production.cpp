// Production and CDMO plants. docs/MODEL.md §7.5, "Production plants".
#include "agents/production.hpp"

#include <algorithm>
#include <cmath>

#include "agents/books.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

double production_demand_litres(const World& w, double step) {
  const auto& Q = w.params.production;
  const double years = step / 12.0, fast = std::min(years, Q.demand_growth_years);
  return w.production_base_litres * std::pow(1.0 + Q.demand_growth_per_year, fast) *
         std::pow(1.0 + Q.long_run_growth_per_year, std::max(0.0, years - fast));
}

double programme_demand_litres(const World& w) {
  const double price = w.params.production.price_usd_per_litre_year;
  return price > 0 ? w.params.policy.demand_programme_usd_per_year / price : 0.0;
}

void plan_production(World& w) {
  const auto& Q = w.params.production;
  // Plants whose building finished start running (builds in order of decision).
  auto& builds = w.plant_builds;
  for (auto it = builds.begin(); it != builds.end();) {
    if (w.step < it->ready_step) {
      ++it;
      continue;
    }
    if (auto* f = w.pharmas.find(it->plant)) f->capacity_litres += it->litres, f->pending_litres -= it->litres;
    it = builds.erase(it);
  }
  double capacity = 0;
  for (const auto& f : w.pharmas.items())
    if (f.production) capacity += f.capacity_litres;
  // The world market's demand and the public programme's, served pro rata.
  const double programme = programme_demand_litres(w);
  const double demand = production_demand_litres(w, static_cast<double>(w.step)) + programme;
  const double public_share = demand > 0 ? programme / demand : 0.0;
  for (auto& f : w.pharmas.items()) {
    if (!f.production) continue;
    const double used = capacity > 0 ? std::min(f.capacity_litres, demand * f.capacity_litres / capacity) : 0.0;
    f.staff_needed = used * Q.staff_per_litre;
    // Output as far as the staff allow (a plant present at step 0 starts staffed, MODEL.md §7.7).
    const double staff = f.staff < 0 ? f.staff_needed : f.staff;
    const double output = f.staff_needed > 0 ? used * std::min(1.0, staff / f.staff_needed) : 0.0;
    f.revenue_due = output * Q.price_usd_per_litre_year / 12.0;
    f.public_revenue_due = f.revenue_due * public_share;
    f.rd_salary_due = staff * cost_per_employee(w, f.region);  // wages of the plant's staff
    const bool exempt = static_cast<double>(w.step - f.founded_step) < 12.0 * w.policy_of(f.region).tax_exemption_years;
    const double profit = f.revenue_due * (1.0 - Q.materials_share) - f.rd_salary_due;
    f.tax_due = exempt ? 0.0 : w.params.market.corporate_tax_rate * std::max(0.0, profit);
    // Materials and the owners' payout; negative: the owners cover a loss (book_pharma).
    f.operating_cost_due = f.revenue_due - f.rd_salary_due - f.tax_due;
  }
}

namespace {

/// Present value at build time of a litre a year of a plant owned by `f`, built now: contract revenue
/// less materials and staff at today's local cost, after corporate tax — none for what is left of
/// the owner's region's tax holiday once the plant runs — over the plant's life (MODEL.md §7.5).
double plant_value_per_litre(const World& w, const Pharma& f) {
  const auto& Q = w.params.production;
  const double tax = w.params.market.corporate_tax_rate;
  const double margin = Q.price_usd_per_litre_year * (1.0 - Q.materials_share) -
                        Q.staff_per_litre * 12.0 * cost_per_employee(w, f.region);
  const double r = Q.discount_rate;
  const auto annuity = [&](double years) { return r > 0 ? (1.0 - std::pow(1.0 + r, -years)) / r : years; };
  const double runs_at_age = (static_cast<double>(w.step - f.founded_step) + 12.0 * Q.build_years) / 12.0;
  const double holiday = std::clamp(w.policy_of(f.region).tax_exemption_years - runs_at_age, 0.0, Q.life_years);
  const double life = annuity(Q.life_years);
  const double taxed = holiday > 0 ? margin * (life - tax * (life - annuity(holiday))) : margin * (1.0 - tax) * life;
  return taxed / std::pow(1.0 + r, Q.build_years);
}

/// The import duty on its capital goods: none where the region exempts them.
double plant_duty(const World& w, const Pharma& f) {
  return w.policy_of(f.region).customs_exemption_years > 0 ? 0.0 : w.params.market.capital_goods_duty;
}

}  // namespace

void expand_production(World& w) {
  const auto& Q = w.params.production;
  if (w.calendar.date_of(w.step).month != 1 || Q.plant_litres <= 0) return;
  // The site: the owner whose plant would be worth most over its cost (the tax holiday left, the
  // local wage, the import duty; ties to the first).
  double capacity = 0;
  Pharma* site = nullptr;
  double best = 0, value = 0, cost = 0, duty = 0;
  for (auto& f : w.pharmas.items()) {
    if (!f.production) continue;
    capacity += f.capacity_litres + f.pending_litres;
    const double d = plant_duty(w, f);
    const double v = plant_value_per_litre(w, f), c = Q.capex_usd_per_litre * (1.0 + d);
    if (site == nullptr || v - c > best) site = &f, best = v - c, value = v, cost = c, duty = d;
  }
  if (site == nullptr) return;
  const double build_months = 12.0 * Q.build_years;
  // Owners expect the public programme in force now to last (they do not read its schedule).
  const double expected =
      production_demand_litres(w, static_cast<double>(w.step) + build_months) + programme_demand_litres(w);
  // Build while the demand expected then is not covered and a plant is worth its cost.
  for (int k = 0; k < 10 && expected > capacity && value > cost; ++k) {
    site->pending_litres += Q.plant_litres;
    w.plant_builds.push_back(
        {site->id, static_cast<std::int32_t>(w.step + static_cast<std::int64_t>(build_months)), Q.plant_litres});
    capacity += Q.plant_litres;
    const double capex = Q.capex_usd_per_litre * Q.plant_litres;
    w.ledger.transfer(w.ext.world_market, w.ext.landlords, capex, code(Flow::equipment), w.step, site->region);
    if (duty > 0)
      w.ledger.transfer(w.ext.world_market, w.ext.government, capex * duty, code(Flow::tax), w.step, site->region);
    log_event(w, EventKind::plant_built, AgentType::pharma, site->id, site->region, AgentType::pharma, site->id, capex,
              Q.plant_litres, 0, 0);
  }
}

}  // namespace biocluster::agents
