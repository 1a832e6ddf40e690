// SPDX-License-Identifier: Apache-2.0
// An in-process CardChannel that plays an APDU transcript: each step is the exact command the
// driver must send and the response the "card" gives. A different command fails the test.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "apdu/card_channel.hpp"

namespace saferchat::testing {

// "00 A4 08 0C" → bytes; spaces are ignored.
inline Bytes hex(std::string_view text) {
  Bytes out;
  std::string digits;
  for (const char c : text) {
    if (c != ' ') {
      digits.push_back(c);
    }
  }
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<std::uint8_t>(std::stoul(digits.substr(i, 2), nullptr, 16)));
  }
  return out;
}

inline std::string to_hex(std::span<const std::uint8_t> bytes) {
  static constexpr std::string_view digits = "0123456789ABCDEF";
  std::string out;
  for (const std::uint8_t b : bytes) {
    if (!out.empty()) {
      out.push_back(' ');
    }
    out.push_back(digits[b >> 4U]);
    out.push_back(digits[b & 0x0FU]);
  }
  return out;
}

struct Exchange {
  std::string command;   // hex of the encoded command APDU
  std::string response;  // hex of data + SW1 SW2
};

class FakeCardChannel final : public CardChannel {
 public:
  FakeCardChannel(std::initializer_list<Exchange> transcript) : transcript_(transcript) {}

  ResponseApdu transmit(const CommandApdu& command) override {
    const SecureBytes sent = command.encode();
    const std::string sent_hex = to_hex(sent);
    if (next_ >= transcript_.size()) {
      ADD_FAILURE() << "unexpected extra command " << sent_hex;
      return {{}, 0x6F, 0x00};
    }
    const Exchange& step = transcript_[next_++];
    EXPECT_EQ(sent_hex, to_hex(hex(step.command))) << "at step " << next_;
    return *ResponseApdu::parse(hex(step.response));
  }

  [[nodiscard]] bool finished() const { return next_ == transcript_.size(); }
  [[nodiscard]] std::size_t steps_done() const { return next_; }

 private:
  std::vector<Exchange> transcript_;
  std::size_t next_ = 0;
};

}  // namespace saferchat::testing
