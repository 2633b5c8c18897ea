// The markets between agents: trial slots, funding rounds, public markets, acquisitions, licences,
// and the venture funds' life cycle. Sequential, in id order, so deals never depend on threads.
// docs/MODEL.md §7.2-§7.5.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>

#include "agents/model.hpp"

namespace biocluster::agents {

void log_event(World& w, EventKind k, AgentType st, sim::AgentId sid, std::int16_t region, AgentType ot, sim::AgentId oid,
               double amount, double value, int detail) {
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
  w.events.push(e);
}

void count(World& w, sim::MetricId m, std::int16_t region, double v) {
  if (region >= 0) w.metrics.add_to(m, region, v);
}

namespace {

/// Exit proceeds `x` reach VC firm `v` (sale, residual or IPO): booked payer -> fund; the part not
/// recycled goes on to the fund's investors at once; the region's year-to-date proceeds (VC entry,
/// MODEL.md §7.4) grow by `x`.
void receive_proceeds(World& w, VentureCapital& v, sim::AccountId payer, double x, Flow flow) {
  w.ledger.transfer(payer, v.account, x, code(flow), w.step);
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

/// New money `amount` raises the startup's target headcount by what it pays for two years, capped
/// (MODEL.md §7.4).
void hire_for(World& w, Startup& s, double amount) {
  s.target_headcount = std::min(w.params.startup.max_headcount, s.headcount + amount / (cost_per_employee(w, s.region) * 24.0));
}

}  // namespace

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
    receive_proceeds(w, *v, payer, x, flow);
    paid += x;
  }
  const double rest = amount - paid;
  if (rest > 0) w.ledger.transfer(payer, w.ext.households, rest, code(flow), w.step);
}

/// After an exit, the founders may found again (the Hybritech effect, MODEL.md §7.4, §7.5).
void request_serial_founder(World& w, const Startup& s) {
  const auto& P = w.params;
  if (!P.policy.serial_founders) return;
  auto serial = rng_for(w, PhaseKey::match, AgentType::startup, s.id, Purpose::serial);
  if (serial.bernoulli(P.startup.serial_founding_probability))
    w.founding_requests.push_back({Origin::serial, AgentType::startup, s.id, s.region, s.x_km, s.y_km, 0,
                                   P.startup.serial_quality_bonus});
}

// ---------------------------------------------------------------- trials (MODEL.md §7.2)

void match_trials(World& w) {
  const auto& P = w.params;
  // Only hospitals with a free slot at the start of matching can take a trial (slots only run out
  // during matching): index those, so that startups waiting for a slot skip the full hospitals.
  auto& T = w.scratch.trials;
  T.open.clear(), T.x.clear(), T.y.clear();
  for (std::size_t i = 0; i < w.hospitals.size(); ++i)
    if (w.hospitals[i].slots_free >= 1.0)
      T.open.push_back(static_cast<std::uint32_t>(i)), T.x.push_back(w.hospitals[i].x_km), T.y.push_back(w.hospitals[i].y_km);
  T.index.build(T.x, T.y, w.grid.width_km(), w.grid.height_km(), std::max(w.grid.cell_km, 5.0));
  for (auto& s : w.startups.items()) {
    if (!s.alive || !s.wants_trial) continue;
    std::ptrdiff_t best = -1;
    double best_d = 0;
    T.index.for_each_nearest_first(s.x_km, s.y_km, P.hospital.trial_reach_km, [&](std::size_t j) {
      const std::size_t i = T.open[j];
      const auto& h = w.hospitals[i];
      if (h.slots_free < 1.0) return;
      // Clearly farther than the best so far (by squared distance, with a margin far above rounding):
      // cannot win, so skip the exact distance.
      const double dx = static_cast<double>(h.x_km) - s.x_km, dy = static_cast<double>(h.y_km) - s.y_km;
      if (best >= 0 && dx * dx + dy * dy > best_d * best_d * (1.0 + 1e-9)) return;
      const double d = sim::distance_km(s.x_km, s.y_km, h.x_km, h.y_km);
      if (best < 0 || d < best_d || (d == best_d && h.id < w.hospitals[static_cast<std::size_t>(best)].id))
        best = static_cast<std::ptrdiff_t>(i), best_d = d;
    }, [&] { return best < 0 ? 1e300 : best_d * (1.0 + 1e-9); });
    if (best < 0) continue;
    const double fee = P.hospital.trial_fee_usd * (1.0 + P.hospital.trial_travel_cost_per_km * best_d);
    if (w.ledger.balance(s.account) < fee) continue;
    auto& h = w.hospitals[static_cast<std::size_t>(best)];
    h.slots_free -= 1.0;
    ++h.trials_started_total;
    s.in_trial = true;
    s.trial_distance_km = best_d;
    s.trial_hospital = h.id;
    w.ledger.transfer(s.account, h.account, fee, code(Flow::trial_payment), w.step);
    log_event(w, EventKind::trial_start, AgentType::startup, s.id, s.region, AgentType::hospital, h.id, fee, best_d,
              static_cast<int>(s.stage));
    count(w, w.m.trial_starts, s.region);
  }
}

// ---------------------------------------------------------------- rounds (MODEL.md §7.4)

namespace {

bool holds_stake(const Startup& s, sim::AgentId vc) {
  return std::any_of(s.stakes.begin(), s.stakes.end(), [&](const Stake& k) { return k.vc_id == vc; });
}

/// Books an investment of `amount` by VC v into startup s at post-money `post`.
void invest(World& w, Startup& s, VentureCapital& v, double amount, double post, int round) {
  const double share = amount / post;
  for (auto& st : s.stakes) st.share *= (1.0 - share);
  bool merged = false;
  for (auto& st : s.stakes)
    if (st.vc_id == v.id) st.invested_usd += amount, st.share += share, merged = true;
  if (!merged) {  // a new portfolio company for this firm
    s.stakes.push_back({v.id, amount, share});
    ++v.deals;
    v.new_deals_usd += amount;
  }
  v.invested_usd += amount;
  w.ledger.transfer(v.account, s.account, amount, code(v.public_fund ? Flow::public_fund : Flow::round), w.step, s.region);
  log_event(w, EventKind::funding_round, AgentType::startup, s.id, s.region, AgentType::venture_capital, v.id, amount, post,
            round);
  count(w, w.m.vc_invested, s.region, amount);
}

}  // namespace

void match_rounds(World& w) {
  const auto& P = w.params;
  auto& accepting = w.scratch.rounds.accepting;
  auto& weights = w.scratch.rounds.weights;
  auto& order = w.scratch.rounds.order;
  auto& commitments = w.scratch.rounds.commitments;
  auto& R = w.scratch.rounds;
  // Screening first, in parallel: whether VC v would consider startup s (distance weight, the pair's
  // own random draws, the startup's quality, an existing stake) depends on nothing that matching
  // changes, so it is computed up front for every seeking startup, in the index's visiting order.
  // Matching then runs in id order as before, applying the checks that do change as deals close (a
  // fund's room for new deals, its cash). A VC that fails those at the start fails them all step
  // (they only tighten), so it is not screened. Results are identical to screening inside matching.
  R.seekers.clear();
  for (std::size_t i = 0; i < w.startups.size(); ++i) {
    const auto& s = w.startups[i];
    if (s.alive && s.wants_round && !s.listed && s.owner_id < 0) R.seekers.push_back(static_cast<std::uint32_t>(i));
  }
  R.vc_state.resize(w.vcs.size());
  for (std::size_t i = 0; i < w.vcs.size(); ++i) {
    const auto& v = w.vcs[i];
    const bool open = !v.public_fund && v.fund_open && w.ledger.balance(v.account) > 0;
    R.vc_state[i] = !open ? 0 : can_invest_new(v, P.vc, w.step) ? 2 : 1;  // 0 never, 1 follow-ons only, 2 any deal
  }
  if (R.screened.size() < R.seekers.size()) R.screened.resize(R.seekers.size());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, R.seekers.size(), 16), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t k = r.begin(); k != r.end(); ++k) {
      const auto& s = w.startups[R.seekers[k]];
      auto& out = R.screened[k];
      out.clear();
      w.vc_index.for_each_within(s.x_km, s.y_km, P.vc.search_radius_km, [&](std::size_t i) {
        if (R.vc_state[i] == 0) return;
        const auto& v = w.vcs[i];
        const bool follow_on = holds_stake(s, v.id);
        if (!follow_on && R.vc_state[i] != 2) return;
        // Deal flow decays with distance: a VC hears of a new company with probability w(d), then
        // screens it on a noisy quality signal. Existing investors always consider follow-ons.
        const double weight = deal_weight(sim::distance_km(s.x_km, s.y_km, v.x_km, v.y_km), P.vc);
        auto screen = rng_for(w, PhaseKey::match, AgentType::startup, s.id, Purpose::screening, static_cast<std::uint64_t>(v.id));
        const bool seen = screen.bernoulli(weight);
        // (The signal is drawn after `seen` from this pair's own stream: skipping it when unused changes nothing.)
        if (!follow_on && (!seen || screening_signal(s.quality, P.vc, screen) <= P.vc.accept_threshold)) return;
        out.push_back({static_cast<std::uint32_t>(i), follow_on, weight});
      });
    }
  });
  for (std::size_t q = 0; q < R.seekers.size(); ++q) {
    auto& s = w.startups[R.seekers[q]];
    const int round = s.rounds + 1;
    const double target = round_size(round, P.vc);
    accepting.clear();
    weights.clear();
    for (const auto& c : R.screened[q]) {
      const auto& v = w.vcs[c.vc];
      if (!(c.follow_on ? v.fund_open : can_invest_new(v, P.vc, w.step))) continue;
      if (w.ledger.balance(v.account) <= 0) continue;
      accepting.push_back(c.vc);
      weights.push_back(c.weight * (c.follow_on ? 4.0 : 1.0));
    }
    if (accepting.empty()) continue;
    // Lead: drawn with probability proportional to weight; then co-investors by weight (ties: id).
    double total = 0;
    for (double x : weights) total += x;
    auto pick = rng_for(w, PhaseKey::match, AgentType::startup, s.id, Purpose::vc_choice);
    double u = pick.uniform() * total;
    std::size_t lead = 0;
    while (lead + 1 < accepting.size() && u >= weights[lead]) u -= weights[lead++];
    // Investors in turn: the lead, then the others by weight, ties to the earlier one; usually a few
    // suffice, so they come off a heap instead of a full sort (the same order as a stable sort).
    order.clear();
    for (std::size_t k = 0; k < accepting.size(); ++k)
      if (k != lead) order.push_back(k);
    const auto later = [&](std::size_t a, std::size_t b) { return weights[a] < weights[b] || (weights[a] == weights[b] && a > b); };
    std::make_heap(order.begin(), order.end(), later);
    commitments.clear();
    double raised = 0;
    for (std::size_t next = lead, left = order.size() + 1; left > 0 && raised < target; --left) {
      if (left <= order.size()) {
        std::pop_heap(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(left), later);
        next = order[left - 1];
      }
      auto& v = w.vcs[accepting[next]];
      const double cap = std::min(P.vc.max_share_per_deal * v.committed_usd, w.ledger.balance(v.account));
      const double x = std::min(cap, target - raised);
      if (x <= 0) continue;
      commitments.emplace_back(accepting[next], x);
      raised += x;
    }
    if (raised < 0.5 * target) continue;  // not enough investors: the round fails this month
    // Public matching fund of the startup's region (startups under 5 years old).
    VentureCapital* pub = nullptr;
    if (s.region >= 0 && w.step - s.founded_step < 60)
      for (auto& v : w.vcs.items())
        if (v.public_fund && v.region == s.region) pub = &v;
    const double match = pub ? std::min(w.policy_of(s.region).public_fund_matching * raised, w.ledger.balance(pub->account)) : 0.0;
    const double amount = raised + match;
    const double pre_money = s.rounds == 0 ? 2.0 * amount : P.vc.step_up * s.post_money_usd;
    const double post = pre_money + amount;
    for (const auto& [i, x] : commitments) invest(w, s, w.vcs[i], x, post, round);
    if (match > 0) invest(w, s, *pub, match, post, round);
    s.post_money_usd = post;
    s.rounds = round;
    hire_for(w, s, amount);
  }
}

// ---------------------------------------------------------------- alliances (MODEL.md §7.5)

void match_alliances(World& w) {
  const auto& P = w.params;
  if (P.pharma.alliance_share_of_rd <= 0 || P.pharma.alliance_upfront_usd <= 0) return;
  if (w.calendar.month_of(w.step) == 1)
    for (auto& f : w.pharmas.items()) f.alliance_spent_year = 0;
  // Candidates: independent, unlisted startups seeking money that have not partnered yet, each
  // valued once (rNPV of its lead asset, as an acquirer would); worth an upfront only above it.
  auto& cand = w.scratch.alliances.candidates;
  auto& value = w.scratch.alliances.value;
  cand.clear(), value.clear();
  for (std::size_t i = 0; i < w.startups.size(); ++i) {
    const auto& s = w.startups[i];
    if (!s.alive || !s.wants_round || s.listed || s.owner_id >= 0 || s.partnered || s.stage == Stage::approved) continue;
    const double v = rnpv_usd(s, P.startup, P.pharma, P.policy);
    if (v < P.pharma.alliance_upfront_usd) continue;
    cand.push_back(static_cast<std::uint32_t>(i)), value.push_back(v);
  }
  // Firms in id order: each signs deals while its yearly allowance and its cash (above a reserve of
  // three months of R&D) cover an upfront, choosing the candidate of highest rNPV x distance weight
  // (a firm outside the grid weighs all alike); ties go to the lower startup id.
  const double upfront = P.pharma.alliance_upfront_usd;
  for (auto& f : w.pharmas.items()) {
    if (f.site_of >= 0 || cand.empty()) continue;  // sites do not sign; their parents do
    const double rd_year = f.revenue_usd_per_year * P.pharma.rd_share;
    const double reserve = 3.0 * rd_year / 12.0;
    while (f.alliance_spent_year + upfront <= P.pharma.alliance_share_of_rd * rd_year &&
           w.ledger.balance(f.account) - reserve >= upfront) {
      std::ptrdiff_t best = -1;
      double best_score = 0;
      for (std::size_t k = 0; k < cand.size(); ++k) {
        const auto& s = w.startups[cand[k]];
        const double weight = f.region < 0 ? 1.0 : deal_weight(sim::distance_km(f.x_km, f.y_km, s.x_km, s.y_km), P.vc);
        const double score = value[k] * weight;
        if (best < 0 || score > best_score) best = static_cast<std::ptrdiff_t>(k), best_score = score;
      }
      if (best < 0) break;
      const auto k = static_cast<std::size_t>(best);
      auto& s = w.startups[cand[k]];
      w.ledger.transfer(f.account, s.account, upfront, code(Flow::alliance), w.step);
      f.alliance_spent_year += upfront;
      s.partnered = true;
      hire_for(w, s, upfront);
      s.wants_round = w.ledger.balance(s.account) < funding_need(s, P.startup, P.hospital.trial_fee_usd);
      log_event(w, EventKind::alliance, AgentType::startup, s.id, s.region, AgentType::pharma, f.id, upfront, value[k],
                static_cast<int>(s.stage));
      count(w, w.m.alliances, s.region);
      cand.erase(cand.begin() + best), value.erase(value.begin() + best);
      if (cand.empty()) break;
    }
  }
}

// ---------------------------------------------------------------- public markets (MODEL.md §7.4)

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
      receive_proceeds(w, *v, w.ext.outside_investors, st.share * valuation, Flow::ipo_proceeds);
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

// ---------------------------------------------------------------- acquisitions (MODEL.md §7.5)

void match_acquisitions(World& w) {
  const auto& P = w.params;
  if (!P.policy.acquisitions_allowed) return;
  // Candidates (independent, unlisted, clinical-stage, VC-backed), valued once per step: price and
  // rNPV depend only on the startup, and no acquisition changes another candidate. Sorted by price,
  // so "price <= budget" is a prefix; a max-tree per acquirer kind gives each firm's best surplus
  // (ties: lowest store index, as a scan in id order would pick). MODEL.md §7.5.
  auto& C = w.scratch.acquisition;
  C.order.clear();
  for (std::size_t i = 0; i < w.startups.size(); ++i) {
    const auto& s = w.startups[i];
    if (!s.alive || s.owner_id >= 0 || s.listed || s.stage < Stage::phase1 || s.rounds == 0) continue;
    C.order.push_back(static_cast<std::uint32_t>(i));
  }
  const std::size_t n = C.order.size();
  C.price.resize(n);
  for (std::size_t k = 0; k < n; ++k) C.price[k] = w.startups[C.order[k]].post_money_usd * (1.0 + P.pharma.acquisition_premium);
  {
    std::vector<std::uint32_t>& perm = C.perm;
    perm.resize(n);
    for (std::size_t k = 0; k < n; ++k) perm[k] = static_cast<std::uint32_t>(k);
    std::sort(perm.begin(), perm.end(), [&](std::uint32_t a, std::uint32_t b) { return C.price[a] < C.price[b] || (C.price[a] == C.price[b] && a < b); });
    C.sorted_price.resize(n), C.index.resize(n), C.value.resize(n), C.surplus.resize(n);
    bool any_large = false;
    for (const auto& f : w.pharmas.items()) any_large |= f.large_group && f.site_of < 0;
    C.value_large.resize(any_large ? n : 0), C.surplus_large.resize(any_large ? n : 0);
    for (std::size_t k = 0; k < n; ++k) {
      const std::uint32_t i = C.order[perm[k]];
      const auto& s = w.startups[i];
      const double price = C.price[perm[k]];
      C.sorted_price[k] = price, C.index[k] = i;
      C.value[k] = rnpv_usd(s, P.startup, P.pharma, P.policy);
      C.surplus[k] = C.value[k] - price;
      if (any_large) {
        C.value_large[k] = C.value[k] + grace_value_usd(s, P.startup.rd_share_of_costs * s.salary_due + s.trial_cost_due, P.startup,
                                                        P.pharma, P.policy);
        C.surplus_large[k] = C.value_large[k] - price;
      }
    }
    C.tree.build(C.surplus, C.index);
    if (any_large) C.tree_large.build(C.surplus_large, C.index);
  }
  for (auto& f : w.pharmas.items()) {
    if (f.site_of >= 0) continue;  // R&D sites do not buy; their parents do
    const double reserve = 3.0 * f.revenue_usd_per_year / 12.0 * P.pharma.rd_share;
    const double budget = w.ledger.balance(f.account) - reserve;
    if (budget <= 0) continue;
    const auto affordable = static_cast<std::size_t>(std::upper_bound(C.sorted_price.begin(), C.sorted_price.end(), budget) -
                                                     C.sorted_price.begin());
    const std::int32_t k = (f.large_group ? C.tree_large : C.tree).best_below(affordable);
    if (k < 0) continue;
    const auto kk = static_cast<std::size_t>(k);
    const std::ptrdiff_t best = C.index[kk];
    const double best_price = C.sorted_price[kk], best_value = f.large_group ? C.value_large[kk] : C.value[kk];
    C.tree.remove(kk);
    if (!C.value_large.empty()) C.tree_large.remove(kk);
    auto& s = w.startups[static_cast<std::size_t>(best)];
    pay_shareholders(w, f.account, s, best_price, Flow::acquisition);
    s.stakes.clear();
    s.owner_id = f.id;
    s.owner_large_group = f.large_group;
    s.acquired_step = static_cast<std::int32_t>(w.step);
    // Only a large group's venture keeps SME benefits, and only during the grace period.
    s.grace_over = !f.large_group;
    ++f.acquisitions;
    const AcquirerKind kind = f.large_group ? AcquirerKind::large_group
                              : f.region < 0 ? AcquirerKind::outside
                              : f.region == s.region ? AcquirerKind::local
                                                     : AcquirerKind::other_region;
    log_event(w, EventKind::acquisition, AgentType::startup, s.id, s.region, AgentType::pharma, f.id, best_price, best_value,
              static_cast<int>(kind));
    count(w, w.m.acquired, s.region);
    const sim::MetricId by_kind[] = {w.m.acquired_local, w.m.acquired_other_region, w.m.acquired_outside, w.m.acquired_large_group};
    count(w, by_kind[static_cast<int>(kind)], s.region);
    request_serial_founder(w, s);
  }
}

// ---------------------------------------------------------------- licences (MODEL.md §7.1)

namespace {

/// Ranks, for every university, the pharma firms (not their R&D sites) by distance, then store
/// order; firms outside the grid count as 1e9 km away. Rebuilt only when the firms or the
/// universities change (positions of both are fixed for life).
void rank_licence_buyers(World& w) {
  auto& R = w.scratch.licence_buyers;
  auto& key = R.key_now;
  key.clear();
  for (std::size_t i = 0; i < w.pharmas.size(); ++i)
    if (w.pharmas[i].site_of < 0) key.push_back(static_cast<std::int64_t>(i)), key.push_back(w.pharmas[i].id);
  key.push_back(-1);
  for (const auto& u : w.universities.items()) key.push_back(u.id);
  if (key == R.key) return;
  R.key.swap(key);
  std::vector<std::uint32_t> firms;
  for (std::size_t i = 0; i < w.pharmas.size(); ++i)
    if (w.pharmas[i].site_of < 0) firms.push_back(static_cast<std::uint32_t>(i));
  R.offsets.assign(1, 0);
  R.ranked.clear();
  std::vector<std::pair<double, std::uint32_t>> by_distance(firms.size());
  for (const auto& u : w.universities.items()) {
    for (std::size_t k = 0; k < firms.size(); ++k) {
      const auto& f = w.pharmas[firms[k]];
      by_distance[k] = {f.region < 0 ? 1e9 : sim::distance_km(u.x_km, u.y_km, f.x_km, f.y_km), firms[k]};
    }
    std::sort(by_distance.begin(), by_distance.end());
    for (const auto& [d, i] : by_distance) R.ranked.push_back(i);
    R.offsets.push_back(static_cast<std::uint32_t>(R.ranked.size()));
  }
}

}  // namespace

void match_licences(World& w) {
  const auto& P = w.params;
  rank_licence_buyers(w);
  const auto& R = w.scratch.licence_buyers;
  for (std::size_t ui = 0; ui < w.universities.size(); ++ui) {
    auto& u = w.universities[ui];
    auto rng = rng_for(w, PhaseKey::match, AgentType::university, u.id, Purpose::spinouts);
    for (int k = 0; k < u.new_technologies; ++k) {
      if (rng.bernoulli(P.university.spinout_share)) {
        w.founding_requests.push_back({Origin::university, AgentType::university, u.id, u.region, u.x_km, u.y_km, k});
        ++u.licences_total;
        continue;
      }
      // Offer it to a pharma firm: local firms first (nearest), then the others by id. The firms are
      // ranked by (distance, id) once per university; the first that can pay is the buyer.
      Pharma* buyer = nullptr;
      for (std::uint32_t j = R.offsets[ui]; j < R.offsets[ui + 1]; ++j) {
        auto& f = w.pharmas[R.ranked[j]];
        if (w.ledger.balance(f.account) < P.university.licence_fee_usd + 3.0 * f.revenue_usd_per_year / 12.0 * P.pharma.rd_share)
          continue;
        buyer = &f;
        break;
      }
      if (buyer) {
        w.ledger.transfer(buyer->account, u.account, P.university.licence_fee_usd, code(Flow::licence), w.step);
        log_event(w, EventKind::licence, AgentType::pharma, buyer->id, u.region, AgentType::university, u.id,
                  P.university.licence_fee_usd);
        count(w, w.m.licences, u.region);
        ++u.licences_total;
      } else {
        u.technologies.push_back(static_cast<std::int32_t>(w.step));  // waits for a licensee
      }
    }
    expire_technologies(u, P.university, w.step);
  }
}

// ---------------------------------------------------------------- fund life cycle (MODEL.md §7.4)

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
  auto& holdings = w.scratch.vc_holdings;
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
            if (const auto k = w.vcs.index_of(st.vc_id); k >= 0) holdings[static_cast<std::size_t>(k)] += st.share * s.post_money_usd;
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
