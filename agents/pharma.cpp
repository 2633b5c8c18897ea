#include "agents/pharma.hpp"

#include <cmath>

namespace biocluster::agents {

double probability_of_approval(Stage s, const StartupParams& p) {
  double prob = 1.0;
  for (int k = static_cast<int>(s); k < static_cast<int>(Stage::approved); ++k) prob *= stage_success(static_cast<Stage>(k), p);
  return prob;
}

double years_to_launch(Stage s, const StartupParams& p) {
  double months = 0.0;
  for (int k = static_cast<int>(s); k < static_cast<int>(Stage::approved); ++k) months += stage_months(static_cast<Stage>(k), p);
  return months / 12.0;
}

double rnpv_usd(const Startup& s, const StartupParams& sp, const PharmaParams& pp) {
  const double margin = 0.25, years_on_market = 10.0;
  const double value_at_launch = pp.peak_sales_median_usd * margin * years_on_market;
  return value_at_launch * probability_of_approval(s.stage, sp) / std::pow(1.0 + pp.discount_rate, years_to_launch(s.stage, sp));
}

void plan_pharma_month(Pharma& f, const PharmaParams& p) {
  f.revenue_due = f.revenue_usd_per_year / 12.0;
  const double rd = f.revenue_due * p.rd_share;
  f.rd_salary_due = rd * (1.0 - p.acquisition_share_of_rd);
  f.operating_cost_due = f.revenue_due - rd;  // cost of goods, marketing and profit paid out
}

}  // namespace biocluster::agents
