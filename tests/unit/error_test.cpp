// SPDX-License-Identifier: Apache-2.0
#include "wire/error.hpp"

#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace saferchat {
namespace {

TEST(ErrorCodes, NamesAreStableUniqueAndPrefixed) {
  std::set<std::string_view> names;
  for (const ErrorCode code : all_error_codes()) {
    const std::string_view name = code_name(code);
    EXPECT_TRUE(name.starts_with("ERR_SAFERCHAT_")) << name;
    EXPECT_TRUE(names.insert(name).second) << "duplicate " << name;
    EXPECT_FALSE(public_message(code).empty()) << name;
  }
  // Spot checks: these names are part of the protocol and must never change.
  EXPECT_EQ(code_name(ErrorCode::message_too_large), "ERR_SAFERCHAT_MESSAGE_TOO_LARGE");
  EXPECT_EQ(code_name(ErrorCode::caller_not_allowed), "ERR_SAFERCHAT_CALLER_NOT_ALLOWED");
  EXPECT_EQ(code_name(ErrorCode::internal), "ERR_SAFERCHAT_INTERNAL");
}

TEST(ErrorCodes, EveryCodeIsDocumentedInTheProtocol) {
  std::ifstream file(std::string(SAFERCHAT_SOURCE_DIR) + "/docs/protocol.md");
  ASSERT_TRUE(file.good());
  std::stringstream text;
  text << file.rdbuf();
  for (const ErrorCode code : all_error_codes()) {
    EXPECT_NE(text.str().find("`" + std::string(code_name(code)) + "`"), std::string::npos)
        << code_name(code) << " is missing from docs/protocol.md";
  }
}

TEST(Error, CarriesCodeAndDetail) {
  const Error error(ErrorCode::invalid_json, "syntax error at byte 3");
  EXPECT_EQ(error.code(), ErrorCode::invalid_json);
  EXPECT_EQ(error.detail(), "syntax error at byte 3");
}

}  // namespace
}  // namespace saferchat
