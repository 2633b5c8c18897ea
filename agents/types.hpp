#pragma once
/// @file Codes shared by the agent types: agent types, event kinds, money-flow types, RNG purposes.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace biocluster::agents {

enum class AgentType : std::int8_t { university, hospital, startup, venture_capital, pharma };
inline const std::vector<std::string> kAgentTypeNames{"university", "hospital", "startup", "venture_capital", "pharma"};

/// Event kinds (sim::Event::kind). docs/MODEL.md §3 says when each is logged.
enum class EventKind : std::int16_t {
  founding,       ///< detail = Origin, object = parent (university/hospital), amount = founding cash
  funding_round,  ///< detail = round number (1 = seed), object = VC, amount = invested, value = post-money
  licence,        ///< subject = startup, object = university, detail = 0
  trial_start,    ///< detail = Stage, object = hospital, amount = trial fee
  stage_success,  ///< detail = new Stage
  approval,       ///< lead asset approved
  acquisition,    ///< object = pharma, amount = price, value = acquirer's valuation
  failure,        ///< detail = 0 ran out of cash, 1 asset failed; amount = residual cash returned
};
inline const std::vector<std::string> kEventKindNames{"founding", "funding_round", "licence", "trial_start",
                                                       "stage_success", "approval", "acquisition", "failure"};

/// Money-flow types booked in the ledger.
enum class Flow : int { grant, salary, rent, round, fee, licence, trial_payment, acquisition, revenue, equity, residual,
                        operating_cost };
inline const std::vector<std::string> kFlowNames{"grant", "salary", "rent", "round", "fee", "licence", "trial_payment",
                                                  "acquisition", "revenue", "equity", "residual", "operating_cost"};

/// Phases (for RNG keys).
enum class PhaseKey : std::uint32_t { init = 1, decide = 2, match = 3, apply = 4, births = 5 };

/// What a random draw is for (part of every RNG key).
enum class Purpose : std::uint32_t {
  placement = 1, discoveries, spinouts, hospital_spinouts, stage_timing, stage_success, screening, vc_choice,
  quality, peak_sales, initial_stage
};

inline std::int8_t code(AgentType t) { return static_cast<std::int8_t>(t); }
inline std::int16_t code(EventKind k) { return static_cast<std::int16_t>(k); }
inline int code(Flow f) { return static_cast<int>(f); }

}  // namespace biocluster::agents
