// The grid fields each month: sources, decay and diffusion, rent. docs/MODEL.md §7.8.
#include "agents/fields.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>

#include "agents/world.hpp"
#include "sim/diffusion.hpp"

namespace biocluster::agents {

void update_fields(World& w) {
  const auto& P = w.params;
  for (const auto& u : w.universities.items()) {
    const std::size_t c = w.grid.cell_of(u.x_km, u.y_km);
    w.knowledge.at(c) +=
        static_cast<float>(research_usd_per_month(u) * u.staffed / 1e8 * P.university.knowledge_per_100m_usd);
    const double grads = P.university.graduates_per_year / 12.0;
    w.talent_phd.at(c) += static_cast<float>(grads * P.university.phd_share_of_graduates);
    w.talent.at(c) += static_cast<float>(grads * (1.0 - P.university.phd_share_of_graduates));
  }
  for (const auto& f : w.pharmas.items())
    if (f.region >= 0 && !f.production)  // R&D sites add knowledge; production plants do not
      w.knowledge.at(w.grid.cell_of(f.x_km, f.y_km)) +=
          static_cast<float>(f.rd_salary_due / 1e8 * P.university.knowledge_per_100m_usd);
  const float kdecay = static_cast<float>(1.0 - P.fields.knowledge_decay_per_year / 12.0);
  const float tdecay = static_cast<float>(1.0 - P.fields.talent_attrition_per_year / 12.0);
  auto& buffer = w.field_buffer;
  sim::decay_and_diffuse(w.grid, w.knowledge.values, kdecay, P.fields.diffusion_per_month, buffer);
  sim::decay_and_diffuse(w.grid, w.talent.values, tdecay, P.fields.diffusion_per_month, buffer);
  sim::decay_and_diffuse(w.grid, w.talent_phd.values, tdecay, P.fields.diffusion_per_month, buffer);
  std::fill(w.firms_per_cell.begin(), w.firms_per_cell.end(), 0.0f);
  for (const auto& s : w.startups.items())
    if (!s.incubated) w.firms_per_cell[w.grid.cell_of(s.x_km, s.y_km)] += 1.0f;
  for (const auto& f : w.pharmas.items())
    if (f.region >= 0) w.firms_per_cell[w.grid.cell_of(f.x_km, f.y_km)] += 1.0f;
  const double pressure = P.fields.rent_pressure_per_firm;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, w.rent.values.size(), 1 << 16),
                    [&](const tbb::blocked_range<std::size_t>& r) {
                      for (std::size_t c = r.begin(); c != r.end(); ++c)
                        w.rent.values[c] = static_cast<float>(w.base_rent[c] * (1.0 + pressure * w.firms_per_cell[c]));
                    });
}

}  // namespace biocluster::agents
