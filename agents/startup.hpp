#pragma once
/// @file Startup: a single lead asset moving through the drug-development stages, cash and burn,
/// funding rounds when runway is short, trials at nearby hospitals, exit or failure. MODEL.md §7.3.
#include <cstdint>
#include <vector>

#include "agents/params.hpp"
#include "sim/ledger.hpp"
#include "sim/rng.hpp"
#include "sim/store.hpp"

namespace biocluster::agents {

enum class Stage : std::int8_t { preclinical, phase1, phase2, phase3, filing, approved };
inline constexpr int kStageCount = 6;
inline const char* const kStageNames[kStageCount] = {"preclinical", "phase1", "phase2", "phase3", "filing", "approved"};

/// Where a startup came from (Event::detail of a founding).
enum class Origin : std::int8_t { initial, university, hospital, staff, serial };
inline constexpr int kOriginCount = 5;
inline const char* const kOriginNames[kOriginCount] = {"initial", "university", "hospital", "staff", "serial"};

/// A VC's stake in a startup.
struct Stake {
  sim::AgentId vc_id = -1;
  double invested_usd = 0;
  double share = 0;  ///< fraction of equity
};

struct Startup {
  sim::AgentId id = -1;
  bool alive = true;
  std::int16_t region = -1;
  float x_km = 0, y_km = 0;
  sim::AccountId account = 0;
  Origin origin = Origin::initial;
  sim::AgentId parent_id = -1;
  std::int32_t founded_step = 0;
  double quality = 0.5;                ///< latent quality of the lead asset, 0..1 (unobserved by investors)
  std::int32_t asset_number = 0;       ///< lead assets held so far - 1 (a relicensed asset is a new one)
  std::int32_t backup_programmes = 0;  ///< discovery programmes behind the lead (a listed firm's pipeline)
  double peak_sales_usd = 0;           ///< peak yearly sales of the lead asset if approved (drawn per asset)
  float odds_boost = 1;  ///< factor local knowledge puts on each stage's odds (MODEL.md §7.3); known to every valuer
  double peak_estimate_usd = 0;          ///< what the market expects them to be, from its signal at this stage
  std::int8_t peak_estimate_stage = -1;  ///< stage of that estimate (-1: none yet)
  Stage stage = Stage::preclinical;
  std::int32_t months_in_stage = 0;
  std::int32_t stage_entered_step = 0;  ///< step the asset entered its stage (keys the investors' signals)
  std::int32_t approved_step = -1;      ///< step the drug was approved (its sales curve starts here)
  bool in_trial = false;                ///< a clinical stage runs only with a trial slot
  double headcount = 0;
  double target_headcount = 0;
  std::int32_t rounds = 0;
  std::int32_t round_step = -1;         ///< step of its last priced round (a relocation decision follows it)
  double post_money_usd = 0;            ///< valuation at the last round (for a listed firm: its last market value)
  std::vector<Stake> stakes;            ///< VC investors; the rest belongs to public holders and founders (households)
  double public_share = 0;              ///< fraction of equity held by public investors (after an IPO)
  std::vector<Stake> former_stakes;     ///< after an acquisition: the sellers' stakes, paid the milestones
  double former_public_share = 0;       ///< after an acquisition: public holders' share of the milestones
  double milestone_usd = 0;             ///< after an acquisition: paid to the sellers at each later stage success
  bool incubated = false;               ///< in an incubator: pays its fee instead of rent and equipment
  bool listed = false;                  ///< listed on a stock market (after an IPO)
  std::int32_t listed_step = -1000000;  ///< step of its IPO (its VCs' lock-up runs from here)
  std::int32_t grant_until = -1;        ///< last step of its running applied-grant award (-1: none)
  bool listing_passed = false;          ///< its technology evaluation passed (market.tech_listing)
  std::int32_t listing_applied_step = -1000000;  ///< last application for a technology evaluation
  std::int32_t listing_decision_step = -1;       ///< step its pending evaluation is decided (-1: none pending)
  bool partnered = false;                        ///< has signed a licensing deal (one per startup)
  double retained_sales_share = 1.0;  ///< share of the lead asset's sales its owner keeps (1 - licence share)
  sim::AgentId licensee_id = -1;      ///< pharma firm holding a licence to the lead asset, -1 if none
  double licence_milestone_usd = 0;   ///< paid by the licensee to the startup at each later stage success
  bool service = false;        ///< a service firm (tools, devices, services): sales instead of a drug pipeline, no VC
  sim::AgentId owner_id = -1;  ///< acquiring pharma firm, -1 while independent
  bool owner_large_group = false;
  std::int32_t acquired_step = -1;
  bool grace_over = false;       ///< a large-group venture past the grace period (an affiliate: compliance cost)
  bool sme_over = false;         ///< an acquired venture that lost SME status (credit, grants)
  double loan_usd = 0;           ///< outstanding public loan
  double trial_distance_km = 0;  ///< distance to the hospital running its trial
  sim::AgentId trial_hospital = -1;
  // outbox (decide/apply phases write; match/account read)
  bool wants_round = false;
  bool wants_trial = false;
  bool asset_failed = false;
  bool out_of_cash = false;
  bool advanced_now = false;  ///< the asset moved to the next stage this month
  bool approved_now = false;
  double salary_due = 0, rent_due = 0, equipment_due = 0, trial_cost_due = 0;
};

/// Stage is clinical (needs a trial slot to progress).
inline bool is_clinical(Stage s) { return s == Stage::phase1 || s == Stage::phase2 || s == Stage::phase3; }
/// Mean duration of a stage in months.
double stage_months(Stage s, const StartupParams& p);
/// Success probability of the current stage before local effects.
double stage_success(Stage s, const StartupParams& p);

/// Monthly bills: salaries (headcount x all-in cost per employee), rent (or the incubator fee),
/// equipment lease outside an incubator, and the running cost of a trial in progress. MODEL.md §7.3.
void compute_costs(Startup& s, const StartupParams& p, double cost_per_employee_usd_month, double rent_usd_per_m2_month,
                   double incubator_fee_usd_month);
/// Monthly out-of-pocket cost of the preclinical studies or of a clinical stage's trial (stage cost / mean
/// duration).
double trial_cost_per_month(Stage s, const StartupParams& p);
/// All bills of the month.
inline double monthly_costs(const Startup& s) { return s.salary_due + s.rent_due + s.equipment_due + s.trial_cost_due; }
/// Eligible for SME R&D benefits: a drug developer, independent and unlisted, or a large-group
/// venture within its grace period.
inline bool sme_eligible(const Startup& s) { return !s.service && !s.listed && !s.sme_over; }

/// Cash a startup wants to hold: `runway_trigger_months` of its bills, plus, when its next stage is a
/// trial it has not started, the trial fee and the same months of trial costs. MODEL.md §7.3.
double funding_need(const Startup& s, const StartupParams& p, double trial_fee_usd);

/// Sets the startup's requests for this step from its frozen state. MODEL.md §7.3.
void decide_startup(Startup& s, const StartupParams& p, double cash_usd, double trial_fee_usd);

/// Advances the lead asset: completion of the stage ~ 1/duration per month, then success with the
/// stage probability raised by local knowledge and asset quality. MODEL.md §7.3.
/// `pace` (0-1) scales the completion hazard: a team short of its plan advances more slowly (§7.7).
/// Returns true when the asset moved to the next stage this month.
bool progress_asset(Startup& s, const StartupParams& p, double local_knowledge, sim::Rng& timing, sim::Rng& success,
                    double pace = 1.0);

/// Founders' (households') share of equity.
double founder_share(const Startup& s);

}  // namespace biocluster::agents
