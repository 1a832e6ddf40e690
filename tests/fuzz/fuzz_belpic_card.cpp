// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: the host's BELPIC driver (host/card/belpic_card.cpp, host/apdu) reading what
// a card, or a malicious reader, answers: through the CardChannel seam, with the T=0 procedures
// the PC/SC transaction applies (61xx GET RESPONSE, 6Cxx resend). A login's card session runs in
// order: identify (ATR, GET CARD DATA), the authentication certificate (SELECT, READ BINARY
// chain, DER length), the identity file, PIN tries, VERIFY, MSE SET + PSO signature, LOG OFF;
// then the reader's PIN pad features (Part 10 GET_FEATURE_REQUEST) and a PIN pad VERIFY.
// Input: records [length high][length low][bytes]; the first is the ATR, each next one the raw
// answer (data + SW1 SW2) to the next command or control call. When the records run out the
// card is gone (Error card_removed, as PC/SC reports). Invariants: only saferchat::Error
// escapes; a certificate is as long as its DER header says; a signature has the variant's size
// for ES384 (96 bytes, r ‖ s).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "apdu/apdu.hpp"
#include "apdu/belpic.hpp"
#include "apdu/card_channel.hpp"
#include "card/belpic_card.hpp"
#include "wire/error.hpp"

namespace {

using saferchat::Bytes;
using saferchat::Error;
using saferchat::ErrorCode;

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

class Answers {
 public:
  explicit Answers(std::span<const std::uint8_t> input) : input_(input) {}

  Bytes next() {
    if (input_.size() < 2) {
      throw Error(ErrorCode::card_removed, "the card was removed");
    }
    const std::size_t length = (std::size_t{input_[0]} << 8U) | input_[1];
    const std::size_t take = std::min(length, input_.size() - 2);
    Bytes out(input_.begin() + 2, input_.begin() + 2 + static_cast<std::ptrdiff_t>(take));
    input_ = input_.subspan(2 + take);
    return out;
  }

 private:
  std::span<const std::uint8_t> input_;
};

class ScriptedChannel final : public saferchat::CardChannel {
 public:
  explicit ScriptedChannel(Answers& answers) : answers_(answers) {}
  saferchat::ResponseApdu transmit(const saferchat::CommandApdu& command) override {
    return saferchat::transmit_with_t0_procedures(
        [this](std::span<const std::uint8_t> /*sent*/) { return answers_.next(); }, command);
  }

 private:
  Answers& answers_;
};

class ScriptedReader final : public saferchat::ReaderControl {
 public:
  explicit ScriptedReader(Answers& answers) : answers_(answers) {}
  Bytes control(std::uint32_t /*code*/, std::span<const std::uint8_t> /*input*/) override {
    return answers_.next();
  }

 private:
  Answers& answers_;
};

// Runs one step; a card's refusal or a broken answer is an Error, anything else is a bug.
template <typename Step>
bool step(Step&& run) {
  try {
    run();
    return true;
  } catch (const Error&) {
    return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Answers answers(std::span<const std::uint8_t>(data, size));
  ScriptedChannel channel(answers);
  Bytes atr;
  if (!step([&] { atr = answers.next(); })) {
    return 0;
  }
  std::optional<saferchat::BelpicCard> card;
  if (!step([&] { card.emplace(saferchat::BelpicCard::identify(channel, atr)); })) {
    return 0;
  }
  step([&] {
    const Bytes certificate = card->read_authentication_certificate(channel);
    require(saferchat::belpic::der_element_size(certificate) == certificate.size());
  });
  step([&] { static_cast<void>(card->read_identity(channel)); });
  step([&] { require(card->pin_tries_left(channel) >= 0); });
  const std::array<char, 4> pin{'1', '2', '3', '4'};
  step([&] { card->verify_pin(channel, saferchat::belpic::make_pin_block(pin)); });
  step([&] {
    const std::vector<std::uint8_t> hash(card->variant().hash_size, 0xAB);
    const Bytes signature = card->sign_with_authentication_key(channel, hash);
    if (card->variant().authentication == saferchat::SignatureAlgorithm::es384) {
      require(signature.size() == 96);
    }
  });
  step([&] { card->log_off(channel); });

  ScriptedReader reader(answers);
  std::optional<saferchat::BelpicCard::PinPad> pin_pad;
  step([&] { pin_pad = saferchat::BelpicCard::find_pin_pad(reader); });
  if (pin_pad) {
    step([&] { card->verify_pin_on_pin_pad(reader, *pin_pad, 30); });
  }
  return 0;
}
