#include "agents/startup.hpp"

#include <algorithm>

namespace biocluster::agents {

double stage_months(Stage s, const StartupParams& p) {
  switch (s) {
    case Stage::preclinical:
      return 12.0 * p.preclinical_years;
    case Stage::phase1:
      return 12.0 * p.phase1_years;
    case Stage::phase2:
      return 12.0 * p.phase2_years;
    case Stage::phase3:
      return 12.0 * p.phase3_years;
    case Stage::filing:
      return 12.0 * p.filing_years;
    case Stage::approved:
      return 1e9;
  }
  return 1e9;
}

double stage_success(Stage s, const StartupParams& p) {
  switch (s) {
    case Stage::preclinical:
      return p.p_preclinical;
    case Stage::phase1:
      return p.p_phase1;
    case Stage::phase2:
      return p.p_phase2;
    case Stage::phase3:
      return p.p_phase3;
    case Stage::filing:
      return p.p_filing;
    case Stage::approved:
      return 1.0;
  }
  return 1.0;
}

double trial_cost_per_month(Stage s, const StartupParams& p) {
  switch (s) {
    case Stage::preclinical:
      return p.preclinical_cost_usd / (12.0 * p.preclinical_years);
    case Stage::phase1:
      return p.phase1_cost_usd / (12.0 * p.phase1_years);
    case Stage::phase2:
      return p.phase2_cost_usd / (12.0 * p.phase2_years);
    case Stage::phase3:
      return p.phase3_cost_usd / (12.0 * p.phase3_years);
    default:
      return 0.0;
  }
}

void compute_costs(Startup& s, const StartupParams& p, double cost_per_employee_usd_month, double rent_usd_per_m2_month,
                   double incubator_fee_usd_month) {
  s.salary_due = s.headcount * cost_per_employee_usd_month;
  if (s.incubated) {
    s.rent_due = incubator_fee_usd_month;
    s.equipment_due = 0;
  } else {
    s.rent_due = s.headcount * p.office_m2_per_employee * rent_usd_per_m2_month;
    s.equipment_due = p.equipment_usd / (12.0 * p.equipment_life_years);
  }
  // Studies run while a trial runs, and through the preclinical stage once investors fund the
  // company (before its first round a founder-funded startup works at the bench).
  const bool studies = s.stage == Stage::preclinical && !s.service && (s.rounds > 0 || s.owner_id >= 0 || s.listed);
  s.trial_cost_due = s.in_trial || studies ? trial_cost_per_month(s.stage, p) : 0.0;
}

double funding_need(const Startup& s, const StartupParams& p, double trial_fee_usd) {
  double need = p.runway_trigger_months * monthly_costs(s);
  if (is_clinical(s.stage) && !s.in_trial)
    need += trial_fee_usd + p.runway_trigger_months * trial_cost_per_month(s.stage, p);
  return need;
}

void decide_startup(Startup& s, const StartupParams& p, double cash_usd, double trial_fee_usd) {
  if (s.service) {  // sales fund it: no rounds, no trials; it grows while it holds a runway of cash
    s.wants_round = s.wants_trial = false;
    if (cash_usd >= p.runway_trigger_months * monthly_costs(s))
      s.target_headcount = std::min(p.service_max_headcount, std::max(s.target_headcount, s.headcount) *
                                                                 (1.0 + p.service_growth_per_year / 12.0));
    return;
  }
  s.wants_round = s.stage != Stage::approved && cash_usd < funding_need(s, p, trial_fee_usd);
  s.wants_trial = is_clinical(s.stage) && !s.in_trial;
}

bool progress_asset(Startup& s, const StartupParams& p, double local_knowledge, sim::Rng& timing, sim::Rng& success,
                    double pace) {
  if (s.stage == Stage::approved || s.service) return false;
  // Local knowledge raises the odds, up to +50% (MODEL.md §7.3); quality shifts them by +-50%.
  s.odds_boost = static_cast<float>(1.0 + std::min(0.5, p.knowledge_boost * local_knowledge));
  if (is_clinical(s.stage) && !s.in_trial) return false;  // waiting for a trial slot
  ++s.months_in_stage;
  if (!timing.bernoulli(pace / stage_months(s.stage, p))) return false;  // pace: staffed share (§7.7)
  const double prob = std::clamp(stage_success(s.stage, p) * s.odds_boost * (0.5 + s.quality), 0.0, 1.0);
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
  return std::max(0.0, 1.0 - vc - s.public_share);
}

}  // namespace biocluster::agents
