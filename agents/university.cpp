#include "agents/university.hpp"

#include <algorithm>
#include <cmath>

namespace biocluster::agents {

void decide_research(University& u, const UniversityParams& p, double local_knowledge, sim::Rng& rng) {
  const double r100 = research_usd_per_month(u) * u.staffed / 1e8;  // a short-staffed lab does less
  // Knowledge-production form (FORMS.md §1): outputs ~ Poisson(a * R), raised by the local stock.
  const double knowledge_factor = 1.0 + std::min(1.0, 0.1 * local_knowledge);
  u.discoveries = static_cast<std::int32_t>(rng.poisson(p.discoveries_per_100m_usd * r100 * knowledge_factor));
  u.discoveries_total += u.discoveries;
  u.tto_queue += u.discoveries;
  u.tto_credit += u.tto_capacity_per_year / 12.0;
  const double processed = std::floor(std::min(u.tto_queue, u.tto_credit));
  u.tto_queue -= processed;
  u.tto_credit = std::min(u.tto_credit - processed, u.tto_capacity_per_year / 12.0 + 1.0);  // capacity is not banked
  u.new_technologies = 0;
  for (int k = 0; k < static_cast<int>(processed); ++k) u.new_technologies += rng.bernoulli(p.licensable_share) ? 1 : 0;
}

void expire_technologies(University& u, const UniversityParams& p, std::int64_t step) {
  const auto life = static_cast<std::int64_t>(std::lround(12.0 * p.technology_shelf_life_years));
  std::erase_if(u.technologies, [&](std::int32_t born) { return step - born >= life; });
}

}  // namespace biocluster::agents
