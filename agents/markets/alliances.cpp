// Pharma alliances: upfronts to startups by the industry's rNPV x distance weight. docs/MODEL.md §7.5 ("Alliances").
#include "agents/markets/alliances.hpp"

#include <algorithm>

#include "agents/books.hpp"
#include "agents/valuation.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

void match_alliances(World& w) {
  const auto& P = w.params;
  if (P.pharma.alliance_share_of_rd <= 0 || P.pharma.alliance_upfront_usd <= 0) return;
  if (w.calendar.month_of(w.step) == 1)
    for (auto& f : w.pharmas.items()) f.alliance_spent_year = 0;
  // Candidates: independent, unlisted startups seeking money that have not partnered yet, each
  // valued once (rNPV of its lead asset, as an acquirer would); worth an upfront only above it.
  auto& cand = w.alliance_buffers.candidates;
  auto& value = w.alliance_buffers.value;
  cand.clear(), value.clear();
  for (std::size_t i = 0; i < w.startups.size(); ++i) {
    const auto& s = w.startups[i];
    if (!s.alive || !s.wants_round || s.listed || s.owner_id >= 0 || s.partnered || s.stage == Stage::approved)
      continue;
    // The industry's view of the asset: a diligence signal, pharma's rate (agents/valuation.hpp).
    const double scale =
        success_scale_of(quality_signal(w, s, P.pharma.diligence_noise, agent_key(AgentType::pharma, -1)));
    const double v = asset_value_usd(s, {&w.rates.pharma, scale, cost_per_employee(w, s.region)}, P.startup, P.pharma,
                                     P.policy, w.step);
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
      hire_for(w, s, upfront / std::max(1.0, round_need_usd(s, w, 0.0)));
      s.wants_round = w.ledger.balance(s.account) < funding_need(s, P.startup, P.hospital.trial_fee_usd);
      log_event(w, EventKind::alliance, AgentType::startup, s.id, s.region, AgentType::pharma, f.id, upfront, value[k],
                static_cast<int>(s.stage));
      count(w, w.m.alliances, s.region);
      cand.erase(cand.begin() + best), value.erase(value.begin() + best);
      if (cand.empty()) break;
    }
  }
}

}  // namespace biocluster::agents
