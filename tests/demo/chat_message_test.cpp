// SPDX-License-Identifier: Apache-2.0
#include "chat/chat_message.hpp"

#include <string>

#include <gtest/gtest.h>

namespace saferchat::demo {
namespace {

using namespace std::chrono_literals;

TEST(ChatText, KeepsTheTextWithoutOuterSpaces) {
  EXPECT_EQ(check_chat_text("Hallo!").text, "Hallo!");
  EXPECT_EQ(check_chat_text("  Salut à tous  ").text, "Salut à tous");
  EXPECT_EQ(check_chat_text("<b>not html</b> & \"quotes\"").text, "<b>not html</b> & \"quotes\"");
  EXPECT_EQ(check_chat_text("Grüße 🙂").error, ChatError::none);
}

TEST(ChatText, RefusesEmptyText) {
  EXPECT_EQ(check_chat_text("").error, ChatError::empty);
  EXPECT_EQ(check_chat_text("    ").error, ChatError::empty);
}

TEST(ChatText, CountsCodePointsNotBytes) {
  const std::string limit(max_text_code_points, 'a');
  EXPECT_EQ(check_chat_text(limit).error, ChatError::none);
  EXPECT_EQ(check_chat_text(limit + "a").error, ChatError::too_long);
  std::string accents;
  for (std::size_t i = 0; i < max_text_code_points; ++i) {
    accents += "é";  // two bytes each
  }
  EXPECT_EQ(check_chat_text(accents).error, ChatError::none);
  EXPECT_EQ(check_chat_text(accents + "é").error, ChatError::too_long);
  // Spaces trimmed off do not count.
  EXPECT_EQ(check_chat_text("   " + limit + "   ").error, ChatError::none);
}

TEST(ChatText, RefusesControlAndBidiCharacters) {
  EXPECT_EQ(check_chat_text("two\nlines").error, ChatError::invalid_text);
  EXPECT_EQ(check_chat_text("tab\there").error, ChatError::invalid_text);
  EXPECT_EQ(check_chat_text(std::string("nul\0x", 5)).error, ChatError::invalid_text);
  EXPECT_EQ(check_chat_text("del\x7f").error, ChatError::invalid_text);
  EXPECT_EQ(check_chat_text("c1\xc2\x85").error, ChatError::invalid_text);  // U+0085
  EXPECT_EQ(check_chat_text("rtl\xe2\x80\xae"
                            "evil")
                .error,
            ChatError::invalid_text);                                             // U+202E
  EXPECT_EQ(check_chat_text("iso\xe2\x81\xa6x").error, ChatError::invalid_text);  // U+2066
}

TEST(ChatText, RefusesInvalidUtf8) {
  EXPECT_EQ(check_chat_text("\xff").error, ChatError::invalid_text);
  EXPECT_EQ(check_chat_text("\xc0\xaf").error, ChatError::invalid_text);      // overlong '/'
  EXPECT_EQ(check_chat_text("\xed\xa0\x80").error, ChatError::invalid_text);  // surrogate
  EXPECT_EQ(check_chat_text("cut \xe2\x82").error, ChatError::invalid_text);
}

TEST(ClientFrame, AcceptsExactlyTheMessageShape) {
  const CheckedText ok = parse_client_frame(R"({"type":"message","text":" Hoi "})");
  EXPECT_EQ(ok.error, ChatError::none);
  EXPECT_EQ(ok.text, "Hoi");
  EXPECT_EQ(parse_client_frame(R"({"text":"Hoi","type":"message"})").text, "Hoi");
}

TEST(ClientFrame, RefusesAnythingElse) {
  for (const char* frame :
       {"", "Hoi", "null", "[]", R"("message")", R"({"type":"message"})", R"({"text":"Hoi"})",
        R"({"type":"other","text":"Hoi"})", R"({"type":"message","text":42})",
        R"({"type":"message","text":"Hoi","from":"m2"})",
        R"({"type":"message","text":"Hoi"} trailing)"}) {
    EXPECT_EQ(parse_client_frame(frame).error, ChatError::invalid_frame) << frame;
  }
  const std::string big =
      R"({"type":"message","text":")" + std::string(max_frame_bytes, 'a') + R"("})";
  EXPECT_EQ(parse_client_frame(big).error, ChatError::invalid_frame);
}

TEST(ClientFrame, ChecksTheTextToo) {
  EXPECT_EQ(parse_client_frame(R"({"type":"message","text":"  "})").error, ChatError::empty);
  EXPECT_EQ(parse_client_frame(R"({"type":"message","text":"a\u0000b"})").error,
            ChatError::invalid_text);
  EXPECT_EQ(parse_client_frame(R"({"type":"message","text":"a\u202eb"})").error,
            ChatError::invalid_text);
  EXPECT_EQ(parse_client_frame(R"({"type":"message","text":"\ud800"})").error,
            ChatError::invalid_frame);  // a lone surrogate escape is not JSON text
}

TEST(ChatError, StableCodes) {
  EXPECT_EQ(chat_error_code(ChatError::none), "");
  EXPECT_EQ(chat_error_code(ChatError::invalid_frame), "INVALID_FRAME");
  EXPECT_EQ(chat_error_code(ChatError::empty), "EMPTY");
  EXPECT_EQ(chat_error_code(ChatError::too_long), "TOO_LONG");
  EXPECT_EQ(chat_error_code(ChatError::invalid_text), "INVALID_TEXT");
  EXPECT_EQ(chat_error_code(ChatError::too_fast), "TOO_FAST");
}

TEST(RateLimiter, BurstThenOnePerRefill) {
  const RateLimiter::Clock::time_point t0{};
  RateLimiter limiter(t0, 3, 1000ms);
  EXPECT_TRUE(limiter.allow(t0));
  EXPECT_TRUE(limiter.allow(t0));
  EXPECT_TRUE(limiter.allow(t0));
  EXPECT_FALSE(limiter.allow(t0));
  EXPECT_FALSE(limiter.allow(t0 + 999ms));
  EXPECT_TRUE(limiter.allow(t0 + 1000ms));
  EXPECT_FALSE(limiter.allow(t0 + 1500ms));
  EXPECT_TRUE(limiter.allow(t0 + 2000ms));
  // A long pause refills only up to the burst.
  EXPECT_TRUE(limiter.allow(t0 + 60s));
  EXPECT_TRUE(limiter.allow(t0 + 60s));
  EXPECT_TRUE(limiter.allow(t0 + 60s));
  EXPECT_FALSE(limiter.allow(t0 + 60s));
}

TEST(RateLimiter, PartialRefillTimeIsKept) {
  const RateLimiter::Clock::time_point t0{};
  RateLimiter limiter(t0, 1, 1000ms);
  EXPECT_TRUE(limiter.allow(t0));
  EXPECT_FALSE(limiter.allow(t0 + 600ms));
  EXPECT_TRUE(limiter.allow(t0 + 1000ms));  // the 600 ms already waited count
  EXPECT_FALSE(limiter.allow(t0 + 1999ms));
  EXPECT_TRUE(limiter.allow(t0 + 2000ms));
}

TEST(RateLimiter, DefaultsAreFiveThenOneEveryTwoSeconds) {
  const RateLimiter::Clock::time_point t0{};
  RateLimiter limiter(t0);
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(limiter.allow(t0)) << i;
  }
  EXPECT_FALSE(limiter.allow(t0 + 1999ms));
  EXPECT_TRUE(limiter.allow(t0 + 2000ms));
}

}  // namespace
}  // namespace saferchat::demo
