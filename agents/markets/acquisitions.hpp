#pragma once
/// @file Acquisitions by competing sealed bids, milestones, and the M&A grace period, whole: the
/// large group's bid value (grace-period value), the flag set at acquisition, and the expiry. docs/MODEL.md §7.5
/// ("Acquisitions"), §7.9
/// (`policy.grace_period_years`).
#include <cstdint>
#include <vector>

#include "agents/params.hpp"

namespace biocluster::agents {

struct World;
struct Startup;

/// Work buffers of acquisition matching (contents meaningless between steps).
struct AcquisitionBuffers {
  std::vector<std::uint32_t> order;            ///< candidates (startup store indices)
  std::vector<std::uint32_t> buyers;           ///< firms with money to buy (pharma store indices)
  std::vector<double> budget;                  ///< per buyer: cash above its reserve, falling as it buys
  std::vector<double> headline, seller_value;  ///< per candidate x buyer: the bid and the board's value of it
  std::vector<double> grace_share;   ///< per candidate x buyer: the share of the bid that is grace-period value
  std::vector<double> offer;         ///< per candidate x buyer: the buyer's expected cost of the deal
  std::vector<double> continuation;  ///< per candidate: the board's value of going on
};

/// Length of the grace period in months, 12 x `policy.grace_period_years` (not rounded).
/// NOTE: its two users disagree for a fractional number of months, and both are kept as they are
/// (results must not change): the bid value counts months m < grace_months(...) (so 7.04 years =
/// 84.48 months counts 85 months), the expiry ends the grace period after
/// std::lround(grace_months(...)) months (84). Whole-month grace periods agree.
double grace_months(const PolicyParams& policy);

/// Months a large group's venture keeps SME status: 12 x `policy.sme_grace_years` (or the grace
/// period when that is < 0), not rounded.
double sme_grace_months(const PolicyParams& policy);

/// Present value, to a large group, of the SME benefits an acquired venture keeps while it has SME
/// status (the R&D credit on `monthly_rd_usd` and `monthly_grant_usd` of applied grants) minus the
/// affiliate compliance costs after the grace period, until launch. MODEL.md §7.5.
double grace_value_usd(const Startup& s, double monthly_rd_usd, double monthly_grant_usd, const StartupParams& sp,
                       const PharmaParams& pp, const PolicyParams& policy);

/// A large-group venture loses SME status after sme_grace_months and becomes an affiliate (a
/// grace_expired event, compliance cost) after the grace period; called while its month is booked.
void expire_grace(World& w, Startup& s);

/// Sealed first-price bids by every buyer with money, upfront + milestones; the board accepts the
/// best if it beats continuing (raising again or listing). MODEL.md §7.5.
void match_acquisitions(World& w);

/// An acquired startup's asset passed a stage: its owner pays the sellers one milestone (as far as
/// its cash allows), pro rata to their former stakes. Called while the month is booked.
void pay_milestone(World& w, Startup& s);

}  // namespace biocluster::agents
