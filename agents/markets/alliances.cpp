// Licensing deals: a pharma firm buys a share of a startup's sales rights for an upfront and
// milestones, priced by the valuation of agents/valuation.hpp. docs/MODEL.md §7.5 ("Licensing deals").
#include "agents/markets/alliances.hpp"

#include <algorithm>

#include "agents/books.hpp"
#include "agents/valuation.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

void match_alliances(World& w) {
  const auto& P = w.params;
  const double share = P.pharma.licence_share;
  if (P.pharma.alliance_share_of_rd <= 0 || share <= 0) return;
  if (w.calendar.month_of(w.step) == 1)
    for (auto& f : w.pharmas.items()) f.alliance_spent_year = 0;
  // Candidates: independent, unlisted startups seeking money that have not licensed yet. The
  // industry (one diligence signal, pharma's rate) values the share of sales it would buy, without
  // development costs (the startup keeps paying them), and offers that less the bid margin as a
  // headline H paid u x H now (licence_upfront_share, else upfront_share) and the rest in equal milestones at each
  // later stage success (H set so that the offer is its expected cost, as in acquisitions). The board (its largest
  // investor's insider signal, the VC rate) takes it only if its value with the deal (the asset at its retained share
  // of sales, plus upfront and milestones at its own odds) beats its value without.
  auto& cand = w.alliance_buffers.candidates;
  auto& value = w.alliance_buffers.value;
  cand.clear(), value.clear();
  const double u = P.pharma.licence_upfront_share >= 0 ? P.pharma.licence_upfront_share : P.pharma.upfront_share;
  for (std::size_t i = 0; i < w.startups.size(); ++i) {
    const auto& s = w.startups[i];
    if (!s.alive || !s.wants_round || s.listed || s.owner_id >= 0 || s.partnered || s.service ||
        s.stage == Stage::approved || s.peak_sales_usd <= 0)
      continue;
    const double scale =
        success_scale_of(quality_signal(w, s, P.pharma.diligence_noise, agent_key(AgentType::pharma, -1)));
    const double offer = (1.0 - P.pharma.bid_margin) * share *
                         sales_value_usd(s, w.rates.pharma, scale, P.startup, P.pharma, P.policy, w.step);
    const double mf = milestone_factor(s, w.rates.pharma, scale, P.startup);
    if (offer <= 0 || u + (1.0 - u) * mf <= 0) continue;
    const double headline = offer / (u + (1.0 - u) * mf);
    const Stake* lead = nullptr;
    for (const auto& k : s.stakes)
      if (!lead || k.share > lead->share) lead = &k;
    const double board_scale =
        success_scale_of(quality_signal(w, s, P.vc.screening_noise * P.vc.insider_noise_factor,
                                        agent_key(AgentType::venture_capital, lead ? lead->vc_id : -1)));
    const Valuer board = investor(w, board_scale, cost_per_employee(w, s.region));
    const double without = asset_value_usd(s, board, P.startup, P.pharma, P.policy, w.step);
    Startup licensed = s;
    licensed.retained_sales_share = s.retained_sales_share * (1.0 - share);
    const double with = asset_value_usd(licensed, board, P.startup, P.pharma, P.policy, w.step) +
                        headline * (u + (1.0 - u) * milestone_factor(s, w.rates.vc, board_scale, P.startup));
    if (with <= without) continue;
    cand.push_back(static_cast<std::uint32_t>(i)), value.push_back(headline);
  }
  // Firms (not sites) in id order: each signs deals while its yearly allowance and its cash (above a
  // reserve of three months of R&D) cover the upfront, choosing among those it can pay the
  // candidate of highest headline x distance weight (a firm outside the grid weighs all alike);
  // ties go to the lower startup id.
  for (auto& f : w.pharmas.items()) {
    if (f.site_of >= 0 || f.production || cand.empty()) continue;  // sites do not sign (parents do), nor plants
    const double rd_year = f.revenue_usd_per_year * P.pharma.rd_share;
    const double reserve = 3.0 * rd_year / 12.0;
    while (!cand.empty()) {
      const double room = std::min(P.pharma.alliance_share_of_rd * rd_year - f.alliance_spent_year,
                                   w.ledger.balance(f.account) - reserve);
      std::ptrdiff_t best = -1;
      double best_score = 0;
      for (std::size_t k = 0; k < cand.size(); ++k) {
        if (u * value[k] > room) continue;
        const auto& s = w.startups[cand[k]];
        const double weight = f.region < 0 ? 1.0 : deal_weight(sim::distance_km(f.x_km, f.y_km, s.x_km, s.y_km), P.vc);
        const double score = value[k] * weight;
        if (best < 0 || score > best_score) best = static_cast<std::ptrdiff_t>(k), best_score = score;
      }
      if (best < 0) break;
      const auto k = static_cast<std::size_t>(best);
      auto& s = w.startups[cand[k]];
      const double headline = value[k], upfront = u * headline;
      const int remaining = static_cast<int>(Stage::approved) - static_cast<int>(s.stage);
      if (upfront > 0) w.ledger.transfer(f.account, s.account, upfront, code(Flow::alliance), w.step);
      f.alliance_spent_year += upfront;
      s.partnered = true;
      s.licensee_id = f.id;
      s.retained_sales_share *= 1.0 - share;
      s.licence_milestone_usd = remaining > 0 ? (headline - upfront) / remaining : 0.0;
      hire_for(w, s, upfront / std::max(1.0, round_need_usd(s, w, 0.0)));
      s.wants_round = w.ledger.balance(s.account) < funding_need(s, P.startup, P.hospital.trial_fee_usd);
      log_event(w, EventKind::alliance, AgentType::startup, s.id, s.region, AgentType::pharma, f.id, upfront, headline,
                static_cast<int>(s.stage));
      count(w, w.m.alliances, s.region);
      if (f.region < 0) count(w, w.m.alliances_outside, s.region);
      cand.erase(cand.begin() + best), value.erase(value.begin() + best);
    }
  }
}

void pay_licence_milestone(World& w, Startup& s) {
  if (s.licensee_id < 0 || s.licence_milestone_usd <= 0) return;
  auto* f = w.pharmas.find(s.licensee_id);
  if (!f) return;
  const double x = std::min(s.licence_milestone_usd, std::max(0.0, w.ledger.balance(f->account)));
  if (x > 0) w.ledger.transfer(f->account, s.account, x, code(Flow::milestone), w.step);
}

}  // namespace biocluster::agents
