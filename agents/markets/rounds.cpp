// Funding rounds priced by the investors' valuations: deal flow, the lead's price, syndicates and
// insiders who join at that price, the public match, dilution. docs/MODEL.md §7.4 ("Rounds").
// Sequential in id order (screening in parallel first, see below), so deals never depend on threads.
#include "agents/markets/rounds.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>

#include "agents/books.hpp"
#include "agents/markets/funds.hpp"
#include "agents/markets/public_markets.hpp"
#include "agents/valuation.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

namespace {

bool holds_stake(const Startup& s, sim::AgentId vc) {
  return std::any_of(s.stakes.begin(), s.stakes.end(), [&](const Stake& k) { return k.vc_id == vc; });
}

/// Books an investment of `amount` by VC v into startup s at post-money `post`.
void invest(World& w, Startup& s, VentureCapital& v, double amount, double post, int round) {
  const double share = amount / post;
  for (auto& st : s.stakes) st.share *= (1.0 - share);
  s.public_share *= 1.0 - share;  // a delisted company's public holders are diluted too
  bool merged = false;
  for (auto& st : s.stakes)
    if (st.vc_id == v.id) st.invested_usd += amount, st.share += share, merged = true;
  if (!merged) {  // a new portfolio company for this firm
    s.stakes.push_back({v.id, amount, share});
    ++v.deals;
    v.new_deals_usd += amount;
  }
  v.invested_usd += amount;
  if (s.origin == Origin::hospital) v.invested_hospital_usd += amount;
  if (w.step - s.founded_step < 12) v.invested_young_usd += amount;
  call_as_needed(w, v, amount);
  w.ledger.transfer(v.account, s.account, std::min(amount, w.ledger.balance(v.account)),
                    code(v.public_fund ? Flow::public_fund : Flow::round), w.step, s.region);
  log_event(w, EventKind::funding_round, AgentType::startup, s.id, s.region, AgentType::venture_capital, v.id, amount,
            post, round);
  count(w, w.m.vc_invested, s.region, amount);
}

}  // namespace

double public_match_usd(const World& w, const VentureCapital& v, const Startup& s, double raised) {
  const auto& rp = w.policy_of(s.region);
  double reserve = 0;
  if (s.origin != Origin::hospital)
    reserve += std::max(0.0, rp.public_fund_hospital_share * v.committed_usd - v.invested_hospital_usd);
  if (w.step - s.founded_step >= 12)
    reserve += std::max(0.0, rp.public_fund_young_share * v.committed_usd - v.invested_young_usd);
  return std::clamp(w.ledger.balance(v.account) - reserve, 0.0, rp.public_fund_matching * raised);
}

void match_rounds(World& w) {
  const auto& P = w.params;
  auto& accepting = w.round_buffers.accepting;
  auto& weights = w.round_buffers.weights;
  auto& order = w.round_buffers.order;
  auto& commitments = w.round_buffers.commitments;
  auto& R = w.round_buffers;
  // Screening and valuation first, in parallel: whether VC v hears of startup s (distance weight,
  // the pair's own draw), and what v thinks the company is worth (its own signal of the asset's
  // quality, agents/valuation.hpp), depend on nothing that matching changes. Matching then runs in
  // id order, applying the checks that do change as deals close (a fund's room, its cash).
  R.seekers.clear();
  for (std::size_t i = 0; i < w.startups.size(); ++i) {
    const auto& s = w.startups[i];
    if (s.alive && s.wants_round && !s.listed && s.owner_id < 0 && !s.service)
      R.seekers.push_back(static_cast<std::uint32_t>(i));
  }
  R.vc_state.resize(w.vcs.size());
  for (std::size_t i = 0; i < w.vcs.size(); ++i) {
    const auto& v = w.vcs[i];
    const bool open = !v.public_fund && v.fund_open && investable_usd(w, v) > 0;
    R.vc_state[i] = !open ? 0 : can_invest_new(v, P.vc, w.step) ? 2 : 1;  // 0 never, 1 follow-ons only, 2 any deal
  }
  if (R.screened.size() < R.seekers.size()) R.screened.resize(R.seekers.size());
  R.need.resize(R.seekers.size());
  R.worthless.assign(R.seekers.size(), 0);
  R.reachable.assign(R.seekers.size(), 0);
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, R.seekers.size(), 16), [&](const tbb::blocked_range<std::size_t>&
                                                                                      r) {
    for (std::size_t k = r.begin(); k != r.end(); ++k) {
      const auto& s = w.startups[R.seekers[k]];
      auto& out = R.screened[k];
      out.clear();
      const double cash = w.ledger.balance(s.account);
      R.need[k] = round_need_usd(s, w, cash);
      const double cpe = cost_per_employee(w, s.region);
      // Worthless at the VC rate even to the most optimistic signal (value rises with it): no
      // investor would price it, so no pair needs valuing.
      if (R.need[k] <= 0) continue;
      if (asset_value_usd(s, investor(w, 1.5, cpe), P.startup, P.pharma, P.policy, w.step) <= 0) {
        R.worthless[k] = 1;
        continue;
      }
      // A go-between in the startup's region (introductions) bridges a share g of the distance to
      // every investor: one within search_radius_km / (1 - g) considers the company, and hears of it
      // as if it were (1 - g) times as far.
      const double bridged = 1.0 - w.policy_of(s.region).go_between;
      const double reach = bridged > 1e-3 ? P.vc.search_radius_km / bridged : 1e3 * P.vc.search_radius_km;
      w.vc_index.for_each_within(s.x_km, s.y_km, reach, [&](std::size_t i) {
        if (R.vc_state[i] == 0) return;
        const auto& v = w.vcs[i];
        const double distance = bridged * sim::distance_km(s.x_km, s.y_km, v.x_km, v.y_km);
        if (bridged < 1.0 && distance > P.vc.search_radius_km) return;  // (bridged = 1: the index decided)
        const bool follow_on = holds_stake(s, v.id);
        if (!follow_on && R.vc_state[i] != 2) return;
        R.reachable[k] = 1;
        // Deal flow decays with distance: a VC hears of a new company with probability w(d).
        // Existing investors always consider follow-ons.
        const double weight = deal_weight(distance, P.vc);
        auto screen =
            rng_for(w, PhaseKey::match, AgentType::startup, s.id, Purpose::screening, static_cast<std::uint64_t>(v.id));
        if (!follow_on && !screen.bernoulli(weight)) return;
        // Its own valuation: its signal of the asset's quality (insiders see better), its rate.
        const double noise = P.vc.screening_noise * (follow_on ? P.vc.insider_noise_factor : 1.0);
        const double scale = success_scale_of(quality_signal(w, s, noise, agent_key(AgentType::venture_capital, v.id)));
        const double asset = asset_value_usd(s, investor(w, scale, cpe), P.startup, P.pharma, P.policy, w.step);
        if (asset <= 0) return;  // not worth developing further at its rate: it passes
        const double buyer = asset_value_usd(s, {&w.rates.pharma, scale, cpe}, P.startup, P.pharma, P.policy, w.step);
        out.push_back({static_cast<std::uint32_t>(i), follow_on, weight, asset + cash, buyer + cash});
      });
    }
  });
  for (std::size_t q = 0; q < R.seekers.size(); ++q) {
    auto& s = w.startups[R.seekers[q]];
    const int round = s.rounds + 1;
    const double need = R.need[q];
    if (need <= 0) continue;
    accepting.clear();
    weights.clear();
    bool room_bound = false;  // some investor valued it but had no room left
    for (std::size_t k = 0; k < R.screened[q].size(); ++k) {
      const auto& c = R.screened[q][k];
      const auto& v = w.vcs[c.vc];
      if (!(c.follow_on ? v.fund_open : can_invest_new(v, P.vc, w.step)) || investable_usd(w, v) <= 0) {
        room_bound = true;
        continue;
      }
      // A VC invests only where selling to a pharma buyer would return its target multiple.
      if (c.buyer + need < P.vc.target_multiple * (c.value + need)) continue;
      accepting.push_back(k);
      weights.push_back(c.weight * (c.follow_on ? 4.0 : 1.0));
    }
    if (accepting.empty()) {  // why: the mechanism trace (MODEL.md §7.4, "Rounds")
      count(w, w.m.rounds_failed, s.region);
      count(w,
            R.worthless[q]                  ? w.m.rounds_failed_worthless
            : !R.reachable[q] || room_bound ? w.m.rounds_failed_no_room
            : R.screened[q].empty()         ? w.m.rounds_failed_unseen
                                            : w.m.rounds_failed_target,
            s.region);
      continue;
    }
    // Lead: drawn with probability proportional to weight; it prices the round at its valuation.
    double total = 0;
    for (double x : weights) total += x;
    auto pick = rng_for(w, PhaseKey::match, AgentType::startup, s.id, Purpose::vc_choice);
    double u = pick.uniform() * total;
    std::size_t lead = 0;
    while (lead + 1 < accepting.size() && u >= weights[lead]) u -= weights[lead++];
    const double pre_money = R.screened[q][accepting[lead]].value;
    const double post = pre_money + need;
    // Investors in turn: the lead, then the others by weight (ties to the earlier one), each only if
    // its own valuation is at least the lead's price and the buyer test holds at that price. Usually
    // a few suffice, so they come off a heap instead of a full sort.
    order.clear();
    for (std::size_t k = 0; k < accepting.size(); ++k)
      if (k != lead) order.push_back(k);
    const auto later = [&](std::size_t a, std::size_t b) {
      return weights[a] < weights[b] || (weights[a] == weights[b] && a > b);
    };
    std::make_heap(order.begin(), order.end(), later);
    commitments.clear();
    double raised = 0;
    for (std::size_t next = lead, left = order.size() + 1; left > 0 && raised < need; --left) {
      if (left <= order.size()) {
        std::pop_heap(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(left), later);
        next = order[left - 1];
      }
      const auto& c = R.screened[q][accepting[next]];
      if (next != lead && (c.value < pre_money || c.buyer + need < P.vc.target_multiple * post)) continue;
      auto& v = w.vcs[c.vc];
      const double cap = std::min(P.vc.max_share_per_deal * v.committed_usd, investable_usd(w, v));
      const double x = std::min(cap, need - raised);
      if (x <= 0) continue;
      commitments.emplace_back(c.vc, x);
      raised += x;
    }
    // Crossover investors (public-market funds) join a late round the VCs leave short, at the
    // lead's price, if the public market would value the company at least at that price.
    double crossover = 0;
    if (raised < need && P.market.crossover_max_share > 0 &&
        static_cast<int>(s.stage) >= P.market.crossover_min_stage && w.public_equity_left_usd > 0 &&
        public_value(w, s, w.ledger.balance(s.account)) >= pre_money)
      crossover = std::min({need - raised, P.market.crossover_max_share * need, w.public_equity_left_usd});
    raised += crossover;
    if (raised < P.vc.min_round_fill * need) {  // not enough investors at this price: the round fails
      count(w, w.m.rounds_failed, s.region);
      count(w, w.m.rounds_failed_short, s.region);
      continue;
    }
    // Public matching fund of the startup's region (startups under 5 years old).
    VentureCapital* pub = nullptr;
    if (s.region >= 0 && w.step - s.founded_step < 60)
      for (auto& v : w.vcs.items())
        if (v.public_fund && v.region == s.region) pub = &v;
    const double match = pub ? public_match_usd(w, *pub, s, raised) : 0.0;
    const double amount = raised + match;
    const double post_money = pre_money + amount;
    const auto lead_id = w.vcs[R.screened[q][accepting[lead]].vc].id;
    log_event(w, EventKind::round_priced, AgentType::startup, s.id, s.region, AgentType::venture_capital, lead_id,
              amount, pre_money, round, static_cast<int>(s.stage));
    for (const auto& [i, x] : commitments) invest(w, s, w.vcs[i], x, post_money, round);
    if (match > 0) invest(w, s, *pub, match, post_money, round);
    if (crossover > 0) {  // their shares are held by outside investors, like the public's
      const double c = crossover / post_money;
      for (auto& st : s.stakes) st.share *= 1.0 - c;
      s.public_share = s.public_share * (1.0 - c) + c;
      w.public_equity_left_usd -= crossover;
      w.ledger.transfer(w.ext.outside_investors, s.account, crossover, code(Flow::equity), w.step, s.region);
      count(w, w.m.crossover_invested, s.region, crossover);
    }
    s.post_money_usd = post_money;
    s.rounds = round;
    s.round_step = static_cast<std::int32_t>(w.step);
    hire_for(w, s, amount / need);
  }
}

}  // namespace biocluster::agents
