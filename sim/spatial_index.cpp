#include "sim/spatial_index.hpp"

#include <algorithm>
#include <cmath>

namespace biocluster::sim {

void SpatialIndex::build(std::span<const float> x_km, std::span<const float> y_km, double width_km, double height_km,
                         double bin_km) {
  bin_km_ = bin_km > 0 ? bin_km : 1.0;
  nx_ = std::max(1, static_cast<int>(std::ceil(width_km / bin_km_)));
  ny_ = std::max(1, static_cast<int>(std::ceil(height_km / bin_km_)));
  xs_.assign(x_km.begin(), x_km.end());
  ys_.assign(y_km.begin(), y_km.end());
  const std::size_t nbins = static_cast<std::size_t>(nx_) * static_cast<std::size_t>(ny_);
  start_.assign(nbins + 1, 0);
  std::vector<std::uint32_t> bin_of(xs_.size());
  for (std::size_t i = 0; i < xs_.size(); ++i) {
    const auto b =
        static_cast<std::uint32_t>(static_cast<std::size_t>(bin_coord(ys_[i], ny_)) * static_cast<std::size_t>(nx_) +
                                   static_cast<std::size_t>(bin_coord(xs_[i], nx_)));
    bin_of[i] = b;
    ++start_[b + 1];
  }
  for (std::size_t b = 0; b < nbins; ++b) start_[b + 1] += start_[b];
  order_.resize(xs_.size());
  std::vector<std::uint32_t> fill(start_.begin(), start_.end() - 1);
  for (std::size_t i = 0; i < xs_.size(); ++i) order_[fill[bin_of[i]]++] = static_cast<std::uint32_t>(i);
}

std::vector<std::size_t> SpatialIndex::within(double x, double y, double radius_km) const {
  std::vector<std::size_t> out;
  for_each_within(x, y, radius_km, [&](std::size_t i) { out.push_back(i); });
  return out;
}

}  // namespace biocluster::sim
