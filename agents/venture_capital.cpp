#include "agents/venture_capital.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace biocluster::agents {

bool can_invest_new(const VentureCapital& v, const VcParams& p, std::int64_t step) {
  if (v.public_fund) return false;
  return v.fund_open && fund_age_years(v, step) < p.investment_period_years &&
         v.new_deals_usd < (1.0 - p.reserve_share) * v.committed_usd;
}

double capital_due(const VentureCapital& v, const VcParams& p, std::int64_t step) {
  if (v.public_fund || !v.fund_open) return 0.0;
  const double months = 12.0 * p.capital_call_years;
  const double share = months <= 0 ? 1.0 : std::min(1.0, static_cast<double>(step - v.vintage_step + 1) / months);
  return std::max(0.0, share * v.committed_usd - v.called_usd);
}

double called_before_run_share(double months_old, const VcParams& p) {
  const double months = 12.0 * p.capital_call_years;
  return months <= 0 ? 0.0 : std::clamp(months_old / months, 0.0, 1.0);
}

double deal_weight(double distance_km, const VcParams& p) {
  return std::exp(-std::numbers::ln2 * distance_km / p.distance_half_km);
}

}  // namespace biocluster::agents
