// The world at step 0: space, regions, agents, accounts and opening balances. docs/MODEL.md §5.
#include "agents/world.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <tuple>
#include <utility>

#include "agents/books.hpp"
#include "agents/markets/public_markets.hpp"
#include "agents/valuation.hpp"

namespace biocluster::agents {

const RegionPolicy& World::policy_of(int region) const {
  return params.regions[static_cast<std::size_t>(region)].policy;
}

std::pair<float, float> place_near(const World& w, double x, double y, double radius_km, sim::Rng& rng) {
  const double r = radius_km * std::sqrt(rng.uniform()), a = 2.0 * std::numbers::pi * rng.uniform();
  return {static_cast<float>(w.grid.clamp_x(x + r * std::cos(a))),
          static_cast<float>(w.grid.clamp_y(y + r * std::sin(a)))};
}

namespace {

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
      if (d <= std::max(R.radius_km, 0.5 * g.cell_km) && d < best)
        best = d, w.cell_region[c] = static_cast<std::int16_t>(r);
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
      if (w.cell_region[c] < 0)
        w.cell_region[c] = static_cast<std::int16_t>(r), w.region_cells[r].push_back(static_cast<std::uint32_t>(c));
    }
  for (std::size_t r = 0; r < nr; ++r) {
    const auto& R = w.params.regions[r];
    const double per_cell =
        w.region_cells[r].empty() ? 0.0 : R.talent_pool_persons / static_cast<double>(w.region_cells[r].size());
    for (auto c : w.region_cells[r]) {
      w.talent_phd.values[c] = static_cast<float>(per_cell * R.phd_share_of_talent);
      w.talent.values[c] = static_cast<float>(per_cell * (1.0 - R.phd_share_of_talent));
    }
  }
  const int reach = static_cast<int>(std::ceil(w.params.market.commute_km / g.cell_km));
  for (int dy = -reach; dy <= reach; ++dy)
    for (int dx = -reach; dx <= reach; ++dx)
      if (std::hypot(dx, dy) * g.cell_km <= w.params.market.commute_km) w.commute_offsets.emplace_back(dx, dy);
  std::stable_sort(w.commute_offsets.begin(), w.commute_offsets.end(), [](const auto& a, const auto& b) {
    return a.first * a.first + a.second * a.second < b.first * b.first + b.second * b.second;
  });
}

}  // namespace

void rebuild_indexes(World& w) {
  auto build = [&](sim::SpatialIndex& idx, const auto& store) {
    std::vector<float> xs, ys;
    for (const auto& a : store.items()) xs.push_back(a.x_km), ys.push_back(a.y_km);
    idx.build(xs, ys, w.grid.width_km(), w.grid.height_km(), std::max(w.grid.cell_km, 5.0));
  };
  build(w.vc_index, w.vcs);
  build(w.hospital_index, w.hospitals);
}

double estimate_memory_bytes(const Params& p) {
  const double cells = static_cast<double>(p.grid.width) * static_cast<double>(p.grid.height);
  // 4 float fields + diffusion buffer + firms per cell (float) + region map (int16) + base rent (double),
  // plus the output's copy of one field snapshot and its compression buffers (measured: a 20000 x 20000
  // grid passed 18 GiB while still initialising).
  const double per_cell = 4 * 4 + 4 + 4 + 2 + 8 + 4 * 4 + 4 * 4 + 6;
  double agents = p.pharma.outside_firms;
  for (const auto& r : p.regions)
    agents += r.universities + r.hospitals + r.vc_firms + r.pharma_firms + r.startups +
              (r.policy.public_fund_usd > 0 ? 1 : 0);
  const double per_agent = sizeof(Startup) + 4 * sizeof(Stake) + sizeof(sim::AccountInfo) + sizeof(double) + 64;
  const double metrics = 80.0 * static_cast<double>(p.regions.size()) * 8.0;
  return cells * per_cell + agents * per_agent + metrics + 16e6;  // + fixed overhead (code, TBB, HDF5 buffers)
}

namespace {

/// What the world derives from its parameters besides its agents: the valuation rate tables,
/// universities' research money (own budget and their share of national basic research, in
/// proportion to own research) and TTO capacity, hospitals' trial slots.
void derive_from_params(World& w) {
  const auto& P = w.params;
  w.rates.vc = make_rate_table(P.vc.discount_rate, P.startup, P.pharma, P.policy);
  w.rates.pharma = make_rate_table(P.pharma.discount_rate, P.startup, P.pharma, P.policy);
  w.rates.market = make_rate_table(P.market.public_discount_rate, P.startup, P.pharma, P.policy);
  double own_total = 0;
  for (auto& u : w.universities.items()) {
    const double regional = P.regions[static_cast<std::size_t>(u.region)].university_research_usd_per_year;
    u.own_research_usd_per_year = regional >= 0 ? regional : P.university.research_budget_usd_per_year;
    own_total += u.own_research_usd_per_year;
  }
  const double basic_total = P.policy.public_rd_usd_per_year * P.policy.basic_research_share;
  for (auto& u : w.universities.items()) {
    u.basic_funding_usd_per_year = own_total > 0 ? basic_total * u.own_research_usd_per_year / own_total : 0.0;
    u.tto_capacity_per_year = w.policy_of(u.region).tto_capacity_per_year;
  }
  for (auto& h : w.hospitals.items()) h.trial_slots_per_year = trial_slots_per_year(h.research_hospital, P.hospital);
}

}  // namespace

void apply_schedule(World& w) {
  const Params* next = scheduled_params(w.params, w.step);
  if (!next) return;
  auto snapshots = w.params.snapshots;
  w.params = *next;
  w.params.snapshots = std::move(snapshots);
  derive_from_params(w);
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

  auto place_in = [&](const RegionParams& R, std::size_t ri, AgentType t, int k) {
    auto rng = sim::Rng(seed, 0, ph(PhaseKey::init), agent_key(t, static_cast<sim::AgentId>(ri) << 24 | k),
                        pu(Purpose::placement));
    return place_near(w, R.x_km, R.y_km, R.radius_km, rng);
  };
  for (std::size_t ri = 0; ri < P.regions.size(); ++ri) {
    const auto& R = P.regions[ri];
    const auto region = static_cast<std::int16_t>(ri);
    for (int k = 0; k < R.universities; ++k) {
      University u;
      std::tie(u.x_km, u.y_km) = place_in(R, ri, AgentType::university, k);
      u.region = region;
      w.universities.queue_birth(u);
    }
    for (int k = 0; k < R.hospitals; ++k) {
      Hospital h;
      std::tie(h.x_km, h.y_km) = place_in(R, ri, AgentType::hospital, k);
      h.region = region;
      h.beds = P.hospital.beds;
      h.research_hospital = k < R.research_hospitals;
      w.hospitals.queue_birth(h);
    }
    for (int k = 0; k < R.vc_firms; ++k) {
      VentureCapital v;
      std::tie(v.x_km, v.y_km) = place_in(R, ri, AgentType::venture_capital, k);
      v.region = region;
      v.committed_usd = P.vc.fund_size_usd;
      // Staggered vintages, so that funds do not all close in the same year.
      auto rng = sim::Rng(seed, 0, ph(PhaseKey::init),
                          agent_key(AgentType::venture_capital, static_cast<sim::AgentId>(ri) << 24 | k),
                          pu(Purpose::portfolio));
      v.vintage_step =
          -static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(12.0 * P.vc.investment_period_years)));
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
    for (int k = 0; k < R.production_plants; ++k) {
      Pharma f;  // a production / CDMO plant (MODEL.md §7.5)
      std::tie(f.x_km, f.y_km) = place_in(R, ri, AgentType::pharma, R.pharma_firms + k);
      f.region = region;
      f.production = true;
      f.capacity_litres = R.plant_litres;
      w.production_base_litres += R.plant_litres * P.production.initial_utilisation;
      w.pharmas.queue_birth(f);
    }
    int listed = 0;  // of the region's initial startups, listed at start (R.listed_startups)
    for (int k = 0; k < R.startups; ++k) {
      Startup s;
      std::tie(s.x_km, s.y_km) = place_in(R, ri, AgentType::startup, k);
      s.region = region;
      auto rng = sim::Rng(seed, 0, ph(PhaseKey::init),
                          agent_key(AgentType::startup, static_cast<sim::AgentId>(ri) << 24 | k), pu(Purpose::quality));
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
        auto kind = sim::Rng(seed, 0, ph(PhaseKey::init),
                             agent_key(AgentType::startup, static_cast<sim::AgentId>(ri) << 24 | k),
                             pu(Purpose::business_model));
        s.service = kind.bernoulli(P.startup.service_share);
        if (s.service) s.stage = Stage::preclinical;
      }
      if (listed < R.listed_startups && !s.service && s.stage >= Stage::phase1) {
        s.listed = true, ++listed;
        s.backup_programmes = static_cast<std::int32_t>(P.market.listed_programmes - 1);
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
    w.ledger.transfer(w.ext.households, s.account,
                      P.startup.founding_cash_usd + extra_staff * 24.0 * cost_per_employee(w, s.region),
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
    // Before the start the fund placed new companies evenly over its investment period so far.
    if (!v.public_fund)
      v.new_deals_usd =
          (1.0 - P.vc.reserve_share) * v.committed_usd *
          std::clamp(-static_cast<double>(v.vintage_step) / (12.0 * P.vc.investment_period_years), 0.0, 1.0);
  }
  // Founders' and angels' capital per region: endowed from households at step 0 (MODEL.md §7.3).
  for (std::size_t r = 0; r < w.regions.size(); ++r) {
    const auto region = static_cast<std::int16_t>(r);
    w.regions[r].founder_pool = w.ledger.open({false, true, region, -1, -1});
    const double pool = founder_pool_size(w, static_cast<int>(r));
    if (pool > 0) w.ledger.transfer(w.ext.households, w.regions[r].founder_pool, pool, code(Flow::equity), 0);
  }
  for (auto& v : w.vcs.queued_births()) {
    if (v.public_fund) continue;
    FundRecord f;
    f.vc_id = v.id;
    f.fund_number = v.fund_number;
    f.vintage_step = v.vintage_step;
    f.committed_usd = v.committed_usd;
    f.called_usd = v.called_usd;
    f.tvpi = 1.0;
    v.fund_record = static_cast<std::int32_t>(w.fund_records.size());
    w.fund_records.push_back(f);
  }
  for (auto& f : w.pharmas.queued_births()) {
    f.account = open_account(w, AgentType::pharma, f.id, f.region);
    if (f.production) continue;  // a plant holds no cash: it pays out what it earns (MODEL.md §7.5)
    auto rng = sim::Rng(seed, 0, ph(PhaseKey::init), agent_key(AgentType::pharma, f.id), pu(Purpose::portfolio));
    f.expiring_share = rng.uniform(0.1, 0.5);
    f.revenue_usd_per_year = f.region < 0 && P.pharma.outside_revenue_usd_per_year >= 0
                                 ? P.pharma.outside_revenue_usd_per_year
                                 : P.pharma.revenue_usd_per_year;
    // Opening cash: one year of acquisition budget.
    w.ledger.transfer(w.ext.world_market, f.account,
                      f.revenue_usd_per_year * P.pharma.rd_share * acquisition_share(f, P.pharma), code(Flow::equity),
                      0);
  }
  w.universities.commit();
  w.hospitals.commit();
  w.startups.commit();
  w.vcs.commit();
  w.pharmas.commit();
  derive_from_params(w);  // rate tables, research money, TTO capacity, trial slots
  rebuild_indexes(w);
  // Companies listed at start: the cash of their listing from public investors, the public holding
  // the shares sold at the market's value now (MODEL.md §5).
  for (auto& s : w.startups.items()) {
    if (!s.listed) continue;
    // Its asset's market, as the first decide phase would draw it (keyed: the same draws).
    s.peak_sales_usd = draw_peak_sales(w, s.id, s.asset_number);
    s.peak_estimate_usd = peak_estimate_usd(w, s);
    s.peak_estimate_stage = static_cast<std::int8_t>(s.stage);
    const double raise = P.market.ipo_raise_usd;
    w.ledger.transfer(w.ext.outside_investors, s.account, raise, code(Flow::equity), 0);
    const double pre = public_value(w, s, w.ledger.balance(s.account) - raise);
    s.post_money_usd = std::max(pre, 0.0) + raise;
    s.public_share = s.post_money_usd > 0 ? raise / s.post_money_usd : 1.0;
  }
  // Startups' first bills, so that their first decisions see a burn rate.
  for (auto& s : w.startups.items()) {
    compute_costs(s, P.startup, cost_per_employee(w, s.region), w.rent.at(w.grid.cell_of(s.x_km, s.y_km)),
                  incubator_fee(w, s.region));
    if (s.region >= 0) w.regions[static_cast<std::size_t>(s.region)].startup_staff += s.headcount;
  }
  return w;
}

}  // namespace biocluster::agents
