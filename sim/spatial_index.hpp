#pragma once
/// @file Uniform-bin spatial index for radius queries ("all agents of a type within d km").
///
/// Built from a list of positions (one per agent, in store order) with a counting sort into
/// square bins; a query visits the bins overlapping the disc and returns positions in a fixed
/// order (bins row-major, then store order), so results never depend on threads.
#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

namespace biocluster::sim {

class SpatialIndex {
 public:
  /// Indexes `n` points; bins of `bin_km` cover [0, width_km) x [0, height_km).
  void build(std::span<const float> x_km, std::span<const float> y_km, double width_km, double height_km,
             double bin_km);

  /// Calls fn(i) for every indexed point i with distance <= radius_km from (x, y).
  template <class Fn>
  void for_each_within(double x, double y, double radius_km, Fn&& fn) const {
    if (xs_.empty()) return;
    const int bx0 = bin_coord(x - radius_km, nx_), bx1 = bin_coord(x + radius_km, nx_);
    const int by0 = bin_coord(y - radius_km, ny_), by1 = bin_coord(y + radius_km, ny_);
    const double r2 = radius_km * radius_km;
    for (int by = by0; by <= by1; ++by) {
      for (int bx = bx0; bx <= bx1; ++bx) {
        const std::size_t b =
            static_cast<std::size_t>(by) * static_cast<std::size_t>(nx_) + static_cast<std::size_t>(bx);
        for (std::uint32_t k = start_[b]; k < start_[b + 1]; ++k) {
          const std::uint32_t i = order_[k];
          const double dx = xs_[i] - x, dy = ys_[i] - y;
          if (dx * dx + dy * dy <= r2) fn(static_cast<std::size_t>(i));
        }
      }
    }
  }

  /// Calls fn(i) for every indexed point i within radius_km of (x, y), visiting bins in rings of
  /// growing distance; stops before a ring whose nearest possible point is farther than bound()
  /// (a callback: the caller's best distance so far). For order-independent searches (nearest
  /// with explicit tie-breaks): the visiting order differs from for_each_within.
  template <class Fn, class Bound>
  void for_each_nearest_first(double x, double y, double radius_km, Fn&& fn, Bound&& bound) const {
    if (xs_.empty()) return;
    const int bx0 = bin_coord(x - radius_km, nx_), bx1 = bin_coord(x + radius_km, nx_);
    const int by0 = bin_coord(y - radius_km, ny_), by1 = bin_coord(y + radius_km, ny_);
    const int cx = bin_coord(x, nx_), cy = bin_coord(y, ny_);
    const double r2 = radius_km * radius_km;
    auto visit = [&](int bx, int by) {
      if (bx < bx0 || bx > bx1 || by < by0 || by > by1) return;
      const std::size_t b = static_cast<std::size_t>(by) * static_cast<std::size_t>(nx_) + static_cast<std::size_t>(bx);
      for (std::uint32_t k = start_[b]; k < start_[b + 1]; ++k) {
        const std::uint32_t i = order_[k];
        const double dx = xs_[i] - x, dy = ys_[i] - y;
        if (dx * dx + dy * dy <= r2) fn(static_cast<std::size_t>(i));
      }
    };
    const int rings = std::max(std::max(cx - bx0, bx1 - cx), std::max(cy - by0, by1 - cy));
    for (int k = 0; k <= rings; ++k) {
      if (k >= 1 && (k - 1) * bin_km_ > bound()) return;
      if (k == 0) {
        visit(cx, cy);
        continue;
      }
      for (int bx = cx - k; bx <= cx + k; ++bx) visit(bx, cy - k), visit(bx, cy + k);
      for (int by = cy - k + 1; by <= cy + k - 1; ++by) visit(cx - k, by), visit(cx + k, by);
    }
  }

  /// Indices within radius, in the index's fixed order.
  std::vector<std::size_t> within(double x, double y, double radius_km) const;
  std::size_t size() const { return xs_.size(); }

 private:
  int bin_coord(double v, int n) const {
    const int b = static_cast<int>(v / bin_km_);
    return b < 0 ? 0 : (b >= n ? n - 1 : b);
  }
  double bin_km_ = 1.0;
  int nx_ = 1, ny_ = 1;
  std::vector<float> xs_, ys_;
  std::vector<std::uint32_t> start_;  ///< bin b holds order_[start_[b] .. start_[b+1])
  std::vector<std::uint32_t> order_;
};

}  // namespace biocluster::sim
