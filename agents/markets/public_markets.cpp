// Public markets: the valuation index (the IPO window), IPOs, listed companies' market value,
// follow-on offerings and delisting. docs/MODEL.md §7.4 ("Public markets").
#include "agents/markets/public_markets.hpp"

#include <algorithm>
#include <cmath>

#include "agents/books.hpp"
#include "agents/lifecycle.hpp"
#include "agents/markets/funds.hpp"
#include "agents/valuation.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

double public_value(const World& w, const Startup& s, double cash) {
  const auto& P = w.params;
  const double scale =
      success_scale_of(quality_signal(w, s, P.market.public_noise, agent_key(AgentType::venture_capital, -1)));
  const Valuer market{&w.rates.market, scale, cost_per_employee(w, s.region)};
  const double assets =
      asset_value_usd(s, market, P.startup, P.pharma, P.policy, w.step) + pipeline_value_usd(s, market, w);
  return assets * std::exp(w.market_log_index) + cash;
}

void open_public_budget(World& w) {
  if (w.step == 0 || w.calendar.month_of(w.step) == 1) {
    w.public_equity_left_usd = w.params.market.public_equity_usd_per_year;
    w.follow_on_left_usd = w.params.market.follow_on_equity_usd_per_year;
  }
}

bool passes_tech_evaluation(const World& w, const Startup& s) {
  const auto& P = w.params;
  for (sim::AgentId agency = 0; agency < 2; ++agency) {
    // Valuer keys -2 and -3: the two agencies (the public market reads with -1).
    const double scale = success_scale_of(
        quality_signal(w, s, P.market.tech_eval_noise, agent_key(AgentType::venture_capital, -2 - agency)));
    double odds = 1.0;
    for (int k = static_cast<int>(s.stage); k < static_cast<int>(Stage::approved); ++k)
      odds *= std::clamp(stage_success(static_cast<Stage>(k), P.startup) * s.odds_boost * scale, 0.0, 1.0);
    if (odds < P.market.tech_eval_min_odds) return false;
  }
  return true;
}

namespace {

/// Its investors' own value of continuing private: the largest investor's valuation, with the
/// insider's signal, at the VC rate; plus cash.
double insiders_value(const World& w, const Startup& s, double cash) {
  const auto& P = w.params;
  sim::AgentId lead = -1;
  double most = -1;
  for (const auto& k : s.stakes)
    if (k.share > most) most = k.share, lead = k.vc_id;
  const double scale = success_scale_of(quality_signal(w, s, P.vc.screening_noise * P.vc.insider_noise_factor,
                                                       agent_key(AgentType::venture_capital, lead)));
  const Valuer v = investor(w, scale, cost_per_employee(w, s.region));
  return asset_value_usd(s, v, P.startup, P.pharma, P.policy, w.step) + pipeline_value_usd(s, v, w) + cash;
}

/// New public shares worth `amount` at pre-money `pre`: every holder is diluted, the public holds the new shares.
void issue_public_shares(Startup& s, double amount, double pre) {
  const double post = pre + amount;
  const double keep = pre / post;
  for (auto& k : s.stakes) k.share *= keep;
  s.public_share = s.public_share * keep + amount / post;
}

/// Under market.tech_listing, whether `s` may list this month: an application is filed (at most one
/// per tech_eval_reapply_months) and decided tech_eval_months later; only a passed evaluation that
/// is decided now lets the listing go ahead.
bool tech_listing_cleared(World& w, Startup& s) {
  const auto& M = w.params.market;
  const auto t = static_cast<std::int32_t>(w.step);
  if (s.listing_decision_step < 0) {
    if (t - s.listing_applied_step < M.tech_eval_reapply_months) return false;
    s.listing_applied_step = t;
    s.listing_decision_step = t + static_cast<std::int32_t>(M.tech_eval_months);
    s.listing_passed = passes_tech_evaluation(w, s);
    count(w, w.m.listing_applications, s.region);
  }
  if (t < s.listing_decision_step) return false;
  s.listing_decision_step = -1;
  if (!s.listing_passed) count(w, w.m.listing_rejections, s.region);
  return s.listing_passed;
}

/// Its VCs sell their stakes at the market value `value` to public investors (at the listing when
/// there is no lock-up, else once market.lockup_months have passed): a secondary sale, the company
/// receives nothing (MODEL.md §7.4, "Public markets").
void sell_vc_stakes(World& w, Startup& s, double value) {
  for (const auto& st : s.stakes) {
    auto* v = w.vcs.find(st.vc_id);
    if (!v) continue;
    receive_proceeds(w, *v, s, w.ext.outside_investors, st.share * value, Flow::ipo_proceeds);
    s.public_share += st.share;
  }
  s.stakes.clear();
}

void move_index(World& w) {
  const auto& M = w.params.market;
  auto rng = sim::Rng(w.seed, w.step, ph(PhaseKey::match), 0, pu(Purpose::market_index));
  w.market_log_index =
      M.market_index_persistence * w.market_log_index + M.market_index_volatility / std::sqrt(12.0) * rng.normal();
}

}  // namespace

void match_public_markets(World& w) {
  const auto& P = w.params;
  const auto& M = P.market;
  move_index(w);
  if (!M.ipo_window_open) {  // nothing lists and nothing is marked; count who could have applied
    for (const auto& s : w.startups.items())
      if (s.alive && s.owner_id < 0 && !s.service && !s.listed &&
          static_cast<std::int64_t>(s.stage) >= M.ipo_min_stage && s.stage != Stage::approved && s.rounds >= 1)
        count(w, w.m.ipo_blocked_window, s.region);
    return;
  }
  for (auto& s : w.startups.items()) {
    if (!s.alive || s.owner_id >= 0 || s.service) continue;
    const double cash = w.ledger.balance(s.account);
    if (s.listed) {
      // Listed: marked to the market's value each month; a follow-on offering priced at it when the
      // runway is short; delisted when the value falls below the exchange's minimum.
      const double value = public_value(w, s, cash);
      s.post_money_usd = value;
      if (value < M.delist_value_usd) {
        s.listed = false;
        log_event(w, EventKind::delisted, AgentType::startup, s.id, s.region, AgentType::startup, -1, 0, value, 0,
                  static_cast<int>(s.stage));
        count(w, w.m.delisted, s.region);
        continue;
      }
      if (!s.stakes.empty() && w.step - s.listed_step >= M.lockup_months) sell_vc_stakes(w, s, value);
      if (!s.wants_round) continue;
      const double need = round_need_usd(s, w, cash);
      double& budget = M.follow_on_equity_usd_per_year < 0 ? w.public_equity_left_usd : w.follow_on_left_usd;
      if (need <= 0 || need > budget) continue;
      w.ledger.transfer(w.ext.outside_investors, s.account, need, code(Flow::equity), w.step);
      budget -= need;
      count(w, w.m.public_follow_on, s.region, need);
      issue_public_shares(s, need, value);
      hire_for(w, s, 1.0);
      continue;
    }
    if (static_cast<std::int64_t>(s.stage) < M.ipo_min_stage || s.stage == Stage::approved || s.rounds < 1) {
      s.listing_decision_step = -1;  // an evaluation pending for an asset that failed or was sold lapses
      continue;
    }
    // An IPO when the public market values the company above the minimum and above what its own
    // investors think it is worth by the margin (Lerner 1994: list when public valuations are high).
    const double value = public_value(w, s, cash);
    if (value < M.ipo_min_value_usd || value < (1.0 + M.ipo_margin) * insiders_value(w, s, cash)) {
      if (s.listing_decision_step >= 0 && w.step >= s.listing_decision_step) s.listing_decision_step = -1;
      continue;
    }
    if (M.tech_listing && !tech_listing_cleared(w, s)) continue;
    const double raise = std::max(M.ipo_raise_usd, round_need_usd(s, w, cash));
    if (raise > w.public_equity_left_usd) {  // the year's new money for listings is spent
      count(w, w.m.ipo_blocked_budget, s.region);
      continue;
    }
    w.public_equity_left_usd -= raise;
    if (M.lockup_months <= 0) sell_vc_stakes(w, s, value);  // at the listing price; else after the lock-up
    s.listed = true;
    s.listed_step = static_cast<std::int32_t>(w.step);
    s.backup_programmes = static_cast<std::int32_t>(M.listed_programmes - 1);  // the pipeline it lists with
    w.ledger.transfer(w.ext.outside_investors, s.account, raise, code(Flow::equity), w.step);
    issue_public_shares(s, raise, value);
    s.post_money_usd = value + raise;
    if (s.loan_usd > 0) {
      const double repay = std::min(s.loan_usd, w.ledger.balance(s.account));
      w.ledger.transfer(s.account, w.ext.government, repay, code(Flow::loan_repayment), w.step, s.region);
      s.loan_usd -= repay;
    }
    hire_for(w, s, 1.0);
    log_event(w, EventKind::ipo, AgentType::startup, s.id, s.region, AgentType::startup, -1, raise, value,
              static_cast<int>(s.stage), static_cast<int>(s.stage));
    count(w, w.m.listed, s.region);
    request_serial_founder(w, s);
  }
}

}  // namespace biocluster::agents
