// SPDX-License-Identifier: Apache-2.0
#include "card/belpic_card.hpp"

#include <algorithm>
#include <array>
#include <cstdio>
#include <string>

#include "apdu/pin_pad.hpp"
#include "wire/error.hpp"

namespace saferchat {
namespace {

constexpr std::array<AppletVariant, 2> variants{{
    {0x17, 0x17, "1.7", SignatureAlgorithm::rs256, belpic::applet17_rsa_pkcs1_sha256, 32, false},
    // Any later version is of the EC generation, as eid-mw reads the byte: a new applet is
    // not refused.
    {0x18, 0xFF, "1.8", SignatureAlgorithm::es384, belpic::applet18_ecdsa_sha384, 48, true},
}};

// The 1.7-generation ATR and mask eid-mw registers (and libelectronic-id adopted): TA1, TC2
// and the last historical byte vary between card batches.
constexpr std::array<std::uint8_t, 13> atr17_pattern{0x3B, 0x98, 0x00, 0x40, 0x00, 0xA5, 0x03,
                                                     0x01, 0x01, 0x01, 0xAD, 0x13, 0x00};
constexpr std::array<std::uint8_t, 13> atr17_mask{0xFF, 0xFF, 0x00, 0xFF, 0x00, 0xFF, 0xFF,
                                                  0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x00};
// Applet 1.8 cards.
constexpr std::array<std::uint8_t, 20> atr18{0x3B, 0x7F, 0x96, 0x00, 0x00, 0x80, 0x31,
                                             0x80, 0x65, 0xB0, 0x85, 0x04, 0x01, 0x20,
                                             0x12, 0x0F, 0xFF, 0x82, 0x90, 0x00};

std::string hex_sw(const ResponseApdu& response) {
  std::array<char, 8> text{};
  static_cast<void>(
      std::snprintf(text.data(), text.size(), "%04X", static_cast<unsigned>(response.sw())));
  return text.data();
}

std::string path_name(const belpic::FilePath& path) {
  std::array<char, 24> text{};
  static_cast<void>(std::snprintf(text.data(), text.size(), "%02X%02X/%02X%02X/%02X%02X", path[0],
                                  path[1], path[2], path[3], path[4], path[5]));
  return text.data();
}

[[noreturn]] void refuse(std::string_view what, const ResponseApdu& response) {
  throw Error(ErrorCode::card_error, std::string(what) + ": SW " + hex_sw(response));
}

// The BELPIC application, selected by AID: the PKCS#15 AID (content spec §5.1) as eid-mw does
// on connect, and when that is refused (another applet or the card manager selected: the
// PKCS#15 AID is known only to the BELPIC applet) the applet's instance AID (manual 1.8 §6.6
// note 1), which re-selects it as a reset would. False when neither is taken.
bool select_belpic(CardChannel& channel, const ResponseApdu& first_answer) {
  if (first_answer.ok()) {
    return true;
  }
  return channel.transmit(belpic::select_applet_instance()).ok();
}

// Status words with which a card says that something else than BELPIC is selected: INS or CLA
// unknown (6D00, 6E00), or our DF missing (6A82 to a SELECT).
bool answered_by_another_application(const CommandApdu& command, const ResponseApdu& response) {
  const std::uint16_t sw = response.sw();
  return sw == 0x6D00 || sw == 0x6E00 || (command.ins == 0xA4 && sw == 0x6A82);
}

// One command to the BELPIC applet. The applet is selected on connect (identify) and stays so
// between our transactions unless another program selects something else; eid-mw's card layer
// does not select before every command but selects the applet again when a command answers
// as if another application were selected, and sends the command once more. So do we: at most
// one SELECT and one repeat per command, and none in the normal case (a warm login stays at
// five APDUs).
ResponseApdu transmit(CardChannel& channel, const CommandApdu& command) {
  ResponseApdu response = channel.transmit(command);
  if (!answered_by_another_application(command, response)) {
    return response;
  }
  if (!select_belpic(channel, channel.transmit(belpic::select_applet()))) {
    return response;
  }
  return channel.transmit(command);
}

// SELECT by path; false when the file does not exist (6A82).
bool select(CardChannel& channel, const belpic::FilePath& path) {
  const ResponseApdu response = transmit(channel, belpic::select_path(path));
  if (response.sw() == 0x6A82) {
    return false;
  }
  if (!response.ok()) {
    refuse("SELECT " + path_name(path), response);
  }
  return true;
}

constexpr std::uint16_t chunk = 256;
constexpr std::size_t max_file_size = 16384;  // the photo, the largest file, is ~3.5 KB

// Appends READ BINARY answers from `data.size()` on, up to `limit` bytes or the file's end.
void read_from(CardChannel& channel, Bytes& data, std::size_t limit) {
  while (data.size() < limit) {
    const auto want = static_cast<std::uint16_t>(std::min<std::size_t>(chunk, limit - data.size()));
    const ResponseApdu response =
        transmit(channel, belpic::read_binary(static_cast<std::uint16_t>(data.size()), want));
    if (response.sw() == 0x6B00) {
      return;  // offset past the end: the file ended on a chunk boundary
    }
    if (!response.ok()) {
      refuse("READ BINARY", response);
    }
    data.insert(data.end(), response.data.begin(), response.data.end());
    if (response.data.size() < want) {
      return;
    }
  }
}

}  // namespace

AtrMatch match_belpic_atr(std::span<const std::uint8_t> atr) noexcept {
  if (std::equal(atr.begin(), atr.end(), atr18.begin(), atr18.end())) {
    return AtrMatch::applet18;
  }
  if (atr.size() == atr17_pattern.size()) {
    bool matches = true;
    for (std::size_t i = 0; i < atr.size(); ++i) {
      matches = matches && (atr[i] & atr17_mask[i]) == atr17_pattern[i];
    }
    if (matches) {
      return AtrMatch::applet17_generation;
    }
  }
  return AtrMatch::none;
}

BelpicCard BelpicCard::identify(CardChannel& channel, std::span<const std::uint8_t> atr) {
  const AtrMatch match = match_belpic_atr(atr);
  // The applet is selected by default after a reset (manual 1.8 §6.6 note 1), but another
  // program may have selected something else: field middleware selects it on connect.
  const ResponseApdu selected = channel.transmit(belpic::select_applet());
  if (match == AtrMatch::none && !selected.ok()) {
    // Not ours: that SELECT was the only command this card gets.
    throw Error(ErrorCode::unknown_card, "ATR of " + std::to_string(atr.size()) +
                                             " bytes is not a BELPIC card's; SELECT of the "
                                             "BELPIC AID: SW " +
                                             hex_sw(selected));
  }
  if (!select_belpic(channel, selected)) {
    throw Error(ErrorCode::unknown_card, "SELECT of the BELPIC applet: SW " + hex_sw(selected));
  }
  // GET CARD DATA's long form (1.8 §6.14, P2=01) adds the PIN tries the read ahead needs, in
  // one APDU; applet 1.7 knows only the short form, so 1.7-generation ATRs start with that,
  // and another card falls back to it.
  std::optional<belpic::CardData> data;
  ResponseApdu response;
  if (match != AtrMatch::applet17_generation) {
    response = channel.transmit(belpic::get_card_data(true));
    data = response.ok() ? belpic::parse_card_data(response.data) : std::nullopt;
    if (data && !data->pin_tries_left) {
      data.reset();
    }
  }
  if (!data) {
    response = channel.transmit(belpic::get_card_data(false));
    data = response.ok() ? belpic::parse_card_data(response.data) : std::nullopt;
    if (data) {
      data->pin_tries_left.reset();  // only the long form says
    }
  }
  if (!data) {
    throw Error(ErrorCode::unknown_card, "GET CARD DATA: SW " + hex_sw(response) + ", " +
                                             std::to_string(response.data.size()) + " bytes");
  }
  const auto* variant =
      std::find_if(variants.begin(), variants.end(), [&data](const AppletVariant& v) {
        return v.first_version <= data->applet_version && data->applet_version <= v.last_version;
      });
  if (variant == variants.end()) {
    std::array<char, 48> text{};
    static_cast<void>(std::snprintf(
        text.data(), text.size(), "applet version 0x%02X is not supported", data->applet_version));
    throw Error(ErrorCode::unknown_card, text.data());
  }
  return {*variant, *data};
}

Bytes BelpicCard::read_file(CardChannel& channel, const belpic::FilePath& path) const {
  if (!select(channel, path)) {
    throw Error(ErrorCode::card_error, "file " + path_name(path) + " not found");
  }
  Bytes data;
  read_from(channel, data, max_file_size);
  return data;
}

std::optional<Bytes> BelpicCard::read_certificate(CardChannel& channel,
                                                  const belpic::FilePath& path) const {
  if (!select(channel, path)) {
    return std::nullopt;
  }
  Bytes data;
  read_from(channel, data, chunk);
  const auto size = belpic::der_element_size(data);
  if (!size) {
    if (std::all_of(data.begin(), data.end(), [](std::uint8_t b) { return b == 0; })) {
      return std::nullopt;  // an empty certificate file is all zero bytes (NOTES §1)
    }
    throw Error(ErrorCode::card_error, "file " + path_name(path) + " holds no DER certificate");
  }
  if (*size > max_file_size) {
    throw Error(ErrorCode::card_error, "certificate of " + std::to_string(*size) + " bytes");
  }
  read_from(channel, data, *size);
  if (data.size() < *size) {
    throw Error(ErrorCode::card_error, "certificate file " + path_name(path) + " ends early");
  }
  data.resize(*size);  // drop padding read with the last chunk
  return data;
}

Bytes BelpicCard::read_authentication_certificate(CardChannel& channel) const {
  auto certificate = read_certificate(channel, belpic::authentication_certificate);
  if (!certificate) {
    throw Error(ErrorCode::no_auth_certificate, "authentication certificate file is empty");
  }
  return std::move(*certificate);
}

Bytes BelpicCard::read_identity(CardChannel& channel) const {
  return read_file(channel, belpic::identity_file);
}

int BelpicCard::pin_tries_left(CardChannel& channel) const {
  if (variant_->card_data_has_pin_tries) {
    const ResponseApdu response = transmit(channel, belpic::get_card_data(true));
    const auto data = response.ok() ? belpic::parse_card_data(response.data) : std::nullopt;
    if (!data || !data->pin_tries_left) {
      refuse("GET CARD DATA (PIN tries)", response);
    }
    return *data->pin_tries_left;
  }
  // VERIFY without data, case 1 (P3 = 00 on T=0, added by the transport).
  const ResponseApdu response = transmit(channel, belpic::pin_status());
  if (response.sw1 == 0x63 && (response.sw2 & 0xF0U) == 0xC0U) {
    return response.sw2 & 0x0F;
  }
  if (response.sw() == 0x6983) {
    return 0;
  }
  if (response.ok()) {
    return 3;  // verified in this session: the counter is back at its maximum
  }
  refuse("VERIFY (status)", response);
}

void BelpicCard::verify_pin(CardChannel& channel, const SecureBytes& pin_block) const {
  check_verify_response(transmit(channel, belpic::verify_pin(pin_block)));
}

void BelpicCard::check_verify_response(const ResponseApdu& response) {
  if (response.ok()) {
    return;
  }
  // Manual §6.9: 63Cx wrong PIN with x tries left; 6983 blocked.
  if (response.sw1 == 0x63 && (response.sw2 & 0xF0U) == 0xC0U) {
    const int tries = response.sw2 & 0x0F;
    if (tries == 0) {
      throw Error(ErrorCode::pin_blocked, "VERIFY: SW " + hex_sw(response));
    }
    throw Error(ErrorCode::pin_wrong, "VERIFY: SW " + hex_sw(response), tries);
  }
  if (response.sw() == 0x6983) {
    throw Error(ErrorCode::pin_blocked, "VERIFY: SW 6983");
  }
  // PIN pad readers (PC/SC Part 10 §2.5.2): 6400 entry timeout, 6401 Cancel key.
  if (response.sw() == 0x6400) {
    throw Error(ErrorCode::user_timeout, "PIN pad: SW 6400 (entry timeout)");
  }
  if (response.sw() == 0x6401) {
    throw Error(ErrorCode::user_cancelled, "PIN pad: SW 6401 (Cancel pressed)");
  }
  refuse("VERIFY", response);
}

std::optional<BelpicCard::PinPad> BelpicCard::find_pin_pad(ReaderControl& reader) {
  Bytes features;
  try {
    features = reader.control(pin_pad::get_feature_request_ioctl(), {});
  } catch (const Error& e) {
    if (e.code() == ErrorCode::card_removed) {
      throw;
    }
    return std::nullopt;  // readers without Part 10 support refuse the request
  }
  PinPad pad{pin_pad::find_feature(features, pin_pad::feature_verify_pin_direct),
             pin_pad::find_feature(features, pin_pad::feature_verify_pin_start),
             pin_pad::find_feature(features, pin_pad::feature_verify_pin_finish)};
  if (pad.direct || (pad.start && pad.finish)) {
    return pad;
  }
  return std::nullopt;
}

void BelpicCard::verify_pin_on_pin_pad(ReaderControl& reader, const PinPad& pin_pad,
                                       std::uint8_t timeout_s) const {
  const Bytes structure = pin_pad::verify_structure(timeout_s);
  Bytes answer;
  if (pin_pad.direct) {
    answer = reader.control(*pin_pad.direct, structure);
  } else {
    static_cast<void>(reader.control(pin_pad.start.value(), structure));
    answer = reader.control(pin_pad.finish.value(), {});
  }
  const auto response = ResponseApdu::parse(answer);
  if (!response) {
    throw Error(ErrorCode::card_communication,
                "PIN pad answer of " + std::to_string(answer.size()) + " bytes");
  }
  check_verify_response(*response);
}

Bytes BelpicCard::sign_with_authentication_key(CardChannel& channel,
                                               std::span<const std::uint8_t> hash) const {
  if (hash.size() != variant_->hash_size) {
    throw Error(ErrorCode::internal, "hash of " + std::to_string(hash.size()) + " bytes for " +
                                         std::string(jwa_name(variant_->authentication)));
  }
  const ResponseApdu mse = transmit(
      channel, belpic::mse_set_signature(variant_->mse_algorithm, belpic::authentication_key));
  if (!mse.ok()) {
    refuse("MSE SET", mse);
  }
  const ResponseApdu signature = transmit(channel, belpic::pso_compute_signature(hash));
  if (!signature.ok()) {
    refuse("PSO COMPUTE DIGITAL SIGNATURE", signature);
  }
  const std::size_t expected = variant_->authentication == SignatureAlgorithm::es384 ? 96 : 256;
  if (signature.data.size() != expected) {
    throw Error(ErrorCode::card_error,
                "signature of " + std::to_string(signature.data.size()) + " bytes");
  }
  return signature.data;
}

void BelpicCard::log_off(CardChannel& channel) const {
  // LOG OFF is case 1: P3 = 00 on T=0, added by the transport.
  const ResponseApdu response = transmit(channel, belpic::log_off());
  if (!response.ok()) {
    refuse("LOG OFF", response);
  }
}

}  // namespace saferchat
