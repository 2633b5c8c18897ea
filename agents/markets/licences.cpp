// Technology licences: spin-off, pharma licensee, or the university's stock. docs/MODEL.md §7.1.
#include "agents/markets/licences.hpp"

#include <algorithm>
#include <utility>

#include "agents/books.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

namespace {

/// Ranks, for every university, the pharma firms (not their R&D sites) by distance, then store
/// order; firms outside the grid count as 1e9 km away. Rebuilt only when the firms or the
/// universities change (positions of both are fixed for life).
void rank_licence_buyers(World& w) {
  auto& R = w.licence_buyers;
  auto& key = R.key_now;
  key.clear();
  for (std::size_t i = 0; i < w.pharmas.size(); ++i)
    if (w.pharmas[i].site_of < 0 && !w.pharmas[i].production)
      key.push_back(static_cast<std::int64_t>(i)), key.push_back(w.pharmas[i].id);
  key.push_back(-1);
  for (const auto& u : w.universities.items()) key.push_back(u.id);
  if (key == R.key) return;
  R.key.swap(key);
  std::vector<std::uint32_t> firms;
  for (std::size_t i = 0; i < w.pharmas.size(); ++i)
    if (w.pharmas[i].site_of < 0 && !w.pharmas[i].production) firms.push_back(static_cast<std::uint32_t>(i));
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
  const auto& R = w.licence_buyers;
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
        if (w.ledger.balance(f.account) <
            P.university.licence_fee_usd + 3.0 * f.revenue_usd_per_year / 12.0 * P.pharma.rd_share)
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

}  // namespace biocluster::agents
