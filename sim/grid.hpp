#pragma once
/// @file The spatial grid: W x H square cells of `cell_km` km, dense per-cell fields, named regions.
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace biocluster::sim {

/// Geometry of the grid. Cell (ix, iy) covers [ix*cell_km, (ix+1)*cell_km) x [iy*cell_km, ...).
struct Grid {
  int width = 0;         ///< cells along x
  int height = 0;        ///< cells along y
  double cell_km = 1.0;  ///< side of a cell in km

  std::size_t cell_count() const { return static_cast<std::size_t>(width) * static_cast<std::size_t>(height); }
  double width_km() const { return width * cell_km; }
  double height_km() const { return height * cell_km; }
  /// Row-major index of the cell holding point (x_km, y_km), clamped onto the grid.
  std::size_t cell_of(double x_km, double y_km) const {
    const int ix = clamp_index(static_cast<int>(std::floor(x_km / cell_km)), width);
    const int iy = clamp_index(static_cast<int>(std::floor(y_km / cell_km)), height);
    return static_cast<std::size_t>(iy) * static_cast<std::size_t>(width) + static_cast<std::size_t>(ix);
  }
  /// Centre of cell `index` in km.
  double cell_x_km(std::size_t index) const { return (static_cast<double>(index % width) + 0.5) * cell_km; }
  double cell_y_km(std::size_t index) const { return (static_cast<double>(index / width) + 0.5) * cell_km; }
  /// Clamps a point onto the grid's extent.
  double clamp_x(double x_km) const { return std::fmin(std::fmax(x_km, 0.0), width_km() - 1e-9); }
  double clamp_y(double y_km) const { return std::fmin(std::fmax(y_km, 0.0), height_km() - 1e-9); }

 private:
  static int clamp_index(int i, int n) { return i < 0 ? 0 : (i >= n ? n - 1 : i); }
};

/// A dense per-cell quantity stored as one contiguous float array, row-major (y, then x).
struct Field {
  std::string name;
  std::string unit;
  std::string description;
  std::vector<float> values;

  float& at(std::size_t cell) { return values[cell]; }
  float at(std::size_t cell) const { return values[cell]; }
  std::span<const float> view() const { return values; }
};

/// Euclidean distance in km.
inline double distance_km(double x0, double y0, double x1, double y1) { return std::hypot(x1 - x0, y1 - y0); }

}  // namespace biocluster::sim
