#include "sim/calendar.hpp"

#include <charconv>
#include <cstdio>

#include "sim/errors.hpp"

namespace biocluster::sim {

YearMonth parse_year_month(std::string_view text) {
  auto fail = [&]() -> YearMonth {
    throw ConfigError("bad date '" + clip_for_message(text) +
                      "': expected \"YYYY-MM\" with a year in 1900..2200 and a month in 01..12, e.g. \"2020-01\"");
  };
  if (text.size() != 7 && text.size() != 10) return fail();
  if (text[4] != '-') return fail();
  YearMonth ym;
  auto r1 = std::from_chars(text.data(), text.data() + 4, ym.year);
  auto r2 = std::from_chars(text.data() + 5, text.data() + 7, ym.month);
  if (r1.ec != std::errc{} || r1.ptr != text.data() + 4 || r2.ec != std::errc{} || r2.ptr != text.data() + 7)
    return fail();
  if (text.size() == 10) {
    int day = 0;
    auto r3 = std::from_chars(text.data() + 8, text.data() + 10, day);
    if (text[7] != '-' || r3.ec != std::errc{} || day < 1 || day > 31) return fail();
  }
  if (ym.year < 1900 || ym.year > 2200 || ym.month < 1 || ym.month > 12) return fail();
  return ym;
}

std::string to_string(YearMonth ym) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d", ym.year, ym.month);
  return buf;
}

YearMonth Calendar::date_of(std::int64_t step) const {
  const std::int64_t m0 = static_cast<std::int64_t>(start_.year) * 12 + (start_.month - 1) + step;
  return {static_cast<int>(m0 / 12), static_cast<int>(m0 % 12) + 1};
}

double Calendar::decimal_year(std::int64_t step) const {
  const YearMonth d = date_of(step);
  return d.year + (d.month - 0.5) / 12.0;
}

}  // namespace biocluster::sim
