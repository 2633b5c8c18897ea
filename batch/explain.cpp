// The mechanism trace and the lever reach of an experiment (batch/explain.hpp).
#include "batch/explain.hpp"

#include <algorithm>
#include <cstdio>

#include "agents/params.hpp"
#include "sim/calendar.hpp"

namespace biocluster::batch {

namespace {

bool has(const std::vector<std::string>& metrics, const std::string& m) {
  return std::find(metrics.begin(), metrics.end(), m) != metrics.end();
}

Quantity quantity(std::vector<std::string> metrics, double scale = 1.0, std::string unit = {}) {
  Quantity q;
  q.num.metrics = std::move(metrics);
  q.scale = scale;
  q.unit = std::move(unit);
  return q;
}

/// A lever rule: the key (after "regions.NAME." for region keys), what it acts on, the metrics.
struct Rule {
  const char* key;
  bool region;          ///< a region's key: measured in that region
  bool prefix;          ///< `key` is a prefix (e.g. "capital.")
  bool in_region_only;  ///< a region key whose effect is measured in that region (else in all regions)
  const char* acts_on;
  std::vector<std::string> metrics;
  double scale = 1.0;
  const char* unit = "";
};

const std::vector<Rule>& rules() {
  static const std::vector<Rule> r{
      {"policy.grace_period_years",
       false,
       false,
       false,
       "acquisitions by large groups (the bids the grace value enters)",
       {"acquired_by_large_group"}},
      {"policy.sme_grace_years",
       false,
       false,
       false,
       "acquisitions by large groups (the bids the grace value enters)",
       {"acquired_by_large_group"}},
      {"policy.acquisitions_allowed", false, false, false, "acquisitions", {"startups_acquired"}},
      {"policy.serial_founders",
       false,
       false,
       false,
       "exits (each one can free a serial founder)",
       {"startups_acquired", "startups_listed"}},
      {"policy.data_exclusivity_years",
       false,
       false,
       false,
       "VC invested (every round is priced on the sales curve the rule shapes)",
       {"vc_invested"},
       1e-6,
       "M USD"},
      {"policy.drug_price_index",
       false,
       false,
       false,
       "VC invested (every round is priced on the sales curve the rule shapes)",
       {"vc_invested"},
       1e-6,
       "M USD"},
      {"startup.filing_years", false, false, false, "approvals (each waits for the review)", {"approvals"}},
      {"policy.public_rd_usd_per_year",
       false,
       false,
       false,
       "public research grants (basic and applied)",
       {"spend_grant_basic_research", "spend_grant_applied"},
       1e-6,
       "M USD"},
      {"policy.basic_research_share",
       false,
       false,
       false,
       "public research grants (basic and applied)",
       {"spend_grant_basic_research", "spend_grant_applied"},
       1e-6,
       "M USD"},
      {"policy.sme_grant_share", false, false, false, "applied grants paid", {"spend_grant_applied"}, 1e-6, "M USD"},
      {"policy.grant_review_noise", false, false, false, "applied-grant awards made", {"grants_awarded"}},
      {"policy.applied_grant_", false, true, false, "applied grants paid", {"spend_grant_applied"}, 1e-6, "M USD"},
      {"policy.sme_rd_tax_credit", false, false, false, "R&D tax credits paid", {"spend_tax_credit"}, 1e-6, "M USD"},
      {"market.ipo_window_open", false, false, false, "listings", {"startups_listed"}},
      {"market.tech_listing", false, false, false, "technology evaluations applied for", {"listing_applications"}},
      {"market.tech_eval", false, true, false, "technology evaluations applied for", {"listing_applications"}},
      {"market.ipo_", false, true, false, "listings", {"startups_listed"}},
      {"market.public_equity_usd_per_year", false, false, false, "listings", {"startups_listed"}},
      {"capital.", false, true, false, "VC funds raised", {"vc_raised"}, 1e-6, "M USD"},
      {"vc.", false, true, false, "VC invested", {"vc_invested"}, 1e-6, "M USD"},
      {"hospital.research_funding_usd_per_year",
       false,
       false,
       false,
       "research-hospital funding paid",
       {"spend_grant_hospital"},
       1e-6,
       "M USD"},
      {"production.", false, true, false, "production revenue", {"production_revenue"}, 1e-6, "M USD"},
      {"university.", false, true, false, "licences from universities", {"licences"}},
      {"pharma.outside_firms", false, false, false, "acquisitions by buyers outside the grid", {"acquired_by_outside"}},
      {"policy.demand_programme_usd_per_year",
       false,
       false,
       false,
       "production revenue (the grid's plants)",
       {"production_revenue"},
       1e-6,
       "M USD"},
      {"fields.", false, true, false, "startups (the firms the fields respond to)", {"startups"}},
      // Region keys.
      {"policy.rent_discount", true, false, true, "startups founded in the region (its tenants)", {"startups_founded"}},
      {"policy.rd_tax_credit", true, false, true, "startups founded in the region", {"startups_founded"}},
      {"policy.investment_tax_credit", true, false, true, "startups founded in the region", {"startups_founded"}},
      {"policy.incubator_public_share",
       true,
       false,
       true,
       "public support of the region's incubator places",
       {"spend_incubator_support"},
       1e-6,
       "M USD"},
      {"policy.incubator_", true, true, true, "startups founded in the region", {"startups_founded"}},
      {"policy.customs_exemption_years", true, false, true, "startups founded in the region", {"startups_founded"}},
      {"policy.loan_", true, true, true, "startups founded in the region", {"startups_founded"}},
      {"policy.training_grant_usd_per_hire", true, false, true, "hires in the region", {"hires"}},
      {"policy.infrastructure_grant_usd_per_year",
       true,
       false,
       true,
       "job seekers moving into the region",
       {"migrants_in"}},
      {"amenity_index", true, false, true, "job seekers moving into the region", {"migrants_in"}},
      {"policy.public_fund_", true, true, true, "VC invested in the region", {"vc_invested"}, 1e-6, "M USD"},
      {"policy.tto_capacity_per_year", true, false, true, "licences in the region", {"licences"}},
      {"policy.go_between", true, false, true, "VC invested in the region", {"vc_invested"}, 1e-6, "M USD"},
      {"universities", true, false, true, "licences in the region", {"licences"}},
      {"policy.tax_exemption_years",
       true,
       false,
       true,
       "pharma firms and production plants in the region at end",
       {"pharma_firms", "production_plants"}},
      {"vc_firms", true, false, true, "VC invested in the region", {"vc_invested"}, 1e-6, "M USD"},
      {"research_hospitals",
       true,
       false,
       false,
       "trials started or waiting for a slot (all regions)",
       {"trial_starts", "trial_waits"}},
  };
  return r;
}

bool matches(const Rule& r, const std::string& key) { return r.prefix ? key.rfind(r.key, 0) == 0 : key == r.key; }

}  // namespace

std::vector<TraceRow> mechanism_trace(const std::vector<std::string>& metrics) {
  std::vector<TraceRow> rows;
  auto add = [&](const char* group, std::string label, std::vector<std::string> ms, double scale = 1.0,
                 const char* unit = "") {
    for (const auto& m : ms)
      if (!has(metrics, m)) return;
    rows.push_back({group, std::move(label), quantity(std::move(ms), scale, unit)});
  };
  // Channels: where the outcomes came from.
  for (const auto& m : metrics)
    if (m.rfind("startups_founded_", 0) == 0) add("foundings", "founded: " + m.substr(17), {m});
  add("foundings", "founded by founders from another region", {"foundings_moved_in"});
  add("exits", "acquired by a local pharma firm", {"acquired_by_local"});
  add("exits", "acquired by a pharma firm of another region", {"acquired_by_other_region"});
  add("exits", "acquired by a pharma firm outside the grid", {"acquired_by_outside"});
  add("exits", "acquired by a large group", {"acquired_by_large_group"});
  add("exits", "of which won only with the grace-period value", {"acquired_on_grace"});
  add("exits", "listed (IPO)", {"startups_listed"});
  add("exits", "licensed out (alliances outside the grid)", {"alliances_outside"});
  add("exits", "failed", {"startups_failed"});
  add("money", "VC invested", {"vc_invested"}, 1e-6, "M USD");
  add("money", "VC raised", {"vc_raised"}, 1e-6, "M USD");
  add("money", "paid by parents into acquired ventures", {"group_funding"}, 1e-6, "M USD");
  add("money", "applied grants paid", {"spend_grant_applied"}, 1e-6, "M USD");
  add("money", "applied-grant awards made", {"grants_awarded"});
  add("jobs at end", "startups", {"employment_startups"});
  add("jobs at end", "pharma R&D sites", {"employment_pharma"});
  add("jobs at end", "production plants", {"employment_production"});
  add("jobs at end", "universities", {"employment_universities"});
  add("jobs at end", "research hospitals", {"employment_hospitals"});
  // Constraints: how often each bound (counts of the months and firms it bound).
  add("constraint", "round failed: asset worth nothing at the VC rate", {"rounds_failed_worthless"});
  add("constraint", "round failed: no investor heard of it or valued it", {"rounds_failed_unseen"});
  add("constraint", "round failed: no investor in reach had room (funds short)", {"rounds_failed_no_room"});
  add("constraint", "round failed: no one expected the target multiple", {"rounds_failed_target"});
  add("constraint", "round failed: too few joined at the price", {"rounds_failed_short"});
  add("constraint", "founding not funded: founder pool short", {"foundings_unfunded"});
  add("constraint", "VC firm failed to raise a next fund (LP pool)", {"vc_raise_failed"});
  add("constraint", "acquisition candidate-months with no affordable bid", {"acquisition_no_bid"});
  add("constraint", "acquisition candidate-months: board declined the best bid", {"acquisition_declined"});
  add("constraint", "listable firm-months while the IPO window was shut", {"ipo_blocked_window"});
  add("constraint", "listings not made: the year's public equity spent", {"ipo_blocked_budget"});
  add("constraint", "technology evaluations failed", {"listing_rejections"});
  add("constraint", "trial-ready firm-months with no slot in reach (or the fee)", {"trial_waits"});
  add("constraint", "applied-grant applications not funded (programme budget spent)", {"grants_unfunded"});
  add("constraint", "unfilled openings at end (talent short)", {"vacancies"});
  return rows;
}

std::optional<LeverReach> lever_reach(const std::string& declared, const agents::Params& p,
                                      const std::vector<std::string>& metrics) {
  std::string key = declared;
  std::string when = "all";
  if (key.rfind("schedule.", 0) == 0) {
    // schedule.YYYY-MM.KEY or schedule.YYYY-MM..YYYY-MM.KEY: from the window's first year.
    int y0 = 0, m0 = 0, used = 0, y1 = 0, m1 = 0;
    const char* rest = key.c_str() + 9;
    if (std::sscanf(rest, "%4d-%2d..%4d-%2d.%n", &y0, &m0, &y1, &m1, &used) != 4 || used == 0)
      if (std::sscanf(rest, "%4d-%2d.%n", &y0, &m0, &used) != 2 || used == 0) return std::nullopt;
    key = std::string(rest + used);
    const sim::Calendar cal(p.run.start);
    const auto last = cal.date_of(p.run.steps - 1);
    const int y_end = last.month == 12 ? last.year : last.year - 1;
    const int y_start = std::max(y0, p.run.start.month == 1 ? p.run.start.year : p.run.start.year + 1);
    if (y_end >= y_start) when = std::to_string(y_start) + "-" + std::to_string(y_end);
  }
  std::string region;
  if (key.rfind("regions.", 0) == 0) {
    for (const auto& r : p.regions)
      if (key.rfind("regions." + r.name + ".", 0) == 0 && r.name.size() > region.size()) region = r.name;
    if (region.empty()) return std::nullopt;
    key = key.substr(8 + region.size() + 1);
  }
  for (const auto& r : rules()) {
    if (r.region != !region.empty() || !matches(r, key)) continue;
    if (!std::all_of(r.metrics.begin(), r.metrics.end(), [&](const std::string& m) { return has(metrics, m); }))
      continue;
    LeverReach out{declared, r.acts_on, quantity(r.metrics, r.scale, r.unit)};
    out.q.num.when = when;
    if (r.in_region_only) out.q.num.region_list = {region};
    return out;
  }
  return std::nullopt;
}

std::string reach_warning(const LeverReach& r, const std::string& variant, double baseline, double baseline_max) {
  char b[64];
  std::snprintf(b, sizeof b, "%.3g", baseline);
  const std::string where = r.q.num.region_list.empty() ? "" : " in " + r.q.num.region_list.front();
  const std::string window = r.q.num.when == "all" ? "" : " in " + r.q.num.when;
  if (baseline_max <= 0)
    return "warning: lever reach: variant '" + variant + "' changes " + r.key + ", which acts on " + r.acts_on +
           "; the baseline has none" + where + window +
           " in any replicate, so the lever had nothing to act on: a null result here says nothing about the policy";
  if (baseline * r.q.scale < 1.0 && r.q.unit.empty())
    return "warning: lever reach: variant '" + variant + "' changes " + r.key + ", which acts on " + r.acts_on +
           "; the baseline has " + b + " per run" + where + window +
           ", so the lever had little to act on: read a null result with care";
  return "";
}

}  // namespace biocluster::batch
