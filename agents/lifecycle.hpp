#pragma once
/// @file Births and deaths of firms: founding requests (hospital, staff and serial spin-offs;
/// university spin-offs are requested by the licence market), foundings and location choice,
/// relicensing, failures and closures, layoffs, group ventures merging into their owner (entry of
/// R&D sites and VC firms: agents/entry.hpp). docs/MODEL.md §7.3 (founding, location, failure,
/// service-firm closure, layoffs), §7.1 (relicensing), §7.4 (VC entry, serial founders), §7.5
/// (R&D sites, merger after approval).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "agents/startup.hpp"
#include "agents/types.hpp"
#include "sim/store.hpp"

namespace biocluster::agents {

struct World;

/// A request to found a startup, collected during the step and served in births_deaths.
struct FoundingRequest {
  Origin origin;
  AgentType parent_type;
  sim::AgentId parent_id;
  std::int16_t region;
  float x_km, y_km;
  std::int32_t index;  ///< n-th founding of this parent in this step
  double quality_bonus = 0;
};

/// Work buffers of the staff spin-off draws (contents meaningless between steps).
struct SpinoutDraws {
  std::vector<std::size_t> first;         ///< per region: its first draw (draws of region r: [first[r], first[r+1]))
  std::vector<double> residual;           ///< per draw: uniform x the region's staff
  std::vector<std::ptrdiff_t> parent;     ///< per draw: the parent's store index (-1: none)
  std::vector<std::size_t> member_first;  ///< per region: its first entry in member / cumulative
  std::vector<std::size_t> open;          ///< per region: next entry to fill
  std::vector<std::uint32_t> member;      ///< startups by region, in store order (store indices)
  std::vector<double> cumulative;         ///< headcount summed over the region's startups up to this one
};

// decide phase: founding requests in a fixed order (hospitals by id, then staff by region)
void request_hospital_spinouts(World& w);
void request_staff_spinouts(World& w);
/// After an exit (IPO, acquisition), the founders may found again (match phase).
void request_serial_founder(World& w, const Startup& s);

// births_deaths phase, in this order (after agents/entry.hpp's open_rd_sites, open_vc_firms)
/// Each live startup in id order: merger after approval, relicensing or failure, closure, leaving
/// the incubator, layoffs. The dead stay in the store until the next commit.
void settle_startups(World& w);
/// Each independent startup that closed a priced round this step weighs moving to another region
/// (location.relocation weights, MODEL.md §7.11); its staff move with it.
void relocate_startups(World& w);
/// Serves the founding requests in order and commits the startup store.
void found_requested_startups(World& w);

}  // namespace biocluster::agents
