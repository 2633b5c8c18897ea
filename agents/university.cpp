#include "agents/university.hpp"

#include <algorithm>

namespace biocluster::agents {

void decide_research(University& u, const UniversityParams& p, double local_knowledge, sim::Rng& rng) {
  const double r100 = research_usd_per_month(u) / 1e8;
  // Knowledge-production form (FORMS.md §1): outputs ~ Poisson(a * R), raised by the local stock.
  const double knowledge_factor = 1.0 + std::min(1.0, 0.1 * local_knowledge);
  u.discoveries = static_cast<std::int32_t>(rng.poisson(p.discoveries_per_100m_usd * r100 * knowledge_factor));
  u.spinouts = static_cast<std::int32_t>(rng.poisson(p.startups_per_100m_usd * r100 * knowledge_factor));
  u.spinouts = std::min(u.spinouts, u.discoveries);  // a spin-off licenses one of this month's discoveries
  u.discoveries_total += u.discoveries;
  u.spinouts_total += u.spinouts;
}

}  // namespace biocluster::agents
