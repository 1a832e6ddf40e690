// SPDX-License-Identifier: Apache-2.0
// BELPIC applet commands and data (Belpic applet reference manuals 1.7 and 1.8, NOTES §1).
// Pure: builders of command APDUs and parsers of what the card returns.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "apdu/apdu.hpp"

namespace saferchat::belpic {

// Applet instance AID (manual 1.7 §2.1, 1.8 §2.2): A0 00 00 00 30 29 05 70 00 AD 13 10 01 01
// FF. Selecting it re-selects the applet as a reset does (PIN state gone).
inline constexpr std::array<std::uint8_t, 15> applet_aid{
    0xA0, 0x00, 0x00, 0x00, 0x30, 0x29, 0x05, 0x70, 0x00, 0xAD, 0x13, 0x10, 0x01, 0x01, 0xFF};
// AID of the BELPIC PKCS#15 application, DF(BELPIC) DF00 (content spec v5.4 §5.1, EF(DIR)
// §5.2.1): A0 00 00 01 77 50 4B 43 53 2D 31 35, 12 bytes. The one field middleware (eid-mw, its
// minidriver, the Fedict Java library) selects on connect.
inline constexpr std::array<std::uint8_t, 12> pkcs15_aid{0xA0, 0x00, 0x00, 0x01, 0x77, 0x50,
                                                         0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35};

// Full paths from the MF: 3F00 DFxx EFxx (SELECT P1=08). The manuals (1.7 §6.3, 1.8 §6.6 table
// 18) describe the path without the MF; the eID minidriver sends it with 3F00 and the cards
// take both, as the paths in EF(ODF) and EF(CDF) (content spec §5.3.2, §5.3.6) are written.
using FilePath = std::array<std::uint8_t, 6>;
inline constexpr FilePath authentication_certificate{0x3F, 0x00, 0xDF, 0x00, 0x50, 0x38};
inline constexpr FilePath signing_certificate{0x3F, 0x00, 0xDF, 0x00, 0x50, 0x39};
inline constexpr FilePath ca_certificate{0x3F, 0x00, 0xDF, 0x00, 0x50, 0x3A};
inline constexpr FilePath root_certificate{0x3F, 0x00, 0xDF, 0x00, 0x50, 0x3B};
inline constexpr FilePath rrn_certificate{0x3F, 0x00, 0xDF, 0x00, 0x50, 0x3C};
inline constexpr FilePath identity_file{0x3F, 0x00, 0xDF, 0x01, 0x40, 0x31};
inline constexpr FilePath identity_signature{0x3F, 0x00, 0xDF, 0x01, 0x40, 0x32};
inline constexpr FilePath address_file{0x3F, 0x00, 0xDF, 0x01, 0x40, 0x33};
// PKCS#15 directory files of DF(BELPIC) (content spec §4.3, §5.3).
inline constexpr FilePath odf{0x3F, 0x00, 0xDF, 0x00, 0x50, 0x31};
inline constexpr FilePath token_info{0x3F, 0x00, 0xDF, 0x00, 0x50, 0x32};
inline constexpr FilePath aodf{0x3F, 0x00, 0xDF, 0x00, 0x50, 0x34};
inline constexpr FilePath prkdf{0x3F, 0x00, 0xDF, 0x00, 0x50, 0x35};
inline constexpr FilePath cdf{0x3F, 0x00, 0xDF, 0x00, 0x50, 0x37};

// Key references (manual §4.1): 82 authentication, 83 non-repudiation (signing).
inline constexpr std::uint8_t authentication_key = 0x82;
inline constexpr std::uint8_t signing_key = 0x83;

// Algorithm references for MSE SET (manual 1.7 table 14 / 1.8 table 14).
inline constexpr std::uint8_t applet17_rsa_pkcs1_sha256 = 0x08;
inline constexpr std::uint8_t applet18_ecdsa_sha384 = 0x02;

// SELECT FILE by AID of the PKCS#15 application: 00 A4 04 0C 0C A0 00 00 01 77 50 4B 43 53 2D
// 31 35 (manual 1.8 §6.6 P1=04; content spec §5.1). Keeps the PIN state.
[[nodiscard]] CommandApdu select_applet();
// SELECT FILE by the applet instance AID: 00 A4 04 0C 0F A0 00 00 00 30 29 05 70 00 AD 13 10 01
// 01 FF (manual 1.8 §2.2, §6.6 note 1): brings the applet back after another was selected.
[[nodiscard]] CommandApdu select_applet_instance();
// SELECT FILE by full path: 00 A4 08 0C 06 3F 00 DF xx xx xx (manual §6.6 P1=08, with the MF
// as the eID minidriver sends it).
[[nodiscard]] CommandApdu select_path(const FilePath& path);
// READ BINARY: 00 B0 <offset hi> <offset lo> <Le> (manual §6.7); le 1..256.
[[nodiscard]] CommandApdu read_binary(std::uint16_t offset, std::uint16_t le);
// GET CARD DATA: 80 E4 00 00 1C (28 bytes) or, applet 1.8, 80 E4 00 01 1F (31 bytes).
[[nodiscard]] CommandApdu get_card_data(bool with_pin_tries);
// VERIFY PIN: 00 20 00 01 08 <PIN block> (manual §6.9).
[[nodiscard]] CommandApdu verify_pin(const SecureBytes& pin_block);
// VERIFY without data: asks the PIN status without using a try (manual §6.9).
[[nodiscard]] CommandApdu pin_status();
// MSE SET for digital signature: 00 22 41 B6 05 04 80 <alg> 84 <key> (manual §6.10).
[[nodiscard]] CommandApdu mse_set_signature(std::uint8_t algorithm, std::uint8_t key);
// PSO COMPUTE DIGITAL SIGNATURE: 00 2A 9E 9A <Lc> <hash> (manual §6.11); answered 61xx.
[[nodiscard]] CommandApdu pso_compute_signature(std::span<const std::uint8_t> hash);
// LOG OFF: 80 E6 00 00 (manual §6.15): drops the verified PIN state.
[[nodiscard]] CommandApdu log_off();

// PIN block (manual §6.9): 0x20 | length, the digits as BCD nibbles, an odd last nibble F,
// padded with FF to 8 bytes. Throws Error(pin_invalid_format) unless 4..12 ASCII digits.
[[nodiscard]] SecureBytes make_pin_block(std::span<const char> digits);

// GET CARD DATA response (NOTES §1, manual §6.13).
struct CardData {
  std::array<std::uint8_t, 16> serial{};
  std::uint8_t applet_version = 0;    // byte 21: 0x11, 0x17, 0x18 (or later)
  std::uint8_t life_cycle = 0;        // byte 27
  std::optional<int> pin_tries_left;  // byte 28, 1.8 long form only
};
[[nodiscard]] std::optional<CardData> parse_card_data(std::span<const std::uint8_t> bytes);

// Total size (header + contents) of the DER element that starts `bytes` (X.690 §8.1.3), if
// its first bytes are a SEQUENCE header; nullopt for an empty (all-zero) or malformed file.
[[nodiscard]] std::optional<std::size_t> der_element_size(std::span<const std::uint8_t> bytes);

}  // namespace saferchat::belpic
