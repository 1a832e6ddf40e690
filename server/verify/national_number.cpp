// SPDX-License-Identifier: Apache-2.0
#include "verify/national_number.hpp"

#include <algorithm>

namespace saferchat::verify {
namespace {

int digits_value(std::string_view digits) {
  int value = 0;
  for (const char c : digits) {
    value = value * 10 + (c - '0');
  }
  return value;
}

// 97 − (n mod 97): the check digits of NOTES §2 (1..97; "00" never matches).
int check_digits(long long first_digits) { return 97 - static_cast<int>(first_digits % 97); }

}  // namespace

std::optional<NationalNumber> parse_national_number(std::string_view text) {
  if (text.size() != 11 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  const long long first9 = digits_value(text.substr(0, 9));
  const int check = digits_value(text.substr(9, 2));
  int century = 0;
  if (check == check_digits(first9)) {
    century = 1900;
  } else if (check == check_digits(2'000'000'000LL + first9)) {
    century = 2000;  // born in 2000 or later: the check covers "2" + the first 9 digits
  } else {
    return std::nullopt;
  }

  NationalNumber number;
  number.digits = std::string(text);
  number.birth_year = century + digits_value(text.substr(0, 2));
  int month = digits_value(text.substr(2, 2));
  const int day = digits_value(text.substr(4, 2));
  // Bis numbers: month + 20 (sex unknown when registered) or + 40 (sex known).
  if (month >= 40 && month <= 52) {
    number.kind = NationalNumberKind::bis_sex_known;
    month -= 40;
  } else if (month >= 20 && month <= 32) {
    number.kind = NationalNumberKind::bis_sex_unknown;
    month -= 20;
  } else if (month > 12) {
    return std::nullopt;
  }
  if (day > 31) {
    return std::nullopt;
  }
  if (month == 0 || day == 0) {
    return number;  // unknown birth date: stays unknown (NOTES §2)
  }
  const std::chrono::year_month_day date{std::chrono::year{number.birth_year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) {
    return std::nullopt;
  }
  number.birth_date = date;
  return number;
}

std::optional<NationalNumber> parse_national_number(std::string_view text,
                                                    std::chrono::year_month_day today) {
  std::optional<NationalNumber> number = parse_national_number(text);
  if (number && (number->birth_date ? *number->birth_date > today
                                    : std::chrono::year{number->birth_year} > today.year())) {
    return std::nullopt;
  }
  return number;
}

int completed_years(std::chrono::year_month_day birth, std::chrono::year_month_day on) noexcept {
  int years = static_cast<int>(on.year()) - static_cast<int>(birth.year());
  const bool birthday_reached =
      on.month() > birth.month() || (on.month() == birth.month() && on.day() >= birth.day());
  if (!birthday_reached) {
    --years;
  }
  return years;
}

std::chrono::year_month_day brussels_date(std::chrono::system_clock::time_point when) noexcept {
  using namespace std::chrono;  // NOLINT(google-build-using-namespace): calendar literals
  const sys_seconds utc = floor<seconds>(when);
  const year y = year_month_day{floor<days>(utc)}.year();
  // EU summer time: from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday
  // of October (Directive 2000/84/EC).
  const sys_seconds summer_start = sys_days{y / March / Sunday[last]} + hours{1};
  const sys_seconds summer_end = sys_days{y / October / Sunday[last]} + hours{1};
  const hours offset = (utc >= summer_start && utc < summer_end) ? hours{2} : hours{1};
  return year_month_day{floor<days>(utc + offset)};
}

std::string format_date(std::chrono::year_month_day date) {
  // Years 0..9999 only (dates from national numbers are 1900..2099).
  const auto digits = [](unsigned value, std::size_t width) {
    std::string text(width, '0');
    for (std::size_t i = width; i-- > 0; value /= 10) {
      text[i] = static_cast<char>('0' + value % 10);
    }
    return text;
  };
  return digits(static_cast<unsigned>(static_cast<int>(date.year())), 4) + "-" +
         digits(static_cast<unsigned>(date.month()), 2) + "-" +
         digits(static_cast<unsigned>(date.day()), 2);
}

}  // namespace saferchat::verify
