// The step of the cluster economy as an ordered list of phases. docs/MODEL.md §3.
#include "agents/model.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <numbers>

#include "sim/errors.hpp"
#include "sim/rng.hpp"

namespace biocluster::agents {

namespace {

constexpr std::uint32_t ph(PhaseKey k) { return static_cast<std::uint32_t>(k); }
constexpr std::uint32_t pu(Purpose p) { return static_cast<std::uint32_t>(p); }

sim::Rng rng_for(const World& w, PhaseKey phase, AgentType t, sim::AgentId id, Purpose purpose,
                 std::uint64_t counterpart = 0) {
  return sim::Rng(w.seed, w.step, ph(phase), agent_key(t, id), pu(purpose), counterpart);
}

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

void log(World& w, EventKind k, AgentType st, sim::AgentId sid, std::int16_t region, AgentType ot = AgentType::startup,
         sim::AgentId oid = -1, double amount = 0, double value = 0, int detail = 0) {
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

void count(World& w, sim::MetricId m, std::int16_t region, double v = 1.0) {
  if (region >= 0) w.metrics.add_to(m, region, v);
}

void register_metrics(World& w) {
  auto& t = w.metrics;
  auto& m = w.m;
  m.universities = t.add("universities", "count", "universities in the region");
  m.hospitals = t.add("hospitals", "count", "hospitals in the region (research hospitals included)");
  m.startups = t.add("startups", "count", "live startups in the region");
  m.vc_firms = t.add("vc_firms", "count", "venture-capital firms in the region");
  m.pharma_firms = t.add("pharma_firms", "count", "pharma firms with a site in the region");
  for (int s = 0; s < kStageCount; ++s)
    m.startups_by_stage[static_cast<std::size_t>(s)] =
        t.add(std::string("startups_stage_") + kStageNames[s], "count", std::string("live startups whose lead asset is in stage ") + kStageNames[s]);
  m.founded = t.add("startups_founded", "count/month", "startups founded this month");
  m.founded_university = t.add("startups_founded_university", "count/month", "university spin-offs founded this month");
  m.founded_hospital = t.add("startups_founded_hospital", "count/month", "hospital-originated startups founded this month");
  m.failed = t.add("startups_failed", "count/month", "startups that failed this month");
  m.acquired = t.add("startups_acquired", "count/month", "startups acquired by pharma this month");
  m.approvals = t.add("approvals", "count/month", "lead assets approved this month");
  m.trial_starts = t.add("trial_starts", "count/month", "clinical trials started this month");
  m.licences = t.add("licences", "count/month", "university technologies licensed this month");
  m.employment_startups = t.add("employment_startups", "persons", "employees of startups");
  m.talent_pool = t.add("talent_pool", "persons", "unemployed life-science workers in the region's cells");
  m.knowledge_stock = t.add("knowledge_stock", "units", "knowledge stock summed over the region's cells");
  m.mean_rent = t.add("mean_rent", std::string("USD/m2/month"), "mean rent over the region's cells");
  m.vc_invested = t.add("vc_invested", "USD/month", "VC money invested in the region's startups this month");
  m.vc_distributed = t.add("vc_distributed", "USD/month", "exit proceeds paid to VC firms of the region this month");
  m.vc_cash = t.add("vc_cash", "USD", "uninvested cash of the region's VC firms");
  m.government_spend = t.add("government_spend", "USD/month", "public grants paid into the region this month");
}

// ------------------------------------------------------------------ decide (parallel)

void phase_decide(World& w) {
  w.ledger.begin_step();
  w.metrics.clear();
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
    decide_startup(s, P.startup, w.ledger.balance(s.account));
  });
  // Founding requests, in a fixed order: universities then hospitals, by id.
  w.founding_requests.clear();
  for (const auto& u : w.universities.items())
    for (int k = 0; k < u.spinouts; ++k)
      w.founding_requests.push_back({Origin::university, AgentType::university, u.id, u.region, u.x_km, u.y_km, k});
  for (const auto& h : w.hospitals.items())
    for (int k = 0; k < h.spinouts; ++k)
      w.founding_requests.push_back({Origin::hospital, AgentType::hospital, h.id, h.region, h.x_km, h.y_km, k});
}

// ------------------------------------------------------------------ match (sequential, id order)

void match_trials(World& w) {
  const auto& P = w.params;
  for (auto& s : w.startups.items()) {
    if (!s.alive || !s.wants_trial) continue;
    if (w.ledger.balance(s.account) < P.hospital.trial_fee_usd) continue;
    std::ptrdiff_t best = -1;
    double best_d = 0;
    w.hospital_index.for_each_within(s.x_km, s.y_km, P.hospital.trial_reach_km, [&](std::size_t i) {
      const auto& h = w.hospitals[i];
      if (h.slots_free < 1.0) return;
      const double d = sim::distance_km(s.x_km, s.y_km, h.x_km, h.y_km);
      if (best < 0 || d < best_d || (d == best_d && h.id < w.hospitals[static_cast<std::size_t>(best)].id))
        best = static_cast<std::ptrdiff_t>(i), best_d = d;
    });
    if (best < 0) continue;
    auto& h = w.hospitals[static_cast<std::size_t>(best)];
    h.slots_free -= 1.0;
    ++h.trials_started_total;
    s.in_trial = true;
    w.ledger.transfer(s.account, h.account, P.hospital.trial_fee_usd, code(Flow::trial_payment), w.step);
    log(w, EventKind::trial_start, AgentType::startup, s.id, s.region, AgentType::hospital, h.id, P.hospital.trial_fee_usd,
        0, static_cast<int>(s.stage));
    count(w, w.m.trial_starts, s.region);
  }
}

void match_rounds(World& w) {
  const auto& P = w.params;
  std::vector<std::size_t> accepting;
  std::vector<double> weights;
  for (auto& s : w.startups.items()) {
    if (!s.alive || !s.wants_round) continue;
    const int round = s.rounds + 1;
    accepting.clear();
    weights.clear();
    w.vc_index.for_each_within(s.x_km, s.y_km, P.vc.search_radius_km, [&](std::size_t i) {
      const auto& v = w.vcs[i];
      const double amount = std::min(round_size(round, P.vc), P.vc.max_share_per_deal * v.fund_size_usd);
      if (w.ledger.balance(v.account) < amount || amount <= 0) return;
      auto screen = rng_for(w, PhaseKey::match, AgentType::startup, s.id, Purpose::screening, static_cast<std::uint64_t>(v.id));
      if (screening_signal(s.quality, P.vc, screen) <= P.vc.accept_threshold) return;
      accepting.push_back(i);
      weights.push_back(deal_weight(sim::distance_km(s.x_km, s.y_km, v.x_km, v.y_km), P.vc));
    });
    if (accepting.empty()) continue;
    double total = 0;
    for (double x : weights) total += x;
    auto pick = rng_for(w, PhaseKey::match, AgentType::startup, s.id, Purpose::vc_choice);
    double u = pick.uniform() * total;
    std::size_t k = 0;
    while (k + 1 < accepting.size() && u >= weights[k]) u -= weights[k++];
    auto& v = w.vcs[accepting[k]];
    const double amount = std::min(round_size(round, P.vc), P.vc.max_share_per_deal * v.fund_size_usd);
    const double pre_money = s.rounds == 0 ? 2.0 * amount : 1.5 * s.post_money_usd;
    const double post = pre_money + amount;
    const double share = amount / post;
    for (auto& st : s.stakes) st.share *= (1.0 - share);
    s.stakes.push_back({v.id, amount, share});
    s.post_money_usd = post;
    s.rounds = round;
    s.target_headcount = std::min(P.startup.max_headcount,
                                  s.headcount + amount / (P.startup.cost_per_employee_usd_month * 24.0));
    v.invested_usd += amount;
    ++v.deals;
    w.ledger.transfer(v.account, s.account, amount, code(Flow::round), w.step);
    log(w, EventKind::funding_round, AgentType::startup, s.id, s.region, AgentType::venture_capital, v.id, amount, post, round);
    count(w, w.m.vc_invested, s.region, amount);
  }
}

/// Pays `amount` from `payer` to a startup's shareholders: VC stakes pro rata, the rest to founders.
void pay_shareholders(World& w, sim::AccountId payer, const Startup& s, double amount, Flow flow) {
  double paid = 0;
  for (const auto& st : s.stakes) {
    auto* v = w.vcs.find(st.vc_id);
    const double x = amount * st.share;
    if (!v || x <= 0) continue;
    w.ledger.transfer(payer, v->account, x, code(flow), w.step);
    v->distributed_usd += x;
    count(w, w.m.vc_distributed, v->region, x);
    paid += x;
  }
  const double rest = amount - paid;
  if (rest > 0) w.ledger.transfer(payer, w.ext.households, rest, code(flow), w.step);
}

void match_acquisitions(World& w) {
  const auto& P = w.params;
  for (auto& f : w.pharmas.items()) {
    const double reserve = 3.0 * f.revenue_usd_per_year / 12.0 * P.pharma.rd_share;
    const double budget = w.ledger.balance(f.account) - reserve;
    if (budget <= 0) continue;
    std::ptrdiff_t best = -1;
    double best_surplus = 0, best_price = 0, best_value = 0;
    for (std::size_t i = 0; i < w.startups.size(); ++i) {
      const auto& s = w.startups[i];
      if (!s.alive || s.stage < Stage::phase1 || s.stage == Stage::approved || s.rounds == 0) continue;
      const double price = s.post_money_usd * (1.0 + P.pharma.acquisition_premium);
      if (price > budget) continue;
      const double value = rnpv_usd(s, P.startup, P.pharma);
      if (value - price > best_surplus) best = static_cast<std::ptrdiff_t>(i), best_surplus = value - price, best_price = price, best_value = value;
    }
    if (best < 0) continue;
    auto& s = w.startups[static_cast<std::size_t>(best)];
    pay_shareholders(w, f.account, s, best_price, Flow::acquisition);
    // The acquired firm's cash passes to its new owner with the firm.
    w.ledger.transfer(s.account, f.account, w.ledger.balance(s.account), code(Flow::residual), w.step);
    ++f.acquisitions;
    log(w, EventKind::acquisition, AgentType::startup, s.id, s.region, AgentType::pharma, f.id, best_price, best_value,
        static_cast<int>(s.stage));
    count(w, w.m.acquired, s.region);
    w.startups.mark_dead(static_cast<std::size_t>(best));
  }
}

void phase_match(World& w) {
  match_trials(w);
  match_rounds(w);
  match_acquisitions(w);
}

// ------------------------------------------------------------------ apply (parallel, then booking in id order)

void phase_apply(World& w) {
  const auto& P = w.params;
  parallel_each(w.startups.size(), [&](std::size_t i) {
    auto& s = w.startups[i];
    if (!s.alive) return;
    const std::size_t cell = w.grid.cell_of(s.x_km, s.y_km);
    auto timing = rng_for(w, PhaseKey::apply, AgentType::startup, s.id, Purpose::stage_timing);
    auto success = rng_for(w, PhaseKey::apply, AgentType::startup, s.id, Purpose::stage_success);
    const Stage before = s.stage;
    if (progress_asset(s, P.startup, w.knowledge.at(cell), timing, success) && s.stage == Stage::approved) {
      s.target_headcount = s.headcount;  // marker only; approval logged below
    }
    (void)before;
    compute_costs(s, P.startup, w.rent.at(cell));
  });
  parallel_each(w.pharmas.size(), [&](std::size_t i) { plan_pharma_month(w.pharmas[i], P.pharma); });
  parallel_each(w.vcs.size(), [&](std::size_t i) { w.vcs[i].fee_due = management_fee_per_month(w.vcs[i]); });

  // Booking, in a fixed order: universities, hospitals, startups, VCs, pharma; each by id.
  auto& L = w.ledger;
  const auto t = w.step;
  for (const auto& u : w.universities.items()) {
    const double r = research_usd_per_month(u);
    L.transfer(w.ext.government, u.account, r, code(Flow::grant), t);
    count(w, w.m.government_spend, u.region, r);
    L.transfer(u.account, w.ext.households, L.balance(u.account), code(Flow::salary), t);
  }
  for (const auto& h : w.hospitals.items()) {
    if (h.research_hospital) {
      const double g = P.hospital.research_funding_usd_per_year / 12.0;
      L.transfer(w.ext.government, h.account, g, code(Flow::grant), t);
      count(w, w.m.government_spend, h.region, g);
    }
    L.transfer(h.account, w.ext.households, L.balance(h.account), code(Flow::salary), t);
  }
  for (auto& s : w.startups.items()) {
    if (!s.alive) continue;
    if (s.stage == Stage::approved && s.months_in_stage == 0) {
      log(w, EventKind::approval, AgentType::startup, s.id, s.region);
      count(w, w.m.approvals, s.region);
      s.months_in_stage = 1;
    }
    const double cash = L.balance(s.account), due = s.salary_due + s.rent_due;
    const double scale = due > cash ? cash / due : 1.0;
    if (due > cash) s.out_of_cash = true;
    L.transfer(s.account, w.ext.households, s.salary_due * scale, code(Flow::salary), t);
    L.transfer(s.account, w.ext.landlords, std::min(s.rent_due * scale, L.balance(s.account)), code(Flow::rent), t);
  }
  for (auto& v : w.vcs.items())
    L.transfer(v.account, w.ext.households, std::min(v.fee_due, L.balance(v.account)), code(Flow::fee), t);
  for (auto& f : w.pharmas.items()) {
    L.transfer(w.ext.world_market, f.account, f.revenue_due, code(Flow::revenue), t);
    L.transfer(f.account, w.ext.households, f.rd_salary_due, code(Flow::salary), t);
    L.transfer(f.account, w.ext.world_market, f.operating_cost_due, code(Flow::operating_cost), t);
  }
}

// ------------------------------------------------------------------ births and deaths (sequential)

void found_startup(World& w, const FoundingRequest& r) {
  const auto& P = w.params;
  auto rng = sim::Rng(w.seed, w.step, ph(PhaseKey::births), agent_key(r.parent_type, r.parent_id), pu(Purpose::placement),
                      static_cast<std::uint64_t>(r.index));
  Startup s;
  const auto [x, y] = place_near(w, r.x_km, r.y_km, 3.0, rng);
  s.x_km = x;
  s.y_km = y;
  s.region = r.region;
  s.origin = r.origin;
  s.parent_id = r.parent_id;
  s.founded_step = static_cast<std::int32_t>(w.step);
  s.quality = rng.uniform();
  s.headcount = P.startup.founding_headcount;
  s.target_headcount = s.headcount;
  const sim::AgentId id = w.startups.queue_birth(s);
  auto& born = w.startups.queued_births().back();
  born.account = open_account(w, AgentType::startup, id, r.region);
  w.ledger.transfer(w.ext.households, born.account, P.startup.founding_cash_usd, code(Flow::equity), w.step);
  log(w, EventKind::founding, AgentType::startup, id, r.region, r.parent_type, r.parent_id, P.startup.founding_cash_usd, 0,
      static_cast<int>(r.origin));
  count(w, w.m.founded, r.region);
  if (r.origin == Origin::university) {
    log(w, EventKind::licence, AgentType::startup, id, r.region, AgentType::university, r.parent_id);
    count(w, w.m.licences, r.region);
    count(w, w.m.founded_university, r.region);
  } else {
    count(w, w.m.founded_hospital, r.region);
  }
}

void phase_births_deaths(World& w) {
  // Deaths: failed assets and empty tills. Residual cash goes to shareholders.
  for (std::size_t i = 0; i < w.startups.size(); ++i) {
    auto& s = w.startups[i];
    if (s.alive && (s.asset_failed || s.out_of_cash)) {
      const double residual = w.ledger.balance(s.account);
      pay_shareholders(w, s.account, s, residual, Flow::residual);
      log(w, EventKind::failure, AgentType::startup, s.id, s.region, AgentType::startup, -1, residual, 0, s.asset_failed ? 1 : 0);
      count(w, w.m.failed, s.region);
      w.startups.mark_dead(i);
    }
    if (!s.alive) {  // failed now, or acquired in match: staff return to the pool, the account closes
      w.talent.at(w.grid.cell_of(s.x_km, s.y_km)) += static_cast<float>(s.headcount);
      w.ledger.close(s.account, w.step);
    }
  }
  for (const auto& r : w.founding_requests) found_startup(w, r);
  w.startups.commit();
  // Hiring from the talent pool of the startup's cell, in id order.
  for (auto& s : w.startups.items()) {
    s.asset_failed = s.out_of_cash = false;
    const std::size_t cell = w.grid.cell_of(s.x_km, s.y_km);
    const double want = std::max(0.0, std::floor(s.target_headcount) - s.headcount);
    const double hire = std::min<double>(want, std::floor(w.talent.at(cell)));
    if (hire > 0) {
      s.headcount += hire;
      w.talent.at(cell) -= static_cast<float>(hire);
    }
  }
}

// ------------------------------------------------------------------ account

void phase_account(World& w) { w.ledger.check_identity(w.step); }

// ------------------------------------------------------------------ record: fields, metrics

/// One explicit diffusion step with reflecting edges; rows in parallel, double-buffered.
void diffuse(const sim::Grid& g, std::vector<float>& v, double d) {
  if (d <= 0) return;
  std::vector<float> out(v.size());
  const int W = g.width, H = g.height;
  tbb::parallel_for(tbb::blocked_range<int>(0, H), [&](const tbb::blocked_range<int>& rows) {
    for (int y = rows.begin(); y != rows.end(); ++y)
      for (int x = 0; x < W; ++x) {
        const std::size_t c = static_cast<std::size_t>(y) * W + x;
        double keep = v[c], in = 0;
        auto nb = [&](int nx, int ny) {
          if (nx < 0 || ny < 0 || nx >= W || ny >= H) return;
          keep -= d * v[c];
          in += d * v[static_cast<std::size_t>(ny) * W + nx];
        };
        nb(x - 1, y), nb(x + 1, y), nb(x, y - 1), nb(x, y + 1);
        out[c] = static_cast<float>(keep + in);
      }
  });
  v.swap(out);
}

void phase_record(World& w) {
  const auto& P = w.params;
  // Fields: sources, decay, diffusion, rent.
  for (const auto& u : w.universities.items()) {
    const std::size_t c = w.grid.cell_of(u.x_km, u.y_km);
    w.knowledge.at(c) += static_cast<float>(research_usd_per_month(u) / 1e8 * P.university.knowledge_per_100m_usd);
    w.talent.at(c) += static_cast<float>(P.university.graduates_per_year / 12.0);
  }
  const float kdecay = static_cast<float>(1.0 - P.fields.knowledge_decay_per_year / 12.0);
  const float tdecay = static_cast<float>(1.0 - P.fields.talent_attrition_per_year / 12.0);
  for (auto& k : w.knowledge.values) k *= kdecay;
  for (auto& t : w.talent.values) t *= tdecay;
  diffuse(w.grid, w.knowledge.values, P.fields.diffusion_per_month);
  diffuse(w.grid, w.talent.values, P.fields.diffusion_per_month);
  std::fill(w.firms_per_cell.begin(), w.firms_per_cell.end(), 0.0f);
  for (const auto& s : w.startups.items()) w.firms_per_cell[w.grid.cell_of(s.x_km, s.y_km)] += 1.0f;
  for (const auto& f : w.pharmas.items()) w.firms_per_cell[w.grid.cell_of(f.x_km, f.y_km)] += 1.0f;
  for (std::size_t c = 0; c < w.rent.values.size(); ++c)
    w.rent.values[c] = static_cast<float>(w.base_rent[c] * (1.0 + P.fields.rent_pressure_per_firm * w.firms_per_cell[c]));

  // Stocks per region.
  auto& M = w.metrics;
  const auto& m = w.m;
  for (const auto& u : w.universities.items()) count(w, m.universities, u.region);
  for (const auto& h : w.hospitals.items()) count(w, m.hospitals, h.region);
  for (const auto& v : w.vcs.items()) {
    count(w, m.vc_firms, v.region);
    count(w, m.vc_cash, v.region, w.ledger.balance(v.account));
  }
  for (const auto& f : w.pharmas.items()) count(w, m.pharma_firms, f.region);
  for (const auto& s : w.startups.items()) {
    count(w, m.startups, s.region);
    count(w, m.startups_by_stage[static_cast<std::size_t>(s.stage)], s.region);
    count(w, m.employment_startups, s.region, s.headcount);
  }
  std::vector<double> cells(static_cast<std::size_t>(w.region_count()), 0.0);
  for (std::size_t c = 0; c < w.cell_region.size(); ++c) {
    const auto r = w.cell_region[c];
    if (r < 0) continue;
    M.add_to(m.talent_pool, r, w.talent.values[c]);
    M.add_to(m.knowledge_stock, r, w.knowledge.values[c]);
    M.add_to(m.mean_rent, r, w.rent.values[c]);
    cells[static_cast<std::size_t>(r)] += 1;
  }
  for (int r = 0; r < w.region_count(); ++r)
    if (cells[static_cast<std::size_t>(r)] > 0) M.set(m.mean_rent, r, M.get(m.mean_rent, r) / cells[static_cast<std::size_t>(r)]);
  for (double v : M.frame())
    if (!std::isfinite(v)) throw InvariantError("step " + std::to_string(w.step) + ": a recorded metric is not finite");
}

void init_fields(World& w) {
  const auto& g = w.grid;
  const std::size_t n = g.cell_count();
  auto make = [&](const char* name, const char* unit, const char* desc) {
    sim::Field f;
    f.name = name, f.unit = unit, f.description = desc;
    f.values.assign(n, 0.0f);
    return f;
  };
  w.talent = make("talent", "persons", "unemployed life-science workers per cell");
  w.knowledge = make("knowledge", "units", "knowledge stock per cell");
  w.rent = make("rent", "USD/m2/month", "rent for lab and office space per cell");
  w.firms_per_cell.assign(n, 0.0f);
  w.cell_region.assign(n, -1);
  w.base_rent.assign(n, 0.0);
  double min_rent = 1e300;
  for (const auto& r : w.params.regions) min_rent = std::min(min_rent, r.rent_usd_per_m2_month);
  std::vector<double> region_cells(w.params.regions.size(), 0.0);
  for (std::size_t c = 0; c < n; ++c) {
    const double x = g.cell_x_km(c), y = g.cell_y_km(c);
    double best = 1e300;
    for (std::size_t r = 0; r < w.params.regions.size(); ++r) {
      const auto& R = w.params.regions[r];
      const double d = sim::distance_km(x, y, R.x_km, R.y_km);
      if (d <= std::max(R.radius_km, 0.5 * g.cell_km) && d < best) best = d, w.cell_region[c] = static_cast<std::int16_t>(r);
    }
    const auto r = w.cell_region[c];
    w.base_rent[c] = r >= 0 ? w.params.regions[static_cast<std::size_t>(r)].rent_usd_per_m2_month : 0.5 * min_rent;
    w.rent.values[c] = static_cast<float>(w.base_rent[c]);
    if (r >= 0) region_cells[static_cast<std::size_t>(r)] += 1;
  }
  for (std::size_t c = 0; c < n; ++c) {
    const auto r = w.cell_region[c];
    if (r >= 0) w.talent.values[c] = static_cast<float>(w.params.regions[static_cast<std::size_t>(r)].talent_pool_persons / region_cells[static_cast<std::size_t>(r)]);
  }
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
  init_fields(w);

  const auto& P = params;
  int n_universities = 0;
  for (const auto& r : P.regions) n_universities += r.universities;
  const double basic_per_university =
      n_universities > 0 ? P.policy.public_rd_usd_per_year * P.policy.basic_research_share / n_universities : 0.0;

  for (std::size_t ri = 0; ri < P.regions.size(); ++ri) {
    const auto& R = P.regions[ri];
    const auto region = static_cast<std::int16_t>(ri);
    auto place = [&](AgentType t, int k) {
      auto rng = sim::Rng(seed, 0, ph(PhaseKey::init), agent_key(t, static_cast<sim::AgentId>(ri) << 24 | k), pu(Purpose::placement));
      return place_near(w, R.x_km, R.y_km, R.radius_km, rng);
    };
    for (int k = 0; k < R.universities; ++k) {
      University u;
      std::tie(u.x_km, u.y_km) = place(AgentType::university, k);
      u.region = region;
      u.own_research_usd_per_year = P.university.research_budget_usd_per_year;
      u.basic_funding_usd_per_year = basic_per_university;
      w.universities.queue_birth(u);
    }
    for (int k = 0; k < R.hospitals; ++k) {
      Hospital h;
      std::tie(h.x_km, h.y_km) = place(AgentType::hospital, k);
      h.region = region;
      h.beds = P.hospital.beds;
      h.research_hospital = k < R.research_hospitals;
      h.trial_slots_per_year = trial_slots_per_year(h.research_hospital, P.hospital);
      w.hospitals.queue_birth(h);
    }
    for (int k = 0; k < R.vc_firms; ++k) {
      VentureCapital v;
      std::tie(v.x_km, v.y_km) = place(AgentType::venture_capital, k);
      v.region = region;
      v.fund_size_usd = P.vc.fund_size_usd;
      w.vcs.queue_birth(v);
    }
    for (int k = 0; k < R.pharma_firms; ++k) {
      Pharma f;
      std::tie(f.x_km, f.y_km) = place(AgentType::pharma, k);
      f.region = region;
      f.revenue_usd_per_year = P.pharma.revenue_usd_per_year;
      w.pharmas.queue_birth(f);
    }
    for (int k = 0; k < R.startups; ++k) {
      Startup s;
      std::tie(s.x_km, s.y_km) = place(AgentType::startup, k);
      s.region = region;
      auto rng = sim::Rng(seed, 0, ph(PhaseKey::init), agent_key(AgentType::startup, static_cast<sim::AgentId>(ri) << 24 | k), pu(Purpose::quality));
      s.quality = rng.uniform();
      s.headcount = P.startup.founding_headcount;
      s.target_headcount = s.headcount;
      w.startups.queue_birth(s);
    }
  }
  // Accounts and opening balances, in a fixed order.
  for (auto& u : w.universities.queued_births()) u.account = open_account(w, AgentType::university, u.id, u.region);
  for (auto& h : w.hospitals.queued_births()) h.account = open_account(w, AgentType::hospital, h.id, h.region);
  for (auto& s : w.startups.queued_births()) {
    s.account = open_account(w, AgentType::startup, s.id, s.region);
    w.ledger.transfer(w.ext.households, s.account, P.startup.founding_cash_usd, code(Flow::equity), 0);
  }
  for (auto& v : w.vcs.queued_births()) {
    v.account = open_account(w, AgentType::venture_capital, v.id, v.region);
    w.ledger.transfer(w.ext.outside_investors, v.account, v.fund_size_usd, code(Flow::equity), 0);
  }
  for (auto& f : w.pharmas.queued_births()) {
    f.account = open_account(w, AgentType::pharma, f.id, f.region);
    // Opening cash: one year of acquisition budget.
    w.ledger.transfer(w.ext.world_market, f.account, f.revenue_usd_per_year * P.pharma.rd_share * P.pharma.acquisition_share_of_rd,
                      code(Flow::equity), 0);
  }
  w.universities.commit();
  w.hospitals.commit();
  w.startups.commit();
  w.vcs.commit();
  w.pharmas.commit();
  rebuild_indexes(w);
  // Startups' first costs, so that their first decisions see a burn rate.
  for (auto& s : w.startups.items()) compute_costs(s, P.startup, w.rent.at(w.grid.cell_of(s.x_km, s.y_km)));
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
    t.columns = {{"x_km", "km", "position x"}, {"y_km", "km", "position y"}, {"region", "index", "region index"}};
    for (auto& c : extra) t.columns.push_back(std::move(c));
    t.values.assign(t.columns.size(), {});
    for (const auto& a : store.items()) {
      t.ids.push_back(a.id);
      std::vector<double> r{a.x_km, a.y_km, static_cast<double>(a.region)};
      row(a, r);
      for (std::size_t c = 0; c < r.size(); ++c) t.values[c].push_back(r[c]);
    }
    out.push_back(std::move(t));
  };
  const auto& L = w.ledger;
  table("university",
        {{"research_usd_per_year", "USD/year", "own plus public basic-research funding"},
         {"discoveries_total", "count", "discoveries so far"},
         {"spinouts_total", "count", "spin-offs so far"}},
        w.universities, [&](const University& u, std::vector<double>& r) {
          r.insert(r.end(), {u.own_research_usd_per_year + u.basic_funding_usd_per_year, double(u.discoveries_total),
                             double(u.spinouts_total)});
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
         {"origin", "code", "0 initial, 1 university, 2 hospital"},
         {"founded_step", "step", "step of founding"}},
        w.startups, [&](const Startup& s, std::vector<double>& r) {
          r.insert(r.end(), {L.balance(s.account), double(static_cast<int>(s.stage)), s.headcount, double(s.rounds),
                             s.post_money_usd, s.quality, double(static_cast<int>(s.origin)), double(s.founded_step)});
        });
  table("venture_capital",
        {{"cash_usd", "USD", "uninvested cash"},
         {"fund_size_usd", "USD", "committed capital"},
         {"invested_usd", "USD", "invested so far"},
         {"distributed_usd", "USD", "received at exits so far"},
         {"deals", "count", "rounds joined so far"}},
        w.vcs, [&](const VentureCapital& v, std::vector<double>& r) {
          r.insert(r.end(), {L.balance(v.account), v.fund_size_usd, v.invested_usd, v.distributed_usd, double(v.deals)});
        });
  table("pharma",
        {{"cash_usd", "USD", "cash"},
         {"revenue_usd_per_year", "USD/year", "sales"},
         {"acquisitions", "count", "startups acquired so far"}},
        w.pharmas, [&](const Pharma& f, std::vector<double>& r) {
          r.insert(r.end(), {L.balance(f.account), f.revenue_usd_per_year, double(f.acquisitions)});
        });
  return out;
}

std::vector<const sim::Field*> output_fields(const World& w) { return {&w.talent, &w.knowledge, &w.rent}; }

}  // namespace biocluster::agents
