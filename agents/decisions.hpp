#pragma once
/// @file The decide phase's agent decisions, in parallel over a frozen state: universities'
/// research and TTO (docs/MODEL.md §7.1), hospitals' spin-off draws (§7.2), startups' funding and
/// trial needs (§7.3).
namespace biocluster::agents {

struct World;

void decide_universities(World& w);
void decide_hospitals(World& w);
void decide_startups(World& w);

}  // namespace biocluster::agents
