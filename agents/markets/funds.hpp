#pragma once
/// @file The VC fund life cycle: capital calls, the next fund after the investment period, closing
/// and carry; exit proceeds reaching a fund. docs/MODEL.md §7.4 ("Funds"). (Entry of new VC firms
/// is in agents/lifecycle.cpp.)
#include <vector>

#include "agents/types.hpp"
#include "sim/ledger.hpp"

namespace biocluster::agents {

struct World;
struct VentureCapital;
struct Startup;

/// Work buffers of the fund life cycle (contents meaningless between steps).
struct FundBuffers {
  std::vector<double> holdings;      ///< per VC firm
  std::vector<std::size_t> raisers;  ///< the January raise: firms raising (store index)
  std::vector<double> asks, weights, tvpis;
};

/// Totals of the national limited-partner pool (MODEL.md §7.4, "Raising a fund").
struct CapitalState {
  double lp_pool_usd = 0;                  ///< offered this year: commitments + recycled distributions
  double lp_committed_usd = 0;             ///< allocated to incumbents this January
  double lp_unallocated_usd = 0;           ///< left after incumbents (entrants draw on it) and entrants
  double lp_unallocated_regional_usd = 0;  ///< of which reserved for managers outside the capital area
  double lp_distributions_year_usd = 0;    ///< paid back to limited partners since the last January raise
  // The government fund-of-funds, the same figures for its pool (capital.fof_*).
  double fof_pool_usd = 0, fof_committed_usd = 0, fof_unallocated_usd = 0, fof_unallocated_regional_usd = 0;
  double fof_distributions_year_usd = 0;
};

/// Exit proceeds `x` reach VC firm `v` (sale, residual or IPO): booked payer -> fund; the part not
/// recycled goes on to the fund's investors at once; the region's year-to-date proceeds (VC entry,
/// MODEL.md §7.4) grow by `x`; a `proceeds` event names the startup it came from.
void receive_proceeds(World& w, VentureCapital& v, const Startup& from, sim::AccountId payer, double x, Flow flow);

/// The fund life cycle each month; in January the raise of next funds from the limited-partner pool.
void run_vc_funds(World& w);

/// Firm `v` opens fund number fund_number + 1 of `size` (a record, a fund_raised event with the
/// TVPI limited partners saw, the metrics); its commitments are called from the next call on.
/// `fof_usd` of `size` is the fund-of-funds' commitment (its calls and distributions are that share).
void open_fund(World& w, VentureCapital& v, double size, double tvpi, double fof_usd = 0.0);

/// What firm `v` can put into a deal now: its cash plus, while its fund is open, the commitments it
/// has not yet called (limited partners honour a call up to their commitment; MODEL.md §7.4).
double investable_usd(const World& w, const VentureCapital& v);

/// Firm `v` about to pay `x` (a deal or its fee): it calls from its limited partners what its cash
/// lacks, at most its uncalled commitments (booked investors -> fund).
void call_as_needed(World& w, VentureCapital& v, double x);

/// Cash `x` of firm `v` paid back to its limited partners (counted towards next year's pools): the
/// fund-of-funds' share of the fund to the government, the rest to private LPs.
void pay_limited_partners(World& w, VentureCapital& v, double x, Flow flow);

}  // namespace biocluster::agents
