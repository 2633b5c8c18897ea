#include "sim/ledger.hpp"

#include <cmath>
#include <sstream>

#include "sim/errors.hpp"

namespace biocluster::sim {

namespace {
constexpr double kRelTol = 1e-9;

/// b += x, adding the rounding error of the sum to err (Knuth's TwoSum: exact).
void add_compensated(double& b, double& err, double x) {
  const double s = b + x;
  const double bb = s - x;
  err += (b - bb) + (x - (s - bb));
  b = s;
}
}  // namespace

Ledger::Ledger(std::vector<std::string> flow_type_names, int n_regions)
    : flow_type_names_(std::move(flow_type_names)), n_regions_(n_regions) {
  step_flows_.assign(flow_type_names_.size() * static_cast<std::size_t>(n_regions_), 0.0);
  step_flow_total_.assign(flow_type_names_.size(), 0.0);
}

AccountId Ledger::open(const AccountInfo& info) {
  balance_.push_back(0.0);
  rounding_.push_back(0.0);
  info_.push_back(info);
  info_.back().open = true;
  return static_cast<AccountId>(balance_.size() - 1);
}

void Ledger::close(AccountId a, std::int64_t step) {
  if (std::fabs(balance_[a]) > kRelTol * scale_) {
    std::ostringstream m;
    m << "accounting: step " << step << ": account " << a << " (owner type " << int(info_[a].owner_type) << ", id "
      << info_[a].owner_id << ") closed with balance " << balance_[a]
      << "; every account must be emptied by a booked transfer before it closes";
    throw InvariantError(m.str());
  }
  // Any rounding residue is booked as nothing: it is below the identity's tolerance.
  info_[a].open = false;
}

void Ledger::transfer(AccountId payer, AccountId payee, double amount, int flow_type, std::int64_t step, int region) {
  auto fail = [&](const std::string& why) {
    std::ostringstream m;
    m << "accounting: step " << step << ": transfer of " << amount << " ("
      << flow_type_names_.at(static_cast<std::size_t>(flow_type)) << ") from account " << payer << " (type "
      << int(info_[payer].owner_type) << ", id " << info_[payer].owner_id << ") to account " << payee << " (type "
      << int(info_[payee].owner_type) << ", id " << info_[payee].owner_id << "): " << why;
    throw InvariantError(m.str());
  };
  if (!std::isfinite(amount) || amount < 0) fail("amount must be finite and >= 0");
  if (!info_[payer].open || !info_[payee].open) fail("account is closed");
  if (amount == 0) return;
  if (amount > scale_) scale_ = amount;
  const AccountInfo& pi = info_[payer];
  const AccountInfo& qi = info_[payee];
  if (!pi.external && balance_[payer] - amount < -kRelTol * scale_)
    fail("payer would go negative (balance " + std::to_string(balance_[payer]) + ")");
  if (pi.external)
    add_compensated(balance_[payer], rounding_[payer], -amount);
  else
    balance_[payer] -= amount;
  if (qi.external)
    add_compensated(balance_[payee], rounding_[payee], amount);
  else
    balance_[payee] += amount;
  // Compensated, like the external balances: millions of flows sum to ~1e13 (national scale).
  if (pi.external && !qi.external) add_compensated(external_in_, external_in_err_, amount);
  if (!pi.external && qi.external) add_compensated(external_out_, external_out_err_, amount);
  const auto t = static_cast<std::size_t>(flow_type);
  step_flow_total_[t] += amount;
  step_gross_ += amount;
  if (region < 0) region = qi.region >= 0 ? qi.region : pi.region;
  if (region >= 0 && region < n_regions_)
    step_flows_[t * static_cast<std::size_t>(n_regions_) + static_cast<std::size_t>(region)] += amount;
}

void Ledger::begin_step() {
  std::fill(step_flows_.begin(), step_flows_.end(), 0.0);
  std::fill(step_flow_total_.begin(), step_flow_total_.end(), 0.0);
  internal_at_step_start_ = internal_total();
  external_in_ = external_out_ = external_in_err_ = external_out_err_ = step_gross_ = 0.0;
}

double Ledger::internal_total() const {
  // Compensated: a plain sum of millions of balances loses ~1e-10 of itself to rounding (10M
  // startups: 1,172 of 1.4e13), which the identity check would see as money appearing.
  double s = 0.0, err = 0.0;
  for (std::size_t i = 0; i < balance_.size(); ++i)
    if (!info_[i].external) add_compensated(s, err, balance_[i]);
  return s + err;
}

double Ledger::grand_total() const {
  // External accounts (few, large, with their rounding compensation) apart from the agents' (many, small).
  double ext = 0.0, err = 0.0;
  for (std::size_t i = 0; i < balance_.size(); ++i)
    if (info_[i].external) add_compensated(ext, err, balance_[i]), err += rounding_[i];
  return internal_total() + (ext + err);
}

void Ledger::check_identity(std::int64_t step) const {
  const double now = internal_total();
  const double in = external_in_ + external_in_err_, out = external_out_ + external_out_err_;
  const double expected = internal_at_step_start_ + in - out;
  // Relative to the magnitudes the sums are made of (docs/MODEL.md 7.6): the previous and current
  // sums of the agents' balances, the external flows and the step's gross flows (each transfer
  // rounds both balances it changes, to half an ulp of the larger of balance and amount). Relative
  // to |now| alone it failed a valid scenario: 10M startups, 8.5e-11 relative error (issue #14).
  const double magnitude =
      std::fmax(std::fmax(std::fabs(internal_at_step_start_), std::fabs(now)), std::fmax(in + out, step_gross_));
  const double tol = kRelTol * std::fmax(scale_, std::fmax(magnitude, 1.0));
  std::ostringstream m;
  if (!std::isfinite(now) || std::fabs(now - expected) > tol) {
    m << "accounting identity broken at step " << step << ": internal balances sum to " << now << " but previous sum "
      << internal_at_step_start_ << " + inflows " << in << " - outflows " << out << " = " << expected << " (difference "
      << now - expected << ", tolerance " << tol << ": 1e-9 of the step's magnitudes)";
    throw InvariantError(m.str());
  }
  const double grand = grand_total();
  if (std::fabs(grand) > tol) {
    m << "accounting identity broken at step " << step << ": all balances (external included) sum to " << grand
      << " instead of 0";
    throw InvariantError(m.str());
  }
  for (std::size_t i = 0; i < balance_.size(); ++i) {
    if (!std::isfinite(balance_[i]) || (!info_[i].external && balance_[i] < -tol)) {
      m << "accounting: step " << step << ": account " << i << " (type " << int(info_[i].owner_type) << ", id "
        << info_[i].owner_id << ") has balance " << balance_[i];
      throw InvariantError(m.str());
    }
  }
}

}  // namespace biocluster::sim
