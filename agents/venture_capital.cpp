#include "agents/venture_capital.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace biocluster::agents {

bool can_invest_new(const VentureCapital& v, const VcParams& p, std::int64_t step) {
  if (v.public_fund) return false;
  const double age = fund_age_years(v, step);
  if (!v.fund_open || age >= p.investment_period_years) return false;
  // Paced over the investment period: a fund may have placed at most (age + 1 year) /
  // investment_period_years of its budget for new companies, a year's share ahead of an even pace
  // (Metrick & Yasuda 2010: funds invest over their first five years).
  const double pace = std::min(1.0, (std::max(0.0, age) + 1.0) / std::max(1.0, p.investment_period_years));
  return v.new_deals_usd < pace * (1.0 - p.reserve_share) * v.committed_usd;
}

double deployed_share(const VentureCapital& v, const VcParams& p) {
  const double budget = (1.0 - p.reserve_share) * v.committed_usd;
  return budget > 0 ? v.new_deals_usd / budget : 1.0;
}

double capital_due(const VentureCapital& v, const VcParams& p, std::int64_t step, double cash_usd) {
  if (v.public_fund || !v.fund_open) return 0.0;
  const double months = 12.0 * p.capital_call_years;
  const double share = months <= 0 ? 1.0 : std::min(1.0, static_cast<double>(step - v.vintage_step + 1) / months);
  const double allowed = std::max(0.0, share * v.committed_usd - v.called_usd);
  if (months <= 0) return allowed;
  // Called as needed: enough to hold call_buffer_share of the commitments in cash, no faster than
  // the schedule allows.
  return std::min(allowed, std::max(0.0, p.call_buffer_share * v.committed_usd - cash_usd));
}

double called_before_run_share(double months_old, const VcParams& p) {
  const double months = 12.0 * p.capital_call_years;
  return months <= 0 ? 0.0 : std::clamp(months_old / months, 0.0, 1.0);
}

double deal_weight(double distance_km, const VcParams& p) {
  return std::exp(-std::numbers::ln2 * distance_km / p.distance_half_km);
}

TrackRecord track_record(const VentureCapital& v, double cash_usd, double holdings_usd) {
  TrackRecord t;
  t.nav_usd = cash_usd + holdings_usd + v.legacy_usd;
  if (v.paid_in_usd > 0) {
    t.tvpi = (v.returned_usd + t.nav_usd) / v.paid_in_usd;
    t.dpi = v.returned_usd / v.paid_in_usd;
  }
  return t;
}

double fund_ask(const VentureCapital& v, double tvpi, const CapitalParams& c, const VcParams& p, std::int64_t step) {
  if (v.fund_number == 0) return c.first_fund_usd;
  const double performance =
      v.committed_usd * std::min(c.ask_max_growth, std::pow(std::max(0.0, tvpi), c.ask_elasticity));
  // What its deal flow supports: new companies placed per year of investing, over a whole
  // investment period, plus the reserves they call for.
  const double years = std::clamp(fund_age_years(v, step), 1.0, p.investment_period_years);
  const double capacity = v.new_deals_usd * p.investment_period_years / years / std::max(1e-9, 1.0 - p.reserve_share);
  return std::min(performance, capacity);
}

std::vector<double> allocate_pool(double pool, const std::vector<double>& asks, const std::vector<double>& weights) {
  std::vector<double> got(asks.size(), 0.0);
  std::vector<bool> capped(asks.size(), false);
  double left = pool;
  // Each pass shares what is left among the uncapped in proportion to weight; an ask that would be
  // exceeded is filled and drops out. At most one pass per ask.
  for (std::size_t pass = 0; pass <= asks.size() && left > 0; ++pass) {
    double wsum = 0;
    for (std::size_t i = 0; i < asks.size(); ++i)
      if (!capped[i] && weights[i] > 0) wsum += weights[i];
    if (wsum <= 0) break;
    bool any_capped = false;
    for (std::size_t i = 0; i < asks.size(); ++i)
      if (!capped[i] && weights[i] > 0 && got[i] + left * weights[i] / wsum >= asks[i]) capped[i] = any_capped = true;
    if (any_capped) {
      for (std::size_t i = 0; i < asks.size(); ++i)
        if (capped[i] && got[i] < asks[i]) left -= asks[i] - got[i], got[i] = asks[i];
      continue;
    }
    for (std::size_t i = 0; i < asks.size(); ++i)
      if (!capped[i] && weights[i] > 0) got[i] += left * weights[i] / wsum;
    left = 0;
  }
  return got;
}

}  // namespace biocluster::agents
