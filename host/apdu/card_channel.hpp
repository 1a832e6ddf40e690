// The seam between card drivers and the reader: drivers send APDUs only through a channel.
// The PC/SC transaction implements it; unit tests use an in-process fake.
#pragma once

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

}  // namespace saferchat
