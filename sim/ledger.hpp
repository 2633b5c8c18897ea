#pragma once
/// @file Double-entry money accounts: every flow is booked payer -> payee with a type.
///
/// Balances live only here and change only through transfer(), so money cannot appear or vanish.
/// Outside sources and sinks (government, outside investors, world drug market, households) are
/// explicit *external* accounts whose balances may go negative. check_identity() verifies each
/// step that the sum of internal balances moved exactly by the net external inflow and that the
/// sum of all balances is unchanged.
#include <cstdint>
#include <string>
#include <vector>

namespace biocluster::sim {

using AccountId = std::uint32_t;

/// Per-account bookkeeping attributes.
struct AccountInfo {
  bool external = false;  ///< outside source/sink (may go negative)
  bool open = true;       ///< closed accounts reject transfers
  std::int16_t region = -1;
  std::int8_t owner_type = -1;  ///< agent type code, -1 for external accounts
  std::int64_t owner_id = -1;
};

class Ledger {
 public:
  /// `flow_type_names[i]` names flow type i (grant, salary, rent, round, ...).
  explicit Ledger(std::vector<std::string> flow_type_names, int n_regions);

  /// Opens an account with zero balance.
  AccountId open(const AccountInfo& info);
  /// Closes an account; its balance must be zero (to relative 1e-9 of the largest balance seen).
  /// @throws InvariantError otherwise.
  void close(AccountId a, std::int64_t step);

  /// Books `amount` (finite, >= 0) from payer to payee. @throws InvariantError on a bad amount,
  /// a closed account, or an internal payer that would go below zero by more than rounding.
  /// `region` (optional) is the region the flow is attributed to in step_flows_by_type_region();
  /// by default the payee's region, else the payer's.
  void transfer(AccountId payer, AccountId payee, double amount, int flow_type, std::int64_t step, int region = -1);

  double balance(AccountId a) const { return balance_[a]; }
  const AccountInfo& info(AccountId a) const { return info_[a]; }
  /// Moves an account to another region (its owner relocated); later flows are attributed there.
  void set_region(AccountId a, std::int16_t region) { info_[a].region = region; }
  std::size_t account_count() const { return balance_.size(); }
  const std::vector<std::string>& flow_type_names() const { return flow_type_names_; }

  /// Flows booked since the last begin_step(), by type and payee region ([type * n_regions + r];
  /// payees outside any region are counted under their payer's region, then dropped if none).
  const std::vector<double>& step_flows_by_type_region() const { return step_flows_; }
  /// Total of flow type t this step (all regions and external payees).
  double step_flow_total(int t) const { return step_flow_total_[static_cast<std::size_t>(t)]; }

  /// Starts a new accounting period.
  void begin_step();
  /// Verifies the stock-flow identity for the current step.
  /// @throws InvariantError naming the step, the sums and the discrepancy.
  void check_identity(std::int64_t step) const;
  /// Sum of internal balances (agents' cash).
  double internal_total() const;
  /// Sum of all balances, external included (0 up to rounding).
  double grand_total() const;

 private:
  std::vector<std::string> flow_type_names_;
  int n_regions_;
  std::vector<double> balance_;
  /// Rounding error of each external account's balance, accumulated exactly (TwoSum). External
  /// balances grow to ~1e13 at national scale, where each transfer loses up to 1e-3 to rounding,
  /// always in the same direction for a repeated amount; with it the identity check sees the exact
  /// external totals. Agents' balances (which behaviour reads) are not compensated.
  std::vector<double> rounding_;
  std::vector<AccountInfo> info_;
  std::vector<double> step_flows_;
  std::vector<double> step_flow_total_;
  double internal_at_step_start_ = 0.0;
  double external_in_ = 0.0;                               ///< external -> internal this step
  double external_out_ = 0.0;                              ///< internal -> external this step
  double external_in_err_ = 0.0, external_out_err_ = 0.0;  ///< their rounding errors (TwoSum)
  double step_gross_ = 0.0;  ///< sum of all amounts booked this step (scale of its rounding)
  double scale_ = 1.0;       ///< largest |amount| seen: the scale for relative tolerances
};

}  // namespace biocluster::sim
