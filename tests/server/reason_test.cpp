// SPDX-License-Identifier: Apache-2.0
// Reason codes: stable UPPER_SNAKE names, one category each, every one documented.
#include "verify/reason.hpp"

#include <regex>
#include <set>

#include <gtest/gtest.h>

#include "server/support/server_test_support.hpp"

namespace saferchat::verify {
namespace {

TEST(Reasons, CodesAreUniqueUpperSnakeAndRoundTrip) {
  std::set<std::string_view> codes;
  const std::regex upper_snake("[A-Z]+(_[A-Z]+)*");
  for (const Reason reason : all_reasons()) {
    const std::string_view code = reason_code(reason);
    EXPECT_TRUE(std::regex_match(std::string(code), upper_snake)) << code;
    EXPECT_TRUE(codes.insert(code).second) << code;
    EXPECT_EQ(reason_from_code(code), reason);
    EXPECT_FALSE(reason_description(reason).empty());
  }
  EXPECT_EQ(codes.size(), 28U);
  EXPECT_FALSE(reason_from_code("OK"));
  EXPECT_FALSE(reason_from_code("token_too_large"));
}

TEST(Reasons, FixedWireNames) {
  // Providers and the demo branch on these strings: they never change.
  EXPECT_EQ(reason_code(Reason::token_too_large), "TOKEN_TOO_LARGE");
  EXPECT_EQ(reason_code(Reason::nonce_replayed), "NONCE_REPLAYED");
  EXPECT_EQ(reason_code(Reason::holder_unknown_birth_date), "HOLDER_UNKNOWN_BIRTH_DATE");
  EXPECT_EQ(reason_code(Reason::internal_error), "INTERNAL_ERROR");
  EXPECT_EQ(category_name(reason_category(Reason::age_too_high)), "too_old");
  EXPECT_EQ(category_name(reason_category(Reason::age_too_low)), "too_young");
  EXPECT_EQ(category_name(reason_category(Reason::nonce_expired)), "try_again");
  EXPECT_EQ(category_name(reason_category(Reason::chain_untrusted)), "not_a_belgian_card");
  EXPECT_EQ(category_name(reason_category(Reason::certificate_expired)), "card_expired");
  EXPECT_EQ(category_name(reason_category(Reason::certificate_revoked)), "card_revoked");
  EXPECT_EQ(category_name(reason_category(Reason::holder_unknown_birth_date)), "age_unknown");
}

TEST(Reasons, EveryCodeAndCategoryIsDocumented) {
  const std::string doc =
      testing::read_file(std::string(SAFERCHAT_SOURCE_DIR) + "/docs/verifier.md");
  for (const Reason reason : all_reasons()) {
    const std::string row = "| `" + std::string(reason_code(reason)) + "` | `" +
                            std::string(category_name(reason_category(reason))) + "` |";
    EXPECT_NE(doc.find(row), std::string::npos) << "docs/verifier.md lacks the row " << row;
  }
}

}  // namespace
}  // namespace saferchat::verify
