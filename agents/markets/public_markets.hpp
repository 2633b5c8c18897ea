#pragma once
/// @file Public markets: IPOs and follow-on offerings of listed companies. docs/MODEL.md §7.4
/// ("Public markets").
namespace biocluster::agents {

struct World;
struct Startup;

/// The public market's value of a company: its asset at the public rate with the market's own
/// signal of quality, times the valuation index; plus `cash`.
double public_value(const World& w, const Startup& s, double cash);

/// In January (and at step 0) public investors' yearly budget for IPOs, offerings and crossover
/// rounds is renewed (market.public_equity_usd_per_year).
void open_public_budget(World& w);

/// Technology evaluation (KOSDAQ technology-special listing, market.tech_listing): two agencies each
/// read the lead asset's quality with their own signal and grade it A when its odds of approval from
/// the current stage, at that signal, reach `market.tech_eval_min_odds`; it passes with both grades.
bool passes_tech_evaluation(const World& w, const Startup& s);

void match_public_markets(World& w);

}  // namespace biocluster::agents
