// SPDX-License-Identifier: Apache-2.0
// The seam between card drivers and the reader: drivers send APDUs only through a channel.
// The PC/SC transaction implements it; unit tests use an in-process fake.
#pragma once

#include <cstdint>
#include <span>

#include "apdu/apdu.hpp"

namespace saferchat {

class CardChannel {
 public:
  CardChannel() = default;
  CardChannel(const CardChannel&) = delete;
  CardChannel& operator=(const CardChannel&) = delete;
  CardChannel(CardChannel&&) = delete;
  CardChannel& operator=(CardChannel&&) = delete;
  virtual ~CardChannel() = default;

  // Sends one command; 61xx and 6Cxx are already resolved (the response is final).
  // Throws Error for reader-level failures (card removed, reset, …).
  virtual ResponseApdu transmit(const CommandApdu& command) = 0;
};

// Reader control codes (SCardControl), for PIN pad readers (PC/SC Part 10).
class ReaderControl {
 public:
  ReaderControl() = default;
  ReaderControl(const ReaderControl&) = delete;
  ReaderControl& operator=(const ReaderControl&) = delete;
  ReaderControl(ReaderControl&&) = delete;
  ReaderControl& operator=(ReaderControl&&) = delete;
  virtual ~ReaderControl() = default;

  // Sends `input` with control code `code` and returns the reader's answer. Throws Error.
  virtual Bytes control(std::uint32_t code, std::span<const std::uint8_t> input) = 0;
};

}  // namespace saferchat
