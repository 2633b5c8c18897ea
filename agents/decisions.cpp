// The decide phase's agent decisions, in parallel over a frozen state. docs/MODEL.md §3 (decide),
// §7.1 (research, TTO), §7.2 (hospital spin-offs), §7.3 (funding and trial needs).
#include "agents/decisions.hpp"

#include "agents/parallel.hpp"
#include "agents/valuation.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

void decide_universities(World& w) {
  const auto& P = w.params;
  parallel_each(w.universities.size(), [&](std::size_t i) {
    auto& u = w.universities[i];
    auto rng = rng_for(w, PhaseKey::decide, AgentType::university, u.id, Purpose::discoveries);
    decide_research(u, P.university, w.knowledge.at(w.grid.cell_of(u.x_km, u.y_km)), rng);
  });
}

void decide_hospitals(World& w) {
  const auto& P = w.params;
  parallel_each(w.hospitals.size(), [&](std::size_t i) {
    auto& h = w.hospitals[i];
    auto rng = rng_for(w, PhaseKey::decide, AgentType::hospital, h.id, Purpose::hospital_spinouts);
    decide_hospital(h, P.hospital, rng);
  });
}

void decide_startups(World& w) {
  const auto& P = w.params;
  parallel_each(w.startups.size(), [&](std::size_t i) {
    auto& s = w.startups[i];
    // A new lead asset's peak sales (known to all: the size of its market), drawn once per asset.
    if (!s.service && s.peak_sales_usd <= 0) s.peak_sales_usd = draw_peak_sales(w, s.id, s.asset_number);
    decide_startup(s, P.startup, w.ledger.balance(s.account), P.hospital.trial_fee_usd);
  });
}

}  // namespace biocluster::agents
