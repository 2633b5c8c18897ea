// The step of the cluster economy as an ordered list of phases. docs/MODEL.md §3.
#include "agents/model.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <utility>

#include "sim/errors.hpp"

namespace biocluster::agents {

const RegionPolicy& World::policy_of(int region) const { return params.regions[static_cast<std::size_t>(region)].policy; }

namespace {

constexpr std::uint32_t ph(PhaseKey k) { return static_cast<std::uint32_t>(k); }
constexpr std::uint32_t pu(Purpose p) { return static_cast<std::uint32_t>(p); }

/// Runs fn(i) for every i in [0, n) in parallel; fn must write only agent i's own state.
template <class Fn>
void parallel_each(std::size_t n, Fn&& fn) {
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t i = r.begin(); i != r.end(); ++i) fn(i);
  });
}

/// Random point in a disc around (x, y), clamped onto the grid.
std::pair<float, float> place_near(const World& w, double x, double y, double radius_km, sim::Rng& rng) {
  const double r = radius_km * std::sqrt(rng.uniform()), a = 2.0 * std::numbers::pi * rng.uniform();
  return {static_cast<float>(w.grid.clamp_x(x + r * std::cos(a))), static_cast<float>(w.grid.clamp_y(y + r * std::sin(a)))};
}

sim::AccountId open_account(World& w, AgentType t, sim::AgentId id, std::int16_t region) {
  return w.ledger.open({false, true, region, code(t), id});
}

double incubator_fee(const World& w, int region) { return region >= 0 ? w.policy_of(region).incubator_fee_usd_month : 0.0; }

void register_metrics(World& w) {
  auto& t = w.metrics;
  auto& m = w.m;
  m.universities = t.add("universities", "count", "universities in the region");
  m.hospitals = t.add("hospitals", "count", "hospitals in the region (research hospitals included)");
  m.startups = t.add("startups", "count", "live startups in the region (subsidiaries and listed included)");
  m.vc_firms = t.add("vc_firms", "count", "venture-capital firms in the region (public fund included)");
  m.pharma_firms = t.add("pharma_firms", "count", "pharma firms with a site in the region");
  for (int s = 0; s < kStageCount; ++s)
    m.startups_by_stage[static_cast<std::size_t>(s)] = t.add(std::string("startups_stage_") + kStageNames[s], "count",
                                                             std::string("live startups whose lead asset is in stage ") + kStageNames[s]);
  m.startups_service = t.add("startups_service", "count", "live service firms (tools, devices, services; no drug pipeline)");
  m.founded = t.add_flow("startups_founded", "count/month", "startups founded this month");
  for (int o = 0; o < kOriginCount; ++o)
    m.founded_by_origin[static_cast<std::size_t>(o)] = t.add_flow(std::string("startups_founded_") + kOriginNames[o], "count/month",
                                                             std::string("startups founded this month with origin ") + kOriginNames[o]);
  m.failed = t.add_flow("startups_failed", "count/month", "startups that failed this month");
  m.acquired = t.add_flow("startups_acquired", "count/month", "startups acquired this month (all acquirers)");
  m.acquired_local = t.add_flow("acquired_by_local", "count/month", "acquired by a pharma firm of the same region");
  m.acquired_other_region = t.add_flow("acquired_by_other_region", "count/month", "acquired by a pharma firm of another region");
  m.acquired_outside = t.add_flow("acquired_by_outside", "count/month", "acquired by a pharma firm outside the grid");
  m.acquired_large_group = t.add_flow("acquired_by_large_group", "count/month", "acquired by a large business group");
  m.alliances = t.add_flow("alliances", "count/month", "pharma alliances signed this month by the region's startups");
  m.listed = t.add_flow("startups_listed", "count/month", "startups listed on a stock market (IPO) this month");
  m.approvals = t.add_flow("approvals", "count/month", "lead assets approved this month");
  m.trial_starts = t.add_flow("trial_starts", "count/month", "clinical trials started this month");
  m.licences = t.add_flow("licences", "count/month", "university technologies licensed this month (spin-offs, pharma, startups)");
  m.serial_founders = t.add_flow("serial_founders", "count/month", "startups founded by founders of an exited startup");
  m.employment_startups = t.add("employment_startups", "persons", "employees of startups");
  m.employment_pharma = t.add("employment_pharma", "persons", "R&D staff of local pharma sites (R&D salaries / cost per employee)");
  m.employment_universities = t.add("employment_universities", "persons", "research staff of universities (research money / cost per employee)");
  m.employment_hospitals = t.add("employment_hospitals", "persons", "research staff of research hospitals (funding / cost per employee)");
  m.employment_total = t.add("employment_total", "persons", "all bio employment above");
  m.talent_pool = t.add("talent_pool", "persons", "job seekers (all skills) in the region's cells");
  m.talent_pool_phd = t.add("talent_pool_phd", "persons", "job seekers with a PhD in the region's cells");
  m.wage = t.add("wage", "USD/(person month)", "monthly wage of a life-science worker in the region");
  m.knowledge_stock = t.add("knowledge_stock", "units", "knowledge stock summed over the region's cells");
  m.mean_rent = t.add("mean_rent", "USD/m2/month", "mean rent over the region's cells");
  m.amenity = t.add("amenity_index", "index", "amenity index of the region");
  m.vc_invested = t.add_flow("vc_invested", "USD/month", "venture money invested in the region's startups (public fund included)");
  m.vc_raised = t.add_flow("vc_raised", "USD/month", "new funds raised by the region's VC firms");
  m.vc_distributed = t.add_flow("vc_distributed", "USD/month", "exit proceeds received by the region's VC firms");
  m.vc_cash = t.add("vc_cash", "USD", "uninvested cash of the region's VC firms");
  m.government_spend = t.add_flow("government_spend", "USD/month", "public money paid into the region this month (all programmes)");
  const std::pair<Flow, const char*> levers[] = {
      {Flow::grant_basic_research, "basic research grants to universities"}, {Flow::grant_applied, "applied grants to startups"},
      {Flow::grant_hospital, "research-hospital funding"}, {Flow::tax_credit, "R&D and investment tax credits"},
      {Flow::training_grant, "training grants"}, {Flow::infrastructure_grant, "infrastructure grants"},
      {Flow::public_fund, "public start-up fund investments"}, {Flow::loan, "public loans to startups"}};
  for (const auto& [f, desc] : levers)
    m.spend_by_lever.emplace_back(f, t.add_flow("spend_" + kFlowNames[static_cast<std::size_t>(code(f))], "USD/month",
                                           std::string("public spending this month: ") + desc));
  m.public_cost_per_job = t.add("public_cost_per_job", "USD/person", "cumulative public spending in the region / bio employment");
}

// ------------------------------------------------------------------ decide (parallel)

void request_staff_spinouts(World& w) {
  const auto& P = w.params;
  // Each spin-off's parent is a startup of its region drawn in proportion to headcount: walk the
  // region's startups subtracting headcounts from the draw until it goes negative (the last one if
  // it never does). All draws are made first (they depend on nothing else), then resolved in one
  // pass over the startups, each draw with exactly the subtractions a walk of its own would make.
  auto& S = w.scratch.spinouts;
  const auto nr = static_cast<std::size_t>(w.region_count());
  S.first.assign(nr + 1, 0);
  S.residual.clear();
  for (std::size_t r = 0; r < nr; ++r) {
    const double staff = w.regions[r].startup_staff;
    auto rng = sim::Rng(w.seed, w.step, ph(PhaseKey::decide), static_cast<std::int64_t>(r), pu(Purpose::staff_spinouts));
    const auto n = rng.poisson(P.startup.staff_spinouts_per_1000_per_year / 12.0 * staff / 1000.0);
    for (std::int64_t k = 0; k < n; ++k) S.residual.push_back(rng.uniform() * staff);
    S.first[r + 1] = S.residual.size();
  }
  if (S.residual.empty()) return;
  S.parent.assign(S.residual.size(), -1);
  S.done.assign(S.residual.size(), 0);
  S.open.assign(nr, 0);
  for (std::size_t r = 0; r < nr; ++r) S.open[r] = S.first[r + 1] - S.first[r];
  const auto items = w.startups.items();
  for (std::size_t i = 0; i < items.size(); ++i) {
    const auto& s = items[i];
    if (s.region < 0) continue;
    const auto r = static_cast<std::size_t>(s.region);
    if (S.open[r] == 0) continue;
    for (std::size_t k = S.first[r]; k < S.first[r + 1]; ++k) {
      if (S.done[k]) continue;
      S.parent[k] = static_cast<std::ptrdiff_t>(i);
      if ((S.residual[k] -= s.headcount) < 0) S.done[k] = 1, --S.open[r];
    }
  }
  for (std::size_t r = 0; r < nr; ++r)
    for (std::size_t k = S.first[r]; k < S.first[r + 1]; ++k) {
      if (S.parent[k] < 0) continue;
      const auto& parent = items[static_cast<std::size_t>(S.parent[k])];
      w.founding_requests.push_back({Origin::staff, AgentType::startup, parent.id, static_cast<std::int16_t>(r), parent.x_km, parent.y_km,
                                     static_cast<std::int32_t>(k - S.first[r])});
    }
}

void phase_decide(World& w) {
  w.ledger.begin_step();
  w.metrics.clear();
  w.founding_requests.clear();
  const auto& P = w.params;
  if (w.calendar.month_of(w.step) == 1 || w.step == 0)
    for (auto& h : w.hospitals.items()) h.slots_free = h.trial_slots_per_year;

  parallel_each(w.universities.size(), [&](std::size_t i) {
    auto& u = w.universities[i];
    auto rng = rng_for(w, PhaseKey::decide, AgentType::university, u.id, Purpose::discoveries);
    decide_research(u, P.university, w.knowledge.at(w.grid.cell_of(u.x_km, u.y_km)), rng);
  });
  parallel_each(w.hospitals.size(), [&](std::size_t i) {
    auto& h = w.hospitals[i];
    auto rng = rng_for(w, PhaseKey::decide, AgentType::hospital, h.id, Purpose::hospital_spinouts);
    decide_hospital(h, P.hospital, rng);
  });
  parallel_each(w.startups.size(), [&](std::size_t i) {
    auto& s = w.startups[i];
    decide_startup(s, P.startup, w.ledger.balance(s.account), P.hospital.trial_fee_usd);
  });
  // Founding requests in a fixed order: hospitals by id, then staff spin-offs by region; university
  // spin-offs and serial founders are added in the match phase.
  for (const auto& h : w.hospitals.items())
    for (int k = 0; k < h.spinouts; ++k)
      w.founding_requests.push_back({Origin::hospital, AgentType::hospital, h.id, h.region, h.x_km, h.y_km, k});
  request_staff_spinouts(w);
}

// ------------------------------------------------------------------ match (sequential)

void phase_match(World& w) {
  match_licences(w);
  match_trials(w);
  match_alliances(w);
  match_rounds(w);
  match_public_markets(w);
  match_acquisitions(w);
  run_vc_funds(w);
}

// ------------------------------------------------------------------ apply (parallel, then booking in id order)

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
  // Large-group ventures lose SME benefits when the grace period ends.
  if (s.owner_large_group && !s.grace_over && t - s.acquired_step >= std::lround(12.0 * P.policy.grace_period_years)) {
    s.grace_over = true;
    log_event(w, EventKind::grace_expired, AgentType::startup, s.id, s.region, AgentType::pharma, s.owner_id);
  }
  const double bills = monthly_costs(s) + (s.owner_large_group && s.grace_over ? P.pharma.compliance_cost_usd_per_year / 12.0 : 0.0);
  // A subsidiary is funded by its parent (follow-on investment of the group).
  if (s.owner_id >= 0 && L.balance(s.account) < 3.0 * bills)
    if (auto* f = w.pharmas.find(s.owner_id); f && L.balance(f->account) > 6.0 * bills)
      L.transfer(f->account, s.account, 6.0 * bills, code(Flow::intra_group), t);
  // Public support: applied grants, R&D and investment credits (MODEL.md §7.9).
  const RegionPolicy* rp = s.region >= 0 ? &w.policy_of(s.region) : nullptr;
  if (applied_grant > 0) L.transfer(w.ext.government, s.account, applied_grant, code(Flow::grant_applied), t, s.region);
  // A service firm's sales (MODEL.md §7.3).
  if (s.service) L.transfer(w.ext.world_market, s.account, s.headcount * P.startup.service_price_markup * cost_per_employee(w, s.region),
                            code(Flow::revenue), t);
  const double rd = P.startup.rd_share_of_costs * s.salary_due + s.trial_cost_due;
  const double credit = (sme_eligible(s) ? P.policy.sme_rd_tax_credit : 0.0) + (rp ? rp->rd_tax_credit : 0.0);
  const double credits = credit * rd + (rp ? rp->investment_tax_credit * s.equipment_due : 0.0);
  if (credits > 0) L.transfer(w.ext.government, s.account, credits, code(Flow::tax_credit), t, s.region);
  // Bills, paid pro rata when cash runs short (the startup then fails).
  const double cash = L.balance(s.account);
  const double scale = bills > cash ? cash / bills : 1.0;
  if (bills > cash) s.out_of_cash = true;
  auto pay = [&](sim::AccountId to, double amount, Flow f) { L.transfer(s.account, to, std::min(amount * scale, L.balance(s.account)), code(f), t); };
  pay(w.ext.households, s.salary_due, Flow::salary);
  pay(w.ext.landlords, s.rent_due, Flow::rent);
  pay(w.ext.world_market, s.equipment_due, Flow::equipment);
  if (s.trial_cost_due > 0) {
    const auto* h = w.hospitals.find(s.trial_hospital);
    pay(h ? h->account : w.ext.households, s.trial_cost_due, Flow::trial_payment);
  }
  if (s.owner_large_group && s.grace_over) pay(w.ext.households, P.pharma.compliance_cost_usd_per_year / 12.0, Flow::compliance);
}

void phase_apply(World& w) {
  const auto& P = w.params;
  parallel_each(w.startups.size(), [&](std::size_t i) {
    auto& s = w.startups[i];
    if (!s.alive) return;
    const std::size_t cell = w.grid.cell_of(s.x_km, s.y_km);
    auto timing = rng_for(w, PhaseKey::apply, AgentType::startup, s.id, Purpose::stage_timing);
    auto success = rng_for(w, PhaseKey::apply, AgentType::startup, s.id, Purpose::stage_success);
    s.advanced_now = progress_asset(s, P.startup, w.knowledge.at(cell), timing, success);
    s.approved_now = s.advanced_now && s.stage == Stage::approved;
    compute_costs(s, P.startup, cost_per_employee(w, s.region), w.rent.at(cell), incubator_fee(w, s.region));
    // Customs exemption: no import duty on lab equipment for a while after founding (MODEL.md §7.9).
    if (s.region >= 0 && static_cast<double>(w.step - s.founded_step) < 12.0 * w.policy_of(s.region).customs_exemption_years)
      s.equipment_due /= 1.0 + P.market.capital_goods_duty;
  });
  parallel_each(w.pharmas.size(), [&](std::size_t i) {
    auto& f = w.pharmas[i];
    if (f.site_of >= 0) {  // an R&D site: its parent pays its R&D budget
      f.revenue_due = f.operating_cost_due = f.tax_due = 0;
      f.rd_salary_due = f.site_budget_usd_per_year / 12.0;
      return;
    }
    const bool exempt = f.region >= 0 && static_cast<double>(w.step - f.founded_step) < 12.0 * w.policy_of(f.region).tax_exemption_years;
    plan_pharma_month(f, P.pharma, P.market.corporate_tax_rate, exempt, w.step);
  });
  parallel_each(w.vcs.size(), [&](std::size_t i) { w.vcs[i].fee_due = management_fee_per_month(w.vcs[i], P.vc); });

  // Booking, in a fixed order: universities, hospitals, startups, VCs, pharma, regions; each by id.
  auto& L = w.ledger;
  const auto t = w.step;
  for (const auto& u : w.universities.items()) {
    L.transfer(w.ext.government, u.account, u.own_research_usd_per_year / 12.0, code(Flow::research_income), t);
    L.transfer(w.ext.government, u.account, u.basic_funding_usd_per_year / 12.0, code(Flow::grant_basic_research), t);
    L.transfer(u.account, w.ext.households, L.balance(u.account), code(Flow::salary), t);
  }
  for (const auto& h : w.hospitals.items()) {
    if (h.research_hospital)
      L.transfer(w.ext.government, h.account, P.hospital.research_funding_usd_per_year / 12.0, code(Flow::grant_hospital), t);
    L.transfer(h.account, w.ext.households, L.balance(h.account), code(Flow::salary), t);
  }
  // Applied (non-basic) public R&D: split equally among SME-eligible independent startups, capped.
  std::size_t eligible = 0;
  for (const auto& s : w.startups.items()) eligible += s.alive && s.owner_id < 0 && sme_eligible(s);
  const double pool = P.policy.public_rd_usd_per_year * (1.0 - P.policy.basic_research_share) / 12.0;
  const double grant = eligible > 0 ? std::min(pool / static_cast<double>(eligible), P.policy.applied_grant_max_usd_per_year / 12.0) : 0.0;
  for (auto& s : w.startups.items())
    if (s.alive) book_startup_month(w, s, s.owner_id < 0 && sme_eligible(s) ? grant : 0.0);
  for (auto& v : w.vcs.items())
    if (v.fee_due > 0) L.transfer(v.account, w.ext.households, std::min(v.fee_due, L.balance(v.account)), code(Flow::fee), t);
  for (auto& f : w.pharmas.items()) {
    if (f.site_of >= 0) {
      if (auto* parent = w.pharmas.find(f.site_of))
        L.transfer(parent->account, f.account, std::min(f.rd_salary_due, L.balance(parent->account)), code(Flow::intra_group), t);
      f.rd_salary_due = L.balance(f.account);
      L.transfer(f.account, w.ext.households, f.rd_salary_due, code(Flow::salary), t);
      continue;
    }
    L.transfer(w.ext.world_market, f.account, f.revenue_due, code(Flow::revenue), t);
    L.transfer(f.account, w.ext.households, f.rd_salary_due, code(Flow::salary), t);
    L.transfer(f.account, w.ext.government, f.tax_due, code(Flow::tax), t);
    L.transfer(f.account, w.ext.world_market, f.operating_cost_due, code(Flow::operating_cost), t);
  }
  for (int r = 0; r < w.region_count(); ++r) {
    const double g = w.policy_of(r).infrastructure_grant_usd_per_year / 12.0;
    if (g > 0) L.transfer(w.ext.government, w.ext.landlords, g, code(Flow::infrastructure_grant), t, r);
  }
}

// ------------------------------------------------------------------ births and deaths (sequential)

/// Where a new startup settles: the cheapest of a few candidate sites near its origin, or an
/// incubator slot of its region when one is free and cheaper (MODEL.md §7.3).
void choose_location(World& w, Startup& s, const FoundingRequest& r, sim::Rng& rng) {
  const auto& P = w.params;
  const double staff = s.headcount;
  double best_cost = 1e300;
  for (int k = 0; k < static_cast<int>(P.startup.location_candidates); ++k) {
    const auto [x, y] = place_near(w, r.x_km, r.y_km, P.startup.location_radius_km, rng);
    const double cost = staff * P.startup.office_m2_per_employee * w.rent.at(w.grid.cell_of(x, y)) +
                        P.startup.equipment_usd / (12.0 * P.startup.equipment_life_years);
    if (cost < best_cost) best_cost = cost, s.x_km = x, s.y_km = y;
  }
  if (r.region >= 0) {
    auto& R = w.regions[static_cast<std::size_t>(r.region)];
    if (R.incubator_used < w.policy_of(r.region).incubator_capacity && incubator_fee(w, r.region) < best_cost) {
      s.incubated = true;
      ++R.incubator_used;
      const auto& C = w.params.regions[static_cast<std::size_t>(r.region)];
      s.x_km = static_cast<float>(C.x_km), s.y_km = static_cast<float>(C.y_km);  // incubators sit at the cluster centre
    }
  }
}

void found_startup(World& w, const FoundingRequest& r) {
  const auto& P = w.params;
  auto rng = sim::Rng(w.seed, w.step, ph(PhaseKey::births), agent_key(r.parent_type, r.parent_id), pu(Purpose::location),
                      static_cast<std::uint64_t>(r.index) * 8 + static_cast<std::uint64_t>(r.origin));
  Startup s;
  s.region = r.region;
  s.origin = r.origin;
  s.parent_id = r.parent_id;
  s.founded_step = static_cast<std::int32_t>(w.step);
  s.quality = std::min(0.999, rng.uniform() + r.quality_bonus);
  s.headcount = P.startup.founding_headcount;
  s.target_headcount = s.headcount;
  if (r.origin == Origin::staff && P.startup.service_share > 0) {
    auto kind = sim::Rng(w.seed, w.step, ph(PhaseKey::births), agent_key(r.parent_type, r.parent_id), pu(Purpose::business_model),
                         static_cast<std::uint64_t>(r.index) * 8 + static_cast<std::uint64_t>(r.origin));
    s.service = kind.bernoulli(P.startup.service_share);
  }
  choose_location(w, s, r, rng);
  const sim::AgentId id = w.startups.queue_birth(s);
  auto& born = w.startups.queued_births().back();
  born.account = open_account(w, AgentType::startup, id, r.region);
  const double cash = P.startup.founding_cash_usd * (r.origin == Origin::serial ? 2.0 : 1.0);
  w.ledger.transfer(w.ext.households, born.account, cash, code(Flow::equity), w.step);
  const double loan = r.region >= 0 ? w.policy_of(r.region).loan_usd : 0.0;
  if (loan > 0) {
    w.ledger.transfer(w.ext.government, born.account, loan, code(Flow::loan), w.step, r.region);
    born.loan_usd = loan;
  }
  log_event(w, EventKind::founding, AgentType::startup, id, r.region, r.parent_type, r.parent_id, cash, 0,
            static_cast<int>(r.origin));
  count(w, w.m.founded, r.region);
  count(w, w.m.founded_by_origin[static_cast<std::size_t>(r.origin)], r.region);
  if (r.origin == Origin::university) {
    log_event(w, EventKind::licence, AgentType::startup, id, r.region, AgentType::university, r.parent_id);
    count(w, w.m.licences, r.region);
  }
  if (r.origin == Origin::serial) count(w, w.m.serial_founders, r.region);
  compute_costs(born, P.startup, cost_per_employee(w, r.region), w.rent.at(w.grid.cell_of(born.x_km, born.y_km)),
                incubator_fee(w, r.region));
}

/// A startup whose asset failed may in-license a technology from a university within reach
/// instead of closing, if it can pay the fee and six more months (MODEL.md §7.1).
bool try_relicense(World& w, Startup& s) {
  const auto& P = w.params;
  if (s.owner_id >= 0) return false;
  const double fee = P.university.licence_fee_usd;
  if (w.ledger.balance(s.account) < fee + 6.0 * monthly_costs(s)) return false;
  for (auto& u : w.universities.items()) {
    if (u.technologies.empty() || sim::distance_km(s.x_km, s.y_km, u.x_km, u.y_km) > P.market.commute_km) continue;
    u.technologies.erase(u.technologies.begin());
    ++u.licences_total;
    w.ledger.transfer(s.account, u.account, fee, code(Flow::licence), w.step);
    log_event(w, EventKind::licence, AgentType::startup, s.id, s.region, AgentType::university, u.id, fee);
    count(w, w.m.licences, s.region);
    auto rng = rng_for(w, PhaseKey::births, AgentType::startup, s.id, Purpose::quality);
    s.quality = rng.uniform();
    s.stage = Stage::preclinical;
    s.months_in_stage = 0;
    s.in_trial = false;
    s.asset_failed = false;
    return true;
  }
  return false;
}

/// `n` of a startup's staff return to the job seekers of its cell (PhDs in their share).
void release_people(World& w, const Startup& s, double n) {
  const std::size_t c = w.grid.cell_of(s.x_km, s.y_km);
  const double phd = n * w.params.market.phd_share_of_staff;
  w.talent_phd.at(c) += static_cast<float>(phd);
  w.talent.at(c) += static_cast<float>(n - phd);
}

void release_staff(World& w, const Startup& s) {
  release_people(w, s, s.headcount);
  if (s.incubated && s.region >= 0) --w.regions[static_cast<std::size_t>(s.region)].incubator_used;
}

/// Each January a pharma firm outside the grid may open an R&D site in the region that attracts it
/// most: knowledge, startups, amenity, against rent (MODEL.md §7.5).
void open_rd_sites(World& w) {
  const auto& P = w.params;
  if (w.calendar.month_of(w.step) != 1 || w.region_count() == 0) return;
  std::vector<double> score(static_cast<std::size_t>(w.region_count()), 0.0);
  std::vector<double> startups(score.size(), 0.0);
  for (const auto& s : w.startups.items())
    if (s.region >= 0) startups[static_cast<std::size_t>(s.region)] += 1;
  for (std::size_t r = 0; r < score.size(); ++r) {
    double know = 0, rent = 0;
    for (auto c : w.region_cells[r]) know += w.knowledge.values[c], rent += w.rent.values[c];
    const double cells = std::max<double>(1.0, static_cast<double>(w.region_cells[r].size()));
    score[r] = std::log1p(know) + std::log1p(startups[r]) + 2.0 * w.regions[r].amenity - std::log1p(rent / cells / 10.0);
  }
  const std::size_t n = w.pharmas.size();
  for (std::size_t i = 0; i < n; ++i) {
    const auto& parent = w.pharmas[i];
    if (parent.region >= 0 || parent.site_of >= 0) continue;
    auto rng = rng_for(w, PhaseKey::births, AgentType::pharma, parent.id, Purpose::site);
    if (!rng.bernoulli(P.pharma.site_opening_probability_per_year)) continue;
    std::ptrdiff_t best = -1;
    for (std::size_t r = 0; r < score.size(); ++r) {
      bool has_site = false;
      for (const auto& f : w.pharmas.items()) has_site |= f.site_of == parent.id && f.region == static_cast<int>(r);
      if (!has_site && (best < 0 || score[r] > score[static_cast<std::size_t>(best)])) best = static_cast<std::ptrdiff_t>(r);
    }
    if (best < 0) continue;
    const auto& R = P.regions[static_cast<std::size_t>(best)];
    Pharma site;
    std::tie(site.x_km, site.y_km) = place_near(w, R.x_km, R.y_km, R.radius_km, rng);
    site.region = static_cast<std::int16_t>(best);
    site.site_of = parent.id;
    site.founded_step = static_cast<std::int32_t>(w.step);
    site.site_budget_usd_per_year = parent.revenue_usd_per_year * P.pharma.rd_share * P.pharma.site_rd_share;
    const sim::AgentId id = w.pharmas.queue_birth(site);
    auto& born = w.pharmas.queued_births().back();
    born.account = open_account(w, AgentType::pharma, id, born.region);
    log_event(w, EventKind::site_opened, AgentType::pharma, id, born.region, AgentType::pharma, parent.id,
              born.site_budget_usd_per_year);
  }
  w.pharmas.commit();
}

void rebuild_indexes(World& w);

/// VC entry (MODEL.md §7.4): each January a region gains Poisson(vc.entry_per_billion_usd x the exit
/// proceeds, in $B, its private VC firms received over the past 12 months) new VC firms, each raising
/// a first fund of vc.fund_size_usd (called like any fund's), placed within the region.
void open_vc_firms(World& w) {
  const auto& P = w.params;
  if (w.calendar.month_of(w.step) != 1) return;
  bool born = false;
  for (std::size_t r = 0; r < w.regions.size(); ++r) {
    const double proceeds = std::exchange(w.regions[r].vc_proceeds_year, 0.0);
    if (P.vc.entry_per_billion_usd <= 0 || proceeds <= 0) continue;
    auto rng = rng_for(w, PhaseKey::births, AgentType::venture_capital, static_cast<sim::AgentId>(r), Purpose::vc_entry);
    const std::int64_t n = rng.poisson(P.vc.entry_per_billion_usd * proceeds / 1e9);
    const auto& R = P.regions[r];
    for (std::int64_t k = 0; k < n; ++k) {
      VentureCapital v;
      std::tie(v.x_km, v.y_km) = place_near(w, R.x_km, R.y_km, R.radius_km, rng);
      v.region = static_cast<std::int16_t>(r);
      v.committed_usd = P.vc.fund_size_usd;
      v.vintage_step = static_cast<std::int32_t>(w.step);
      v.fund_open = true;
      v.fund_number = 1;
      const sim::AgentId id = w.vcs.queue_birth(v);
      auto& b = w.vcs.queued_births().back();
      b.account = open_account(w, AgentType::venture_capital, id, b.region);
      log_event(w, EventKind::fund_raised, AgentType::venture_capital, id, b.region, AgentType::startup, -1, b.committed_usd, 0.0, 1);
      count(w, w.m.vc_raised, b.region, b.committed_usd);
      born = true;
    }
  }
  w.vcs.commit();
  if (born) rebuild_indexes(w);
}

void phase_births_deaths(World& w) {
  const auto& P = w.params;
  open_rd_sites(w);
  open_vc_firms(w);
  for (std::size_t i = 0; i < w.startups.size(); ++i) {
    auto& s = w.startups[i];
    if (!s.alive) continue;
    Pharma* owner = s.owner_id >= 0 ? w.pharmas.find(s.owner_id) : nullptr;
    if (s.approved_now && owner) {
      // The group launches the drug: its sales join the parent's revenue; the venture merges.
      auto rng = rng_for(w, PhaseKey::births, AgentType::startup, s.id, Purpose::peak_sales);
      owner->revenue_usd_per_year += rng.lognormal_median(P.pharma.peak_sales_median_usd, P.pharma.peak_sales_sigma) *
                                     P.policy.drug_price_index;
      w.ledger.transfer(s.account, owner->account, w.ledger.balance(s.account), code(Flow::intra_group), w.step);
      w.startups.mark_dead(i);
    } else if (s.asset_failed && !try_relicense(w, s)) {
      s.out_of_cash = true;
    }
    bool closed = false;  // a service firm closing of its own accord (MODEL.md §7.3)
    if (s.alive && s.service && !s.out_of_cash) {
      auto rng = rng_for(w, PhaseKey::births, AgentType::startup, s.id, Purpose::closure);
      closed = s.out_of_cash = rng.bernoulli(P.startup.service_exit_per_year / 12.0);
    }
    if (s.alive && s.out_of_cash) {
      const double residual = w.ledger.balance(s.account);
      if (owner) w.ledger.transfer(s.account, owner->account, residual, code(Flow::intra_group), w.step);
      else pay_shareholders(w, s.account, s, residual, Flow::residual);
      log_event(w, EventKind::failure, AgentType::startup, s.id, s.region, AgentType::startup, -1, residual, 0,
                s.asset_failed ? 1 : closed ? 2 : 0);
      count(w, w.m.failed, s.region);
      w.startups.mark_dead(i);
    }
    if (!s.alive) {
      release_staff(w, s);
      w.ledger.close(s.account, w.step);
    } else {
      // Leaving the incubator when grown.
      if (s.incubated && s.headcount > P.startup.incubator_max_headcount) {
        s.incubated = false;
        if (s.region >= 0) --w.regions[static_cast<std::size_t>(s.region)].incubator_used;
      }
      s.out_of_cash = s.approved_now = s.advanced_now = false;
      // Runway management (MODEL.md §7.3): an independent private startup whose cash covers fewer
      // than startup.layoff_runway_months of its bills lets a share of its staff beyond the founders go.
      const double beyond = s.headcount - P.startup.founding_headcount;
      if (P.startup.layoff_runway_months > 0 && beyond > 0 && s.owner_id < 0 && !s.listed &&
          w.ledger.balance(s.account) < P.startup.layoff_runway_months * monthly_costs(s)) {
        const double cut = P.startup.layoff_share_per_month * beyond;
        s.headcount -= cut;
        s.target_headcount = std::min(s.target_headcount, s.headcount);
        release_people(w, s, cut);
      }
    }
  }
  for (const auto& r : w.founding_requests) found_startup(w, r);
  w.startups.commit();
  hire_staff(w);
}

// ------------------------------------------------------------------ account

void phase_account(World& w) { w.ledger.check_identity(w.step); }

// ------------------------------------------------------------------ record: fields, markets, metrics

/// Decay by `keep` (a float multiply, as `v *= keep` would) and then one explicit diffusion step
/// with reflecting edges, in one pass: rows in parallel, double-buffered through `out` (kept
/// between steps). Each cell's arithmetic is that of decay and diffusion done apart.
void decay_and_diffuse(const sim::Grid& g, std::vector<float>& v, float keep_share, double d, std::vector<float>& out) {
  const int W = g.width, H = g.height;
  if (d <= 0) {
    if (keep_share != 1.0f)
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, v.size(), 1 << 16), [&](const tbb::blocked_range<std::size_t>& r) {
        for (std::size_t c = r.begin(); c != r.end(); ++c) v[c] *= keep_share;
      });
    return;
  }
  out.resize(v.size());
  const float kd = keep_share;
  tbb::parallel_for(tbb::blocked_range<int>(0, H), [&](const tbb::blocked_range<int>& rows) {
    for (int y = rows.begin(); y != rows.end(); ++y) {
      const float* row = v.data() + static_cast<std::size_t>(y) * W;
      const float* up = y > 0 ? row - W : nullptr;
      const float* down = y + 1 < H ? row + W : nullptr;
      float* o = out.data() + static_cast<std::size_t>(y) * W;
      auto cell = [&](int x) {
        const double vc = row[x] * kd;
        double keep = vc, in = 0;
        auto nb = [&](float nv) {
          keep -= d * vc;
          in += d * static_cast<double>(nv * kd);
        };
        if (x > 0) nb(row[x - 1]);
        if (x + 1 < W) nb(row[x + 1]);
        if (up) nb(up[x]);
        if (down) nb(down[x]);
        o[x] = static_cast<float>(keep + in);
      };
      if (!up || !down || W < 3) {
        for (int x = 0; x < W; ++x) cell(x);
        continue;
      }
      cell(0);
      for (int x = 1; x + 1 < W; ++x) {  // interior: all four neighbours, same order as above
        const double vc = row[x] * kd;
        const double dv = d * vc;
        const double keep = vc - dv - dv - dv - dv;
        const double in = d * static_cast<double>(row[x - 1] * kd) + d * static_cast<double>(row[x + 1] * kd) +
                          d * static_cast<double>(up[x] * kd) + d * static_cast<double>(down[x] * kd);
        o[x] = static_cast<float>(keep + in);
      }
      cell(W - 1);
    }
  });
  v.swap(out);
}

void update_fields(World& w) {
  const auto& P = w.params;
  for (const auto& u : w.universities.items()) {
    const std::size_t c = w.grid.cell_of(u.x_km, u.y_km);
    w.knowledge.at(c) += static_cast<float>(research_usd_per_month(u) / 1e8 * P.university.knowledge_per_100m_usd);
    const double grads = P.university.graduates_per_year / 12.0;
    w.talent_phd.at(c) += static_cast<float>(grads * P.university.phd_share_of_graduates);
    w.talent.at(c) += static_cast<float>(grads * (1.0 - P.university.phd_share_of_graduates));
  }
  for (const auto& f : w.pharmas.items())
    if (f.region >= 0)
      w.knowledge.at(w.grid.cell_of(f.x_km, f.y_km)) += static_cast<float>(f.rd_salary_due / 1e8 * P.university.knowledge_per_100m_usd);
  const float kdecay = static_cast<float>(1.0 - P.fields.knowledge_decay_per_year / 12.0);
  const float tdecay = static_cast<float>(1.0 - P.fields.talent_attrition_per_year / 12.0);
  auto& buffer = w.scratch.field_buffer;
  decay_and_diffuse(w.grid, w.knowledge.values, kdecay, P.fields.diffusion_per_month, buffer);
  decay_and_diffuse(w.grid, w.talent.values, tdecay, P.fields.diffusion_per_month, buffer);
  decay_and_diffuse(w.grid, w.talent_phd.values, tdecay, P.fields.diffusion_per_month, buffer);
  std::fill(w.firms_per_cell.begin(), w.firms_per_cell.end(), 0.0f);
  for (const auto& s : w.startups.items())
    if (!s.incubated) w.firms_per_cell[w.grid.cell_of(s.x_km, s.y_km)] += 1.0f;
  for (const auto& f : w.pharmas.items())
    if (f.region >= 0) w.firms_per_cell[w.grid.cell_of(f.x_km, f.y_km)] += 1.0f;
  const double pressure = P.fields.rent_pressure_per_firm;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, w.rent.values.size(), 1 << 16), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t c = r.begin(); c != r.end(); ++c)
      w.rent.values[c] = static_cast<float>(w.base_rent[c] * (1.0 + pressure * w.firms_per_cell[c]));
  });
}

void record_metrics(World& w) {
  auto& M = w.metrics;
  const auto& m = w.m;
  for (const auto& u : w.universities.items()) {
    count(w, m.universities, u.region);
    count(w, m.employment_universities, u.region, research_usd_per_month(u) / cost_per_employee(w, u.region));
  }
  for (const auto& h : w.hospitals.items()) {
    count(w, m.hospitals, h.region);
    if (h.research_hospital)
      count(w, m.employment_hospitals, h.region, w.params.hospital.research_funding_usd_per_year / 12.0 / cost_per_employee(w, h.region));
  }
  for (const auto& v : w.vcs.items()) {
    count(w, m.vc_firms, v.region);
    count(w, m.vc_cash, v.region, w.ledger.balance(v.account));
  }
  for (const auto& f : w.pharmas.items()) {
    count(w, m.pharma_firms, f.region);
    if (f.region >= 0) count(w, m.employment_pharma, f.region, f.rd_salary_due / cost_per_employee(w, f.region));
  }
  for (const auto& s : w.startups.items()) {
    count(w, m.startups, s.region);
    if (s.service) count(w, m.startups_service, s.region);
    else count(w, m.startups_by_stage[static_cast<std::size_t>(s.stage)], s.region);
    count(w, m.employment_startups, s.region, s.headcount);
  }
  const auto& flows = w.ledger.step_flows_by_type_region();
  const auto nr = static_cast<std::size_t>(w.region_count());
  for (int r = 0; r < w.region_count(); ++r) {
    const auto ri = static_cast<std::size_t>(r);
    double spend = 0;
    for (const auto& [f, id] : m.spend_by_lever) {
      const double x = flows[static_cast<std::size_t>(code(f)) * nr + ri];
      M.set(id, r, x);
      spend += x;
    }
    spend += flows[static_cast<std::size_t>(code(Flow::research_income)) * nr + ri];
    M.set(m.government_spend, r, spend);
    w.regions[ri].public_spend_total += spend;
    const double jobs = M.get(m.employment_startups, r) + M.get(m.employment_pharma, r) + M.get(m.employment_universities, r) +
                        M.get(m.employment_hospitals, r);
    M.set(m.employment_total, r, jobs);
    M.set(m.public_cost_per_job, r, jobs > 0 ? w.regions[ri].public_spend_total / jobs : 0.0);
    M.set(m.wage, r, w.params.market.wage_usd_month * w.regions[ri].wage_index);
    M.set(m.amenity, r, w.regions[ri].amenity);
    double pool = 0, phd = 0, know = 0, rent = 0;
    for (auto c : w.region_cells[ri]) {
      pool += w.talent.values[c] + w.talent_phd.values[c];
      phd += w.talent_phd.values[c];
      know += w.knowledge.values[c];
      rent += w.rent.values[c];
    }
    M.set(m.talent_pool, r, pool);
    M.set(m.talent_pool_phd, r, phd);
    M.set(m.knowledge_stock, r, know);
    M.set(m.mean_rent, r, w.region_cells[ri].empty() ? 0.0 : rent / static_cast<double>(w.region_cells[ri].size()));
  }
  // Numeric guard: a non-finite metric stops the run, naming the step, metric, region and value.
  const auto frame = M.frame();
  for (std::size_t i = 0; i < frame.size(); ++i)
    if (!std::isfinite(frame[i])) {
      const auto& def = M.defs()[i / nr];
      throw InvariantError("step " + std::to_string(w.step) + ": metric '" + def.name + "' of region '" +
                           w.params.regions[i % nr].name + "' is " + std::to_string(frame[i]) +
                           "; the parameters drive it out of range (check the scenario's extreme values)");
    }
  for (const auto& s : w.startups.items())
    if (!std::isfinite(s.headcount) || s.headcount < 0 || !std::isfinite(s.post_money_usd))
      throw InvariantError("step " + std::to_string(w.step) + ": startup " + std::to_string(s.id) + " has headcount " +
                           std::to_string(s.headcount) + " and post-money " + std::to_string(s.post_money_usd));
}

void phase_record(World& w) {
  update_fields(w);
  update_labour_market(w);
  migrate_talent(w);
  record_metrics(w);
}

// ------------------------------------------------------------------ initialisation (MODEL.md §5)

void init_space(World& w) {
  const auto& g = w.grid;
  const std::size_t n = g.cell_count();
  auto make = [&](const char* name, const char* unit, const char* desc) {
    sim::Field f;
    f.name = name, f.unit = unit, f.description = desc;
    f.values.assign(n, 0.0f);
    return f;
  };
  w.talent = make("talent", "persons", "job seekers without a PhD per cell");
  w.talent_phd = make("talent_phd", "persons", "job seekers with a PhD per cell");
  w.knowledge = make("knowledge", "units", "knowledge stock per cell");
  w.rent = make("rent", "USD/m2/month", "rent for lab and office space per cell");
  w.firms_per_cell.assign(n, 0.0f);
  w.cell_region.assign(n, -1);
  w.base_rent.assign(n, 0.0);
  const auto nr = w.params.regions.size();
  w.region_cells.assign(nr, {});
  w.regions.assign(nr, {});
  double min_rent = 1e300;
  for (std::size_t r = 0; r < nr; ++r) {
    min_rent = std::min(min_rent, w.params.regions[r].rent_usd_per_m2_month);
    w.regions[r].amenity = w.params.regions[r].amenity_index;
  }
  for (std::size_t c = 0; c < n; ++c) {
    const double x = g.cell_x_km(c), y = g.cell_y_km(c);
    double best = 1e300;
    for (std::size_t r = 0; r < nr; ++r) {
      const auto& R = w.params.regions[r];
      const double d = sim::distance_km(x, y, R.x_km, R.y_km);
      if (d <= std::max(R.radius_km, 0.5 * g.cell_km) && d < best) best = d, w.cell_region[c] = static_cast<std::int16_t>(r);
    }
    const auto r = w.cell_region[c];
    if (r >= 0) {
      const auto& R = w.params.regions[static_cast<std::size_t>(r)];
      w.base_rent[c] = R.rent_usd_per_m2_month * (1.0 - R.policy.rent_discount);
      w.region_cells[static_cast<std::size_t>(r)].push_back(static_cast<std::uint32_t>(c));
    } else {
      w.base_rent[c] = 0.5 * min_rent;
    }
    w.rent.values[c] = static_cast<float>(w.base_rent[c]);
  }
  // A region smaller than a cell still owns the cell of its centre.
  for (std::size_t r = 0; r < nr; ++r)
    if (w.region_cells[r].empty()) {
      const auto c = g.cell_of(w.params.regions[r].x_km, w.params.regions[r].y_km);
      if (w.cell_region[c] < 0) w.cell_region[c] = static_cast<std::int16_t>(r), w.region_cells[r].push_back(static_cast<std::uint32_t>(c));
    }
  for (std::size_t r = 0; r < nr; ++r) {
    const auto& R = w.params.regions[r];
    const double per_cell = w.region_cells[r].empty() ? 0.0 : R.talent_pool_persons / static_cast<double>(w.region_cells[r].size());
    for (auto c : w.region_cells[r]) {
      w.talent_phd.values[c] = static_cast<float>(per_cell * R.phd_share_of_talent);
      w.talent.values[c] = static_cast<float>(per_cell * (1.0 - R.phd_share_of_talent));
    }
  }
  const int reach = static_cast<int>(std::ceil(w.params.market.commute_km / g.cell_km));
  for (int dy = -reach; dy <= reach; ++dy)
    for (int dx = -reach; dx <= reach; ++dx)
      if (std::hypot(dx, dy) * g.cell_km <= w.params.market.commute_km) w.commute_offsets.emplace_back(dx, dy);
  std::stable_sort(w.commute_offsets.begin(), w.commute_offsets.end(),
                   [](const auto& a, const auto& b) { return a.first * a.first + a.second * a.second < b.first * b.first + b.second * b.second; });
}

void rebuild_indexes(World& w) {
  auto build = [&](sim::SpatialIndex& idx, const auto& store) {
    std::vector<float> xs, ys;
    for (const auto& a : store.items()) xs.push_back(a.x_km), ys.push_back(a.y_km);
    idx.build(xs, ys, w.grid.width_km(), w.grid.height_km(), std::max(w.grid.cell_km, 5.0));
  };
  build(w.vc_index, w.vcs);
  build(w.hospital_index, w.hospitals);
}

}  // namespace

double estimate_memory_bytes(const Params& p) {
  const double cells = static_cast<double>(p.grid.width) * static_cast<double>(p.grid.height);
  // 4 float fields + diffusion buffer + firms per cell (float) + region map (int16) + base rent (double),
  // plus the output's copy of one field snapshot and its compression buffers (measured: a 20000 x 20000
  // grid passed 18 GiB while still initialising).
  const double per_cell = 4 * 4 + 4 + 4 + 2 + 8 + 4 * 4 + 4 * 4 + 6;
  double agents = p.pharma.outside_firms;
  for (const auto& r : p.regions)
    agents += r.universities + r.hospitals + r.vc_firms + r.pharma_firms + r.startups + (r.policy.public_fund_usd > 0 ? 1 : 0);
  const double per_agent = sizeof(Startup) + 4 * sizeof(Stake) + sizeof(sim::AccountInfo) + sizeof(double) + 64;
  const double metrics = 80.0 * static_cast<double>(p.regions.size()) * 8.0;
  return cells * per_cell + agents * per_agent + metrics + 16e6;  // + fixed overhead (code, TBB, HDF5 buffers)
}

World make_world(const Params& params, std::uint64_t seed) {
  World w;
  w.params = params;
  w.seed = seed;
  w.calendar = sim::Calendar(params.run.start);
  w.grid = {params.grid.width, params.grid.height, params.grid.cell_km};
  w.ledger = sim::Ledger(kFlowNames, w.region_count());
  w.metrics = sim::MetricTable(w.region_count());
  register_metrics(w);
  auto ext = [&] { return w.ledger.open({true, true, -1, -1, -1}); };
  w.ext = {ext(), ext(), ext(), ext(), ext()};
  init_space(w);

  const auto& P = params;
  double own_total = 0;
  for (const auto& r : P.regions) own_total += r.universities * P.university.research_budget_usd_per_year;
  // National basic-research money is split among universities in proportion to their own research.
  const double basic_total = P.policy.public_rd_usd_per_year * P.policy.basic_research_share;

  auto place_in = [&](const RegionParams& R, std::size_t ri, AgentType t, int k) {
    auto rng = sim::Rng(seed, 0, ph(PhaseKey::init), agent_key(t, static_cast<sim::AgentId>(ri) << 24 | k), pu(Purpose::placement));
    return place_near(w, R.x_km, R.y_km, R.radius_km, rng);
  };
  for (std::size_t ri = 0; ri < P.regions.size(); ++ri) {
    const auto& R = P.regions[ri];
    const auto region = static_cast<std::int16_t>(ri);
    for (int k = 0; k < R.universities; ++k) {
      University u;
      std::tie(u.x_km, u.y_km) = place_in(R, ri, AgentType::university, k);
      u.region = region;
      u.own_research_usd_per_year = P.university.research_budget_usd_per_year;
      u.basic_funding_usd_per_year = own_total > 0 ? basic_total * u.own_research_usd_per_year / own_total : 0.0;
      u.tto_capacity_per_year = R.policy.tto_capacity_per_year;
      w.universities.queue_birth(u);
    }
    for (int k = 0; k < R.hospitals; ++k) {
      Hospital h;
      std::tie(h.x_km, h.y_km) = place_in(R, ri, AgentType::hospital, k);
      h.region = region;
      h.beds = P.hospital.beds;
      h.research_hospital = k < R.research_hospitals;
      h.trial_slots_per_year = trial_slots_per_year(h.research_hospital, P.hospital);
      w.hospitals.queue_birth(h);
    }
    for (int k = 0; k < R.vc_firms; ++k) {
      VentureCapital v;
      std::tie(v.x_km, v.y_km) = place_in(R, ri, AgentType::venture_capital, k);
      v.region = region;
      v.committed_usd = P.vc.fund_size_usd;
      // Staggered vintages, so that funds do not all close in the same year.
      auto rng = sim::Rng(seed, 0, ph(PhaseKey::init), agent_key(AgentType::venture_capital, static_cast<sim::AgentId>(ri) << 24 | k),
                          pu(Purpose::portfolio));
      v.vintage_step = -static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(12.0 * P.vc.investment_period_years)));
      v.fund_open = true;
      v.fund_number = 1;
      w.vcs.queue_birth(v);
    }
    if (R.policy.public_fund_usd > 0) {
      VentureCapital v;
      v.x_km = static_cast<float>(R.x_km), v.y_km = static_cast<float>(R.y_km);
      v.region = region;
      v.public_fund = true;
      v.fund_open = true;
      v.committed_usd = R.policy.public_fund_usd;
      w.vcs.queue_birth(v);
    }
    for (int k = 0; k < R.pharma_firms; ++k) {
      Pharma f;
      std::tie(f.x_km, f.y_km) = place_in(R, ri, AgentType::pharma, k);
      f.region = region;
      f.large_group = k < R.large_group_firms;
      w.pharmas.queue_birth(f);
    }
    for (int k = 0; k < R.startups; ++k) {
      Startup s;
      std::tie(s.x_km, s.y_km) = place_in(R, ri, AgentType::startup, k);
      s.region = region;
      auto rng = sim::Rng(seed, 0, ph(PhaseKey::init), agent_key(AgentType::startup, static_cast<sim::AgentId>(ri) << 24 | k), pu(Purpose::quality));
      s.quality = rng.uniform();
      s.headcount = P.startup.founding_headcount;
      if (P.startup.initial_headcount_max > s.headcount)  // an established cluster (MODEL.md §5)
        s.headcount = std::floor(rng.uniform(s.headcount, P.startup.initial_headcount_max + 1.0));
      if (P.startup.initial_stage_spread) {
        const double u = rng.uniform();
        s.stage = u < 0.53 ? Stage::preclinical : u < 0.73 ? Stage::phase1 : u < 0.93 ? Stage::phase2 : Stage::phase3;
        s.founded_step = -static_cast<std::int32_t>(rng.below(120));
      }
      if (P.startup.service_share > 0) {
        auto kind = sim::Rng(seed, 0, ph(PhaseKey::init), agent_key(AgentType::startup, static_cast<sim::AgentId>(ri) << 24 | k),
                             pu(Purpose::business_model));
        s.service = kind.bernoulli(P.startup.service_share);
        if (s.service) s.stage = Stage::preclinical;
      }
      s.target_headcount = s.headcount;
      w.startups.queue_birth(s);
    }
  }
  for (int k = 0; k < static_cast<int>(P.pharma.outside_firms); ++k) {
    Pharma f;  // an acquirer outside the grid: no site, no region
    f.region = -1;
    w.pharmas.queue_birth(f);
  }
  // Accounts and opening balances, in a fixed order.
  for (auto& u : w.universities.queued_births()) u.account = open_account(w, AgentType::university, u.id, u.region);
  for (auto& h : w.hospitals.queued_births()) h.account = open_account(w, AgentType::hospital, h.id, h.region);
  for (auto& s : w.startups.queued_births()) {
    s.account = open_account(w, AgentType::startup, s.id, s.region);
    // Opening cash: the founding money, plus two years of payroll for staff beyond the founders.
    const double extra_staff = std::max(0.0, s.headcount - P.startup.founding_headcount);
    w.ledger.transfer(w.ext.households, s.account, P.startup.founding_cash_usd + extra_staff * 24.0 * cost_per_employee(w, s.region),
                      code(Flow::equity), 0);
  }
  for (auto& v : w.vcs.queued_births()) {
    v.account = open_account(w, AgentType::venture_capital, v.id, v.region);
    if (v.public_fund) {
      w.ledger.transfer(w.ext.government, v.account, v.committed_usd, code(Flow::public_fund), 0, v.region);
    } else if (P.vc.capital_call_years <= 0) {
      w.ledger.transfer(w.ext.outside_investors, v.account, v.committed_usd, code(Flow::equity), 0);
      v.paid_in_usd = v.called_usd = v.committed_usd;
    } else {
      // Staged calls: what the fund called before the start went into companies the model does not
      // represent (valued at cost); the rest is called month by month from step 0 (MODEL.md §7.4).
      v.called_usd = v.committed_usd * called_before_run_share(-static_cast<double>(v.vintage_step), P.vc);
      v.paid_in_usd = v.legacy_usd = v.called_usd;
    }
  }
  for (auto& f : w.pharmas.queued_births()) {
    f.account = open_account(w, AgentType::pharma, f.id, f.region);
    auto rng = sim::Rng(seed, 0, ph(PhaseKey::init), agent_key(AgentType::pharma, f.id), pu(Purpose::portfolio));
    f.expiring_share = rng.uniform(0.1, 0.5);
    f.revenue_usd_per_year = P.pharma.revenue_usd_per_year;
    // Opening cash: one year of acquisition budget.
    w.ledger.transfer(w.ext.world_market, f.account, f.revenue_usd_per_year * P.pharma.rd_share * acquisition_share(f, P.pharma),
                      code(Flow::equity), 0);
  }
  w.universities.commit();
  w.hospitals.commit();
  w.startups.commit();
  w.vcs.commit();
  w.pharmas.commit();
  rebuild_indexes(w);
  // Startups' first bills, so that their first decisions see a burn rate.
  for (auto& s : w.startups.items()) {
    compute_costs(s, P.startup, cost_per_employee(w, s.region), w.rent.at(w.grid.cell_of(s.x_km, s.y_km)), incubator_fee(w, s.region));
    if (s.region >= 0) w.regions[static_cast<std::size_t>(s.region)].startup_staff += s.headcount;
  }
  return w;
}

const std::array<sim::Phase<World>, 6>& step_phases() {
  static const std::array<sim::Phase<World>, 6> phases{{
      {"decide", phase_decide},
      {"match", phase_match},
      {"apply", phase_apply},
      {"births_deaths", phase_births_deaths},
      {"account", phase_account},
      {"record", phase_record},
  }};
  return phases;
}

std::vector<sim::AgentTable> agent_snapshot(const World& w) {
  std::vector<sim::AgentTable> out;
  auto table = [&](const char* type, std::vector<sim::ColumnDef> extra, const auto& store, auto&& row) {
    sim::AgentTable t;
    t.type_name = type;
    t.columns = {{"x_km", "km", "position x"}, {"y_km", "km", "position y"}, {"region", "index", "region index (-1: none)"}};
    for (auto& c : extra) t.columns.push_back(std::move(c));
    t.values.assign(t.columns.size(), {});
    t.ids.reserve(store.size());
    for (auto& c : t.values) c.reserve(store.size());
    std::vector<double> r;  // one row, reused
    for (const auto& a : store.items()) {
      t.ids.push_back(a.id);
      r.assign({a.x_km, a.y_km, static_cast<double>(a.region)});
      row(a, r);
      for (std::size_t c = 0; c < r.size(); ++c) t.values[c].push_back(r[c]);
    }
    out.push_back(std::move(t));
  };
  const auto& L = w.ledger;
  table("university",
        {{"research_usd_per_year", "USD/year", "own plus public basic-research funding"},
         {"discoveries_total", "count", "discoveries so far"},
         {"licences_total", "count", "technologies licensed so far (spin-offs included)"},
         {"technologies_available", "count", "licensable technologies waiting for a licensee"}},
        w.universities, [&](const University& u, std::vector<double>& r) {
          r.insert(r.end(), {u.own_research_usd_per_year + u.basic_funding_usd_per_year, double(u.discoveries_total),
                             double(u.licences_total), double(u.technologies.size())});
        });
  table("hospital",
        {{"research_hospital", "flag", "1 if a designated research hospital"},
         {"trial_slots_free", "trials", "trial slots left this year"},
         {"trials_started_total", "count", "trials started so far"}},
        w.hospitals, [&](const Hospital& h, std::vector<double>& r) {
          r.insert(r.end(), {h.research_hospital ? 1.0 : 0.0, h.slots_free, double(h.trials_started_total)});
        });
  table("startup",
        {{"cash_usd", "USD", "cash"},
         {"stage", "code", "lead-asset stage: 0 preclinical, 1 phase1, 2 phase2, 3 phase3, 4 filing, 5 approved"},
         {"headcount", "persons", "employees"},
         {"rounds", "count", "funding rounds raised"},
         {"post_money_usd", "USD", "valuation at the last round"},
         {"quality", "0..1", "latent quality of the lead asset"},
         {"origin", "code", "0 initial, 1 university, 2 hospital, 3 staff, 4 serial"},
         {"founded_step", "step", "step of founding"},
         {"owner_id", "id", "acquiring pharma firm, -1 if independent"},
         {"listed", "flag", "1 if listed on a stock market"},
         {"incubated", "flag", "1 if in an incubator"},
         {"service", "flag", "1 for a service firm (no drug pipeline)"}},
        w.startups, [&](const Startup& s, std::vector<double>& r) {
          r.insert(r.end(), {L.balance(s.account), double(static_cast<int>(s.stage)), s.headcount, double(s.rounds),
                             s.post_money_usd, s.quality, double(static_cast<int>(s.origin)), double(s.founded_step),
                             double(s.owner_id), s.listed ? 1.0 : 0.0, s.incubated ? 1.0 : 0.0, s.service ? 1.0 : 0.0});
        });
  table("venture_capital",
        {{"cash_usd", "USD", "uninvested cash"},
         {"committed_usd", "USD", "capital of the current fund"},
         {"fund_number", "count", "funds raised so far"},
         {"invested_usd", "USD", "invested so far"},
         {"distributed_usd", "USD", "received at exits so far"},
         {"deals", "count", "portfolio companies so far"},
         {"public_fund", "flag", "1 for a region's public start-up fund"}},
        w.vcs, [&](const VentureCapital& v, std::vector<double>& r) {
          r.insert(r.end(), {L.balance(v.account), v.committed_usd, double(v.fund_number), v.invested_usd, v.distributed_usd,
                             double(v.deals), v.public_fund ? 1.0 : 0.0});
        });
  table("pharma",
        {{"cash_usd", "USD", "cash"},
         {"revenue_usd_per_year", "USD/year", "sales"},
         {"acquisitions", "count", "startups acquired so far"},
         {"large_group", "flag", "1 for a large business group"},
         {"site_of", "id", "parent firm of an R&D site, -1 for a firm"}},
        w.pharmas, [&](const Pharma& f, std::vector<double>& r) {
          r.insert(r.end(), {L.balance(f.account), f.revenue_usd_per_year, double(f.acquisitions), f.large_group ? 1.0 : 0.0,
                             double(f.site_of)});
        });
  return out;
}

std::vector<const sim::Field*> output_fields(const World& w) { return {&w.talent, &w.talent_phd, &w.knowledge, &w.rent}; }

}  // namespace biocluster::agents
