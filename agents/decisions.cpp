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
    // A new lead asset's peak sales, drawn once per asset; what the market expects them to be is
    // revised at each stage it enters (MODEL.md §7.4, "Valuation").
    if (!s.service && s.peak_sales_usd <= 0) s.peak_sales_usd = draw_peak_sales(w, s.id, s.asset_number);
    if (!s.service && s.peak_estimate_stage != static_cast<std::int8_t>(s.stage)) {
      s.peak_estimate_usd = peak_estimate_usd(w, s);
      s.peak_estimate_stage = static_cast<std::int8_t>(s.stage);
    }
    decide_startup(s, P.startup, w.ledger.balance(s.account), P.hospital.trial_fee_usd);
  });
}

}  // namespace biocluster::agents
