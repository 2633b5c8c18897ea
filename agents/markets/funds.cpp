// The VC fund life cycle: calls, next fund, closing and carry; proceeds reaching a fund.
// docs/MODEL.md §7.4 ("Funds").
#include "agents/markets/funds.hpp"

#include <algorithm>
#include <cmath>

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
  // Proceeds not recycled go on to the fund's investors at once: a fund recycles only in its
  // investment period and up to vc.recycle_cap_share of its commitments (MODEL.md §7.4).
  const auto& P = w.params.vc;
  double kept = 0;
  if (!v.public_fund && v.fund_open && fund_age_years(v, w.step) < P.investment_period_years)
    kept = std::clamp(P.recycle_cap_share * v.committed_usd - v.recycled_usd, 0.0, x * P.proceeds_recycled_share);
  v.recycled_usd += kept;
  if (v.public_fund) {
    // A public fund is evergreen up to its endowment: what it receives beyond that goes back to
    // the government that endowed it.
    const double back = std::min(x, std::max(0.0, w.ledger.balance(v.account) - v.committed_usd));
    if (back > 0) w.ledger.transfer(v.account, w.ext.government, back, code(Flow::distribution), w.step, v.region);
    return;
  }
  if (x - kept > 0) pay_limited_partners(w, v, x - kept, Flow::distribution);
}

double investable_usd(const World& w, const VentureCapital& v) {
  const double cash = w.ledger.balance(v.account);
  if (v.public_fund || !v.fund_open) return cash;
  return cash + std::max(0.0, v.committed_usd - v.called_usd);
}

namespace {

/// A call of `due` on the fund's limited partners, pro rata to their commitments: the
/// fund-of-funds' share from the government's budget, the rest from private LPs.
void call_limited_partners(World& w, VentureCapital& v, double due) {
  const double fof = v.fof_share * due;
  if (fof > 0) w.ledger.transfer(w.ext.government, v.account, fof, code(Flow::fund_of_funds), w.step, v.region);
  if (due - fof > 0) w.ledger.transfer(w.ext.outside_investors, v.account, due - fof, code(Flow::equity), w.step);
  v.paid_in_usd += due;
  v.called_usd += due;
}

/// The fund's capital call of the month (all of a new fund's commitments when calls are not staged).
void call_capital(World& w, VentureCapital& v) {
  const double due = capital_due(v, w.params.vc, w.step, w.ledger.balance(v.account));
  if (due > 0) call_limited_partners(w, v, due);
}

}  // namespace

void call_as_needed(World& w, VentureCapital& v, double x) {
  if (v.public_fund || !v.fund_open) return;
  const double due = std::min(x - w.ledger.balance(v.account), v.committed_usd - v.called_usd);
  if (due > 0) call_limited_partners(w, v, due);
}

namespace {

/// Every firm's holdings (stake share x last post-money) in one pass over the startups, each summed
/// in startup order; no startup changes while funds run.
const std::vector<double>& holdings_of_all(World& w) {
  auto& holdings = w.fund_buffers.holdings;
  holdings.assign(w.vcs.size(), 0.0);
  for (const auto& s : w.startups.items())
    for (const auto& st : s.stakes)
      if (const auto k = w.vcs.index_of(st.vc_id); k >= 0)
        holdings[static_cast<std::size_t>(k)] += st.share * s.post_money_usd;
  return holdings;
}

/// The current fund's books end (its life is over, or the firm's next fund takes them over): its
/// final figures go to its record and a fund_closed event (MODEL.md §7.4).
void close_fund_record(World& w, VentureCapital& v, double nav_usd) {
  if (v.fund_record < 0) return;
  auto& f = w.fund_records[static_cast<std::size_t>(v.fund_record)];
  if (!f.open) return;
  f.called_usd = v.called_usd;
  f.nav_usd = nav_usd;
  f.open = false;
  log_event(w, EventKind::fund_closed, AgentType::venture_capital, v.id, v.region, AgentType::startup, -1,
            f.distributed_usd, f.nav_usd, f.fund_number, f.vintage_step);
}

/// Shares `pool` among the raisers (each up to `caps`, by `weights`): the share `reserve_share` of
/// it first among managers based outside the capital area only, then the rest among all, each up
/// to what its cap still lacks. Returns each raiser's allocation; `regional` gets what the reserve placed.
std::vector<double> allocate_with_reserve(const World& w, double pool, double reserve_share,
                                          const std::vector<double>& caps, const std::vector<double>& weights,
                                          double& regional) {
  const auto& raisers = w.fund_buffers.raisers;
  const auto items = w.vcs.items();
  const double reserve = reserve_share * pool;
  auto regional_weights = weights;
  for (std::size_t k = 0; k < raisers.size(); ++k) {
    const auto& v = items[raisers[k]];
    if (v.region < 0 || w.params.regions[static_cast<std::size_t>(v.region)].capital_area) regional_weights[k] = 0.0;
  }
  auto got = reserve > 0 ? allocate_pool(reserve, caps, regional_weights) : std::vector<double>(raisers.size(), 0.0);
  regional = 0;
  for (double g : got) regional += g;
  auto lacking = caps;
  for (std::size_t k = 0; k < raisers.size(); ++k) lacking[k] -= got[k];
  const auto rest = allocate_pool(pool - reserve, lacking, weights);
  for (std::size_t k = 0; k < raisers.size(); ++k) got[k] += rest[k];
  return got;
}

/// The January raise (MODEL.md §7.4, "Raising a fund"): this year's pool of limited partners'
/// commitments is shared among every manager raising, in proportion to ask x TVPI^weight_elasticity
/// (each capped at its ask); a raise allocated less than capital.min_close_share of its ask (or
/// whose TVPI is below vc.next_fund_min_multiple) fails, and after capital.max_raise_attempts
/// failures the firm fades. The government fund-of-funds commits first, by the same weights, up to
/// capital.fof_share of each ask, and only as far as private LPs match it. What is not allocated is
/// left for entrants (agents/entry.cpp).
void raise_funds(World& w) {
  const auto& P = w.params;
  const auto& C = P.capital;
  auto& K = w.capital;
  K.lp_pool_usd = C.lp_commitments_usd_per_year + C.lp_recycle_share * K.lp_distributions_year_usd;
  K.lp_distributions_year_usd = 0;
  K.fof_pool_usd = C.fof_budget_usd_per_year + C.fof_recycle_share * K.fof_distributions_year_usd;
  K.fof_distributions_year_usd = 0;
  auto& raisers = w.fund_buffers.raisers;
  auto& asks = w.fund_buffers.asks;
  auto& weights = w.fund_buffers.weights;
  auto& tvpis = w.fund_buffers.tvpis;
  raisers.clear(), asks.clear(), weights.clear(), tvpis.clear();
  const auto items = w.vcs.items();
  bool any = false;
  for (const auto& v : items) any |= !v.public_fund && v.raising && !v.faded;
  if (any) {
    const auto& holdings = holdings_of_all(w);
    for (std::size_t i = 0; i < items.size(); ++i) {
      const auto& v = items[i];
      if (v.public_fund || !v.raising || v.faded) continue;
      const auto t = track_record(v, w.ledger.balance(v.account), holdings[i]);
      raisers.push_back(i);
      tvpis.push_back(t.tvpi);
      const double ask = fund_ask(v, t.tvpi, C, P.vc, w.step);
      asks.push_back(ask);
      // Limited partners back a manager whose record clears the bar and who has placed its fund.
      const bool backed =
          t.tvpi >= P.vc.next_fund_min_multiple && (!v.fund_open || deployed_share(v, P.vc) >= C.raise_deployed_share);
      weights.push_back(backed ? ask * std::pow(t.tvpi, C.weight_elasticity) : 0.0);
    }
  }
  // The fund-of-funds first (its regional reserve, then the rest), up to its share of each ask;
  // then private LPs (their regional reserve, then the rest), each up to what the ask still lacks.
  std::vector<double> fof(raisers.size(), 0.0);
  double fof_regional = 0;
  if (K.fof_pool_usd > 0) {
    auto caps = asks;
    for (double& c : caps) c *= C.fof_share;
    fof = allocate_with_reserve(w, K.fof_pool_usd, C.fof_regional_share, caps, weights, fof_regional);
  }
  auto lacking = asks;
  for (std::size_t k = 0; k < raisers.size(); ++k) lacking[k] -= fof[k];
  double regional_committed = 0;
  auto got = allocate_with_reserve(w, K.lp_pool_usd, C.regional_share, lacking, weights, regional_committed);
  const auto& holdings = w.fund_buffers.holdings;
  double committed = 0, fof_committed = 0;
  for (std::size_t k = 0; k < raisers.size(); ++k) {
    auto& v = items[raisers[k]];
    // The match: the fund-of-funds' commitment is at most fof_share of the fund that closes.
    if (C.fof_share < 1.0) fof[k] = std::min(fof[k], C.fof_share / (1.0 - C.fof_share) * got[k]);
    const double size = got[k] + fof[k];
    if (size <= 0 || size < C.min_close_share * asks[k]) {
      ++v.raise_failures;
      v.faded = v.raise_failures >= C.max_raise_attempts;
      if (v.faded) v.raising = false;
      log_event(w, EventKind::raise_failed, AgentType::venture_capital, v.id, v.region, AgentType::startup, -1, asks[k],
                tvpis[k], v.raise_failures, v.faded ? 1 : 0);
      count(w, w.m.vc_raise_failed, v.region);
      continue;
    }
    if (v.fund_open) close_fund_record(w, v, holdings[raisers[k]]);
    committed += got[k];
    fof_committed += fof[k];
    open_fund(w, v, size, tvpis[k], fof[k]);
  }
  K.lp_committed_usd = committed;
  K.lp_unallocated_usd = std::max(0.0, K.lp_pool_usd - committed);
  K.lp_unallocated_regional_usd =
      std::min(K.lp_unallocated_usd, std::max(0.0, C.regional_share * K.lp_pool_usd - regional_committed));
  K.fof_committed_usd = fof_committed;
  K.fof_unallocated_usd = std::max(0.0, K.fof_pool_usd - fof_committed);
  K.fof_unallocated_regional_usd =
      std::min(K.fof_unallocated_usd, std::max(0.0, C.fof_regional_share * K.fof_pool_usd - fof_regional));
}

}  // namespace

void open_fund(World& w, VentureCapital& v, double size, double tvpi, double fof_usd) {
  v.committed_usd = size;
  v.fof_share = size > 0 ? fof_usd / size : 0.0;
  v.called_usd = 0;
  v.vintage_step = static_cast<std::int32_t>(w.step);
  v.new_deals_usd = 0;
  v.recycled_usd = 0;
  v.raising = false;
  v.raise_failures = 0;
  v.fund_open = true;
  ++v.fund_number;
  FundRecord f;
  f.vc_id = v.id;
  f.fund_number = v.fund_number;
  f.vintage_step = v.vintage_step;
  f.committed_usd = size;
  f.fof_usd = fof_usd;
  f.tvpi = tvpi;
  v.fund_record = static_cast<std::int32_t>(w.fund_records.size());
  w.fund_records.push_back(f);
  log_event(w, EventKind::fund_raised, AgentType::venture_capital, v.id, v.region, AgentType::startup, -1, size, tvpi,
            v.fund_number);
  count(w, w.m.vc_raised, v.region, size);
  count(w, w.m.lp_committed, v.region, size - fof_usd);
  if (fof_usd > 0) count(w, w.m.fof_committed, v.region, fof_usd);
}

void pay_limited_partners(World& w, VentureCapital& v, double x, Flow flow) {
  const double fof = v.fof_share * x;
  if (fof > 0) w.ledger.transfer(v.account, w.ext.government, fof, code(flow), w.step, v.region);
  if (x - fof > 0) w.ledger.transfer(v.account, w.ext.outside_investors, x - fof, code(flow), w.step);
  v.returned_usd += x;
  w.capital.lp_distributions_year_usd += x - fof;
  w.capital.fof_distributions_year_usd += fof;
  if (v.fund_record >= 0) w.fund_records[static_cast<std::size_t>(v.fund_record)].distributed_usd += x;
}

void run_vc_funds(World& w) {
  const auto& P = w.params;
  auto& L = w.ledger;
  // After the investment period a firm raises its next fund, in the January raise.
  for (auto& v : w.vcs.items())
    if (!v.public_fund && !v.faded && !v.raising && v.fund_open &&
        fund_age_years(v, w.step) >= P.vc.investment_period_years)
      v.raising = true;
  if (w.calendar.month_of(w.step) == 1) raise_funds(w);
  for (auto& v : w.vcs.items()) {
    if (v.public_fund) continue;
    // At the end of its life the fund returns its cash: carry to the managers on profits.
    if (v.fund_open && fund_age_years(v, w.step) >= P.vc.fund_life_years) {
      v.fund_open = false;
      if (v.fund_record >= 0) {
        // The firm's holdings now: what the closed fund leaves in companies (scan only for this firm).
        double holding = 0;
        for (const auto& s : w.startups.items())
          for (const auto& st : s.stakes)
            if (st.vc_id == v.id) holding += st.share * s.post_money_usd;
        close_fund_record(w, v, holding);
      }
    }
    call_capital(w, v);
    if (!v.fund_open) {
      const double cash = L.balance(v.account);
      if (cash <= 0) continue;
      const double profit = std::max(0.0, v.returned_usd + cash - v.paid_in_usd);
      const double carry = std::clamp(P.vc.carry * profit - v.carry_paid_usd, 0.0, cash);
      if (carry > 0) {
        L.transfer(v.account, w.ext.households, carry, code(Flow::carry), w.step);
        v.returned_usd += carry;  // carry counts as paid back (as before), not as a distribution to LPs
      }
      v.carry_paid_usd += carry;
      pay_limited_partners(w, v, L.balance(v.account), Flow::distribution);
    }
  }
}

}  // namespace biocluster::agents
