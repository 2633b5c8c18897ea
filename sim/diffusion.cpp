// Decay and diffusion of a grid field, one explicit step (engine code). docs/MODEL.md §7.8.
#include "sim/diffusion.hpp"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

namespace biocluster::sim {

void decay_and_diffuse(const Grid& g, std::vector<float>& v, float keep_share, double d, std::vector<float>& out) {
  const int W = g.width, H = g.height;
  if (d <= 0) {
    if (keep_share != 1.0f)
      tbb::parallel_for(tbb::blocked_range<std::size_t>(0, v.size(), 1 << 16),
                        [&](const tbb::blocked_range<std::size_t>& r) {
                          for (std::size_t c = r.begin(); c != r.end(); ++c) v[c] *= keep_share;
                        });
    return;
  }
  out.resize(v.size());
  const float kd = keep_share;
  tbb::parallel_for(tbb::blocked_range<int>(0, H), [&](const tbb::blocked_range<int>& rows) {
    for (int y = rows.begin(); y != rows.end(); ++y) {
      const float* row = v.data() + static_cast<std::size_t>(y) * W;
      const float* up = y > 0 ? row - W : nullptr;
      const float* down = y + 1 < H ? row + W : nullptr;
      float* o = out.data() + static_cast<std::size_t>(y) * W;
      auto cell = [&](int x) {
        const double vc = row[x] * kd;
        double keep = vc, in = 0;
        auto nb = [&](float nv) {
          keep -= d * vc;
          in += d * static_cast<double>(nv * kd);
        };
        if (x > 0) nb(row[x - 1]);
        if (x + 1 < W) nb(row[x + 1]);
        if (up) nb(up[x]);
        if (down) nb(down[x]);
        o[x] = static_cast<float>(keep + in);
      };
      if (!up || !down || W < 3) {
        for (int x = 0; x < W; ++x) cell(x);
        continue;
      }
      cell(0);
      for (int x = 1; x + 1 < W; ++x) {  // interior: all four neighbours, same order as above
        const double vc = row[x] * kd;
        const double dv = d * vc;
        const double keep = vc - dv - dv - dv - dv;
        const double in = d * static_cast<double>(row[x - 1] * kd) + d * static_cast<double>(row[x + 1] * kd) +
                          d * static_cast<double>(up[x] * kd) + d * static_cast<double>(down[x] * kd);
        o[x] = static_cast<float>(keep + in);
      }
      cell(W - 1);
    }
  });
  v.swap(out);
}

}  // namespace biocluster::sim
