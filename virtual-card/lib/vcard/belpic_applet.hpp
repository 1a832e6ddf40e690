// SPDX-License-Identifier: Apache-2.0
// The BELPIC applet of a Belgian eID / Kids-ID card, in process: APDUs in, responses out.
// Behaviour follows the public applet reference manuals 1.7 (RSA-2048) and 1.8 (ECDSA), chosen
// by the profile's applet version; section numbers in comments refer to them ("1.7 §6.3").
// Implemented: SELECT FILE, READ BINARY, VERIFY, CHANGE REFERENCE DATA, MSE SET,
// PSO COMPUTE DIGITAL SIGNATURE, GET RESPONSE, GET CARD DATA, LOG OFF. Not implemented (6D00):
// READ RECORD, INTERNAL AUTHENTICATE, RESET RETRY COUNTER and the administration commands.
//
// Not thread-safe: one card, one caller at a time, as through a reader.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "vcard/apdu.hpp"
#include "vcard/card_profile.hpp"
#include "vcard/file_system.hpp"

namespace saferchat::vcard {

// Applet instance AID (1.7 §2.1, 1.8 §2.2).
inline constexpr std::array<std::uint8_t, 15> belpic_aid = {
    0xA0, 0x00, 0x00, 0x00, 0x30, 0x29, 0x05, 0x70, 0x00, 0xAD, 0x13, 0x10, 0x01, 0x01, 0xFF};
// PKCS#15 application AID of DF(BELPIC) DF00 (card content spec §5.1, EF(DIR) in §5.2.1).
inline constexpr std::array<std::uint8_t, 12> pkcs15_aid = {0xA0, 0x00, 0x00, 0x01, 0x77, 0x50,
                                                            0x4B, 0x43, 0x53, 0x2D, 0x31, 0x35};

class BelpicApplet {
 public:
  // Throws std::invalid_argument when the profile's files do not form a file tree.
  explicit BelpicApplet(CardProfile profile);

  // One command APDU → response data || SW1 SW2. Never throws on any input bytes.
  [[nodiscard]] std::vector<std::uint8_t> transmit(std::span<const std::uint8_t> command_apdu);

  // Card reset (warm or cold): the applet is selected again with the MF as current DF
  // (1.7 §2, 1.8 §2); security status, security environment and pending response data are
  // cleared. The PIN retry counter is kept (it lives in EEPROM).
  void reset();

  [[nodiscard]] std::span<const std::uint8_t> atr() const noexcept { return profile_.atr; }
  [[nodiscard]] AppletVersion version() const noexcept { return profile_.applet_version; }
  [[nodiscard]] const std::string& profile_name() const noexcept { return profile_.name; }

  // Observations for tests and the control socket.
  [[nodiscard]] std::uint64_t apdu_count() const noexcept { return apdu_count_; }
  [[nodiscard]] std::uint64_t signature_count() const noexcept { return signature_count_; }
  [[nodiscard]] std::uint8_t pin_tries_left() const noexcept { return pin_tries_left_; }
  // True while VERIFY with Lc=0 would answer 9000.
  [[nodiscard]] bool pin_verified() const noexcept { return auth_right_ || verify_pending_; }

 private:
  struct SecurityEnvironment {
    std::uint8_t algorithm = 0;
    std::uint8_t key = 0;
  };

  std::vector<std::uint8_t> dispatch(const CommandApdu& apdu,
                                     std::vector<std::uint8_t>& pending_response);
  std::vector<std::uint8_t> select_file(const CommandApdu& apdu);
  std::vector<std::uint8_t> select_by_name(std::span<const std::uint8_t> name);
  std::vector<std::uint8_t> select_by_fid(std::uint16_t fid);
  std::vector<std::uint8_t> select_by_path(std::span<const std::uint8_t> path);
  std::vector<std::uint8_t> read_binary(const CommandApdu& apdu);
  std::vector<std::uint8_t> verify(const CommandApdu& apdu);
  std::vector<std::uint8_t> change_reference_data(const CommandApdu& apdu);
  std::vector<std::uint8_t> manage_security_environment(const CommandApdu& apdu);
  std::vector<std::uint8_t> compute_digital_signature(const CommandApdu& apdu);
  std::vector<std::uint8_t> get_response(const CommandApdu& apdu,
                                         std::vector<std::uint8_t>& pending_response);
  std::vector<std::uint8_t> get_card_data(const CommandApdu& apdu);
  std::vector<std::uint8_t> log_off(const CommandApdu& apdu);

  [[nodiscard]] bool algorithm_supported(std::uint8_t algorithm) const noexcept;
  [[nodiscard]] bool hash_length_valid(std::size_t length) const noexcept;
  std::optional<std::vector<std::uint8_t>> sign(const PrivateKey& key,
                                                std::span<const std::uint8_t> input) const;

  // PIN access rights (§5.1): see the .cpp for the model.
  void clear_security_status() noexcept;
  void grant_after_pin_check() noexcept;
  void count_command_after_verify() noexcept;
  [[nodiscard]] bool may_sign_with(std::uint8_t key) noexcept;
  void select(FileSystem::NodeId node) noexcept;

  CardProfile profile_;
  FileSystem files_;
  std::uint8_t pin_tries_left_;

  bool applet_selected_ = true;  // false after SELECT with an empty AID (card manager)
  FileSystem::NodeId current_df_ = FileSystem::mf;
  std::optional<FileSystem::NodeId> current_ef_;
  std::optional<SecurityEnvironment> environment_;
  std::vector<std::uint8_t> pending_response_;  // for GET RESPONSE

  bool auth_right_ = false;      // "PIN once" right: authentication key, CHV files
  bool verify_pending_ = false;  // last good VERIFY may still serve the signing key
  unsigned commands_since_verify_ = 0;

  std::uint64_t apdu_count_ = 0;
  std::uint64_t signature_count_ = 0;
};

}  // namespace saferchat::vcard
