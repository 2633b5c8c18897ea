#include "agents/pharma.hpp"

#include <algorithm>
#include <cmath>

namespace biocluster::agents {

double probability_of_approval(Stage s, const StartupParams& p) {
  double prob = 1.0;
  for (int k = static_cast<int>(s); k < static_cast<int>(Stage::approved); ++k)
    prob *= stage_success(static_cast<Stage>(k), p);
  return prob;
}

double years_to_launch(Stage s, const StartupParams& p) {
  double months = 0.0;
  for (int k = static_cast<int>(s); k < static_cast<int>(Stage::approved); ++k)
    months += stage_months(static_cast<Stage>(k), p);
  return months / 12.0;
}

double erosion_per_month(const Pharma& f, const PharmaParams& p, std::int64_t step) {
  const double steady = p.generic_erosion / (12.0 * p.patent_life_years);
  return step < 60 ? std::max(steady, p.generic_erosion * f.expiring_share / 60.0) : steady;
}

double acquisition_share(const Pharma& f, const PharmaParams& p) {
  return std::min(1.0, p.acquisition_share_of_rd * f.expiring_share / 0.3);
}

void plan_pharma_month(Pharma& f, const PharmaParams& p, double tax_rate, bool tax_exempt, std::int64_t step) {
  f.revenue_due = f.revenue_usd_per_year / 12.0;
  const double rd = f.revenue_due * p.rd_share;
  f.rd_salary_due = rd * (1.0 - acquisition_share(f, p));
  f.tax_due = tax_exempt ? 0.0 : tax_rate * p.margin * f.revenue_due;
  f.operating_cost_due = f.revenue_due - rd - f.tax_due;  // cost of goods, marketing and payouts
  // Patent expiries erode revenue; in-house R&D refills the part it funds; the rest must come from
  // acquired assets that reach approval (MODEL.md §7.5).
  const double steady = p.generic_erosion / (12.0 * p.patent_life_years);
  f.revenue_usd_per_year *= 1.0 - erosion_per_month(f, p, step) + steady * (1.0 - acquisition_share(f, p));
}

}  // namespace biocluster::agents
