// SPDX-License-Identifier: Apache-2.0
// A virtual card's personalisation, read from a profile folder: profile.json names the card
// files, the TEST ONLY private keys (PEM) and the PIN. Format: virtual-card/README.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "vcard/pin_block.hpp"
#include "vcard/private_key.hpp"

namespace saferchat::vcard {

enum class AppletVersion : std::uint8_t { v1_7, v1_8 };

// GET CARD DATA with P2=00 (manual 1.7 §6.9 Table 32, 1.8 §6.14 Table 47).
inline constexpr std::size_t card_data_size = 28;
// Offset of the "applet version" byte in it: 0x17 or 0x18 (manual 1.7 §1.8, 1.8 §1.8).
inline constexpr std::size_t card_data_applet_version_offset = 21;
// The PIN retry counter's maximum (manuals §3.1, Table 1).
inline constexpr std::uint8_t max_pin_tries = 3;
// READ BINARY offsets have 15 bits (manuals: P1 "bit 8 = 0"), so nothing beyond
// 0x7FFF + 256 bytes could ever be read.
inline constexpr std::size_t max_file_size = 0x7FFF + 256;

// Key references (manual 1.7 §4.1 Table 4, 1.8 §6.5 Table 16).
inline constexpr std::uint8_t basic_key_reference = 0x81;
inline constexpr std::uint8_t authentication_key_reference = 0x82;
inline constexpr std::uint8_t signing_key_reference = 0x83;  // "non-repudiation"

struct ProfileFile {
  std::vector<std::uint16_t> path;  // FIDs from the MF, 3F00 first
  std::vector<std::uint8_t> content;
};

// The transmission protocol the card speaks (ISO 7816-3). Real BELPIC cards: T=0 only.
enum class Protocol : std::uint8_t { t0, t1 };

// The protocols an ATR offers (ISO 7816-3 §8.2.3: the T of each TDi; none at all means T=0),
// in order; empty when the ATR is too short for the interface bytes it announces.
[[nodiscard]] std::vector<Protocol> atr_protocols(std::span<const std::uint8_t> atr);

struct CardProfile {
  std::string name;  // "profile", e.g. "kid-9"
  AppletVersion applet_version = AppletVersion::v1_8;
  std::vector<std::uint8_t> atr;
  Protocol protocol = Protocol::t0;  // "protocol"; default T=1 if the ATR offers it, else T=0
  // false ("applet": "none"): a card of another kind, without the BELPIC applet; it answers
  // 6A82 to every SELECT and 6D00 to anything else.
  bool belpic_applet = true;
  std::array<std::uint8_t, card_data_size> card_data{};
  PinBlock pin;
  std::uint8_t pin_tries_left = max_pin_tries;
  std::vector<ProfileFile> files;
  std::map<std::uint8_t, PrivateKey> keys;  // by key reference
};

// Everything wrong with a profile, with the field or file it concerns.
class ProfileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads dir/profile.json and the files and keys it names (paths relative to dir, never
// outside it). Unknown JSON fields are ignored. Throws ProfileError.
[[nodiscard]] CardProfile load_card_profile(const std::filesystem::path& dir);

}  // namespace saferchat::vcard
