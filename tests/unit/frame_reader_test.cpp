// SPDX-License-Identifier: Apache-2.0
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "protocol/frame.hpp"
#include "support/memory_source.hpp"

namespace saferchat {
namespace {

using testing::frame_of;
using testing::MemorySource;

std::string payload_of(const FrameEvent& event) {
  const auto* frame = std::get_if<Frame>(&event);
  return frame == nullptr ? "<not a frame>" : frame->payload;
}

FrameError error_of(const FrameEvent& event) {
  const auto* error = std::get_if<FrameError>(&event);
  return error == nullptr ? FrameError{ErrorCode::internal, "<not an error>", false} : *error;
}

TEST(FrameReader, ReadsConsecutiveMessagesThenCleanEnd) {
  MemorySource source(frame_of("{\"a\":1}") + frame_of("{}"));
  FrameReader reader(source);
  EXPECT_EQ(payload_of(reader.next()), "{\"a\":1}");
  EXPECT_EQ(payload_of(reader.next()), "{}");
  EXPECT_TRUE(std::holds_alternative<EndOfInput>(reader.next()));
}

class FrameReaderChunks : public ::testing::TestWithParam<std::vector<std::size_t>> {};

TEST_P(FrameReaderChunks, PartialReadsGiveTheSameMessages) {
  const std::string first(3000, 'x');
  MemorySource source(frame_of(first) + frame_of("{\"command\":\"version\"}"), GetParam());
  FrameReader reader(source);
  EXPECT_EQ(payload_of(reader.next()), first);
  EXPECT_EQ(payload_of(reader.next()), "{\"command\":\"version\"}");
  EXPECT_TRUE(std::holds_alternative<EndOfInput>(reader.next()));
}

INSTANTIATE_TEST_SUITE_P(Chunkings, FrameReaderChunks,
                         ::testing::Values(std::vector<std::size_t>{1},
                                           std::vector<std::size_t>{3, 1},
                                           std::vector<std::size_t>{2, 5, 7},
                                           std::vector<std::size_t>{4096}));

TEST(FrameReader, EndInsideHeaderIsTruncationAndLosesTheStream) {
  MemorySource source(std::string("\x05\x00", 2));
  FrameReader reader(source);
  const FrameError error = error_of(reader.next());
  EXPECT_EQ(error.code, ErrorCode::message_truncated);
  EXPECT_EQ(error.detail, "input ended after 2 of 4 header bytes");
  EXPECT_TRUE(error.stream_lost);
}

TEST(FrameReader, EndInsidePayloadIsTruncation) {
  MemorySource source(frame_of("{\"comm", 20));
  FrameReader reader(source);
  const FrameError error = error_of(reader.next());
  EXPECT_EQ(error.code, ErrorCode::message_truncated);
  EXPECT_EQ(error.detail, "input ended after 6 of 20 message bytes");
  EXPECT_TRUE(error.stream_lost);
}

TEST(FrameReader, ZeroLengthIsAnErrorButTheStreamGoesOn) {
  MemorySource source(frame_of("") + frame_of("{}"));
  FrameReader reader(source);
  const FrameError error = error_of(reader.next());
  EXPECT_EQ(error.code, ErrorCode::empty_message);
  EXPECT_FALSE(error.stream_lost);
  EXPECT_EQ(payload_of(reader.next()), "{}");
}

TEST(FrameReader, CapIsInclusive) {
  const std::string at_cap(max_request_size, ' ');
  MemorySource source(frame_of(at_cap));
  FrameReader reader(source);
  EXPECT_EQ(payload_of(reader.next()).size(), max_request_size);
}

TEST(FrameReader, OversizedMessageIsSkippedAndTheNextOneRead) {
  const std::string big(max_request_size + 1, 'z');
  MemorySource source(frame_of(big) + frame_of("{}"), {1000});
  FrameReader reader(source);
  const FrameError error = error_of(reader.next());
  EXPECT_EQ(error.code, ErrorCode::message_too_large);
  EXPECT_EQ(error.detail, "message length 8193 above the cap of 8192, skipped");
  EXPECT_FALSE(error.stream_lost);
  EXPECT_EQ(payload_of(reader.next()), "{}");
}

TEST(FrameReader, LengthBeyondWhatABrowserSendsIsNotSkipped) {
  MemorySource source(frame_of("{}", 0xFFFFFFFFU));
  FrameReader reader(source);
  const FrameError error = error_of(reader.next());
  EXPECT_EQ(error.code, ErrorCode::message_too_large);
  EXPECT_TRUE(error.stream_lost);
  EXPECT_EQ(source.consumed(), 4U);  // nothing past the header was read
}

TEST(FrameReader, OversizedMessageCutShortIsTruncation) {
  MemorySource source(frame_of("short", 100000));
  FrameReader reader(source);
  const FrameError error = error_of(reader.next());
  EXPECT_EQ(error.code, ErrorCode::message_truncated);
  EXPECT_TRUE(error.stream_lost);
}

TEST(FrameEncoding, HeaderIsNativeLittleEndianOnThisMachine) {
  const std::string frame = encode_frame("{}");
  EXPECT_EQ(frame, std::string("\x02\x00\x00\x00{}", 6));
}

TEST(FrameEncoding, ReplyAboveOneMegabyteIsRefused) {
  const std::string at_cap(max_response_size, 'a');
  EXPECT_EQ(encode_frame(at_cap).size(), max_response_size + 4);
  try {
    static_cast<void>(encode_frame(at_cap + "a"));
    FAIL() << "no exception";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::response_too_large);
    EXPECT_EQ(e.detail(), "reply of 1048577 bytes above 1 MB");
  }
}

}  // namespace
}  // namespace saferchat
