// Public markets: IPOs and follow-on offerings. docs/MODEL.md §7.4 ("Public markets").
#include "agents/markets/public_markets.hpp"

#include <algorithm>

#include "agents/books.hpp"
#include "agents/lifecycle.hpp"
#include "agents/markets/funds.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

void match_public_markets(World& w) {
  const auto& P = w.params;
  const auto& M = P.market;
  if (!M.ipo_window_open) return;
  for (auto& s : w.startups.items()) {
    if (!s.alive || s.owner_id >= 0) continue;
    if (s.listed) {  // a listed company raises a follow-on offering when its runway is short
      if (s.wants_round) {
        w.ledger.transfer(w.ext.outside_investors, s.account, 0.5 * M.ipo_raise_usd, code(Flow::equity), w.step);
        hire_for(w, s, 0.5 * M.ipo_raise_usd);
      }
      continue;
    }
    if (s.stage < Stage::phase1 || s.rounds < 2 || s.post_money_usd < M.ipo_min_post_money_usd) continue;
    auto rng = rng_for(w, PhaseKey::match, AgentType::startup, s.id, Purpose::ipo);
    if (!rng.bernoulli(M.ipo_probability_per_month)) continue;
    const double valuation = M.ipo_premium * s.post_money_usd;
    // VCs sell their stakes to public investors; new shares raise money for the company.
    for (const auto& st : s.stakes) {
      auto* v = w.vcs.find(st.vc_id);
      if (!v) continue;
      receive_proceeds(w, *v, s, w.ext.outside_investors, st.share * valuation, Flow::ipo_proceeds);
    }
    s.stakes.clear();
    s.listed = true;
    w.ledger.transfer(w.ext.outside_investors, s.account, M.ipo_raise_usd, code(Flow::equity), w.step);
    if (s.loan_usd > 0) {
      const double repay = std::min(s.loan_usd, w.ledger.balance(s.account));
      w.ledger.transfer(s.account, w.ext.government, repay, code(Flow::loan_repayment), w.step, s.region);
      s.loan_usd -= repay;
    }
    log_event(w, EventKind::ipo, AgentType::startup, s.id, s.region, AgentType::startup, -1, M.ipo_raise_usd, valuation,
              static_cast<int>(s.stage));
    count(w, w.m.listed, s.region);
    request_serial_founder(w, s);
  }
}

}  // namespace biocluster::agents
