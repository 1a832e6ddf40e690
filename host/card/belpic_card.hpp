// SPDX-License-Identifier: Apache-2.0
// The BELPIC card driver (Belgian eID and Kids-ID; Belpic applet manuals 1.7 and 1.8).
// It only sees a CardChannel, so unit tests drive it with APDU transcripts and the host with
// a PC/SC transaction. The applet variants are rows of a table, not an if-chain.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "apdu/belpic.hpp"
#include "apdu/card_channel.hpp"
#include "wire/token.hpp"

namespace saferchat {

// What differs between applet versions (manuals table 14).
struct AppletVariant {
  std::uint8_t first_version;         // GET CARD DATA byte 21, from…
  std::uint8_t last_version;          // …to (eid-mw: any version ≥ 0x18 is the EC generation)
  std::string_view name;              // "1.7", "1.8"
  SignatureAlgorithm authentication;  // RSA-2048 PKCS#1 v1.5 / ECDSA P-384
  std::uint8_t mse_algorithm;         // MSE SET algorithm reference for that signature
  std::size_t hash_size;              // bytes the PSO expects: SHA-256 / SHA-384
  bool card_data_has_pin_tries;       // GET CARD DATA 80 E4 00 01 1F (1.8)
};

// What the ATR alone says about a card.
enum class AtrMatch : std::uint8_t {
  none,                 // not a known BELPIC ATR: the applet's answer to SELECT decides
  applet17_generation,  // 3B 98 xx 40 xx A5 03 01 01 01 AD 13 xx (eid-mw's mask)
  applet18,             // 3B 7F 96 00 00 80 31 80 65 B0 85 04 01 20 12 0F FF 82 90 00
};
[[nodiscard]] AtrMatch match_belpic_atr(std::span<const std::uint8_t> atr) noexcept;
[[nodiscard]] inline bool is_belpic_atr(std::span<const std::uint8_t> atr) noexcept {
  return match_belpic_atr(atr) != AtrMatch::none;
}

class BelpicCard {
 public:
  // On connect: SELECT the BELPIC application by AID, then GET CARD DATA; the applet version
  // byte gives the variant. A card whose ATR is not a BELPIC one is BELPIC when the SELECT
  // succeeds and GET CARD DATA answers; otherwise it gets nothing but that one SELECT.
  // Throws Error(unknown_card) for another card or an applet older than 1.7.
  [[nodiscard]] static BelpicCard identify(CardChannel& channel, std::span<const std::uint8_t> atr);

  [[nodiscard]] const belpic::CardData& card_data() const noexcept { return card_data_; }
  // PIN tries left as GET CARD DATA said while identifying (its long form, tried first unless
  // the ATR is of the 1.7 generation): nullopt when identify used the short form.
  [[nodiscard]] std::optional<int> pin_tries_when_identified() const noexcept {
    return card_data_.pin_tries_left;
  }
  [[nodiscard]] const AppletVariant& variant() const noexcept { return *variant_; }

  // A whole transparent file: SELECT by path, then READ BINARY in 256-byte steps until a
  // short answer or 6B00 (offset past the end).
  [[nodiscard]] Bytes read_file(CardChannel& channel, const belpic::FilePath& path) const;
  // A certificate file: reads only as far as the DER header says (files may be padded).
  // nullopt when the file is empty (all zero, as on a young child's Kids-ID) or absent.
  [[nodiscard]] std::optional<Bytes> read_certificate(CardChannel& channel,
                                                      const belpic::FilePath& path) const;
  // Throws Error(no_auth_certificate) when the card holds none.
  [[nodiscard]] Bytes read_authentication_certificate(CardChannel& channel) const;
  [[nodiscard]] Bytes read_identity(CardChannel& channel) const;

  // Remaining PIN tries without using one: GET CARD DATA (1.8) or VERIFY without data (1.7).
  [[nodiscard]] int pin_tries_left(CardChannel& channel) const;
  // VERIFY with a PIN block from belpic::make_pin_block. Throws Error(pin_wrong, tries left)
  // or Error(pin_blocked).
  void verify_pin(CardChannel& channel, const SecureBytes& pin_block) const;
  // The reader's PIN pad, if it has one (PC/SC Part 10 VERIFY_PIN_DIRECT, or START/FINISH).
  struct PinPad {
    std::optional<std::uint32_t> direct;
    std::optional<std::uint32_t> start;
    std::optional<std::uint32_t> finish;
  };
  [[nodiscard]] static std::optional<PinPad> find_pin_pad(ReaderControl& reader);
  // VERIFY with the PIN typed on the reader's keypad: the reader builds the PIN block itself.
  // Same errors as verify_pin, plus Error(user_cancelled) / Error(user_timeout) from the
  // reader's Cancel key and entry timeout (Part 10 §2.5.2 answers 64 00 / 64 01).
  void verify_pin_on_pin_pad(ReaderControl& reader, const PinPad& pin_pad,
                             std::uint8_t timeout_s) const;

  // MSE SET + PSO COMPUTE DIGITAL SIGNATURE with the authentication key over `hash`
  // (variant().hash_size bytes). RS256: the PKCS#1 v1.5 signature; ES384: raw r‖s, 96 bytes.
  [[nodiscard]] Bytes sign_with_authentication_key(CardChannel& channel,
                                                   std::span<const std::uint8_t> hash) const;
  // LOG OFF: the verified PIN state must not outlive our use of it (NOTES §1).
  void log_off(CardChannel& channel) const;

 private:
  static void check_verify_response(const ResponseApdu& response);

  BelpicCard(const AppletVariant& variant, belpic::CardData card_data)
      : variant_(&variant), card_data_(card_data) {}

  const AppletVariant* variant_;
  belpic::CardData card_data_;
};

}  // namespace saferchat
