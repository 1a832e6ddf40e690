// SPDX-License-Identifier: Apache-2.0
#include "ui/assuan.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "wire/error.hpp"

namespace saferchat {
namespace {

std::span<const std::uint8_t> bytes(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

std::string text_of(const SecureBytes& data) { return {data.begin(), data.end()}; }

// The code and the detail of the Error that `call` throws.
template <class Call>
std::pair<ErrorCode, std::string> error_of(Call call) {
  try {
    call();
  } catch (const Error& e) {
    return {e.code(), std::string(e.detail())};
  }
  return {ErrorCode::internal, "no error"};
}

TEST(AssuanEscape, PercentNewlinesAndControlBytesOnly) {
  EXPECT_EQ(assuan_escape("a%b\nc\rd\te\x7F"), "a%25b%0Ac%0Dd%09e%7F");
  EXPECT_EQ(assuan_escape("Tu es d'accord\u00a0? été + 100"), "Tu es d'accord\u00a0? été + 100");
  EXPECT_EQ(assuan_escape(""), "");
}

TEST(AssuanCommand, VerbAndEscapedArgument) {
  EXPECT_EQ(assuan_command("GETPIN"), "GETPIN\n");
  EXPECT_EQ(assuan_command("SETDESC", "line 1\nline 2 (100%)"),
            "SETDESC line 1%0Aline 2 (100%25)\n");
  EXPECT_EQ(assuan_command("CONFIRM", "--one-button"), "CONFIRM --one-button\n");
}

TEST(AssuanCommand, LongestLineIsThousandBytesWithItsNewline) {
  EXPECT_EQ(assuan_command("SETDESC", std::string(991, 'x')).size(), 1000U);
  EXPECT_EQ(error_of([] { static_cast<void>(assuan_command("SETDESC", std::string(992, 'x'))); }),
            std::make_pair(ErrorCode::internal,
                           std::string("pinentry: SETDESC line of 1001 bytes is too long")));
  // Escapes count three bytes each.
  EXPECT_EQ(
      error_of([] { static_cast<void>(assuan_command("SETDESC", std::string(400, '\n'))); }).first,
      ErrorCode::internal);
}

TEST(AssuanUnescape, HexInEitherCase) {
  EXPECT_EQ(assuan_unescape("%41%0a%0A%25 %c3%a9"), "A\n\n% é");
  SecureBytes out{'x'};
  assuan_unescape_into(bytes("12%2534"), out);
  EXPECT_EQ(text_of(out), "x12%34");
}

TEST(AssuanUnescape, BrokenEscapesAreRejected) {
  for (const std::string_view bad : {"%", "%4", "ab%zz", "%%41", "12%g0"}) {
    EXPECT_EQ(error_of([bad] { static_cast<void>(assuan_unescape(bad)); }).first,
              ErrorCode::pin_dialog_failed)
        << bad;
  }
  EXPECT_EQ(error_of([] { static_cast<void>(assuan_unescape("ab%4")); }).second,
            "pinentry: bad percent escape at offset 2");
}

TEST(AssuanDataLines, EscapedAndSplitWithinTheLineLimit) {
  EXPECT_EQ(text_of(assuan_data_lines(bytes("1234"))), "D 1234\n");
  EXPECT_EQ(text_of(assuan_data_lines(bytes("%\n\r"))), "D %25%0A%0D\n");
  EXPECT_TRUE(assuan_data_lines({}).empty());

  std::string data;
  for (int i = 0; i < 3000; ++i) {
    data.push_back(static_cast<char>(i % 7 == 0 ? '%' : 'a' + i % 26));
  }
  const std::string lines = text_of(assuan_data_lines(bytes(data)));
  std::string decoded;
  std::size_t start = 0;
  int count = 0;
  while (start < lines.size()) {
    const std::size_t end = lines.find('\n', start);
    ASSERT_NE(end, std::string::npos);
    EXPECT_LE(end - start + 1, assuan_max_line);
    const AssuanReply reply =
        parse_assuan_reply(bytes(std::string_view(lines).substr(start, end - start)));
    ASSERT_EQ(reply.kind, AssuanReplyKind::data);
    decoded += text_of(reply.data);
    start = end + 1;
    ++count;
  }
  EXPECT_EQ(decoded, data);
  EXPECT_GT(count, 3);
}

TEST(AssuanReplyParse, OkWithAndWithoutText) {
  AssuanReply reply = parse_assuan_reply(bytes("OK"));
  EXPECT_EQ(reply.kind, AssuanReplyKind::ok);
  EXPECT_EQ(reply.text, "");
  reply = parse_assuan_reply(bytes("OK Pleased to meet you"));
  EXPECT_EQ(reply.kind, AssuanReplyKind::ok);
  EXPECT_EQ(reply.text, "Pleased to meet you");
}

TEST(AssuanReplyParse, ErrorValueCodeAndText) {
  AssuanReply reply = parse_assuan_reply(bytes("ERR 83886179 Operation cancelled <Pinentry>"));
  EXPECT_EQ(reply.kind, AssuanReplyKind::error);
  EXPECT_EQ(reply.error_value, 83886179U);
  EXPECT_EQ(gpg_error_code(reply.error_value), gpg_err_canceled);
  EXPECT_EQ(reply.text, "Operation cancelled <Pinentry>");
  reply = parse_assuan_reply(bytes("ERR 83886142"));
  EXPECT_EQ(gpg_error_code(reply.error_value), gpg_err_timeout);
  EXPECT_EQ(reply.text, "");
}

TEST(AssuanReplyParse, DataIsDecodedIntoTheSecureBuffer) {
  const AssuanReply reply = parse_assuan_reply(bytes("D 12%2534%0A"));
  EXPECT_EQ(reply.kind, AssuanReplyKind::data);
  EXPECT_EQ(text_of(reply.data), "12%34\n");
  EXPECT_EQ(reply.text, "");
  EXPECT_TRUE(parse_assuan_reply(bytes("D")).data.empty());
}

TEST(AssuanReplyParse, StatusCommentInquire) {
  AssuanReply reply = parse_assuan_reply(bytes("S ERROR gtk2.? 83886142 "));
  EXPECT_EQ(reply.kind, AssuanReplyKind::status);
  EXPECT_EQ(reply.text, "ERROR gtk2.? 83886142 ");
  EXPECT_EQ(parse_assuan_reply(bytes("# NOP")).kind, AssuanReplyKind::comment);
  EXPECT_EQ(parse_assuan_reply(bytes("#")).kind, AssuanReplyKind::comment);
  reply = parse_assuan_reply(bytes("INQUIRE QUALITY 1234"));
  EXPECT_EQ(reply.kind, AssuanReplyKind::inquire);
  EXPECT_EQ(reply.text, "QUALITY 1234");
}

TEST(AssuanReplyParse, TextIsPrintableAsciiForTheLog) {
  const AssuanReply reply = parse_assuan_reply(bytes("OK caf\xC3\xA9\x1B[2J\x7F"));
  EXPECT_EQ(reply.text, "caf???[2J?");
}

TEST(AssuanReplyParse, AnythingElseIsRejectedWithoutEchoingTheLine) {
  for (const std::string_view bad :
       {"",       "HELLO",   "OKAY",           "ok", " OK", "ERR",  "ERR ",   "ERR x",   "ERR 12x",
        "ERR -1", "ERR +12", "ERR 4294967296", "S",  "S ",  "DATA", "D 12%4", "INQUIRE", "INQUIRE ",
        "END",    "OK\nOK"}) {
    const auto [code, detail] =
        error_of([bad] { static_cast<void>(parse_assuan_reply(bytes(bad))); });
    EXPECT_EQ(code, ErrorCode::pin_dialog_failed) << bad;
    EXPECT_EQ(detail.find("12%4"), std::string::npos) << detail;
  }
  EXPECT_EQ(error_of([] { static_cast<void>(parse_assuan_reply(bytes("HELLO 1234"))); }).second,
            "pinentry: not an Assuan reply (line of 10 bytes)");
  EXPECT_EQ(
      error_of([] { static_cast<void>(parse_assuan_reply(bytes(std::string(1000, '#')))); }).first,
      ErrorCode::pin_dialog_failed);
  EXPECT_EQ(parse_assuan_reply(bytes(std::string(999, '#'))).kind, AssuanReplyKind::comment);
}

TEST(AssuanLineReader, SplitsChunksIntoLines) {
  AssuanLineReader reader;
  reader.feed(bytes("OK Pleased to meet you\nD 12"));
  auto line = reader.next_line();
  ASSERT_TRUE(line);
  EXPECT_EQ(text_of(*line), "OK Pleased to meet you");
  EXPECT_FALSE(reader.next_line());
  EXPECT_TRUE(reader.has_partial_line());
  reader.feed(bytes("34\nOK\n"));
  line = reader.next_line();
  ASSERT_TRUE(line);
  EXPECT_EQ(text_of(*line), "D 1234");
  line = reader.next_line();
  ASSERT_TRUE(line);
  EXPECT_EQ(text_of(*line), "OK");
  EXPECT_FALSE(reader.next_line());
  EXPECT_FALSE(reader.has_partial_line());
}

TEST(AssuanLineReader, ByteByByte) {
  AssuanLineReader reader;
  std::vector<std::string> lines;
  for (const char c : std::string_view("S A\n\nOK\n")) {
    reader.feed(bytes(std::string_view(&c, 1)));
    while (auto line = reader.next_line()) {
      lines.push_back(text_of(*line));
    }
  }
  EXPECT_EQ(lines, (std::vector<std::string>{"S A", "", "OK"}));
}

TEST(AssuanLineReader, LineOverTheLimitFailsAtOnce) {
  AssuanLineReader reader;
  reader.feed(bytes(std::string(999, 'x') + "\n"));  // 1000 bytes with LF: fine
  EXPECT_EQ(reader.next_line()->size(), 999U);
  reader.feed(bytes(std::string(500, 'y')));
  EXPECT_EQ(error_of([&reader] { reader.feed(bytes(std::string(500, 'y'))); }),
            std::make_pair(ErrorCode::pin_dialog_failed,
                           std::string("pinentry: a line is longer than 1000 bytes")));
  // Endless output without a newline never piles up.
  AssuanLineReader endless;
  EXPECT_EQ(error_of([&endless] { endless.feed(bytes(std::string(100000, 'z'))); }).first,
            ErrorCode::pin_dialog_failed);
}

}  // namespace
}  // namespace saferchat
