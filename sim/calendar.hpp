#pragma once
/// @file Monthly calendar: step k is month k counted from the scenario's start date.
#include <cstdint>
#include <string>
#include <string_view>

namespace biocluster::sim {

/// A calendar month.
struct YearMonth {
  int year = 2020;
  int month = 1;  ///< 1..12
  friend bool operator==(const YearMonth&, const YearMonth&) = default;
};

/// Parses "YYYY-MM" (or "YYYY-MM-DD", day ignored). @throws ConfigError on bad text.
YearMonth parse_year_month(std::string_view text);

/// Formats as "YYYY-MM".
std::string to_string(YearMonth ym);

/// Maps step numbers to dates.
class Calendar {
 public:
  explicit Calendar(YearMonth start) : start_(start) {}
  /// Start of the scenario (date of step 0).
  YearMonth start() const { return start_; }
  /// Calendar month of step k.
  YearMonth date_of(std::int64_t step) const;
  /// Decimal year of the middle of step k's month, e.g. 2020.042 for January 2020.
  double decimal_year(std::int64_t step) const;
  /// Month of the year (1..12) of step k.
  int month_of(std::int64_t step) const { return date_of(step).month; }

 private:
  YearMonth start_;
};

}  // namespace biocluster::sim
