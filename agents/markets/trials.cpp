// Trial slots: matching startups to the nearest hospital with a free slot. docs/MODEL.md §7.2.
#include "agents/markets/trials.hpp"

#include <algorithm>

#include "agents/books.hpp"
#include "agents/world.hpp"

namespace biocluster::agents {

void refill_trial_slots(World& w) {
  if (w.calendar.month_of(w.step) == 1 || w.step == 0)
    for (auto& h : w.hospitals.items()) h.slots_free = h.trial_slots_per_year;
}

void match_trials(World& w) {
  const auto& P = w.params;
  // Only hospitals with a free slot at the start of matching can take a trial (slots only run out
  // during matching): index those, so that startups waiting for a slot skip the full hospitals.
  auto& T = w.trial_buffers;
  T.open.clear(), T.x.clear(), T.y.clear();
  for (std::size_t i = 0; i < w.hospitals.size(); ++i)
    if (w.hospitals[i].slots_free >= 1.0)
      T.open.push_back(static_cast<std::uint32_t>(i)), T.x.push_back(w.hospitals[i].x_km),
          T.y.push_back(w.hospitals[i].y_km);
  T.index.build(T.x, T.y, w.grid.width_km(), w.grid.height_km(), std::max(w.grid.cell_km, 5.0));
  for (auto& s : w.startups.items()) {
    if (!s.alive || !s.wants_trial) continue;
    std::ptrdiff_t best = -1;
    double best_d = 0;
    T.index.for_each_nearest_first(
        s.x_km, s.y_km, P.hospital.trial_reach_km,
        [&](std::size_t j) {
          const std::size_t i = T.open[j];
          const auto& h = w.hospitals[i];
          if (h.slots_free < 1.0) return;
          // Clearly farther than the best so far (by squared distance, with a margin far above rounding):
          // cannot win, so skip the exact distance.
          const double dx = static_cast<double>(h.x_km) - s.x_km, dy = static_cast<double>(h.y_km) - s.y_km;
          if (best >= 0 && dx * dx + dy * dy > best_d * best_d * (1.0 + 1e-9)) return;
          const double d = sim::distance_km(s.x_km, s.y_km, h.x_km, h.y_km);
          if (best < 0 || d < best_d || (d == best_d && h.id < w.hospitals[static_cast<std::size_t>(best)].id))
            best = static_cast<std::ptrdiff_t>(i), best_d = d;
        },
        [&] { return best < 0 ? 1e300 : best_d * (1.0 + 1e-9); });
    if (best < 0) {
      count(w, w.m.trial_waits, s.region);
      continue;
    }
    const double fee = P.hospital.trial_fee_usd * (1.0 + P.hospital.trial_travel_cost_per_km * best_d);
    if (w.ledger.balance(s.account) < fee) {
      count(w, w.m.trial_waits, s.region);
      continue;
    }
    auto& h = w.hospitals[static_cast<std::size_t>(best)];
    h.slots_free -= 1.0;
    ++h.trials_started_total;
    s.in_trial = true;
    s.trial_distance_km = best_d;
    s.trial_hospital = h.id;
    w.ledger.transfer(s.account, h.account, fee, code(Flow::trial_payment), w.step);
    log_event(w, EventKind::trial_start, AgentType::startup, s.id, s.region, AgentType::hospital, h.id, fee, best_d,
              static_cast<int>(s.stage));
    count(w, w.m.trial_starts, s.region);
  }
}

}  // namespace biocluster::agents
