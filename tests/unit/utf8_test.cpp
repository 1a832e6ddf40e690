// SPDX-License-Identifier: Apache-2.0
#include "wire/utf8.hpp"

#include <string>

#include <gtest/gtest.h>

namespace saferchat {
namespace {

TEST(Utf8, AcceptsAsciiAndEveryEncodingLength) {
  EXPECT_TRUE(is_valid_utf8(""));
  EXPECT_TRUE(is_valid_utf8("{\"command\":\"version\"}"));
  EXPECT_TRUE(is_valid_utf8("Bruxelles \xC3\xA9t\xC3\xA9"));  // é: 2 bytes
  EXPECT_TRUE(is_valid_utf8("\xE2\x82\xAC"));                 // €: 3 bytes
  EXPECT_TRUE(is_valid_utf8("\xF0\x9F\x98\x80"));             // 😀: 4 bytes
  EXPECT_TRUE(is_valid_utf8("\xF4\x8F\xBF\xBF"));             // U+10FFFF
  EXPECT_TRUE(is_valid_utf8("\xED\x9F\xBF"));                 // U+D7FF
  EXPECT_TRUE(is_valid_utf8(std::string("a\0b", 3)));         // NUL is valid UTF-8
}

TEST(Utf8, RejectsMalformedSequences) {
  EXPECT_FALSE(is_valid_utf8("\x80"));              // lone continuation byte
  EXPECT_FALSE(is_valid_utf8("\xC3"));              // truncated 2-byte sequence
  EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(is_valid_utf8("\xC1\xBF"));          // overlong
  EXPECT_FALSE(is_valid_utf8("\xE0\x9F\xBF"));      // overlong 3-byte
  EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));      // surrogate U+D800
  EXPECT_FALSE(is_valid_utf8("\xF0\x8F\xBF\xBF"));  // overlong 4-byte
  EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(is_valid_utf8("\xF5\x80\x80\x80"));  // never a lead byte
  EXPECT_FALSE(is_valid_utf8("\xFF"));
  EXPECT_FALSE(is_valid_utf8("\xE2\x82"));        // truncated 3-byte
  EXPECT_FALSE(is_valid_utf8("\xE2\x28\xA1"));    // bad continuation
  EXPECT_FALSE(is_valid_utf8("ok\xF0\x9F\x98"));  // truncated at the end
}

}  // namespace
}  // namespace saferchat
