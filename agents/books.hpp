#pragma once
/// @file Shared book-keeping used by every mechanism: the event log, metric counts, accounts,
/// paying a startup's shareholders, the cost of an employee, the incubator fee and the headcount
/// that new money pays for. Not a market. docs/MODEL.md §3 (events), §7.6 (accounting), §7.7 (cost
/// per employee), §7.9 (loans repaid first).
#include <cstdint>

#include "agents/types.hpp"
#include "sim/ledger.hpp"
#include "sim/metrics.hpp"
#include "sim/store.hpp"

namespace biocluster::agents {

struct World;
struct Startup;

/// All-in monthly cost of one startup employee in a region (wage index, PhD mix, overhead). §7.7.
double cost_per_employee(const World& w, int region);
/// Monthly incubator fee of a region (0 for region -1).
double incubator_fee(const World& w, int region);
/// Logs an event (subject/object types and ids, amount, value, detail, aux).
void log_event(World& w, EventKind k, AgentType st, sim::AgentId sid, std::int16_t region,
               AgentType ot = AgentType::startup, sim::AgentId oid = -1, double amount = 0, double value = 0,
               int detail = 0, int aux = 0);
/// Adds v to metric m of a region (ignored for region -1).
void count(World& w, sim::MetricId m, std::int16_t region, double v = 1.0);
/// Opens an agent's ledger account.
sim::AccountId open_account(World& w, AgentType t, sim::AgentId id, std::int16_t region);
/// Founders' and angels' capital of a region at step 0 (its own or the national default).
double founder_pool_size(const World& w, int region);
/// Pays `amount` from `payer` to a startup's shareholders: public loan first, VC stakes pro rata,
/// the rest to founders (households).
void pay_shareholders(World& w, sim::AccountId payer, Startup& s, double amount, Flow flow);
/// New money raises the startup's target headcount to its funded plan for the stage, scaled by the
/// share of the planned round it raised (`funded_share`); never lowers it (MODEL.md §7.4).
void hire_for(World& w, Startup& s, double funded_share);

}  // namespace biocluster::agents
