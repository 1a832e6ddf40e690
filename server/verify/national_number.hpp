// SPDX-License-Identifier: Apache-2.0
// The Belgian national register number (rijksregisternummer / numéro de registre national) and
// age arithmetic (NOTES §2, docs/verifier.md §5).
//
// 11 digits: YYMMDD, a 3-digit day counter (odd for men, even for women), 2 check digits.
// check = 97 − (first 9 digits mod 97); for births from 2000 on the check is computed over "2"
// followed by the 9 digits. The variant that matches gives the century. Bis numbers (people not
// in the national register) add 20 (sex unknown at registration) or 40 (sex known) to the month.
// Month or day 00 means unknown: such a birth date stays unknown, never guessed.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace saferchat::verify {

enum class NationalNumberKind : std::uint8_t {
  register_number,  // month 00..12
  bis_sex_unknown,  // month + 20
  bis_sex_known,    // month + 40
};

struct NationalNumber {
  std::string digits;  // the 11 digits as given
  NationalNumberKind kind = NationalNumberKind::register_number;
  int birth_year = 0;  // from YY and the century the check digits chose (19xx or 20xx)
  // Set only when month and day are both known and form a real date.
  std::optional<std::chrono::year_month_day> birth_date;
};

// Nullopt unless `text` is exactly 11 ASCII digits whose check digits match one century, whose
// month (after removing a bis offset) is 00..12 and whose day is 00..31 (a non-existent date like
// 31 February is invalid, not unknown).
[[nodiscard]] std::optional<NationalNumber> parse_national_number(std::string_view text);

// As above, and also nullopt when the number was issued for a birth after `today` (the Belgian
// date at verification): a birth date later than today, or, when month or day is unknown, a
// birth year later than today's. Such a number cannot be genuine, and its negative age would
// pass a room with only a maximum age. The verifier uses this one.
[[nodiscard]] std::optional<NationalNumber> parse_national_number(
    std::string_view text, std::chrono::year_month_day today);

// Completed years from `birth` to `on` (both calendar dates). Someone born on 29 February
// completes a year on 1 March in non-leap years (a birthday is reached when (month, day) of `on`
// is at or after (month, day) of the birth). Negative if `on` is before `birth`.
[[nodiscard]] int completed_years(std::chrono::year_month_day birth,
                                  std::chrono::year_month_day on) noexcept;

// The calendar date in Belgium (Europe/Brussels: CET, UTC+1; CEST, UTC+2 from the last Sunday
// of March 01:00 UTC to the last Sunday of October 01:00 UTC, EU rule since 1996) at `when`.
[[nodiscard]] std::chrono::year_month_day brussels_date(
    std::chrono::system_clock::time_point when) noexcept;

// "YYYY-MM-DD".
[[nodiscard]] std::string format_date(std::chrono::year_month_day date);

}  // namespace saferchat::verify
