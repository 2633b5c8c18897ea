// Acquisitions by pharma firms and the M&A grace period of large groups. docs/MODEL.md §7.5
// ("Acquisitions"), §7.9 (policy.grace_period_years).
#include "agents/markets/acquisitions.hpp"

#include <algorithm>
#include <cmath>

#include "agents/books.hpp"
#include "agents/lifecycle.hpp"
#include "agents/pharma.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

// ---- the grace period (policy.grace_period_years), whole: length, bid value, flag, expiry

double grace_months(const PolicyParams& policy) { return 12.0 * policy.grace_period_years; }

double grace_value_usd(const Startup& s, double monthly_rd_usd, const StartupParams& sp, const PharmaParams& pp,
                       const PolicyParams& policy) {
  const double horizon_months = 12.0 * years_to_launch(s.stage, sp);
  const double grace = grace_months(policy);
  const double r = std::pow(1.0 + pp.discount_rate, 1.0 / 12.0) - 1.0;
  double v = 0.0, disc = 1.0;
  for (int m = 0; m < static_cast<int>(horizon_months); ++m) {
    disc /= 1.0 + r;
    v += (m < grace ? policy.sme_rd_tax_credit * monthly_rd_usd : -pp.compliance_cost_usd_per_year / 12.0) * disc;
  }
  return v;
}

void expire_grace(World& w, Startup& s) {
  const auto& P = w.params;
  const auto t = w.step;
  // Large-group ventures lose SME benefits when the grace period ends (rounded to whole months
  // here, not in grace_value_usd: see grace_months).
  if (s.owner_large_group && !s.grace_over && t - s.acquired_step >= std::lround(grace_months(P.policy))) {
    s.grace_over = true;
    log_event(w, EventKind::grace_expired, AgentType::startup, s.id, s.region, AgentType::pharma, s.owner_id);
  }
}

// ---- the market

void match_acquisitions(World& w) {
  const auto& P = w.params;
  if (!P.policy.acquisitions_allowed) return;
  // Candidates (independent, unlisted, clinical-stage, VC-backed), valued once per step: price and
  // rNPV depend only on the startup, and no acquisition changes another candidate. Sorted by price,
  // so "price <= budget" is a prefix; a max-tree per acquirer kind gives each firm's best surplus
  // (ties: lowest store index, as a scan in id order would pick). MODEL.md §7.5.
  auto& C = w.acquisition_buffers;
  C.order.clear();
  for (std::size_t i = 0; i < w.startups.size(); ++i) {
    const auto& s = w.startups[i];
    if (!s.alive || s.owner_id >= 0 || s.listed || s.stage < Stage::phase1 || s.rounds == 0) continue;
    C.order.push_back(static_cast<std::uint32_t>(i));
  }
  const std::size_t n = C.order.size();
  C.price.resize(n);
  for (std::size_t k = 0; k < n; ++k)
    C.price[k] = w.startups[C.order[k]].post_money_usd * (1.0 + P.pharma.acquisition_premium);
  {
    std::vector<std::uint32_t>& perm = C.perm;
    perm.resize(n);
    for (std::size_t k = 0; k < n; ++k) perm[k] = static_cast<std::uint32_t>(k);
    std::sort(perm.begin(), perm.end(), [&](std::uint32_t a, std::uint32_t b) {
      return C.price[a] < C.price[b] || (C.price[a] == C.price[b] && a < b);
    });
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
        C.value_large[k] =
            C.value[k] + grace_value_usd(s, P.startup.rd_share_of_costs * s.salary_due + s.trial_cost_due, P.startup,
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
    const auto affordable = static_cast<std::size_t>(
        std::upper_bound(C.sorted_price.begin(), C.sorted_price.end(), budget) - C.sorted_price.begin());
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
    // Only a large group's venture keeps SME benefits, and only during the grace period (the flag
    // set here; expire_grace above ends it, grace_value_usd above priced it into the bid).
    s.grace_over = !f.large_group;
    ++f.acquisitions;
    const AcquirerKind kind = f.large_group          ? AcquirerKind::large_group
                              : f.region < 0         ? AcquirerKind::outside
                              : f.region == s.region ? AcquirerKind::local
                                                     : AcquirerKind::other_region;
    log_event(w, EventKind::acquisition, AgentType::startup, s.id, s.region, AgentType::pharma, f.id, best_price,
              best_value, static_cast<int>(kind));
    count(w, w.m.acquired, s.region);
    const sim::MetricId by_kind[] = {w.m.acquired_local, w.m.acquired_other_region, w.m.acquired_outside,
                                     w.m.acquired_large_group};
    count(w, by_kind[static_cast<int>(kind)], s.region);
    request_serial_founder(w, s);
  }
}

}  // namespace biocluster::agents
