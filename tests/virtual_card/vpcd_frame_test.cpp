// SPDX-License-Identifier: Apache-2.0
// The vpcd framing (2-byte big-endian length + payload) and the control socket's commands.
#include "vcard/vpcd_frame.hpp"

#include <gtest/gtest.h>

#include "test_card.hpp"
#include "vcard/control_command.hpp"

namespace saferchat::vcard::testing {
namespace {

TEST(VcardVpcdFrame, EncodesLengthBigEndian) {
  EXPECT_EQ(encode_vpcd_frame(hex("04")), hex("0001 04"));
  EXPECT_EQ(encode_vpcd_frame(Bytes(0x123, 0xAB)).size(), 0x125U);
  EXPECT_EQ(encode_vpcd_frame(Bytes(0x123, 0xAB))[0], 0x01);
  EXPECT_EQ(encode_vpcd_frame(Bytes(0x123, 0xAB))[1], 0x23);
  EXPECT_THROW(static_cast<void>(encode_vpcd_frame(Bytes(0x10000))), std::length_error);
}

TEST(VcardVpcdFrame, ReassemblesPayloadsFromAnyPieces) {
  const Bytes stream = hex("0001 04  0001 01  0005 00A4040C00  0000  0002 9000");
  for (std::size_t piece = 1; piece <= stream.size(); ++piece) {
    SCOPED_TRACE(piece);
    VpcdFrameDecoder decoder;
    std::vector<Bytes> payloads;
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      decoder.feed(std::span(stream).subspan(at, std::min(piece, stream.size() - at)));
      while (auto payload = decoder.next()) {
        payloads.push_back(*payload);
      }
    }
    EXPECT_EQ(payloads,
              (std::vector<Bytes>{hex("04"), hex("01"), hex("00A4040C00"), Bytes{}, hex("9000")}));
    EXPECT_EQ(decoder.buffered(), 0U);
  }
}

TEST(VcardVpcdFrame, WaitsForTheRestOfAFrame) {
  VpcdFrameDecoder decoder;
  decoder.feed(hex("00"));
  EXPECT_FALSE(decoder.next().has_value());
  decoder.feed(hex("03 AA"));
  EXPECT_FALSE(decoder.next().has_value());
  EXPECT_EQ(decoder.buffered(), 3U);
  decoder.feed(hex("BB CC 00"));
  EXPECT_EQ(decoder.next(), hex("AABBCC"));
  EXPECT_FALSE(decoder.next().has_value());
  EXPECT_EQ(decoder.buffered(), 1U);
}

TEST(VcardControlCommand, ParsesTheFourCommands) {
  EXPECT_EQ(parse_control_command("remove").command->action, ControlAction::remove);
  EXPECT_EQ(parse_control_command("insert\r").command->action, ControlAction::insert);
  EXPECT_EQ(parse_control_command("  status ").command->action, ControlAction::status);
  const ControlParse delay = parse_control_command("delay 15");
  ASSERT_TRUE(delay.command.has_value());
  EXPECT_EQ(delay.command->action, ControlAction::delay);
  EXPECT_EQ(delay.command->delay_ms, 15U);
  EXPECT_EQ(parse_control_command("delay 0").command->delay_ms, 0U);
}

TEST(VcardControlCommand, RemoveAfterApdu) {
  const ControlParse parsed = parse_control_command("remove-after-apdu 12");
  ASSERT_TRUE(parsed.command.has_value());
  EXPECT_EQ(parsed.command->action, ControlAction::remove_after_apdu);
  EXPECT_EQ(parsed.command->apdu, 12U);
  for (const char* bad : {"remove-after-apdu", "remove-after-apdu 0", "remove-after-apdu x1"}) {
    EXPECT_EQ(parse_control_command(bad).error, "remove-after-apdu needs an APDU number from 1");
  }
}

TEST(VcardControlCommand, SwapNamesAProfileFolder) {
  const ControlParse parsed = parse_control_command("swap /cards/teen-14 ");
  ASSERT_TRUE(parsed.command.has_value());
  EXPECT_EQ(parsed.command->action, ControlAction::swap);
  EXPECT_EQ(parsed.command->profile_dir, "/cards/teen-14");
  EXPECT_EQ(parse_control_command("swap").error, "swap needs a card profile folder");
}

TEST(VcardControlCommand, FailLogOffOnOrOff) {
  for (const auto& [line, fail] :
       {std::pair{"fail-log-off on", true}, {"fail-log-off off", false}}) {
    const ControlParse parsed = parse_control_command(line);
    ASSERT_TRUE(parsed.command.has_value()) << line;
    EXPECT_EQ(parsed.command->action, ControlAction::fail_log_off);
    EXPECT_EQ(parsed.command->fail, fail);
  }
  for (const char* bad : {"fail-log-off", "fail-log-off yes", "fail-log-off on now"}) {
    EXPECT_EQ(parse_control_command(bad).error, "fail-log-off needs on or off") << bad;
  }
}

TEST(VcardControlCommand, ExactErrors) {
  EXPECT_EQ(parse_control_command("eject").error,
            "unknown command (try: remove, insert, delay <ms>, status, remove-after-apdu <n>, swap "
            "<profile dir>, fail-log-off on|off)");
  EXPECT_EQ(parse_control_command("").error,
            "empty command (try: remove, insert, delay <ms>, status, remove-after-apdu <n>, swap "
            "<profile dir>, fail-log-off on|off)");
  EXPECT_EQ(parse_control_command("remove now").error, "remove takes no argument");
  for (const char* bad : {"delay", "delay -1", "delay 1.5", "delay 60001", "delay x"}) {
    EXPECT_EQ(parse_control_command(bad).error,
              "delay needs a number of milliseconds from 0 to 60000")
        << bad;
  }
  EXPECT_EQ(parse_control_command(std::string(300, 'a')).error, "line too long");
}

}  // namespace
}  // namespace saferchat::vcard::testing
