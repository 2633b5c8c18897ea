// Acquisitions by pharma firms and the M&A grace period of large groups. docs/MODEL.md §7.5
// ("Acquisitions"), §7.9 (policy.grace_period_years).
#include "agents/markets/acquisitions.hpp"

#include <algorithm>
#include <cmath>

#include "agents/books.hpp"
#include "agents/lifecycle.hpp"
#include "agents/markets/funds.hpp"
#include "agents/parallel.hpp"
#include "agents/pharma.hpp"
#include "agents/valuation.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

// ---- the grace period (policy.grace_period_years), whole: length, bid value, flag, expiry

double grace_months(const PolicyParams& policy) { return 12.0 * policy.grace_period_years; }

double sme_grace_months(const PolicyParams& policy) {
  return policy.sme_grace_years < 0 ? grace_months(policy) : 12.0 * policy.sme_grace_years;
}

double grace_value_usd(const Startup& s, double monthly_rd_usd, double monthly_grant_usd, const StartupParams& sp,
                       const PharmaParams& pp, const PolicyParams& policy) {
  const double horizon_months = 12.0 * years_to_launch(s.stage, sp);
  const double grace = grace_months(policy), sme = sme_grace_months(policy);
  const double r = std::pow(1.0 + pp.discount_rate, 1.0 / 12.0) - 1.0;
  double v = 0.0, disc = 1.0;
  for (int m = 0; m < static_cast<int>(horizon_months); ++m) {
    disc /= 1.0 + r;
    if (m < sme) v += (policy.sme_rd_tax_credit * monthly_rd_usd + monthly_grant_usd) * disc;
    if (m >= grace) v -= pp.compliance_cost_usd_per_year / 12.0 * disc;
  }
  return v;
}

void expire_grace(World& w, Startup& s) {
  const auto& P = w.params;
  const auto t = w.step;
  // Large-group ventures lose SME benefits when the grace period ends (rounded to whole months
  // here, not in grace_value_usd: see grace_months).
  if (s.owner_large_group && !s.sme_over && t - s.acquired_step >= std::lround(sme_grace_months(P.policy)))
    s.sme_over = true;
  if (s.owner_large_group && !s.grace_over && t - s.acquired_step >= std::lround(grace_months(P.policy))) {
    s.grace_over = true;
    log_event(w, EventKind::grace_expired, AgentType::startup, s.id, s.region, AgentType::pharma, s.owner_id);
  }
}

// ---- the market

namespace {

/// The board's value of continuing (raising again or listing): the largest investor's valuation
/// with its insider signal at the VC rate, plus cash, less the pressure of its fund's age; at least
/// the public market's value when the company could list. MODEL.md §7.5.
double continuation_value(const World& w, const Startup& s, double cash, double& seller_scale) {
  const auto& P = w.params;
  if (s.listed) {  // a listed company's holders sell only above its market value (marked this month)
    seller_scale =
        success_scale_of(quality_signal(w, s, P.market.public_noise, agent_key(AgentType::venture_capital, -1)));
    return s.post_money_usd;
  }
  const Stake* lead = nullptr;
  for (const auto& k : s.stakes)
    if (!lead || k.share > lead->share) lead = &k;
  seller_scale = success_scale_of(quality_signal(w, s, P.vc.screening_noise * P.vc.insider_noise_factor,
                                                 agent_key(AgentType::venture_capital, lead ? lead->vc_id : -1)));
  const double cpe = cost_per_employee(w, s.region);
  const Valuer insider = investor(w, seller_scale, cpe);
  double value =
      asset_value_usd(s, insider, P.startup, P.pharma, P.policy, w.step) + pipeline_value_usd(s, insider, w) + cash;
  if (const auto* v = lead ? w.vcs.find(lead->vc_id) : nullptr) {
    const double late = std::max(0.0, fund_age_years(*v, w.step) - P.vc.investment_period_years);
    value *= 1.0 - std::min(0.6, P.vc.exit_pressure_per_year * late);
  }
  if (P.market.ipo_window_open && s.stage != Stage::approved) {
    const double scale =
        success_scale_of(quality_signal(w, s, P.market.public_noise, agent_key(AgentType::venture_capital, -1)));
    const double pub = asset_value_usd(s, {&w.rates.market, scale, cpe}, P.startup, P.pharma, P.policy, w.step) *
                           std::exp(w.market_log_index) +
                       cash;
    if (pub >= P.market.ipo_min_value_usd) value = std::max(value, pub);
  }
  return value;
}

}  // namespace

void pay_milestone(World& w, Startup& s) {
  if (s.owner_id < 0 || s.milestone_usd <= 0) return;
  auto* f = w.pharmas.find(s.owner_id);
  if (!f) return;
  const double x = std::min(s.milestone_usd, std::max(0.0, w.ledger.balance(f->account)));
  if (x <= 0) return;
  double paid = 0;
  for (const auto& st : s.former_stakes)
    if (auto* v = w.vcs.find(st.vc_id); v && st.share * x > 0) {
      receive_proceeds(w, *v, s, f->account, st.share * x, Flow::milestone);
      paid += st.share * x;
    }
  const double pub = s.former_public_share * x;
  if (pub > 0) w.ledger.transfer(f->account, w.ext.outside_investors, pub, code(Flow::milestone), w.step);
  if (x - paid - pub > 0)
    w.ledger.transfer(f->account, w.ext.households, x - paid - pub, code(Flow::milestone), w.step);
}

void match_acquisitions(World& w) {
  const auto& P = w.params;
  if (!P.policy.acquisitions_allowed) return;
  // Candidates: independent drug developers with a clinical or approved asset, VC-backed or listed.
  // Every buyer with money bids its own valuation (its diligence signal, pharma's rate, a large
  // group adds the grace-period value) less a margin, as upfront + milestones (FORMS.md 4); bids
  // are sealed and first-price. The board takes the bid it values most (milestones weighed by its
  // own odds) if that beats continuing. Bids depend only on the startup and the firm, so they are
  // computed in parallel; deals then close in startup order, each firm's budget falling as it buys.
  auto& C = w.acquisition_buffers;
  C.order.clear();
  for (std::size_t i = 0; i < w.startups.size(); ++i) {
    const auto& s = w.startups[i];
    if (!s.alive || s.owner_id >= 0 || s.service || s.stage < Stage::phase1 || (s.stakes.empty() && !s.listed))
      continue;
    C.order.push_back(static_cast<std::uint32_t>(i));
  }
  C.buyers.clear();
  C.budget.clear();
  for (std::size_t i = 0; i < w.pharmas.size(); ++i) {
    const auto& f = w.pharmas[i];
    if (f.site_of >= 0 || f.production) continue;  // R&D sites do not buy (their parents do), nor plants
    const double budget = w.ledger.balance(f.account) - 3.0 * f.revenue_usd_per_year / 12.0 * P.pharma.rd_share;
    if (budget <= 0 || acquisition_share(f, P.pharma) <= 0) continue;
    C.buyers.push_back(static_cast<std::uint32_t>(i));
    C.budget.push_back(budget);
  }
  const std::size_t n = C.order.size(), nb = C.buyers.size();
  if (n == 0 || nb == 0) return;
  C.headline.assign(n * nb, 0.0);
  C.seller_value.assign(n * nb, 0.0);
  C.grace_share.assign(n * nb, 0.0);
  C.offer.assign(n * nb, 0.0);
  C.continuation.assign(n, 0.0);
  const double u = P.pharma.upfront_share;
  parallel_each(n, [&](std::size_t k) {
    const auto& s = w.startups[C.order[k]];
    const double cash = w.ledger.balance(s.account);
    double seller_scale = 1.0;
    C.continuation[k] = continuation_value(w, s, cash, seller_scale);
    const double seller_mf = milestone_factor(s, w.rates.vc, seller_scale, P.startup);
    const double cpe = cost_per_employee(w, s.region);
    for (std::size_t b = 0; b < nb; ++b) {
      const auto& f = w.pharmas[C.buyers[b]];
      const double scale =
          success_scale_of(quality_signal(w, s, P.pharma.diligence_noise, agent_key(AgentType::pharma, f.id)));
      const Valuer buyer{&w.rates.pharma, scale, cpe};
      double value =
          asset_value_usd(s, buyer, P.startup, P.pharma, P.policy, w.step) + pipeline_value_usd(s, buyer, w) + cash;
      double grace = 0;
      if (f.large_group)
        value += grace = grace_value_usd(s, P.startup.rd_share_of_costs * s.salary_due + s.trial_cost_due,
                                         w.applied_grant_usd_month, P.startup, P.pharma, P.policy);
      const double offer = (1.0 - P.pharma.bid_margin) * value;  // its expected cost of the deal
      if (offer <= cash) continue;                               // worth no more than the cash: no bid
      const double mf = s.stage == Stage::approved ? 1.0 : milestone_factor(s, w.rates.pharma, scale, P.startup);
      const double headline = offer / (u + (1.0 - u) * mf);
      C.headline[k * nb + b] = headline;
      C.seller_value[k * nb + b] = headline * (s.stage == Stage::approved ? 1.0 : u + (1.0 - u) * seller_mf);
      C.grace_share[k * nb + b] = value > 0 ? grace / value : 0.0;
      C.offer[k * nb + b] = offer;
    }
  });
  for (std::size_t k = 0; k < n; ++k) {
    auto& s = w.startups[C.order[k]];
    std::ptrdiff_t best = -1;
    for (std::size_t b = 0; b < nb; ++b) {
      const double h = C.headline[k * nb + b];
      if (h <= 0 || (s.stage == Stage::approved ? h : u * h) > C.budget[b]) continue;
      if (best < 0 || C.seller_value[k * nb + b] > C.seller_value[k * nb + static_cast<std::size_t>(best)])
        best = static_cast<std::ptrdiff_t>(b);
    }
    if (best < 0) {
      count(w, w.m.acquisition_no_bid, s.region);
      continue;
    }
    const auto b = static_cast<std::size_t>(best);
    if (C.seller_value[k * nb + b] < C.continuation[k]) {  // the board would rather go on
      count(w, w.m.acquisition_declined, s.region);
      continue;
    }
    // Won on the grace value: without it (bid and board's value both scale with the buyer's value)
    // the winner's bid would have been no bid, or below the board's value of going on or the next bid.
    if (C.grace_share[k * nb + b] > 0) {
      const double keep = 1.0 - C.grace_share[k * nb + b];
      const double without = C.seller_value[k * nb + b] * keep;
      double next = 0;
      for (std::size_t o = 0; o < nb; ++o) {
        const double h = C.headline[k * nb + o];
        if (o == b || h <= 0 || (s.stage == Stage::approved ? h : u * h) > C.budget[o]) continue;
        next = std::max(next, C.seller_value[k * nb + o]);
      }
      const bool no_bid = C.offer[k * nb + b] * keep <= w.ledger.balance(s.account);  // as in the bid above
      if (no_bid || without < C.continuation[k] || without < next) count(w, w.m.acquired_on_grace, s.region);
    }
    auto& f = w.pharmas[C.buyers[b]];
    const double headline = C.headline[k * nb + b];
    const double upfront = s.stage == Stage::approved ? headline : u * headline;
    const int remaining = static_cast<int>(Stage::approved) - static_cast<int>(s.stage);
    C.budget[b] -= upfront;
    const auto stage_at_exit = static_cast<int>(s.stage);
    s.former_stakes = s.stakes;
    s.former_public_share = s.public_share;
    pay_shareholders(w, f.account, s, upfront, Flow::acquisition);
    s.milestone_usd = remaining > 0 ? (headline - upfront) / remaining : 0.0;
    s.stakes.clear();
    s.public_share = 0;
    s.listed = false;  // a takeover of a listed company ends its listing
    s.owner_id = f.id;
    s.owner_large_group = f.large_group;
    s.acquired_step = static_cast<std::int32_t>(w.step);
    // Only a large group's venture keeps SME benefits, and only during the grace period (the flag
    // set here; expire_grace above ends it, grace_value_usd above priced it into the bid).
    s.grace_over = !f.large_group;
    s.sme_over = !f.large_group;
    s.target_headcount = std::max(s.target_headcount, plan_headcount(s.stage, P.startup));  // the buyer funds the plan
    ++f.acquisitions;
    const AcquirerKind kind = f.large_group          ? AcquirerKind::large_group
                              : f.region < 0         ? AcquirerKind::outside
                              : f.region == s.region ? AcquirerKind::local
                                                     : AcquirerKind::other_region;
    log_event(w, EventKind::acquisition, AgentType::startup, s.id, s.region, AgentType::pharma, f.id, upfront, headline,
              static_cast<int>(kind), stage_at_exit);
    count(w, w.m.acquired, s.region);
    const sim::MetricId by_kind[] = {w.m.acquired_local, w.m.acquired_other_region, w.m.acquired_outside,
                                     w.m.acquired_large_group};
    count(w, by_kind[static_cast<int>(kind)], s.region);
    request_serial_founder(w, s);
  }
}

}  // namespace biocluster::agents
