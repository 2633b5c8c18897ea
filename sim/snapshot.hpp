#pragma once
/// @file Declared agent-state snapshots: a table of columns per agent type, filled on demand.
#include <cstdint>
#include <string>
#include <vector>

namespace biocluster::sim {

struct ColumnDef {
  std::string name;
  std::string unit;
  std::string description;
};

/// One snapshot of one agent type: ids plus one value column per ColumnDef.
struct AgentTable {
  std::string type_name;
  std::vector<ColumnDef> columns;
  std::vector<std::int64_t> ids;
  std::vector<std::vector<double>> values;  ///< values[c][row]
};

}  // namespace biocluster::sim
