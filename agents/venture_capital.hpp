#pragma once
/// @file Venture-capital firm: funds with size, vintage and a fixed life (invest, then harvest),
/// fees and carry, reserves for follow-ons, deal flow within a search radius with distance decay,
/// noisy screening, syndication, returns at exits, a next fund when performance allows; and the
/// public fund-of-funds that matches private rounds. docs/MODEL.md §7.4.
#include <cstdint>

#include "agents/params.hpp"
#include "sim/ledger.hpp"
#include "sim/rng.hpp"
#include "sim/store.hpp"

namespace biocluster::agents {

struct VentureCapital {
  sim::AgentId id = -1;
  bool alive = true;
  std::int16_t region = -1;
  float x_km = 0, y_km = 0;
  sim::AccountId account = 0;
  bool public_fund = false;      ///< a region's public start-up fund: matches private rounds, no fees
  std::int32_t fund_number = 0;  ///< funds raised so far (0: none active)
  double committed_usd = 0;      ///< capital of the current fund
  double called_usd =
      0;  ///< of committed_usd: called from investors so far (before the run: counted as already invested)
  std::int32_t vintage_step = 0;  ///< step the current fund was raised
  bool fund_open = false;         ///< the current fund is within its life
  bool next_fund_tried = false;   ///< the firm tried to raise its next fund this cycle
  double new_deals_usd = 0;       ///< invested in first rounds of new companies by the current fund
  double invested_usd = 0;        ///< paid into startups so far (all funds)
  double distributed_usd = 0;     ///< received back at exits so far (all funds)
  double paid_in_usd = 0;         ///< capital called from limited partners so far (before the run included)
  double legacy_usd =
      0;  ///< capital called before the run starts: invested in companies outside the model, valued at cost
  double returned_usd = 0;    ///< paid back to limited partners so far (carry included)
  double carry_paid_usd = 0;  ///< carried interest paid to the managers so far
  std::int32_t deals = 0;
  double fee_due = 0;  ///< outbox: management fee this month
};

/// Fund age in years at step `step`.
inline double fund_age_years(const VentureCapital& v, std::int64_t step) {
  return static_cast<double>(step - v.vintage_step) / 12.0;
}
/// Capital the current fund calls from its investors at `step`: its commitments due by the end of
/// the month (evenly over vc.capital_call_years from the vintage; all at once when that is 0) minus
/// what it has called already. MODEL.md §7.4.
double capital_due(const VentureCapital& v, const VcParams& p, std::int64_t step);
/// Share of a fund's commitments called before the run starts, for a fund `months_old` at step 0.
double called_before_run_share(double months_old, const VcParams& p);
/// True while the current fund may start new deals.
bool can_invest_new(const VentureCapital& v, const VcParams& p, std::int64_t step);

/// Weight of a deal at distance d: exp(-ln2 d / d_half) (FORMS.md §2, Sorenson & Stuart 2001).
double deal_weight(double distance_km, const VcParams& p);

/// Management fee per month on committed capital while the fund is open (Metrick & Yasuda 2010).
inline double management_fee_per_month(const VentureCapital& v, const VcParams& p) {
  return v.public_fund || !v.fund_open ? 0.0 : p.management_fee * v.committed_usd / 12.0;
}

}  // namespace biocluster::agents
