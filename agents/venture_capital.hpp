#pragma once
/// @file Venture-capital firm: funds with size, vintage and a fixed life (invest, then harvest),
/// fees and carry, reserves for follow-ons, deal flow within a search radius with distance decay,
/// noisy screening, syndication, returns at exits, a next fund when performance allows; and the
/// public fund-of-funds that matches private rounds. docs/MODEL.md §7.4.
#include <cstdint>
#include <vector>

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
  double fof_share = 0;          ///< of committed_usd: the fund-of-funds' share (its calls and distributions)
  double called_usd =
      0;  ///< of committed_usd: called from investors so far (before the run: counted as already invested)
  std::int32_t vintage_step = 0;  ///< step the current fund was raised
  bool fund_open = false;         ///< the current fund is within its life
  bool raising = false;           ///< past its investment period (or closed): asks limited partners each January
  bool faded = false;  ///< failed to raise capital.max_raise_attempts times: no new fund, the last one harvests
  std::int32_t raise_failures = 0;   ///< Januaries in a row the firm failed to raise its next fund
  std::int32_t fund_record = -1;     ///< index of the current fund in World::fund_records (-1: none)
  double new_deals_usd = 0;          ///< invested in first rounds of new companies by the current fund
  double recycled_usd = 0;           ///< exit proceeds the current fund kept for new deals
  double invested_usd = 0;           ///< paid into startups so far (all funds)
  double invested_hospital_usd = 0;  ///< of it, into hospital-origin startups (a public fund's targets)
  double invested_young_usd = 0;     ///< of it, into startups under one year old (a public fund's targets)
  double distributed_usd = 0;        ///< received back at exits so far (all funds)
  double paid_in_usd = 0;            ///< capital called from limited partners so far (before the run included)
  double legacy_usd =
      0;  ///< capital called before the run starts: invested in companies outside the model, valued at cost
  double returned_usd = 0;    ///< paid back to limited partners so far (carry included)
  double carry_paid_usd = 0;  ///< carried interest paid to the managers so far
  std::int32_t deals = 0;
  double fee_due = 0;  ///< outbox: management fee this month
};

/// One fund ever raised (the `funds` snapshot table). A firm's funds share its account: a fund's
/// figures run from its vintage until the firm's next fund takes over its books or its life ends;
/// its NAV at that point (the firm's holdings) carries into the next fund. MODEL.md §7.4.
struct FundRecord {
  sim::AgentId vc_id = -1;
  std::int32_t fund_number = 0;
  std::int32_t vintage_step = 0;
  double committed_usd = 0;
  double fof_usd = 0;          ///< of committed_usd: the government fund-of-funds' commitment
  double called_usd = 0;       ///< paid in by limited partners (final once closed)
  double distributed_usd = 0;  ///< paid back to limited partners while this was the current fund
  double nav_usd = 0;          ///< holdings at each stake's share of the last post-money, at close
  double tvpi = 0;             ///< the firm's TVPI when the fund was raised (what limited partners saw)
  bool open = true;
};

/// A manager's track record as limited partners see it: TVPI = (paid back + cash + holdings at the
/// last post-money + capital placed before the run, at cost) / paid in; DPI = paid back / paid in.
struct TrackRecord {
  double tvpi = 0, dpi = 0, nav_usd = 0;
};
TrackRecord track_record(const VentureCapital& v, double cash_usd, double holdings_usd);

/// What a manager asks limited partners for: a first-time manager capital.first_fund_usd; else its
/// last fund x TVPI^capital.ask_elasticity, at most capital.ask_max_growth times the last fund, and
/// at most what its deal flow supports (the new companies its fund placed per year of investing,
/// over a whole investment period, plus reserves: new deals / (1 - vc.reserve_share)).
double fund_ask(const VentureCapital& v, double tvpi, const CapitalParams& c, const VcParams& p, std::int64_t step);

/// Share of the current fund's budget for new companies ((1 - vc.reserve_share) x commitments)
/// placed so far: limited partners look at it before committing to a next fund.
double deployed_share(const VentureCapital& v, const VcParams& p);

/// Allocates `pool` across asks with weights: pro-rata to weight, each capped at its ask, the
/// excess of capped ones shared again among the rest (water filling). Returns the allocations.
std::vector<double> allocate_pool(double pool, const std::vector<double>& asks, const std::vector<double>& weights);

/// Fund age in years at step `step`.
inline double fund_age_years(const VentureCapital& v, std::int64_t step) {
  return static_cast<double>(step - v.vintage_step) / 12.0;
}
/// Capital the current fund calls from its investors at `step`: its commitments due by the end of
/// the month (evenly over vc.capital_call_years from the vintage; all at once when that is 0) minus
/// what it has called already. MODEL.md §7.4.
double capital_due(const VentureCapital& v, const VcParams& p, std::int64_t step, double cash_usd);
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
