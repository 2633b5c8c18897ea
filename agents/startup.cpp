#include "agents/startup.hpp"

#include <algorithm>

namespace biocluster::agents {

double stage_months(Stage s, const StartupParams& p) {
  switch (s) {
    case Stage::preclinical: return 12.0 * p.preclinical_years;
    case Stage::phase1: return 12.0 * p.phase1_years;
    case Stage::phase2: return 12.0 * p.phase2_years;
    case Stage::phase3: return 12.0 * p.phase3_years;
    case Stage::filing: return 12.0 * p.filing_years;
    case Stage::approved: return 1e9;
  }
  return 1e9;
}

double stage_success(Stage s, const StartupParams& p) {
  switch (s) {
    case Stage::preclinical: return p.p_preclinical;
    case Stage::phase1: return p.p_phase1;
    case Stage::phase2: return p.p_phase2;
    case Stage::phase3: return p.p_phase3;
    case Stage::filing: return p.p_filing;
    case Stage::approved: return 1.0;
  }
  return 1.0;
}

void compute_costs(Startup& s, const StartupParams& p, double rent_usd_per_m2_month) {
  const double rent = s.headcount * p.office_m2_per_employee * rent_usd_per_m2_month;
  // The all-in cost per employee includes space at base rent; the rent flow is booked separately.
  s.rent_due = rent;
  s.salary_due = s.headcount * p.cost_per_employee_usd_month;
}

void decide_startup(Startup& s, const StartupParams& p, double cash_usd) {
  const double burn = s.salary_due + s.rent_due;
  s.wants_round = s.stage != Stage::approved && burn > 0 && cash_usd < p.runway_trigger_months * burn;
  s.wants_trial = is_clinical(s.stage) && !s.in_trial;
}

bool progress_asset(Startup& s, const StartupParams& p, double local_knowledge, sim::Rng& timing, sim::Rng& success) {
  if (s.stage == Stage::approved) return false;
  if (is_clinical(s.stage) && !s.in_trial) return false;  // waiting for a trial slot
  ++s.months_in_stage;
  if (!timing.bernoulli(1.0 / stage_months(s.stage, p))) return false;
  // Local knowledge raises the odds, up to +50% (MODEL.md §7.3); quality shifts them by +-50%.
  const double boost = 1.0 + std::min(0.5, p.knowledge_boost * local_knowledge);
  const double prob = std::clamp(stage_success(s.stage, p) * boost * (0.5 + s.quality), 0.0, 1.0);
  if (!success.bernoulli(prob)) {
    s.asset_failed = true;
    return false;
  }
  s.stage = static_cast<Stage>(static_cast<int>(s.stage) + 1);
  s.months_in_stage = 0;
  s.in_trial = false;
  return true;
}

double founder_share(const Startup& s) {
  double vc = 0;
  for (const auto& k : s.stakes) vc += k.share;
  return std::max(0.0, 1.0 - vc);
}

}  // namespace biocluster::agents
