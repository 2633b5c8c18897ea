#include "agents/hospital.hpp"

namespace biocluster::agents {

double trial_slots_per_year(bool research_hospital, const HospitalParams& p) {
  return research_hospital ? p.trial_slots_per_year : 0.25 * p.trial_slots_per_year;
}

void decide_hospital(Hospital& h, const HospitalParams& p, sim::Rng& rng) {
  h.spinouts = h.research_hospital ? static_cast<std::int32_t>(rng.poisson(p.startups_per_year / 12.0)) : 0;
}

}  // namespace biocluster::agents
