#pragma once
/// @file Decay and one explicit diffusion step of a grid field (4 neighbours, reflecting edges).
/// Engine code: knows nothing of what the field holds. docs/MODEL.md §7.8.
#include <vector>

#include "sim/grid.hpp"

namespace biocluster::sim {

/// Decay by `keep_share` (a float multiply, as `v *= keep_share` would) and then one explicit
/// diffusion step of share `d` to each neighbour, with reflecting edges, in one pass: rows in
/// parallel, double-buffered through `out` (kept between calls). Each cell's arithmetic is that of
/// decay and diffusion done apart.
void decay_and_diffuse(const Grid& g, std::vector<float>& v, float keep_share, double d, std::vector<float>& out);

}  // namespace biocluster::sim
