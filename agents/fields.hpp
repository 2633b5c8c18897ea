#pragma once
/// @file The grid fields each month: sources (graduates, university and pharma knowledge), decay
/// and diffusion (sim/diffusion.hpp), rent from firm density. docs/MODEL.md §7.8.
namespace biocluster::agents {

struct World;

void update_fields(World& w);

}  // namespace biocluster::agents
