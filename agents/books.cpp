// Shared book-keeping: events, counts, accounts, shareholders, cost per employee. Not a market.
// docs/MODEL.md §3 (events), §7.6, §7.7 (cost per employee), §7.9 (loans repaid first).
#include "agents/books.hpp"

#include <algorithm>

#include "agents/markets/funds.hpp"
#include "agents/valuation.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

double cost_per_employee(const World& w, int region) {
  const auto& M = w.params.market;
  const double wage_index = region >= 0 ? w.regions[static_cast<std::size_t>(region)].wage_index : 1.0;
  return M.wage_usd_month * wage_index * (1.0 + (M.phd_wage_premium - 1.0) * M.phd_share_of_staff) * M.overhead;
}

double incubator_fee(const World& w, int region) {
  return region >= 0 ? w.policy_of(region).incubator_fee_usd_month : 0.0;
}

sim::AccountId open_account(World& w, AgentType t, sim::AgentId id, std::int16_t region) {
  return w.ledger.open({false, true, region, code(t), id});
}

void log_event(World& w, EventKind k, AgentType st, sim::AgentId sid, std::int16_t region, AgentType ot,
               sim::AgentId oid, double amount, double value, int detail, int aux) {
  sim::Event e;
  e.step = static_cast<std::int32_t>(w.step);
  e.kind = code(k);
  e.region = region;
  e.subject_type = code(st);
  e.subject_id = sid;
  e.object_type = oid >= 0 ? code(ot) : std::int8_t{-1};
  e.object_id = oid;
  e.amount = amount;
  e.value = value;
  e.detail = static_cast<std::int16_t>(detail);
  e.aux = aux;
  w.events.push(e);
}

void count(World& w, sim::MetricId m, std::int16_t region, double v) {
  if (region >= 0) w.metrics.add_to(m, region, v);
}

double founder_pool_size(const World& w, int region) {
  const double own = w.params.regions[static_cast<std::size_t>(region)].policy.founder_capital_usd;
  return own >= 0 ? own : w.params.capital.founder_capital_usd;
}

void pay_shareholders(World& w, sim::AccountId payer, Startup& s, double amount, Flow flow) {
  // A public loan is repaid first (MODEL.md §7.9).
  const double repay = std::min(amount, s.loan_usd);
  if (repay > 0) {
    w.ledger.transfer(payer, w.ext.government, repay, code(Flow::loan_repayment), w.step, s.region);
    s.loan_usd -= repay;
    amount -= repay;
  }
  double paid = 0;
  for (const auto& st : s.stakes) {
    auto* v = w.vcs.find(st.vc_id);
    const double x = amount * st.share;
    if (!v || x <= 0) continue;
    receive_proceeds(w, *v, s, payer, x, flow);
    paid += x;
  }
  if (const double pub = amount * s.public_share; pub > 0) {  // public holders (after an IPO)
    w.ledger.transfer(payer, w.ext.outside_investors, pub, code(flow), w.step);
    paid += pub;
  }
  // Founders and angels: a share goes back to the region's pool for new foundings (MODEL.md §7.3).
  const double rest = amount - paid;
  if (rest <= 0) return;
  // ... up to the pool's size at the start (angels' capital is finite; the rest is the founders' own).
  const double back =
      s.region >= 0
          ? std::min(rest * w.params.capital.founder_reinvest_share,
                     std::max(0.0, founder_pool_size(w, s.region) -
                                       w.ledger.balance(w.regions[static_cast<std::size_t>(s.region)].founder_pool)))
          : 0.0;
  if (back > 0)
    w.ledger.transfer(payer, w.regions[static_cast<std::size_t>(s.region)].founder_pool, back, code(flow), w.step);
  if (rest - back > 0) w.ledger.transfer(payer, w.ext.households, rest - back, code(flow), w.step);
}

void hire_for(World& w, Startup& s, double funded_share) {
  s.target_headcount =
      std::max(s.target_headcount, plan_headcount(s.stage, w.params.startup) * std::clamp(funded_share, 0.0, 1.0));
}

}  // namespace biocluster::agents
