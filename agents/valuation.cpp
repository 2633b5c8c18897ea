// One valuation of a startup's lead asset for every investor and buyer. docs/MODEL.md §7.4
// ("Valuation"); forms: FORMS.md §4 (rNPV), §7 (drug revenue), §8 (staging, investor valuation).
#include "agents/valuation.hpp"

#include <algorithm>
#include <cmath>

#include "agents/books.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

namespace {
constexpr double kLaunchCurve[6] = {0.11, 0.31, 0.58, 0.76, 0.89, 1.0};  // FORMS.md 7 (Nat Rev Drug Discov 2017)
constexpr double kPlanOverhead = 1.1;  // rent and equipment on top of staff cost in a plan's burn
}  // namespace

double sales_share(double m, const PharmaParams& pp, double exclusivity_years) {
  if (m < 0 || m >= 12.0 * pp.drug_life_years) return 0.0;
  if (m >= 12.0 * exclusivity_years) return 1.0 - pp.generic_erosion;
  const auto year = static_cast<int>(m / 12.0);
  return year < 6 ? kLaunchCurve[year] : 1.0;
}

double sales_per_peak(double m, const PharmaParams& pp, const PolicyParams& policy) {
  const double world = policy.world_sales_share;
  return (1.0 - world) * policy.drug_price_index * sales_share(m, pp, policy.data_exclusivity_years) +
         world * sales_share(m, pp, policy.world_exclusivity_years);
}

namespace {

/// sum over months m = from, from + 1, ... of sales_share(m) d^(m - from), d = (1 + r)^(-1/12). The
/// share is constant on a few ranges (launch years 1-6, exclusivity, the tail), so each range is a
/// geometric series over its whole months.
double discounted_share_sum(double from, double r, const PharmaParams& pp, double exclusivity_years) {
  const double d = std::pow(1.0 + r, -1.0 / 12.0);
  const double life = 12.0 * pp.drug_life_years;
  const double excl = std::min(life, 12.0 * exclusivity_years);
  struct Range {
    double lo, hi, share;
  };
  Range ranges[8];
  int n = 0;
  for (int y = 0; y < 6; ++y) ranges[n++] = {12.0 * y, std::min(12.0 * (y + 1), excl), kLaunchCurve[y]};
  ranges[n++] = {72.0, excl, 1.0};
  ranges[n++] = {excl, life, 1.0 - pp.generic_erosion};
  double v = 0.0;
  for (const auto& [lo, hi, share] : ranges) {
    const double first = std::max(from, std::ceil(lo)), end = std::ceil(hi);  // whole months first .. end - 1
    if (end <= first) continue;
    v += share * std::pow(d, first - from) * (r > 0 ? (1.0 - std::pow(d, end - first)) / (1.0 - d) : end - first);
  }
  return v;
}

}  // namespace

double drug_value_usd(double peak_usd, double from_month, double r, const PharmaParams& pp,
                      const PolicyParams& policy) {
  const double from = std::max(0.0, std::floor(from_month));
  const double world = policy.world_sales_share;
  const double per_peak =
      (1.0 - world) * policy.drug_price_index * discounted_share_sum(from, r, pp, policy.data_exclusivity_years) +
      world * discounted_share_sum(from, r, pp, policy.world_exclusivity_years);
  return pp.drug_margin * peak_usd / 12.0 * per_peak;
}

double plan_headcount(Stage s, const StartupParams& p) {
  switch (s) {
    case Stage::preclinical:
      return p.plan_headcount_preclinical;
    case Stage::phase1:
      return p.plan_headcount_phase1;
    case Stage::phase2:
      return p.plan_headcount_phase2;
    case Stage::phase3:
      return p.plan_headcount_phase3;
    case Stage::filing:
      return p.plan_headcount_filing;
    case Stage::approved:
      return p.plan_headcount_approved;
  }
  return p.plan_headcount_approved;
}

double stage_cost_usd(Stage s, const StartupParams& p) {
  switch (s) {
    case Stage::preclinical:
      return p.preclinical_cost_usd;
    case Stage::phase1:
      return p.phase1_cost_usd;
    case Stage::phase2:
      return p.phase2_cost_usd;
    case Stage::phase3:
      return p.phase3_cost_usd;
    case Stage::filing:
      return p.filing_cost_usd;
    default:
      return 0.0;
  }
}

RateTable make_rate_table(double rate, const StartupParams& sp, const PharmaParams& pp, const PolicyParams& policy) {
  RateTable t;
  t.rate = rate;
  t.launch_value_per_peak_usd = drug_value_usd(1.0, 0.0, rate, pp, policy);
  for (int k = 0; k < kStageCount; ++k) {
    const auto st = static_cast<Stage>(k);
    const double months = st == Stage::approved ? 0.0 : stage_months(st, sp);
    t.d_full[k] = std::pow(1.0 + rate, -months / 12.0);
    t.d_half[k] = std::pow(1.0 + rate, -months / 24.0);
    t.cost[k] = stage_cost_usd(st, sp);
    t.staff_months[k] = plan_headcount(st, sp) * kPlanOverhead * months;
  }
  return t;
}

double asset_value_usd(const Startup& s, const Valuer& v, const StartupParams& sp, const PharmaParams& pp,
                       const PolicyParams& policy, std::int64_t step) {
  if (s.service) return 0.0;
  const RateTable& t = *v.table;
  const double peak = known_peak_usd(s) * s.retained_sales_share;  // a licensed-out share sells for the licensee
  if (s.stage == Stage::approved) {
    const double since = s.approved_step >= 0 ? static_cast<double>(step - s.approved_step) : 0.0;
    return drug_value_usd(peak, since, t.rate, pp, policy);
  }
  // Backward induction from launch to the current stage: at the start of each stage the owner
  // pays its cost only if what it leads to is worth more (the real option of staging); an investor
  // may instead sell after a clinical readout, for exit_share of what a buyer at the exit rate
  // would value the asset at then (with the same odds).
  const RateTable* x = v.exit_table;
  double value = peak * t.launch_value_per_peak_usd;
  double buyer = x ? peak * x->launch_value_per_peak_usd : 0.0;
  for (int k = static_cast<int>(Stage::filing); k >= static_cast<int>(s.stage); --k) {
    const double staff = t.staff_months[k] * v.cost_per_employee;
    const double p = std::clamp(stage_success(static_cast<Stage>(k), sp) * s.odds_boost * v.success_scale, 0.0, 1.0);
    const double next = k >= static_cast<int>(Stage::phase1) ? std::max(value, v.exit_share * buyer) : value;
    value = std::max(0.0, -(t.cost[k] + staff) * t.d_half[k] + p * t.d_full[k] * next);
    if (x) buyer = std::max(0.0, -(x->cost[k] + staff) * x->d_half[k] + p * x->d_full[k] * buyer);
  }
  return value;
}

double programme_value_usd(const Startup& s, const Valuer& v, const World& w) {
  const auto& pp = w.params.pharma;
  Startup next;
  next.stage = Stage::preclinical;
  next.odds_boost = s.odds_boost;
  next.peak_estimate_stage = 0;  // the market's expectation of a drug not yet drawn: the population mean
  next.peak_estimate_usd = next.peak_sales_usd =
      pp.peak_sales_median_usd * std::exp(0.5 * pp.peak_sales_sigma * pp.peak_sales_sigma);
  Valuer blind = v;
  blind.success_scale = 1.0;
  return asset_value_usd(next, blind, w.params.startup, pp, w.params.policy, w.step);
}

double pipeline_value_usd(const Startup& s, const Valuer& v, const World& w) {
  return s.backup_programmes > 0 ? s.backup_programmes * programme_value_usd(s, v, w) : 0.0;
}

double sales_value_usd(const Startup& s, const RateTable& t, double success_scale, const StartupParams& sp,
                       const PharmaParams& pp, const PolicyParams& policy, std::int64_t step) {
  if (s.service) return 0.0;
  if (s.stage == Stage::approved) {
    const double since = s.approved_step >= 0 ? static_cast<double>(step - s.approved_step) : 0.0;
    return drug_value_usd(s.peak_sales_usd, since, t.rate, pp, policy);
  }
  double value = known_peak_usd(s) * t.launch_value_per_peak_usd;
  for (int k = static_cast<int>(Stage::filing); k >= static_cast<int>(s.stage); --k)
    value *=
        std::clamp(stage_success(static_cast<Stage>(k), sp) * s.odds_boost * success_scale, 0.0, 1.0) * t.d_full[k];
  return value;
}

Valuer investor(const World& w, double success_scale, double cost_per_employee) {
  return {&w.rates.vc, success_scale, cost_per_employee, &w.rates.pharma, 1.0 - w.params.pharma.bid_margin};
}

double milestone_factor(const Startup& s, const RateTable& t, double success_scale, const StartupParams& sp) {
  double reach = 1.0, disc = 1.0, sum = 0.0;
  int n = 0;
  for (int k = static_cast<int>(s.stage); k < static_cast<int>(Stage::approved); ++k, ++n) {
    reach *= std::clamp(stage_success(static_cast<Stage>(k), sp) * s.odds_boost * success_scale, 0.0, 1.0);
    disc *= t.d_full[k];
    sum += reach * disc;
  }
  return n > 0 ? sum / n : 0.0;
}

double quality_signal(const World& w, const Startup& s, double noise, std::int64_t valuer_key) {
  const int passed = static_cast<int>(s.stage);
  const double sd = noise * std::pow(w.params.vc.noise_shrink_per_stage, passed);
  auto rng = sim::Rng(w.seed, s.stage_entered_step, ph(PhaseKey::match), agent_key(AgentType::startup, s.id),
                      pu(Purpose::signal),
                      static_cast<std::uint64_t>(valuer_key) * 64 + static_cast<std::uint64_t>(s.asset_number % 64));
  return s.quality + sd * rng.normal();
}

double success_scale_of(double signal) { return std::clamp(0.5 + signal, 0.05, 1.5); }

double peak_estimate_usd(const World& w, const Startup& s) {
  const auto& pp = w.params.pharma;
  const double sd = s.stage == Stage::approved
                        ? 0.0
                        : pp.peak_signal_sd * std::pow(w.params.vc.noise_shrink_per_stage, static_cast<int>(s.stage));
  const double s0 = pp.peak_sales_sigma;
  if (sd <= 0 || s.peak_sales_usd <= 0 || pp.peak_sales_median_usd <= 0) return s.peak_sales_usd;
  auto rng = sim::Rng(w.seed, s.stage_entered_step, ph(PhaseKey::decide), agent_key(AgentType::startup, s.id),
                      pu(Purpose::market_signal), static_cast<std::uint64_t>(s.asset_number));
  // Log-normal prior (the population of assets) and a log-normal signal: the posterior of log peak
  // is normal; its mean in levels is what every valuer uses.
  const double mu0 = std::log(pp.peak_sales_median_usd);
  const double y = std::log(s.peak_sales_usd) + sd * rng.normal();
  const double gain = s0 * s0 / (s0 * s0 + sd * sd);
  const double mean = mu0 + gain * (y - mu0);
  const double var = (1.0 - gain) * s0 * s0;
  return std::exp(mean + 0.5 * var);
}

double draw_peak_sales(const World& w, sim::AgentId id, std::int32_t asset_number) {
  const auto& pp = w.params.pharma;
  auto rng = sim::Rng(w.seed, 0, ph(PhaseKey::init), agent_key(AgentType::startup, id), pu(Purpose::peak_sales),
                      static_cast<std::uint64_t>(asset_number));
  return rng.lognormal_median(pp.peak_sales_median_usd, pp.peak_sales_sigma);
}

double round_need_usd(const Startup& s, const World& w, double cash_usd) {
  const auto& P = w.params;
  const double months = std::min(stage_months(s.stage, P.startup), P.vc.round_max_months);
  const double staff = std::max(s.headcount, plan_headcount(s.stage, P.startup));
  double burn = staff * cost_per_employee(w, s.region) * kPlanOverhead * months;
  burn += trial_cost_per_month(s.stage, P.startup) * months;  // studies (preclinical) or the trial
  if (is_clinical(s.stage) && !s.in_trial) burn += P.hospital.trial_fee_usd;
  return std::max(0.0, burn * (1.0 + P.vc.round_margin) - cash_usd);
}

}  // namespace biocluster::agents
