#pragma once
/// @file Public markets: IPOs and follow-on offerings of listed companies. docs/MODEL.md §7.4
/// ("Public markets").
namespace biocluster::agents {

struct World;

void match_public_markets(World& w);

}  // namespace biocluster::agents
