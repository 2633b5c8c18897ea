#pragma once
/// @file The VC fund life cycle: capital calls, the next fund after the investment period, closing
/// and carry; exit proceeds reaching a fund. docs/MODEL.md §7.4 ("Funds"). (Entry of new VC firms
/// is in agents/lifecycle.cpp.)
#include <vector>

#include "agents/types.hpp"
#include "sim/ledger.hpp"

namespace biocluster::agents {

struct World;
struct VentureCapital;
struct Startup;

/// Work buffers of the fund life cycle (contents meaningless between steps).
struct FundBuffers {
  std::vector<double> holdings;  ///< per VC firm
};

/// Exit proceeds `x` reach VC firm `v` (sale, residual or IPO): booked payer -> fund; the part not
/// recycled goes on to the fund's investors at once; the region's year-to-date proceeds (VC entry,
/// MODEL.md §7.4) grow by `x`; a `proceeds` event names the startup it came from.
void receive_proceeds(World& w, VentureCapital& v, const Startup& from, sim::AccountId payer, double x, Flow flow);

void run_vc_funds(World& w);

}  // namespace biocluster::agents
