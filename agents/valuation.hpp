#pragma once
/// @file One valuation of a startup's lead asset, used by every investor and buyer with its own
/// discount rate and its own noisy signal of the asset's quality: the risk-adjusted NPV (Stewart et
/// al. 2001) of the drug's sales net of the remaining development cost, with the option to stop at
/// each stage (Gompers 1995 staging). docs/MODEL.md §7.4 ("Valuation").
#include <cstdint>

#include "agents/params.hpp"
#include "agents/startup.hpp"
#include "sim/rng.hpp"

namespace biocluster::agents {

struct World;

/// Share of peak sales in month `m` after launch (m = 0: the first month): the launch curve 11 / 31
/// / 58 / 76 / 89 / 100% of peak in years 1-6 (FORMS.md 7), peak until exclusivity ends, then
/// (1 - `pharma.generic_erosion`) of peak until `pharma.drug_life_years`, then 0.
double sales_share(double m, const PharmaParams& pp, double exclusivity_years);
/// Sales in month `m` after launch per unit of peak: the domestic market (1 - world share) at
/// `policy.drug_price_index` with `policy.data_exclusivity_years`, and the world market
/// (`policy.world_sales_share`) at world prices (index 1) with `policy.world_exclusivity_years`.
double sales_per_peak(double m, const PharmaParams& pp, const PolicyParams& policy);

/// Present value at month `from` after launch of a drug's contribution (drug_margin x sales, sales
/// as in sales_per_peak) over the rest of its life, at yearly rate r.
double drug_value_usd(double peak_usd, double from_month, double r, const PharmaParams& pp, const PolicyParams& policy);

/// Planned headcount of a drug developer funded for stage s.
double plan_headcount(Stage s, const StartupParams& p);
/// Out-of-pocket cost of stage s (trials; filing), excluding staff.
double stage_cost_usd(Stage s, const StartupParams& p);

/// Everything a valuation at one discount rate needs that does not depend on the asset: the value
/// at launch of one dollar of peak sales, and per stage the discount over the stage and to its
/// middle, the out-of-pocket cost and the planned staff-months. Built once per rate (make_world).
struct RateTable {
  double rate = 0;
  double launch_value_per_peak_usd = 0;  ///< drug_value_usd(1, 0, rate, ...)
  double d_full[kStageCount] = {}, d_half[kStageCount] = {}, cost[kStageCount] = {}, staff_months[kStageCount] = {};
};
RateTable make_rate_table(double rate, const StartupParams& sp, const PharmaParams& pp, const PolicyParams& policy);

/// A valuer: its rate (as a table), its estimate of (0.5 + quality) by which it scales the stage
/// success probabilities, and the monthly all-in cost of one employee where the asset is developed.
struct Valuer {
  const RateTable* table = nullptr;
  double success_scale = 1.0;
  double cost_per_employee = 0;  ///< USD/month; the plan's rent and equipment are added as 10%
  /// If set: after each clinical readout the owner may instead sell to a buyer valuing at this
  /// table's rate (pharma), for `exit_share` of the buyer's value (an investor's exit option).
  const RateTable* exit_table = nullptr;
  double exit_share = 0;
};

/// Value of the lead asset of `s` to `v` (its owner's retained share of sales only), net of every remaining development
/// cost (staff of the plan and out-of-pocket stage costs), with abandonment at each later stage when continuing is
/// worth less than nothing and, for an investor, the option to sell to a buyer after each clinical
/// readout; never negative (a valuer may also stop now). Cash is not included.
double asset_value_usd(const Startup& s, const Valuer& v, const StartupParams& sp, const PharmaParams& pp,
                       const PolicyParams& policy, std::int64_t step);

/// Value to `v` of one of `s`'s discovery programmes (MODEL.md §7.4, "Pipelines"): a new preclinical asset
/// of which nothing is known yet (success scale 1, the population's mean peak sales), developed where
/// `s` is with its local knowledge, net of its whole development cost, valued like a lead asset (so
/// never negative).
double programme_value_usd(const Startup& s, const Valuer& v, const World& w);
/// Value to `v` of all of `s`'s discovery programmes (backup_programmes x programme_value_usd).
double pipeline_value_usd(const Startup& s, const Valuer& v, const World& w);

/// Value to `t`'s rate of all the lead asset's sales (every share, licensed or not), without any
/// development cost and without abandonment: the launch value weighted by the odds of reaching
/// approval (success scaled by `success_scale`) and discounted over the remaining stages. A
/// licensee's value of the sales rights it buys (MODEL.md §7.5, "Licensing deals").
double sales_value_usd(const Startup& s, const RateTable& t, double success_scale, const StartupParams& sp,
                       const PharmaParams& pp, const PolicyParams& policy, std::int64_t step);

/// A VC investor: the VC rate, with the option to sell to a pharma buyer after each clinical
/// readout for (1 - `pharma.bid_margin`) of the buyer's value (FORMS.md 4, 8).
Valuer investor(const World& w, double success_scale, double cost_per_employee);

/// Expected value, at the table's rate, of one unit paid at each later stage success of `s` until approval,
/// averaged over those stages (milestone pricing), with success scaled by `success_scale`.
double milestone_factor(const Startup& s, const RateTable& t, double success_scale, const StartupParams& sp);

/// A valuer's signal of the asset's quality: quality + sd x N(0,1), sd = `noise` x
/// `vc.noise_shrink_per_stage`^(stages passed). The draw is keyed on the asset's stage entry, the
/// startup and the valuer, so it stays the same until the next readout.
double quality_signal(const World& w, const Startup& s, double noise, std::int64_t valuer_key);
/// (0.5 + signal) clamped to [0.05, 1.5]: the valuer's success scale.
double success_scale_of(double signal);

/// What the market expects the peak sales of `s`'s lead asset to be at its current stage: the
/// posterior mean given the population's log-normal (pharma.peak_sales_median_usd, _sigma) and a
/// common signal with log sd pharma.peak_signal_sd x vc.noise_shrink_per_stage^stage, keyed on the
/// startup, its asset and the step the stage began; the true figure once approved.
double peak_estimate_usd(const World& w, const Startup& s);

/// Peak sales every valuer works with: the market's estimate until launch (the true figure if none
/// was made yet), then the true figure.
inline double known_peak_usd(const Startup& s) {
  return s.stage == Stage::approved || s.peak_estimate_stage < 0 ? s.peak_sales_usd : s.peak_estimate_usd;
}

/// Peak sales of asset `asset_number` of startup `id` (log-normal, FORMS.md 7), drawn from the
/// stream keyed on the startup and the asset.
double draw_peak_sales(const World& w, sim::AgentId id, std::int32_t asset_number);

/// Funding need to the next milestone: burn of the funded plan (at most `vc.round_max_months`),
/// trial costs and fee, plus `vc.round_margin`, less the cash held.
double round_need_usd(const Startup& s, const World& w, double cash_usd);

}  // namespace biocluster::agents
