// SPDX-License-Identifier: Apache-2.0
// National register numbers (NOTES §2) and age arithmetic: mod 97, the 2000+ rule, unknown
// dates, bis numbers, birthdays on the boundary, 29 February, the Brussels calendar date.
#include "verify/national_number.hpp"

#include <gtest/gtest.h>

#include "server/support/server_test_support.hpp"

namespace saferchat::verify {
namespace {

using std::chrono::day;
using std::chrono::month;
using std::chrono::year;
using std::chrono::year_month_day;

year_month_day ymd(int y, unsigned m, unsigned d) { return {year{y}, month{m}, day{d}}; }

std::chrono::system_clock::time_point utc(int y, unsigned m, unsigned d, int hh, int mm, int ss) {
  return std::chrono::sys_days{ymd(y, m, d)} + std::chrono::hours{hh} + std::chrono::minutes{mm} +
         std::chrono::seconds{ss};
}

TEST(NationalNumber, SpecimenBornIn1998) {
  const auto number = parse_national_number("98082100029");
  ASSERT_TRUE(number);
  EXPECT_EQ(number->digits, "98082100029");
  EXPECT_EQ(number->kind, NationalNumberKind::register_number);
  EXPECT_EQ(number->birth_year, 1998);
  EXPECT_EQ(number->birth_date, ymd(1998, 8, 21));
}

TEST(NationalNumber, SpecimenBornIn2017UsesTheTwoPrefixRule) {
  // 97 − (170730033 mod 97) = 74 ≠ 84; 97 − (2170730033 mod 97) = 84: born 2000 or later.
  const auto number = parse_national_number("17073003384");
  ASSERT_TRUE(number);
  EXPECT_EQ(number->birth_year, 2017);
  EXPECT_EQ(number->birth_date, ymd(2017, 7, 30));
}

TEST(NationalNumber, CenturyComesFromTheMatchingCheckDigits) {
  EXPECT_EQ(parse_national_number(testing::national_number("050607", 123, false))->birth_year,
            1905);
  EXPECT_EQ(parse_national_number(testing::national_number("050607", 123, true))->birth_year, 2005);
  EXPECT_EQ(parse_national_number("00010100697")->birth_date, ymd(2000, 1, 1));
}

TEST(NationalNumber, WrongCheckDigitsAreRefused) {
  EXPECT_FALSE(parse_national_number("98082100028"));
  EXPECT_FALSE(parse_national_number("98082100000"));
  EXPECT_FALSE(parse_national_number("17073003374"));  // the 1900s check for a 2017 number
}

TEST(NationalNumber, OnlyElevenAsciiDigits) {
  EXPECT_FALSE(parse_national_number(""));
  EXPECT_FALSE(parse_national_number("9808210002"));
  EXPECT_FALSE(parse_national_number("980821000290"));
  EXPECT_FALSE(parse_national_number("98.08.21-000.29"));
  EXPECT_FALSE(parse_national_number("9808210002a"));
  EXPECT_FALSE(parse_national_number(" 98082100029"));
}

TEST(NationalNumber, UnknownMonthOrDayLeavesTheBirthDateUnknown) {
  const auto no_day = parse_national_number(testing::national_number("150300", 12, true));
  ASSERT_TRUE(no_day);
  EXPECT_EQ(no_day->birth_year, 2015);
  EXPECT_FALSE(no_day->birth_date);
  const auto no_month = parse_national_number(testing::national_number("150012", 12, true));
  ASSERT_TRUE(no_month);
  EXPECT_FALSE(no_month->birth_date);
  const auto nothing = parse_national_number(testing::national_number("880000", 1, false));
  ASSERT_TRUE(nothing);
  EXPECT_EQ(nothing->birth_year, 1988);
  EXPECT_FALSE(nothing->birth_date);
}

TEST(NationalNumber, BisNumbersShiftTheMonth) {
  const auto sex_unknown = parse_national_number(testing::national_number("152312", 5, true));
  ASSERT_TRUE(sex_unknown);
  EXPECT_EQ(sex_unknown->kind, NationalNumberKind::bis_sex_unknown);
  EXPECT_EQ(sex_unknown->birth_date, ymd(2015, 3, 12));
  const auto sex_known = parse_national_number(testing::national_number("924130", 7, false));
  ASSERT_TRUE(sex_known);
  EXPECT_EQ(sex_known->kind, NationalNumberKind::bis_sex_known);
  EXPECT_EQ(sex_known->birth_date, ymd(1992, 1, 30));
  const auto bis_unknown = parse_national_number(testing::national_number("154000", 7, true));
  ASSERT_TRUE(bis_unknown);
  EXPECT_EQ(bis_unknown->kind, NationalNumberKind::bis_sex_known);
  EXPECT_FALSE(bis_unknown->birth_date);
}

TEST(NationalNumber, ImpossibleDatesAreInvalidNotUnknown) {
  EXPECT_FALSE(parse_national_number(testing::national_number("150231", 1, true)));  // 31 Feb
  EXPECT_FALSE(
      parse_national_number(testing::national_number("150229", 1, true)));          // 2015 not leap
  EXPECT_TRUE(parse_national_number(testing::national_number("160229", 1, true)));  // 2016 leap
  EXPECT_FALSE(parse_national_number(testing::national_number("151301", 1, true)));  // month 13
  EXPECT_FALSE(parse_national_number(testing::national_number("153301", 1, true)));  // 33
  EXPECT_FALSE(parse_national_number(testing::national_number("155301", 1, true)));  // 53
  EXPECT_FALSE(parse_national_number(testing::national_number("150132", 1, true)));  // day 32
}

TEST(NationalNumber, ABirthAfterTodayIsInvalid) {
  // Issue 15: 30123100106 is well formed (2030-12-31) but cannot be a real person's number yet.
  ASSERT_TRUE(parse_national_number("30123100106"));
  EXPECT_EQ(parse_national_number("30123100106")->birth_date, ymd(2030, 12, 31));
  EXPECT_FALSE(parse_national_number("30123100106", ymd(2026, 12, 5)));
  EXPECT_FALSE(parse_national_number("30123100106", ymd(2030, 12, 30)));
  const auto born_today = parse_national_number("30123100106", ymd(2030, 12, 31));
  ASSERT_TRUE(born_today);
  EXPECT_EQ(completed_years(*born_today->birth_date, ymd(2030, 12, 31)), 0);
  // Unknown month and day: the year alone decides.
  const std::string year_only = testing::national_number("300000", 1, true);
  EXPECT_FALSE(parse_national_number(year_only, ymd(2029, 12, 31)));
  const auto this_year = parse_national_number(year_only, ymd(2030, 1, 1));
  ASSERT_TRUE(this_year);
  EXPECT_FALSE(this_year->birth_date);
  EXPECT_TRUE(parse_national_number("98082100029", ymd(2026, 12, 5)));
}

TEST(Age, CompletedYearsAroundTheBirthday) {
  const auto birth = ymd(2015, 6, 15);
  EXPECT_EQ(completed_years(birth, ymd(2024, 6, 14)), 8);
  EXPECT_EQ(completed_years(birth, ymd(2024, 6, 15)), 9);  // birthday today
  EXPECT_EQ(completed_years(birth, ymd(2024, 6, 16)), 9);
  EXPECT_EQ(completed_years(birth, ymd(2024, 12, 31)), 9);
  EXPECT_EQ(completed_years(birth, ymd(2025, 1, 1)), 9);
  EXPECT_EQ(completed_years(birth, ymd(2015, 6, 15)), 0);
  EXPECT_EQ(completed_years(birth, ymd(2015, 6, 14)), -1);
}

TEST(Age, BornOnTheTwentyNinthOfFebruary) {
  const auto birth = ymd(2012, 2, 29);
  EXPECT_EQ(completed_years(birth, ymd(2023, 2, 28)), 10);  // non-leap year: not yet
  EXPECT_EQ(completed_years(birth, ymd(2023, 3, 1)), 11);   // 1 March
  EXPECT_EQ(completed_years(birth, ymd(2024, 2, 28)), 11);
  EXPECT_EQ(completed_years(birth, ymd(2024, 2, 29)), 12);  // leap year: on the day
}

TEST(BrusselsDate, WinterIsUtcPlusOne) {
  EXPECT_EQ(brussels_date(utc(2024, 12, 31, 22, 59, 59)), ymd(2024, 12, 31));
  EXPECT_EQ(brussels_date(utc(2024, 12, 31, 23, 0, 0)), ymd(2025, 1, 1));
  EXPECT_EQ(brussels_date(utc(2024, 1, 15, 12, 0, 0)), ymd(2024, 1, 15));
}

TEST(BrusselsDate, SummerIsUtcPlusTwo) {
  EXPECT_EQ(brussels_date(utc(2024, 6, 30, 21, 59, 59)), ymd(2024, 6, 30));
  EXPECT_EQ(brussels_date(utc(2024, 6, 30, 22, 0, 0)), ymd(2024, 7, 1));
}

TEST(BrusselsDate, SwitchesAtOneUtcOnTheLastSundays) {
  // 2024: summer time from Sunday 31 March 01:00 UTC to Sunday 27 October 01:00 UTC.
  EXPECT_EQ(brussels_date(utc(2024, 3, 30, 22, 30, 0)), ymd(2024, 3, 30));    // 23:30 CET
  EXPECT_EQ(brussels_date(utc(2024, 3, 30, 23, 30, 0)), ymd(2024, 3, 31));    // 00:30 CET
  EXPECT_EQ(brussels_date(utc(2024, 10, 26, 21, 59, 0)), ymd(2024, 10, 26));  // 23:59 CEST
  EXPECT_EQ(brussels_date(utc(2024, 10, 26, 22, 0, 0)), ymd(2024, 10, 27));   // 00:00 CEST
  EXPECT_EQ(brussels_date(utc(2024, 5, 31, 22, 0, 0)), ymd(2024, 6, 1));
  EXPECT_EQ(brussels_date(utc(2024, 11, 30, 22, 0, 0)), ymd(2024, 11, 30));  // CET again
}

TEST(FormatDate, IsoForm) {
  EXPECT_EQ(format_date(ymd(2016, 2, 9)), "2016-02-09");
  EXPECT_EQ(format_date(ymd(1998, 12, 31)), "1998-12-31");
}

}  // namespace
}  // namespace saferchat::verify
