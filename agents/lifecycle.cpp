// Births and deaths of startups: founding requests, foundings and location, relicensing, failures,
// closures, layoffs, mergers after approval. docs/MODEL.md §7.3, §7.1 (relicensing), §7.4 (serial
// founders), §7.5 (merger). Entry of R&D sites and VC firms: agents/entry.cpp.
#include "agents/lifecycle.hpp"

#include <algorithm>
#include <cmath>
#include <tuple>
#include <utility>
#include <vector>

#include "agents/books.hpp"
#include "agents/location.hpp"
#include "agents/valuation.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

// ---- founding requests (decide and match phases)

void request_hospital_spinouts(World& w) {
  for (const auto& h : w.hospitals.items())
    for (int k = 0; k < h.spinouts; ++k)
      w.founding_requests.push_back({Origin::hospital, AgentType::hospital, h.id, h.region, h.x_km, h.y_km, k});
}

void request_staff_spinouts(World& w) {
  const auto& P = w.params;
  // Each spin-off's parent is a startup of its region drawn in proportion to headcount: walk the
  // region's startups subtracting headcounts from the draw until it goes negative (the last one if
  // it never does). All draws are made first (they depend on nothing else), then resolved in one
  // pass over the startups, each draw with exactly the subtractions a walk of its own would make.
  auto& S = w.spinout_draws;
  const auto nr = static_cast<std::size_t>(w.region_count());
  S.first.assign(nr + 1, 0);
  S.residual.clear();
  for (std::size_t r = 0; r < nr; ++r) {
    const double staff = w.regions[r].startup_staff;
    auto rng =
        sim::Rng(w.seed, w.step, ph(PhaseKey::decide), static_cast<std::int64_t>(r), pu(Purpose::staff_spinouts));
    const auto n = rng.poisson(P.startup.staff_spinouts_per_1000_per_year / 12.0 * staff / 1000.0);
    for (std::int64_t k = 0; k < n; ++k) S.residual.push_back(rng.uniform() * staff);
    S.first[r + 1] = S.residual.size();
  }
  if (S.residual.empty()) return;
  // A walk stops at the first startup whose cumulative headcount (in store order) exceeds the draw:
  // one pass builds each region's cumulative headcounts, then each draw is a binary search
  // (O((startups + draws) log startups); the walk per draw was O(startups x draws)).
  S.parent.assign(S.residual.size(), -1);
  S.member_first.assign(nr + 1, 0);
  const auto items = w.startups.items();
  for (const auto& s : items)
    if (s.region >= 0) ++S.member_first[static_cast<std::size_t>(s.region) + 1];
  for (std::size_t r = 0; r < nr; ++r) S.member_first[r + 1] += S.member_first[r];
  S.member.resize(S.member_first[nr]);
  S.cumulative.resize(S.member_first[nr]);
  S.open.assign(S.member_first.begin(), S.member_first.end() - 1);  // next free slot per region
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (items[i].region < 0) continue;
    const auto r = static_cast<std::size_t>(items[i].region);
    const std::size_t at = S.open[r]++;
    S.member[at] = static_cast<std::uint32_t>(i);
    S.cumulative[at] = (at == S.member_first[r] ? 0.0 : S.cumulative[at - 1]) + items[i].headcount;
  }
  for (std::size_t r = 0; r < nr; ++r) {
    const auto b = S.cumulative.begin() + static_cast<std::ptrdiff_t>(S.member_first[r]);
    const auto e = S.cumulative.begin() + static_cast<std::ptrdiff_t>(S.member_first[r + 1]);
    if (b == e) continue;
    for (std::size_t k = S.first[r]; k < S.first[r + 1]; ++k) {
      auto it = std::upper_bound(b, e, S.residual[k]);
      if (it == e) --it;  // never exceeded: the region's last startup
      S.parent[k] = S.member[static_cast<std::size_t>(it - S.cumulative.begin())];
    }
  }
  for (std::size_t r = 0; r < nr; ++r)
    for (std::size_t k = S.first[r]; k < S.first[r + 1]; ++k) {
      if (S.parent[k] < 0) continue;
      const auto& parent = items[static_cast<std::size_t>(S.parent[k])];
      w.founding_requests.push_back({Origin::staff, AgentType::startup, parent.id, static_cast<std::int16_t>(r),
                                     parent.x_km, parent.y_km, static_cast<std::int32_t>(k - S.first[r])});
    }
}

/// After an exit, the founders may found again (the Hybritech effect, MODEL.md §7.4, §7.5).
void request_serial_founder(World& w, const Startup& s) {
  const auto& P = w.params;
  if (!P.policy.serial_founders) return;
  auto serial = rng_for(w, PhaseKey::match, AgentType::startup, s.id, Purpose::serial);
  if (serial.bernoulli(P.startup.serial_founding_probability))
    w.founding_requests.push_back(
        {Origin::serial, AgentType::startup, s.id, s.region, s.x_km, s.y_km, 0, P.startup.serial_quality_bonus});
}

// ---- births and deaths (births_deaths phase)

namespace {

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
  // The founding cash comes from the region's founders' and angels' pool; when the pool cannot pay
  // it, the founding does not happen (MODEL.md §7.3, "Founding").
  const double cash = P.startup.founding_cash_usd * (r.origin == Origin::serial ? 2.0 : 1.0);
  const sim::AccountId source =
      r.region >= 0 ? w.regions[static_cast<std::size_t>(r.region)].founder_pool : w.ext.households;
  if (r.region >= 0 && w.ledger.balance(source) < cash) {
    count(w, w.m.foundings_unfunded, r.region);
    return;
  }
  auto rng =
      sim::Rng(w.seed, w.step, ph(PhaseKey::births), agent_key(r.parent_type, r.parent_id), pu(Purpose::location),
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
    auto kind = sim::Rng(w.seed, w.step, ph(PhaseKey::births), agent_key(r.parent_type, r.parent_id),
                         pu(Purpose::business_model),
                         static_cast<std::uint64_t>(r.index) * 8 + static_cast<std::uint64_t>(r.origin));
    s.service = kind.bernoulli(P.startup.service_share);
  }
  // Which region: the founders weigh those within reach of home (MODEL.md §7.11); the founding
  // cash comes from home, the loan and every other local programme from where they settle.
  FoundingRequest at = r;
  if (r.region >= 0 && w.region_count() > 1) {
    auto& F = w.site_factors;
    for (std::size_t k = 0; k < w.regions.size(); ++k) {
      F.cost[k] = startup_cost_in(w, k, s.headcount, true);
      F.allowed[k] = 1;
    }
    auto pick = sim::Rng(w.seed, w.step, ph(PhaseKey::births), agent_key(r.parent_type, r.parent_id),
                         pu(Purpose::region_choice),
                         static_cast<std::uint64_t>(r.index) * 8 + static_cast<std::uint64_t>(r.origin));
    const int dest = choose_region(w, P.location.founder, r.region, F.cost, F.allowed, pick);
    if (dest >= 0 && dest != r.region) {
      const auto& D = P.regions[static_cast<std::size_t>(dest)];
      at.region = static_cast<std::int16_t>(dest);
      at.x_km = static_cast<float>(D.x_km), at.y_km = static_cast<float>(D.y_km);
      s.region = at.region;
    }
  }
  choose_location(w, s, at, rng);
  const sim::AgentId id = w.startups.queue_birth(s);
  auto& born = w.startups.queued_births().back();
  born.account = open_account(w, AgentType::startup, id, at.region);
  w.ledger.transfer(source, born.account, cash, code(Flow::equity), w.step);
  // A public loan while the region's programme has this year's budget for a whole one (MODEL.md §7.9).
  double loan = 0;
  if (at.region >= 0 && w.policy_of(at.region).loan_usd > 0) {
    auto& R = w.regions[static_cast<std::size_t>(at.region)];
    const int year = w.calendar.date_of(w.step).year;
    if (R.loan_year != year) R.loan_year = year, R.loan_budget_left = w.policy_of(at.region).loan_budget_usd_per_year;
    if (R.loan_budget_left >= w.policy_of(at.region).loan_usd) loan = w.policy_of(at.region).loan_usd;
    R.loan_budget_left -= loan;
  }
  if (loan > 0) {
    w.ledger.transfer(w.ext.government, born.account, loan, code(Flow::loan), w.step, at.region);
    born.loan_usd = loan;
  }
  log_event(w, EventKind::founding, AgentType::startup, id, at.region, r.parent_type, r.parent_id, cash, 0,
            static_cast<int>(r.origin), r.region);
  if (at.region != r.region) {
    count(w, w.m.founded_moved_in, at.region);
    count(w, w.m.founded_moved_out, r.region);
  }
  count(w, w.m.founded, at.region);
  count(w, w.m.founded_by_origin[static_cast<std::size_t>(r.origin)], at.region);
  if (r.origin == Origin::university) {
    log_event(w, EventKind::licence, AgentType::startup, id, at.region, AgentType::university, r.parent_id);
    count(w, w.m.licences, at.region);
  }
  if (r.origin == Origin::serial) count(w, w.m.serial_founders, at.region);
  compute_costs(born, P.startup, cost_per_employee(w, at.region), w.rent.at(w.grid.cell_of(born.x_km, born.y_km)),
                incubator_fee(w, at.region));
}

/// A new lead asset: fresh quality, its market drawn in the next decide phase, at the start of preclinical.
void start_new_asset(World& w, Startup& s) {
  auto rng = rng_for(w, PhaseKey::births, AgentType::startup, s.id, Purpose::quality);
  s.quality = rng.uniform();
  ++s.asset_number;
  s.peak_sales_usd = 0;  // a new asset: its market is drawn in the next decide phase
  s.peak_estimate_stage = -1;
  s.approved_step = -1;
  s.stage = Stage::preclinical;
  s.stage_entered_step = static_cast<std::int32_t>(w.step);
  s.months_in_stage = 0;
  s.in_trial = false;
  s.asset_failed = false;
  s.retained_sales_share = 1.0;  // a licence covers the old asset only
  s.licensee_id = -1;
  s.licence_milestone_usd = 0;
  s.milestone_usd = 0;  // a buyer's milestones were owed on the old asset's stages
}

/// A firm whose lead asset failed makes its next discovery programme the lead if its owners value
/// that programme above nothing: a group venture at its owner's rate, a listed firm at the public
/// market's, a private firm at its investors' (MODEL.md §7.4, "Pipelines"). Otherwise it drops its
/// pipeline (every programme is valued alike).
bool promote_programme(World& w, Startup& s) {
  if (s.backup_programmes <= 0) return false;
  const double cpe = cost_per_employee(w, s.region);
  const Valuer owners = s.owner_id >= 0 ? Valuer{&w.rates.pharma, 1.0, cpe}
                        : s.listed      ? Valuer{&w.rates.market, 1.0, cpe}
                                        : investor(w, 1.0, cpe);
  if (programme_value_usd(s, owners, w) <= 0) {
    s.backup_programmes = 0;
    return false;
  }
  --s.backup_programmes;
  start_new_asset(w, s);
  log_event(w, EventKind::next_programme, AgentType::startup, s.id, s.region, AgentType::startup, s.id, 0, 0,
            s.backup_programmes, static_cast<int>(Stage::preclinical));
  count(w, w.m.programmes_promoted, s.region);
  return true;
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
    start_new_asset(w, s);
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

}  // namespace

namespace {

/// A group venture whose drug was approved: the group launches the drug, its sales join the
/// parent's revenue, and the venture merges into it (MODEL.md §7.5).
void merge_into_owner(World& w, std::size_t i, Startup& s, Pharma& owner) {
  const auto& P = w.params;
  const double peak =
      s.peak_sales_usd * (P.policy.world_sales_share + (1.0 - P.policy.world_sales_share) * P.policy.drug_price_index);
  // A licensed share joins the licensee's revenue instead (MODEL.md §7.5, "Licensing deals").
  auto* licensee = s.licensee_id >= 0 ? w.pharmas.find(s.licensee_id) : nullptr;
  owner.revenue_usd_per_year += licensee ? s.retained_sales_share * peak : peak;
  if (licensee) licensee->revenue_usd_per_year += (1.0 - s.retained_sales_share) * peak;
  w.ledger.transfer(s.account, owner.account, w.ledger.balance(s.account), code(Flow::intra_group), w.step);
  w.startups.mark_dead(i);
}

/// Whether a service firm closes of its own accord this month (MODEL.md §7.3, "Service firms").
bool service_firm_closes(World& w, const Startup& s) {
  auto rng = rng_for(w, PhaseKey::births, AgentType::startup, s.id, Purpose::closure);
  return rng.bernoulli(w.params.startup.service_exit_per_year / 12.0);
}

/// A startup that failed or closed pays out its cash (to its owner, or the loan then its
/// shareholders) and dies (MODEL.md §7.3, "Failure").
void fail_startup(World& w, std::size_t i, Startup& s, Pharma* owner, bool closed) {
  const double residual = w.ledger.balance(s.account);
  if (owner)
    w.ledger.transfer(s.account, owner->account, residual, code(Flow::intra_group), w.step);
  else
    pay_shareholders(w, s.account, s, residual, Flow::residual);
  log_event(w, EventKind::failure, AgentType::startup, s.id, s.region, AgentType::startup, -1, residual, 0,
            s.asset_failed ? 1
            : closed       ? 2
                           : 0);
  count(w, w.m.failed, s.region);
  w.startups.mark_dead(i);
}

/// Leaving the incubator when grown (MODEL.md §7.3, "Location").
void leave_incubator_if_grown(World& w, Startup& s) {
  if (s.incubated && s.headcount > w.params.startup.incubator_max_headcount) {
    s.incubated = false;
    if (s.region >= 0) --w.regions[static_cast<std::size_t>(s.region)].incubator_used;
  }
}

/// Runway management (MODEL.md §7.3, "Layoffs"): an independent private startup whose cash covers
/// fewer than startup.layoff_runway_months of its bills lets a share of its staff beyond the founders go.
void lay_off_if_short(World& w, Startup& s) {
  const auto& P = w.params;
  const double beyond = s.headcount - P.startup.founding_headcount;
  if (P.startup.layoff_runway_months > 0 && beyond > 0 && s.owner_id < 0 && !s.listed &&
      w.ledger.balance(s.account) < P.startup.layoff_runway_months * monthly_costs(s)) {
    const double cut = P.startup.layoff_share_per_month * beyond;
    s.headcount -= cut;
    s.target_headcount = std::min(s.target_headcount, s.headcount);
    release_people(w, s, cut);
  }
}

}  // namespace

void settle_startups(World& w) {
  for (std::size_t i = 0; i < w.startups.size(); ++i) {
    auto& s = w.startups[i];
    if (!s.alive) continue;
    Pharma* owner = s.owner_id >= 0 ? w.pharmas.find(s.owner_id) : nullptr;
    if (s.approved_now && owner)
      merge_into_owner(w, i, s, *owner);
    else if (s.asset_failed && !promote_programme(w, s) && !try_relicense(w, s))
      s.out_of_cash = true;
    bool closed = false;  // a service firm closing of its own accord
    if (s.alive && s.service && !s.out_of_cash) closed = s.out_of_cash = service_firm_closes(w, s);
    if (s.alive && s.out_of_cash) fail_startup(w, i, s, owner, closed);
    if (!s.alive) {
      release_staff(w, s);
      w.ledger.close(s.account, w.step);
    } else {
      leave_incubator_if_grown(w, s);
      s.out_of_cash = s.approved_now = s.advanced_now = false;
      lay_off_if_short(w, s);
    }
  }
}

void relocate_startups(World& w) {
  const auto& P = w.params;
  if (w.region_count() < 2) return;
  measure_sites(w);  // idempotent within a step
  auto& F = w.site_factors;
  for (std::size_t i = 0; i < w.startups.size(); ++i) {
    auto& s = w.startups[i];
    if (!s.alive || s.round_step != w.step || s.owner_id >= 0 || s.region < 0) continue;
    const double staff = std::max(s.headcount, s.target_headcount);  // the team the round pays for
    for (std::size_t k = 0; k < w.regions.size(); ++k) {
      F.cost[k] = startup_cost_in(w, k, staff, false);
      F.allowed[k] = 1;
    }
    auto rng = rng_for(w, PhaseKey::births, AgentType::startup, s.id, Purpose::relocation);
    const int dest = choose_region(w, P.location.relocation, s.region, F.cost, F.allowed, rng);
    if (dest < 0 || dest == s.region) continue;
    const auto from = s.region;
    if (s.incubated) {
      s.incubated = false;
      --w.regions[static_cast<std::size_t>(from)].incubator_used;
    }
    // The cheapest of a few sites near the new region's centre; the staff move with the firm.
    const auto& D = P.regions[static_cast<std::size_t>(dest)];
    double best = 1e300;
    for (int k = 0; k < static_cast<int>(P.startup.location_candidates); ++k) {
      const auto [x, y] = place_near(w, D.x_km, D.y_km, P.startup.location_radius_km, rng);
      const double rent = w.rent.at(w.grid.cell_of(x, y));
      if (rent < best) best = rent, s.x_km = x, s.y_km = y;
    }
    s.region = static_cast<std::int16_t>(dest);
    w.ledger.set_region(s.account, s.region);
    log_event(w, EventKind::relocation, AgentType::startup, s.id, s.region, AgentType::startup, -1, s.post_money_usd, 0,
              from);
    count(w, w.m.relocations_in, s.region);
    count(w, w.m.relocations_out, from);
    compute_costs(s, P.startup, cost_per_employee(w, s.region), w.rent.at(w.grid.cell_of(s.x_km, s.y_km)),
                  incubator_fee(w, s.region));
  }
}

void found_requested_startups(World& w) {
  measure_sites(w);  // idempotent within a step
  for (const auto& r : w.founding_requests) found_startup(w, r);
  w.startups.commit();
}

}  // namespace biocluster::agents
