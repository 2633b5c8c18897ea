// The apply phase: each agent's month (asset progress and bills, pharma's plan, VC fees), then the
// month's flows booked in a fixed order, public support included. docs/MODEL.md §3 (apply), §7.3,
// §7.5, §7.6, §7.9.
#include "agents/operations.hpp"

#include <algorithm>
#include <cmath>

#include "agents/books.hpp"
#include "agents/markets/acquisitions.hpp"
#include "agents/markets/alliances.hpp"
#include "agents/markets/funds.hpp"
#include "agents/parallel.hpp"
#include "agents/valuation.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

namespace {

void sell_drug(World& w, Startup& s) {
  const auto& P = w.params;
  auto& L = w.ledger;
  const double month = static_cast<double>(w.step - s.approved_step);
  const double total = s.peak_sales_usd / 12.0 * sales_per_peak(month, P.pharma, P.policy);
  // A licensee sells its share itself (MODEL.md §7.5, "Licensing deals"); the owner keeps the rest.
  auto* licensee = s.licensee_id >= 0 ? w.pharmas.find(s.licensee_id) : nullptr;
  const double sales = licensee ? s.retained_sales_share * total : total;
  auto sell = [&](sim::AccountId account, double x) {
    L.transfer(w.ext.world_market, account, x, code(Flow::revenue), w.step);
    L.transfer(account, w.ext.world_market, (1.0 - P.pharma.drug_margin) * x, code(Flow::operating_cost), w.step);
    L.transfer(account, w.ext.government, P.market.corporate_tax_rate * P.pharma.drug_margin * x, code(Flow::tax),
               w.step);
  };
  if (sales > 0) sell(s.account, sales);
  if (licensee && total - sales > 0) sell(licensee->account, total - sales);
  if (total > 0) count(w, w.m.drug_sales, s.region, total);
  if (month >= 12.0 * P.pharma.drug_life_years) s.asset_failed = true;  // the product is retired
}

/// Cash beyond a year of bills goes to the shareholders (a self-financing firm's dividend).
void pay_dividend(World& w, Startup& s) {
  const double excess = w.ledger.balance(s.account) - 12.0 * monthly_costs(s);
  if (excess > 0) pay_shareholders(w, s.account, s, excess, Flow::dividend);
}

void book_startup_month(World& w, Startup& s, double applied_grant) {
  const auto& P = w.params;
  auto& L = w.ledger;
  const auto t = w.step;
  if (s.advanced_now)
    log_event(w, EventKind::stage_success, AgentType::startup, s.id, s.region, AgentType::startup, -1, 0, 0,
              static_cast<int>(s.stage));
  if (s.approved_now) {
    log_event(w, EventKind::approval, AgentType::startup, s.id, s.region);
    count(w, w.m.approvals, s.region);
  }
  expire_grace(w, s);                                          // agents/markets/acquisitions.cpp
  if (s.advanced_now && s.owner_id >= 0) pay_milestone(w, s);  // agents/markets/acquisitions.cpp
  if (s.advanced_now) pay_licence_milestone(w, s);             // agents/markets/alliances.cpp
  const double bills =
      monthly_costs(s) + (s.owner_large_group && s.grace_over ? P.pharma.compliance_cost_usd_per_year / 12.0 : 0.0);
  // A subsidiary is funded by its parent (follow-on investment of the group).
  if (s.owner_id >= 0 && L.balance(s.account) < 3.0 * bills)
    if (auto* f = w.pharmas.find(s.owner_id); f && L.balance(f->account) > 6.0 * bills) {
      L.transfer(f->account, s.account, 6.0 * bills, code(Flow::intra_group), t);
      count(w, w.m.group_funding, s.region, 6.0 * bills);
    }
  // Public support: applied grants, R&D and investment credits (MODEL.md §7.9).
  const RegionPolicy* rp = s.region >= 0 ? &w.policy_of(s.region) : nullptr;
  if (applied_grant > 0) L.transfer(w.ext.government, s.account, applied_grant, code(Flow::grant_applied), t, s.region);
  // An approved drug sells for its owner, whoever that is (a group venture merges into its parent
  // instead, agents/lifecycle.cpp): the launch curve, exclusivity and erosion of
  // agents/valuation.hpp; costs of goods and selling and tax on the contribution leave at once.
  if (s.stage == Stage::approved && s.owner_id < 0 && !s.service) sell_drug(w, s);
  // A service firm's sales (MODEL.md §7.3).
  if (s.service)
    L.transfer(w.ext.world_market, s.account,
               s.headcount * P.startup.service_price_markup * cost_per_employee(w, s.region), code(Flow::revenue), t);
  const double rd = P.startup.rd_share_of_costs * s.salary_due + s.trial_cost_due;
  const double credit = (sme_eligible(s) ? P.policy.sme_rd_tax_credit : 0.0) + (rp ? rp->rd_tax_credit : 0.0);
  const double credits = credit * rd + (rp ? rp->investment_tax_credit * s.equipment_due : 0.0);
  if (credits > 0) L.transfer(w.ext.government, s.account, credits, code(Flow::tax_credit), t, s.region);
  // Bills, paid pro rata when cash runs short (the startup then fails).
  const double cash = L.balance(s.account);
  const double scale = bills > cash ? cash / bills : 1.0;
  if (bills > cash) s.out_of_cash = true;
  auto pay = [&](sim::AccountId to, double amount, Flow f) {
    L.transfer(s.account, to, std::min(amount * scale, L.balance(s.account)), code(f), t);
  };
  pay(w.ext.households, s.salary_due, Flow::salary);
  pay(w.ext.landlords, s.rent_due, Flow::rent);
  pay(w.ext.world_market, s.equipment_due, Flow::equipment);
  if (s.trial_cost_due > 0) {  // a trial pays its hospital; preclinical studies go to CROs (the world market)
    const auto* h = s.in_trial ? w.hospitals.find(s.trial_hospital) : nullptr;
    pay(h ? h->account : s.in_trial ? w.ext.households : w.ext.world_market, s.trial_cost_due, Flow::trial_payment);
  }
  if (s.owner_large_group && s.grace_over)
    pay(w.ext.households, P.pharma.compliance_cost_usd_per_year / 12.0, Flow::compliance);
  if (s.stage == Stage::approved && s.owner_id < 0 && !s.service && !s.out_of_cash) pay_dividend(w, s);
}

}  // namespace

void progress_startups(World& w) {
  const auto& P = w.params;
  parallel_each(w.startups.size(), [&](std::size_t i) {
    auto& s = w.startups[i];
    if (!s.alive) return;
    const std::size_t cell = w.grid.cell_of(s.x_km, s.y_km);
    auto timing = rng_for(w, PhaseKey::apply, AgentType::startup, s.id, Purpose::stage_timing);
    auto success = rng_for(w, PhaseKey::apply, AgentType::startup, s.id, Purpose::stage_success);
    // A team short of its plan advances more slowly (MODEL.md §7.7): pace = staffed share^elasticity.
    const double plan = std::floor(s.target_headcount);
    const double pace = plan > 0 ? std::pow(std::min(1.0, s.headcount / plan), P.market.understaffing_elasticity) : 1.0;
    s.advanced_now = progress_asset(s, P.startup, w.knowledge.at(cell), timing, success, pace);
    s.approved_now = s.advanced_now && s.stage == Stage::approved;
    if (s.advanced_now) s.stage_entered_step = static_cast<std::int32_t>(w.step);
    if (s.approved_now) s.approved_step = static_cast<std::int32_t>(w.step);
    // The owner funds the plan of an acquired asset's next stage; an independent firm staffs up to
    // sell its own drug.
    if (s.advanced_now && (s.owner_id >= 0 || s.approved_now))
      s.target_headcount = std::max(s.target_headcount, plan_headcount(s.stage, P.startup));
    compute_costs(s, P.startup, cost_per_employee(w, s.region), w.rent.at(cell), incubator_fee(w, s.region));
    // Customs exemption: no import duty on lab equipment for a while after founding (MODEL.md §7.9).
    if (s.region >= 0 &&
        static_cast<double>(w.step - s.founded_step) < 12.0 * w.policy_of(s.region).customs_exemption_years)
      s.equipment_due /= 1.0 + P.market.capital_goods_duty;
  });
}

void plan_pharma_months(World& w) {
  const auto& P = w.params;
  parallel_each(w.pharmas.size(), [&](std::size_t i) {
    auto& f = w.pharmas[i];
    if (f.production) return;  // plants: plan_production
    if (f.site_of >= 0) {      // an R&D site: its parent pays its R&D budget
      f.revenue_due = f.operating_cost_due = f.tax_due = 0;
      f.rd_salary_due = f.site_budget_usd_per_year / 12.0;
      return;
    }
    const bool exempt = f.region >= 0 &&
                        static_cast<double>(w.step - f.founded_step) < 12.0 * w.policy_of(f.region).tax_exemption_years;
    plan_pharma_month(f, P.pharma, P.market.corporate_tax_rate, exempt, w.step);
  });
}

void compute_vc_fees(World& w) {
  const auto& P = w.params;
  parallel_each(w.vcs.size(), [&](std::size_t i) { w.vcs[i].fee_due = management_fee_per_month(w.vcs[i], P.vc); });
}

// Booking, in a fixed order: universities, hospitals, startups, VCs, pharma, regions; each by id.

void book_universities_and_hospitals(World& w) {
  const auto& P = w.params;
  auto& L = w.ledger;
  const auto t = w.step;
  for (const auto& u : w.universities.items()) {
    L.transfer(w.ext.government, u.account, u.own_research_usd_per_year / 12.0, code(Flow::research_income), t);
    L.transfer(w.ext.government, u.account, u.basic_funding_usd_per_year / 12.0, code(Flow::grant_basic_research), t);
    L.transfer(u.account, w.ext.households, L.balance(u.account), code(Flow::salary), t);
  }
  for (const auto& h : w.hospitals.items()) {
    if (h.research_hospital)
      L.transfer(w.ext.government, h.account, P.hospital.research_funding_usd_per_year / 12.0,
                 code(Flow::grant_hospital), t);
    L.transfer(h.account, w.ext.households, L.balance(h.account), code(Flow::salary), t);
  }
}

/// The applied-grant programme (MODEL.md §7.9): a month's budget is the non-basic public R&D ×
/// policy.sme_grant_share / 12; an award pays applied_grant_max_usd_per_year / 12 a month for
/// applied_grant_years. SME-eligible startups (independent, or a large group's venture while it keeps SME
/// status) without a running award apply; while the budget not committed to running awards pays for one
/// more award, the reviewers fund the proposal they score best (a noisy signal of the lead asset's quality,
/// narrowing as trials read out; ties by id). An award lapses when its holder stops being eligible. If
/// running awards exceed the budget (it was cut), each is paid pro rata. Returns an award's payment.
double allocate_applied_grants(World& w) {
  const auto& q = w.params.policy;
  const auto t = static_cast<std::int32_t>(w.step);
  const double budget = q.public_rd_usd_per_year * (1.0 - q.basic_research_share) * q.sme_grant_share / 12.0;
  const double award = q.applied_grant_max_usd_per_year / 12.0;
  const bool open = budget > 0 && award > 0;
  std::size_t running = 0, eligible = 0;
  std::vector<std::size_t> applicants;
  for (std::size_t i = 0; i < w.startups.size(); ++i) {
    auto& s = w.startups[i];
    if (!s.alive || !sme_eligible(s) || !open) {
      s.grant_until = -1;
      continue;
    }
    ++eligible;
    if (s.grant_until >= t)
      ++running;
    else
      s.grant_until = -1, applicants.push_back(i);
  }
  w.applied_grant_usd_month = 0;
  if (!open) return 0.0;
  const double room = budget - static_cast<double>(running) * award;
  const auto fundable = room > 0
                            ? std::min(applicants.size(), static_cast<std::size_t>(std::floor(room / award + 1e-9)))
                            : std::size_t{0};
  if (fundable < applicants.size()) {  // the budget binds: the best-scored proposals win
    std::vector<std::pair<double, std::size_t>> scored;
    scored.reserve(applicants.size());
    for (auto i : applicants) {
      const auto& s = w.startups[i];
      const double sd = q.grant_review_noise * std::pow(w.params.vc.noise_shrink_per_stage, static_cast<int>(s.stage));
      auto rng = sim::Rng(w.seed, s.stage_entered_step, ph(PhaseKey::apply), agent_key(AgentType::startup, s.id),
                          pu(Purpose::grant_review), static_cast<std::uint64_t>(s.asset_number));
      scored.emplace_back(-(s.quality + sd * rng.normal()), i);
    }
    std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(fundable), scored.end());
    for (std::size_t k = 0; k < scored.size(); ++k) {
      if (k < fundable) {
        applicants[k] = scored[k].second;
      } else {
        const auto& s = w.startups[scored[k].second];
        count(w, w.m.grants_unfunded, s.region);
      }
    }
  }
  const auto term = static_cast<std::int32_t>(std::max(1.0, std::round(12.0 * q.applied_grant_years)));
  for (std::size_t k = 0; k < fundable; ++k) {
    auto& s = w.startups[applicants[k]];
    s.grant_until = t + term - 1;
    count(w, w.m.grants_awarded, s.region);
  }
  const double holders = static_cast<double>(running + fundable);
  const double pay = holders * award > budget ? budget / holders : award;
  w.applied_grant_usd_month = eligible > 0 ? pay * holders / static_cast<double>(eligible) : 0.0;
  return pay;
}

/// An incubator place's cost at market prices (the lab space its resident's staff would rent in its
/// cell and the equipment lease it would pay outside) above the resident's fee: the region's
/// policy.incubator_public_share of it is public money, paid to the landlords and the equipment suppliers
/// (MODEL.md §7.3, §7.9). The rest (sponsors, the fees) touches no account of the model.
void support_incubator_place(World& w, const Startup& s) {
  if (!s.alive || !s.incubated || s.region < 0) return;
  const double share = w.policy_of(s.region).incubator_public_share;
  if (share <= 0) return;
  const auto& S = w.params.startup;
  const double space = s.headcount * S.office_m2_per_employee * w.rent.at(w.grid.cell_of(s.x_km, s.y_km));
  const double equipment = S.equipment_usd / (12.0 * S.equipment_life_years);
  const double gap = space + equipment - incubator_fee(w, s.region);
  if (gap <= 0) return;
  const double to_landlords = share * gap * (space / (space + equipment));
  auto& L = w.ledger;
  L.transfer(w.ext.government, w.ext.landlords, to_landlords, code(Flow::incubator_support), w.step, s.region);
  L.transfer(w.ext.government, w.ext.world_market, share * gap - to_landlords, code(Flow::incubator_support), w.step,
             s.region);
}

void book_startups(World& w) {
  const double pay = allocate_applied_grants(w);
  const auto t = static_cast<std::int32_t>(w.step);
  for (auto& s : w.startups.items())
    if (s.alive) {
      book_startup_month(w, s, s.grant_until >= t ? pay : 0.0);
      support_incubator_place(w, s);
    }
}

void book_vc_fees(World& w) {
  auto& L = w.ledger;
  const auto t = w.step;
  for (auto& v : w.vcs.items()) {
    if (v.fee_due <= 0) continue;
    call_as_needed(w, v, v.fee_due);  // fees are called from the limited partners like deals
    L.transfer(v.account, w.ext.households, std::min(v.fee_due, L.balance(v.account)), code(Flow::fee), t);
  }
}

void book_pharma(World& w) {
  auto& L = w.ledger;
  const auto t = w.step;
  for (auto& f : w.pharmas.items()) {
    if (f.site_of >= 0) {
      if (auto* parent = w.pharmas.find(f.site_of))
        L.transfer(parent->account, f.account, std::min(f.rd_salary_due, L.balance(parent->account)),
                   code(Flow::intra_group), t);
      f.rd_salary_due = L.balance(f.account);
      L.transfer(f.account, w.ext.households, f.rd_salary_due, code(Flow::salary), t);
      continue;
    }
    if (f.production) {  // a plant: sales in (the programme's part from the government), wages, tax, payout
      L.transfer(w.ext.world_market, f.account, f.revenue_due - f.public_revenue_due, code(Flow::revenue), t);
      if (f.public_revenue_due > 0)
        L.transfer(w.ext.government, f.account, f.public_revenue_due, code(Flow::public_purchase), t, f.region);
      if (f.operating_cost_due < 0)  // a loss: the owners cover it
        L.transfer(w.ext.world_market, f.account, -f.operating_cost_due, code(Flow::equity), t);
      L.transfer(f.account, w.ext.households, f.rd_salary_due, code(Flow::salary), t);
      L.transfer(f.account, w.ext.government, f.tax_due, code(Flow::tax), t);
      if (f.operating_cost_due > 0)
        L.transfer(f.account, w.ext.world_market, f.operating_cost_due, code(Flow::operating_cost), t);
      continue;
    }
    L.transfer(w.ext.world_market, f.account, f.revenue_due, code(Flow::revenue), t);
    L.transfer(f.account, w.ext.households, f.rd_salary_due, code(Flow::salary), t);
    L.transfer(f.account, w.ext.government, f.tax_due, code(Flow::tax), t);
    L.transfer(f.account, w.ext.world_market, f.operating_cost_due, code(Flow::operating_cost), t);
  }
}

void book_infrastructure_grants(World& w) {
  auto& L = w.ledger;
  const auto t = w.step;
  for (int r = 0; r < w.region_count(); ++r) {
    const double g = w.policy_of(r).infrastructure_grant_usd_per_year / 12.0;
    if (g > 0) L.transfer(w.ext.government, w.ext.landlords, g, code(Flow::infrastructure_grant), t, r);
  }
}

}  // namespace biocluster::agents
