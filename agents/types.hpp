#pragma once
/// @file Codes shared by the agent types: agent types, event kinds, money-flow types, RNG purposes.
#include <cstdint>
#include <string>
#include <vector>

namespace biocluster::agents {

enum class AgentType : std::int8_t { university, hospital, startup, venture_capital, pharma };
inline const std::vector<std::string> kAgentTypeNames{"university", "hospital", "startup", "venture_capital", "pharma"};

/// Event kinds (sim::Event::kind). docs/MODEL.md §3 says when each is logged and what its fields hold.
enum class EventKind : std::int16_t {
  founding,       ///< subject startup; detail = Origin; object = parent; amount = founding cash
  funding_round,  ///< subject startup; object = VC; detail = round number; amount = invested; value = post-money
  licence,        ///< subject = licensee (startup or pharma); object = university; amount = fee
  trial_start,    ///< subject startup; object = hospital; detail = Stage; amount = fee
  stage_success,  ///< subject startup; detail = new Stage
  approval,       ///< subject startup; value = peak sales of the drug
  acquisition,    ///< subject startup; object = pharma; amount = upfront paid; value = headline (upfront +
                  ///< milestones); detail = AcquirerKind; aux = Stage
  ipo,            ///< subject startup; amount = new money raised; value = listing valuation
  failure,  ///< subject startup; detail = 0 cash ran out, 1 asset failed, 2 service firm closed; amount = residual cash
            ///< paid out
  fund_raised,     ///< subject VC; amount = committed capital; detail = fund number
  grace_expired,   ///< subject startup (a large-group venture); object = owner
  site_opened,     ///< subject = new pharma R&D site; object = parent firm; amount = yearly R&D budget
  alliance,        ///< a licensing deal: subject startup; object = pharma licensee; detail = Stage; amount = upfront
                   ///< payment; value = headline (upfront + milestones)
  round_priced,    ///< subject startup; object = lead VC; detail = round number; amount = round size (all investors);
                   ///< value = pre-money; aux = Stage
  proceeds,        ///< subject VC; object = startup; amount = paid to the VC; detail = Flow; aux = Stage of the startup
  delisted,        ///< subject startup (listed); value = market value at delisting; aux = Stage
  fund_closed,     ///< subject VC; amount = paid back to LPs by the fund; value = NAV at close; detail = fund number;
                   ///< aux = vintage step
  raise_failed,    ///< subject VC; amount = ask; value = TVPI; detail = failures in a row; aux = 1 if the firm fades
  relocation,      ///< subject startup; region = the new region; detail = the region it left; amount = post-money
  plant_built,     ///< subject production plant (pharma); amount = capital cost; value = litres added
  next_programme,  ///< subject startup whose lead failed: a discovery programme became its lead; detail = programmes
                   ///< left
};
inline const std::vector<std::string> kEventKindNames{
    "founding", "funding_round", "licence",     "trial_start",   "stage_success", "approval",    "acquisition",
    "ipo",      "failure",       "fund_raised", "grace_expired", "site_opened",   "alliance",    "round_priced",
    "proceeds", "delisted",      "fund_closed", "raise_failed",  "relocation",    "plant_built", "next_programme"};

/// Money-flow types booked in the ledger. Public spending has one type per lever.
enum class Flow : int {
  salary,
  rent,
  equipment,
  round,
  fee,
  carry,
  distribution,
  licence,
  trial_payment,
  acquisition,
  ipo_proceeds,
  revenue,
  operating_cost,
  tax,
  equity,
  residual,
  intra_group,
  compliance,
  loan,
  loan_repayment,
  research_income,
  grant_basic_research,
  grant_applied,
  grant_hospital,
  tax_credit,
  training_grant,
  infrastructure_grant,
  public_fund,
  alliance,
  dividend,
  milestone,
  public_purchase,
  fund_of_funds,
  incubator_support,
  count_
};
inline const std::vector<std::string> kFlowNames{"salary",
                                                 "rent",
                                                 "equipment",
                                                 "round",
                                                 "fee",
                                                 "carry",
                                                 "distribution",
                                                 "licence",
                                                 "trial_payment",
                                                 "acquisition",
                                                 "ipo_proceeds",
                                                 "revenue",
                                                 "operating_cost",
                                                 "tax",
                                                 "equity",
                                                 "residual",
                                                 "intra_group",
                                                 "compliance",
                                                 "loan",
                                                 "loan_repayment",
                                                 "research_income",
                                                 "grant_basic_research",
                                                 "grant_applied",
                                                 "grant_hospital",
                                                 "tax_credit",
                                                 "training_grant",
                                                 "infrastructure_grant",
                                                 "public_fund",
                                                 "alliance",
                                                 "dividend",
                                                 "milestone",
                                                 "public_purchase",
                                                 "fund_of_funds",
                                                 "incubator_support"};

/// Who bought a startup (Event::detail of an acquisition).
enum class AcquirerKind : std::int8_t { local, other_region, outside, large_group };

/// Phases (for RNG keys).
enum class PhaseKey : std::uint32_t { init = 1, decide = 2, match = 3, apply = 4, births = 5 };

/// What a random draw is for (part of every RNG key).
enum class Purpose : std::uint32_t {
  placement = 1,
  discoveries,
  spinouts,
  hospital_spinouts,
  stage_timing,
  stage_success,
  screening,
  vc_choice,
  quality,
  peak_sales,
  licensable,
  staff_spinouts,
  serial,
  ipo,
  location,
  portfolio,
  site,
  vc_entry,
  business_model,
  closure,
  signal,
  market_index,
  market_signal,
  region_choice,
  relocation,
  hiring_order,
  grant_review
};

inline std::int8_t code(AgentType t) { return static_cast<std::int8_t>(t); }
inline std::int16_t code(EventKind k) { return static_cast<std::int16_t>(k); }
inline int code(Flow f) { return static_cast<int>(f); }

}  // namespace biocluster::agents
