// The VC fund life cycle: calls, next fund, closing and carry; proceeds reaching a fund.
// docs/MODEL.md §7.4 ("Funds").
#include "agents/markets/funds.hpp"

#include <algorithm>

#include "agents/books.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

/// Exit proceeds `x` reach VC firm `v` (sale, residual or IPO): booked payer -> fund; the part not
/// recycled goes on to the fund's investors at once; the region's year-to-date proceeds (VC entry,
/// MODEL.md §7.4) grow by `x`; a `proceeds` event names the startup it came from.
void receive_proceeds(World& w, VentureCapital& v, const Startup& from, sim::AccountId payer, double x, Flow flow) {
  w.ledger.transfer(payer, v.account, x, code(flow), w.step);
  log_event(w, EventKind::proceeds, AgentType::venture_capital, v.id, v.region, AgentType::startup, from.id, x, 0,
            code(flow), static_cast<int>(from.stage));
  v.distributed_usd += x;
  count(w, w.m.vc_distributed, v.region, x);
  if (v.region >= 0 && !v.public_fund) w.regions[static_cast<std::size_t>(v.region)].vc_proceeds_year += x;
  // Proceeds not recycled go on to the fund's investors at once (MODEL.md §7.4).
  const double out = v.public_fund ? 0.0 : x * (1.0 - w.params.vc.proceeds_recycled_share);
  if (out > 0) {
    w.ledger.transfer(v.account, w.ext.outside_investors, out, code(Flow::distribution), w.step);
    v.returned_usd += out;
  }
}

namespace {

/// The fund's capital call of the month (all of a new fund's commitments when calls are not staged).
void call_capital(World& w, VentureCapital& v) {
  const double due = capital_due(v, w.params.vc, w.step);
  if (due <= 0) return;
  w.ledger.transfer(w.ext.outside_investors, v.account, due, code(Flow::equity), w.step);
  v.paid_in_usd += due;
  v.called_usd += due;
}

}  // namespace

void run_vc_funds(World& w) {
  const auto& P = w.params;
  auto& L = w.ledger;
  auto& holdings = w.fund_buffers.holdings;
  bool holdings_ready = false;
  for (auto& v : w.vcs.items()) {
    if (v.public_fund) continue;
    const double age = fund_age_years(v, w.step);
    // After the investment period the firm tries once to raise its next fund.
    if (v.fund_open && age >= P.vc.investment_period_years && !v.next_fund_tried) {
      v.next_fund_tried = true;
      if (!holdings_ready) {
        // Every firm's holdings in one pass over the startups, each summed in startup order (as a
        // scan per firm would); no startup changes while funds run.
        holdings.assign(w.vcs.size(), 0.0);
        for (const auto& s : w.startups.items())
          for (const auto& st : s.stakes)
            if (const auto k = w.vcs.index_of(st.vc_id); k >= 0)
              holdings[static_cast<std::size_t>(k)] += st.share * s.post_money_usd;
        holdings_ready = true;
      }
      const double holding = holdings[static_cast<std::size_t>(&v - w.vcs.items().data())];
      const double value = v.returned_usd + L.balance(v.account) + holding + v.legacy_usd;
      const double multiple = v.paid_in_usd > 0 ? value / v.paid_in_usd : 0.0;
      if (multiple >= P.vc.next_fund_min_multiple) {
        const double size = P.vc.fund_size_usd * std::min(2.0, std::max(1.0, multiple));
        v.committed_usd = size;
        v.called_usd = 0;
        v.vintage_step = static_cast<std::int32_t>(w.step);
        v.new_deals_usd = 0;
        v.next_fund_tried = false;
        ++v.fund_number;
        log_event(w, EventKind::fund_raised, AgentType::venture_capital, v.id, v.region, AgentType::startup, -1, size,
                  multiple, v.fund_number);
        count(w, w.m.vc_raised, v.region, size);
        call_capital(w, v);
        continue;
      }
    }
    // At the end of its life the fund returns its cash: carry to the managers on profits.
    if (v.fund_open && age >= P.vc.fund_life_years) v.fund_open = false;
    call_capital(w, v);
    if (!v.fund_open) {
      const double cash = L.balance(v.account);
      if (cash <= 0) continue;
      const double profit = std::max(0.0, v.returned_usd + cash - v.paid_in_usd);
      const double carry = std::clamp(P.vc.carry * profit - v.carry_paid_usd, 0.0, cash);
      if (carry > 0) L.transfer(v.account, w.ext.households, carry, code(Flow::carry), w.step);
      v.carry_paid_usd += carry;
      const double rest = L.balance(v.account);
      L.transfer(v.account, w.ext.outside_investors, rest, code(Flow::distribution), w.step);
      v.returned_usd += cash;
    }
  }
}

}  // namespace biocluster::agents
