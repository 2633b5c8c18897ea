// The step of the cluster economy: six phases, each a list of named calls in the order they run.
// docs/MODEL.md §3 describes each phase; the section of each call is in its header.
#include "agents/step.hpp"

#include "agents/decisions.hpp"
#include "agents/entry.hpp"
#include "agents/fields.hpp"
#include "agents/lifecycle.hpp"
#include "agents/location.hpp"
#include "agents/markets/acquisitions.hpp"
#include "agents/markets/alliances.hpp"
#include "agents/markets/funds.hpp"
#include "agents/markets/labour.hpp"
#include "agents/markets/licences.hpp"
#include "agents/markets/public_markets.hpp"
#include "agents/markets/rounds.hpp"
#include "agents/markets/trials.hpp"
#include "agents/operations.hpp"
#include "agents/production.hpp"
#include "agents/recording.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

namespace {

/// decide (parallel over agents, reading a frozen state; requests collected in a fixed order).
void phase_decide(World& w) {
  apply_schedule(w);  // world: parameters a schedule changes this month
  w.ledger.begin_step();
  w.metrics.clear();
  w.founding_requests.clear();
  refill_trial_slots(w);         // markets/trials
  decide_universities(w);        // decisions: research, TTO
  decide_hospitals(w);           // decisions: spin-off draws
  decide_startups(w);            // decisions: wants_round, wants_trial
  request_hospital_spinouts(w);  // lifecycle
  request_staff_spinouts(w);     // lifecycle
}

/// match (sequential, in id order): the two-agent deals.
void phase_match(World& w) {
  match_licences(w);        // markets/licences (requests university spin-offs)
  match_trials(w);          // markets/trials
  match_alliances(w);       // markets/alliances
  open_public_budget(w);    // markets/public_markets (January)
  match_rounds(w);          // markets/rounds (crossover investors draw on the public budget)
  match_public_markets(w);  // markets/public_markets (requests serial founders)
  match_acquisitions(w);    // markets/acquisitions (requests serial founders)
  run_vc_funds(w);          // markets/funds
}

/// apply (parallel per agent, then every monthly flow booked in a fixed order).
void phase_apply(World& w) {
  progress_startups(w);   // operations: asset progress, bills
  plan_pharma_months(w);  // operations
  plan_production(w);     // production
  compute_vc_fees(w);     // operations
  book_universities_and_hospitals(w);
  book_startups(w);  // public support, grace expiry (markets/acquisitions), bills
  book_vc_fees(w);
  book_pharma(w);
  book_infrastructure_grants(w);
}

/// births_deaths_hiring (sequential): entry, deaths, foundings, then hiring.
void phase_births_deaths_hiring(World& w) {
  measure_sites(w);             // location: what location choosers see this month
  open_rd_sites(w);             // entry (January)
  open_vc_firms(w);             // entry (January)
  expand_production(w);         // production (January)
  settle_startups(w);           // lifecycle: mergers, relicensing, failures, layoffs
  relocate_startups(w);         // lifecycle: moves after a priced round (location)
  found_requested_startups(w);  // lifecycle: foundings; the startup store commits
  hire_staff(w);                // markets/labour
}

/// account: the stock-flow identity.
void phase_account(World& w) { w.ledger.check_identity(w.step); }

/// fields_labour_record: fields, wages and amenity, migration, then the month's metrics.
void phase_fields_labour_record(World& w) {
  update_fields(w);         // fields
  update_labour_market(w);  // markets/labour
  migrate_talent(w);        // markets/labour
  record_metrics(w);        // recording
  check_invariants(w);      // recording
}

}  // namespace

const std::array<sim::Phase<World>, 6>& step_phases() {
  static const std::array<sim::Phase<World>, 6> phases{{
      {"decide", phase_decide},
      {"match", phase_match},
      {"apply", phase_apply},
      {"births_deaths_hiring", phase_births_deaths_hiring},
      {"account", phase_account},
      {"fields_labour_record", phase_fields_labour_record},
  }};
  return phases;
}

}  // namespace biocluster::agents
