// SPDX-License-Identifier: Apache-2.0
#include "vcard/belpic_applet.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <array>
#include <utility>

namespace saferchat::vcard {

namespace {

// CLA bytes (1.7 §6 Table 7, 1.8 §6 Table 7): ISO commands use 00, proprietary ones 80.
constexpr std::uint8_t cla_iso = 0x00;
constexpr std::uint8_t cla_proprietary = 0x80;

namespace ins {
constexpr std::uint8_t verify = 0x20;
constexpr std::uint8_t mse = 0x22;
constexpr std::uint8_t change_reference_data = 0x24;
constexpr std::uint8_t pso = 0x2A;
constexpr std::uint8_t select_file = 0xA4;
constexpr std::uint8_t read_binary = 0xB0;
constexpr std::uint8_t get_response = 0xC0;
constexpr std::uint8_t get_card_data = 0xE4;
constexpr std::uint8_t log_off = 0xE6;
}  // namespace ins

// PIN reference of PINcardholder (1.7 §3.1 Table 1, 1.8 §6.5 Table 17).
constexpr std::uint8_t pin_reference = 0x01;

// Commands between a VERIFY and a signature with the signing key (83): 1.7 §5.1 "PIN just
// before" allows none, 1.8 §5.1.2 "at most 1 command".
unsigned just_before_window(AppletVersion version) noexcept {
  return version == AppletVersion::v1_7 ? 0U : 1U;
}

bool is_prefix_of(std::span<const std::uint8_t> prefix, std::span<const std::uint8_t> whole) {
  return prefix.size() <= whole.size() && std::equal(prefix.begin(), prefix.end(), whole.begin());
}

bool equal_bytes(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end());
}

std::uint16_t fid_at(std::span<const std::uint8_t> bytes, std::size_t offset) {
  return static_cast<std::uint16_t>((bytes[offset] << 8) | bytes[offset + 1]);
}

// Algorithm references, 1.7 §6.2 Table 11 (RSA).
namespace rsa_alg {
constexpr std::uint8_t pkcs1_caller_digest_info = 0x01;
constexpr std::uint8_t pkcs1_sha1 = 0x02;
constexpr std::uint8_t pkcs1_md5 = 0x04;
constexpr std::uint8_t pkcs1_sha256 = 0x08;
constexpr std::uint8_t pss_sha1 = 0x10;
constexpr std::uint8_t pss_sha256 = 0x20;
}  // namespace rsa_alg

// Algorithm references, 1.8 §6.3 Table 14 (ECDSA, hash computed off card).
namespace ec_alg {
constexpr std::uint8_t sha2_256 = 0x01;
constexpr std::uint8_t sha2_384 = 0x02;
constexpr std::uint8_t sha2_512 = 0x04;
constexpr std::uint8_t sha3_256 = 0x08;
constexpr std::uint8_t sha3_384 = 0x10;
constexpr std::uint8_t sha3_512 = 0x20;
constexpr std::uint8_t hash_not_specified = 0x40;
}  // namespace ec_alg

constexpr std::size_t pkcs1_v15_overhead = 11;  // 00 01 FF..FF(8+) 00 before the DigestInfo

}  // namespace

BelpicApplet::BelpicApplet(CardProfile profile)
    : profile_(std::move(profile)),
      files_(profile_.files),
      pin_tries_left_(std::min(profile_.pin_tries_left, max_pin_tries)) {
  // The applet keeps the contents in its file tree; the profile's copy is not needed.
  profile_.files.clear();
  profile_.files.shrink_to_fit();
}

void BelpicApplet::reset() {
  applet_selected_ = true;  // default-selected applet (1.7 §2.1 notes, 1.8 §2.2)
  select(FileSystem::mf);   // "The MF is the selected DF after a reset" (1.7 §2, 1.8 §2)
  environment_.reset();     // the SE is implicitly set after a reset (1.8 §2)
  pending_response_.clear();
  clear_security_status();
}

std::vector<std::uint8_t> BelpicApplet::transmit(std::span<const std::uint8_t> command_apdu) {
  ++apdu_count_;
  // Response data waits for GET RESPONSE only until the next command (T=0, 1.7 §6.1).
  std::vector<std::uint8_t> pending_response = std::exchange(pending_response_, {});
  const std::optional<CommandApdu> apdu = CommandApdu::parse(command_apdu);
  if (!profile_.belpic_applet) {
    // A card of another kind: it knows neither the BELPIC AIDs nor BELPIC's commands.
    const bool select = apdu.has_value() && apdu->ins == ins::select_file;
    return response(select ? sw::file_not_found : sw::ins_not_supported);
  }
  // T=0 moves every command with a five-byte header CLA INS P1 P2 P3 (ISO 7816-3 §12.2.2):
  // a case 1 command goes with P3 = 00, which eid-mw and OpenSC write themselves because not
  // every reader driver adds it. A real card never sees four bytes: it waits for the fifth
  // until the reader gives up. The virtual card refuses them with 6700 (wrong length).
  if (!apdu.has_value() || (profile_.protocol == Protocol::t0 && command_apdu.size() == 4)) {
    count_command_after_verify();
    return response(sw::wrong_length);
  }
  // VERIFY, CHANGE REFERENCE DATA and PSO are the "Verify" and "Sign" of §5.1; any other
  // command counts towards the "PIN just before" window.
  const bool pin_sequence_command =
      apdu->cla == cla_iso && (apdu->ins == ins::verify ||
                               apdu->ins == ins::change_reference_data || apdu->ins == ins::pso);
  if (!pin_sequence_command) {
    count_command_after_verify();
  }
  return dispatch(*apdu, pending_response);
}

std::vector<std::uint8_t> BelpicApplet::dispatch(const CommandApdu& apdu,
                                                 std::vector<std::uint8_t>& pending_response) {
  // Logical channels 1-3 are refused: Belpic lives on channel 0 only (1.8 §6.2, "6881").
  const std::uint8_t class_without_channel = apdu.cla & 0xFCU;
  if ((apdu.cla & 0x03U) != 0 &&
      (class_without_channel == cla_iso || class_without_channel == cla_proprietary)) {
    return response(sw::logical_channel_not_supported);
  }
  if (!applet_selected_) {
    // The card manager is selected (1.8 §6.6 note 1): only a SELECT by AID brings Belpic back.
    if (apdu.cla == cla_iso && apdu.ins == ins::select_file && apdu.p1 == 0x04) {
      return select_file(apdu);
    }
    return response(sw::ins_not_supported);
  }
  if (apdu.cla == cla_iso) {
    switch (apdu.ins) {
      case ins::select_file:
        return select_file(apdu);
      case ins::read_binary:
        return read_binary(apdu);
      case ins::verify:
        return verify(apdu);
      case ins::change_reference_data:
        return change_reference_data(apdu);
      case ins::mse:
        return manage_security_environment(apdu);
      case ins::pso:
        return compute_digital_signature(apdu);
      case ins::get_response:
        return get_response(apdu, pending_response);
      case ins::get_card_data:
      case ins::log_off:
        return response(sw::cla_not_supported);  // a proprietary INS with CLA 00
      default:
        return response(sw::ins_not_supported);
    }
  }
  if (apdu.cla == cla_proprietary) {
    switch (apdu.ins) {
      case ins::get_card_data:
        return get_card_data(apdu);
      case ins::log_off:
        return log_off(apdu);
      case ins::select_file:
      case ins::read_binary:
      case ins::verify:
      case ins::change_reference_data:
      case ins::mse:
      case ins::pso:
      case ins::get_response:
        return response(sw::cla_not_supported);  // an ISO INS with CLA 80
      default:
        return response(sw::ins_not_supported);
    }
  }
  return response(sw::cla_not_supported);
}

// SELECT FILE 00 A4 P1 0C Lc data (1.7 §6.3, 1.8 §6.6). P1: 02 FID, 04 AID, 08 path from MF;
// P2 must be 0C (no FCI). Errors: 6A86 wrong P1-P2, 6A87 Lc inconsistent with P1-P2,
// 6A82 file not found.
std::vector<std::uint8_t> BelpicApplet::select_file(const CommandApdu& apdu) {
  if ((apdu.p1 != 0x02 && apdu.p1 != 0x04 && apdu.p1 != 0x08) || apdu.p2 != 0x0C) {
    return response(sw::wrong_p1_p2_select);
  }
  const std::optional<std::span<const std::uint8_t>> data = apdu.case3_data();
  if (!data.has_value()) {
    return response(sw::wrong_length);
  }
  switch (apdu.p1) {
    case 0x02:
      if (data->size() != 2) {
        return response(sw::lc_inconsistent_with_p1_p2);
      }
      return select_by_fid(fid_at(*data, 0));
    case 0x08:
      if (data->empty() || data->size() % 2 != 0) {
        return response(sw::lc_inconsistent_with_p1_p2);
      }
      return select_by_path(*data);
    default:
      return select_by_name(*data);
  }
}

std::vector<std::uint8_t> BelpicApplet::select_by_name(std::span<const std::uint8_t> name) {
  if (name.empty()) {
    // "A Select with an empty AID is an implicit selection of the Card Manager" (1.8 §6.6).
    reset();
    applet_selected_ = false;
    return response(sw::ok);
  }
  // "Full AID (between 5 and 16 bytes)" (§6.3 Table 12 / §6.6 Table 18).
  if (name.size() < 5 || name.size() > 16) {
    return response(sw::lc_inconsistent_with_p1_p2);
  }
  // The Java Card runtime selects an applet by its AID or a prefix of it (partial AID).
  if (is_prefix_of(name, belpic_aid)) {
    // The manuals do not say whether re-selecting keeps the PIN status; the virtual card
    // chooses the stricter answer and starts afresh, as after a reset.
    reset();
    return response(sw::ok);
  }
  if (applet_selected_ && equal_bytes(name, pkcs15_aid)) {
    select(*files_.child(FileSystem::mf, belpic_df_fid));
    return response(sw::ok);
  }
  return response(sw::file_not_found);
}

std::vector<std::uint8_t> BelpicApplet::select_by_fid(std::uint16_t fid) {
  // Belpic accepts P1=02 for the MF and for DFs as well as for EFs. A FID is looked for as in
  // ISO 7816-4 selection by file identifier: the MF, children of the current DF, then the
  // current DF's parent and its children (so DF00 and DF01 are reachable from each other).
  std::optional<FileSystem::NodeId> found;
  if (fid == mf_fid) {
    found = FileSystem::mf;
  } else if (const auto child = files_.child(current_df_, fid); child.has_value()) {
    found = child;
  } else if (current_df_ != FileSystem::mf) {
    found = files_.child(files_.parent(current_df_), fid);
  }
  if (!found.has_value()) {
    return response(sw::file_not_found);  // the current selection stays as it was
  }
  select(*found);
  return response(sw::ok);
}

std::vector<std::uint8_t> BelpicApplet::select_by_path(std::span<const std::uint8_t> path) {
  // "Absolute path without the identifier of the MF" (Table 12 / 18). Middleware commonly
  // sends 3F00 first anyway (e.g. 3F00 DF01 4031), and the card accepts it.
  std::size_t offset = fid_at(path, 0) == mf_fid ? 2 : 0;
  FileSystem::NodeId node = FileSystem::mf;
  for (; offset < path.size(); offset += 2) {
    if (!files_.is_df(node)) {
      return response(sw::file_not_found);  // the path runs through an EF
    }
    const std::optional<FileSystem::NodeId> child = files_.child(node, fid_at(path, offset));
    if (!child.has_value()) {
      return response(sw::file_not_found);
    }
    node = *child;
  }
  select(node);
  return response(sw::ok);
}

void BelpicApplet::select(FileSystem::NodeId node) noexcept {
  if (files_.is_df(node)) {
    current_df_ = node;
    current_ef_.reset();
  } else {
    current_df_ = files_.parent(node);
    current_ef_ = node;
  }
}

// READ BINARY 00 B0 offH offL Le (1.7 §6.4, 1.8 §6.7). Le=00 means 256. Offset at or past
// the end: 6B00. Le beyond the end: 6Cxx with the exact count left. No EF selected: 6986.
// Every EF of the card is readable always (card content spec §4.3: ALW).
std::vector<std::uint8_t> BelpicApplet::read_binary(const CommandApdu& apdu) {
  const std::optional<std::size_t> le = apdu.case2_le();
  if (!le.has_value()) {
    return response(sw::wrong_length);
  }
  if ((apdu.p1 & 0x80U) != 0) {
    return response(sw::wrong_p1_p2);  // "OFF_H: Higher byte of the offset (bit 8 = 0)"
  }
  if (!current_ef_.has_value()) {
    return response(sw::command_not_allowed_no_current_ef);
  }
  const std::span<const std::uint8_t> content = files_.content(*current_ef_);
  const std::size_t offset = (static_cast<std::size_t>(apdu.p1) << 8) | apdu.p2;
  if (offset >= content.size()) {
    return response(sw::wrong_p1_p2);  // "offset outside the EF"
  }
  const std::size_t left = content.size() - offset;
  if (*le > left) {
    return response(sw::wrong_le(left));
  }
  return response(content.subspan(offset, *le), sw::ok);
}

// VERIFY 00 20 00 01 08 <PIN block> (1.7 §6.5, 1.8 §6.9). Lc=0 (or no Lc) asks the status
// without using a try: 9000 verified, 63Cx not verified, 6983 blocked. A wrong PIN answers
// 63Cx with x tries left (63C0 on the last one, then 6983) and drops every PIN right (§5.1).
std::vector<std::uint8_t> BelpicApplet::verify(const CommandApdu& apdu) {
  if (apdu.p1 != 0x00) {
    return response(sw::wrong_p1_p2_select);
  }
  if (apdu.p2 != pin_reference) {
    return response(sw::referenced_data_not_found);  // "Referenced PIN not found"
  }
  const std::optional<std::span<const std::uint8_t>> data = apdu.case3_data();
  if (!data.has_value() || (!data->empty() && data->size() != pin_block_size)) {
    return response(sw::wrong_length);
  }
  if (pin_tries_left_ == 0) {
    return response(sw::authentication_method_blocked);
  }
  if (data->empty()) {
    return response(pin_verified() ? sw::ok : sw::wrong_pin(pin_tries_left_));
  }
  // The card compares the whole 8-byte block: a malformed block is simply a wrong PIN.
  if (!profile_.pin.matches(*data)) {
    --pin_tries_left_;
    clear_security_status();
    return response(sw::wrong_pin(pin_tries_left_));
  }
  pin_tries_left_ = max_pin_tries;
  grant_after_pin_check();
  return response(sw::ok);
}

// CHANGE REFERENCE DATA 00 24 00 01 10 <old block> <new block> (1.7 §6.6, 1.8 §6.10). The
// previous access condition is discarded first; a wrong old PIN uses a try; a malformed new
// block answers 6A80 without using one; success grants the right like VERIFY.
std::vector<std::uint8_t> BelpicApplet::change_reference_data(const CommandApdu& apdu) {
  if (apdu.p1 != 0x00) {
    return response(sw::wrong_p1_p2_select);
  }
  if (apdu.p2 != pin_reference) {
    return response(sw::referenced_data_not_found);
  }
  const std::optional<std::span<const std::uint8_t>> data = apdu.case3_data();
  if (!data.has_value() || data->size() != 2 * pin_block_size) {
    return response(sw::wrong_length);
  }
  if (pin_tries_left_ == 0) {
    return response(sw::authentication_method_blocked);
  }
  clear_security_status();
  const std::span<const std::uint8_t> old_block = data->first(pin_block_size);
  const std::span<const std::uint8_t, pin_block_size> new_block =
      data->subspan(pin_block_size).first<pin_block_size>();
  if (!is_well_formed_pin_block(new_block)) {
    return response(sw::incorrect_data);
  }
  if (!profile_.pin.matches(old_block)) {
    --pin_tries_left_;
    return response(sw::wrong_pin(pin_tries_left_));
  }
  profile_.pin = PinBlock(new_block);
  pin_tries_left_ = max_pin_tries;
  grant_after_pin_check();
  return response(sw::ok);
}

// MSE SET 00 22 41 B6 05 04 80 <alg> 84 <key> (1.7 §6.7, 1.8 §6.12). Wrong P1-P2: 6B00;
// Lc other than 05: 6700; wrong template or unsupported algorithm: 6A80; key not on the card
// (or not a signature key): 6A88. A failed MSE leaves no environment set.
std::vector<std::uint8_t> BelpicApplet::manage_security_environment(const CommandApdu& apdu) {
  if (apdu.p1 != 0x41 || apdu.p2 != 0xB6) {
    return response(sw::wrong_p1_p2);
  }
  const std::optional<std::span<const std::uint8_t>> data = apdu.case3_data();
  if (!data.has_value() || data->size() != 5) {
    return response(sw::wrong_length);
  }
  environment_.reset();
  const std::span<const std::uint8_t> dst = *data;
  // 04 = length of what follows, 80 = algorithm reference tag, 84 = private key reference tag.
  if (dst[0] != 0x04 || dst[1] != 0x80 || dst[3] != 0x84 || !algorithm_supported(dst[2])) {
    return response(sw::incorrect_data);
  }
  const std::uint8_t key = dst[4];
  if ((key != authentication_key_reference && key != signing_key_reference) ||
      !profile_.keys.contains(key)) {
    return response(sw::referenced_data_not_found);
  }
  environment_ = SecurityEnvironment{dst[2], key};
  return response(sw::ok);
}

bool BelpicApplet::algorithm_supported(std::uint8_t algorithm) const noexcept {
  if (version() == AppletVersion::v1_7) {
    switch (algorithm) {
      case rsa_alg::pkcs1_caller_digest_info:
      case rsa_alg::pkcs1_sha1:
      case rsa_alg::pkcs1_md5:
      case rsa_alg::pkcs1_sha256:
      case rsa_alg::pss_sha1:
      case rsa_alg::pss_sha256:
        return true;
      default:
        return false;
    }
  }
  switch (algorithm) {
    case ec_alg::sha2_256:
    case ec_alg::sha2_384:
    case ec_alg::sha2_512:
    case ec_alg::sha3_256:
    case ec_alg::sha3_384:
    case ec_alg::sha3_512:
    case ec_alg::hash_not_specified:
      return true;
    default:
      return false;
  }
}

// PSO COMPUTE DIGITAL SIGNATURE 00 2A 9E 9A Lc <hash or DigestInfo> (1.7 §6.8, 1.8 §6.13).
// Wrong P1-P2: 6B00; no environment: 6985; PIN right missing: 6982; wrong DTBS length: 6700.
// T=0 case 4: the signature waits for GET RESPONSE behind 61xx (1.7 §6.1, 1.8 §6.1).
std::vector<std::uint8_t> BelpicApplet::compute_digital_signature(const CommandApdu& apdu) {
  if (apdu.p1 != 0x9E || apdu.p2 != 0x9A) {
    return response(sw::wrong_p1_p2);
  }
  const std::optional<std::span<const std::uint8_t>> data = apdu.case3_data();
  if (!data.has_value() || data->empty()) {
    return response(sw::wrong_length);
  }
  if (!environment_.has_value()) {
    return response(sw::conditions_of_use_not_satisfied);  // "security environment not set"
  }
  if (!may_sign_with(environment_->key)) {
    return response(sw::security_status_not_satisfied);
  }
  const auto key = profile_.keys.find(environment_->key);
  if (key == profile_.keys.end()) {
    return response(sw::conditions_of_use_not_satisfied);
  }
  if (!hash_length_valid(data->size()) ||
      (environment_->algorithm == rsa_alg::pkcs1_caller_digest_info &&
       version() == AppletVersion::v1_7 &&
       data->size() > key->second.signature_size() - pkcs1_v15_overhead)) {
    return response(sw::wrong_length);
  }
  std::optional<std::vector<std::uint8_t>> signature = sign(key->second, *data);
  if (!signature.has_value()) {
    return response(sw::no_precise_diagnostic);
  }
  ++signature_count_;
  pending_response_ = std::move(*signature);
  return response(sw::bytes_available(pending_response_.size()));
}

// DTBS lengths: 1.7 §6.8 (note under Table 28), 1.8 §6.13 Table 42.
bool BelpicApplet::hash_length_valid(std::size_t length) const noexcept {
  const std::uint8_t algorithm = environment_->algorithm;
  if (version() == AppletVersion::v1_7) {
    switch (algorithm) {
      case rsa_alg::pkcs1_md5:
        return length == 16;
      case rsa_alg::pkcs1_sha1:
      case rsa_alg::pss_sha1:
        return length == 20;
      case rsa_alg::pkcs1_sha256:
      case rsa_alg::pss_sha256:
        return length == 32;
      default:
        return length > 0;  // caller's DigestInfo: bounded by the key size
    }
  }
  switch (algorithm) {
    case ec_alg::sha2_256:
    case ec_alg::sha3_256:
      return length == 32;
    case ec_alg::sha2_384:
    case ec_alg::sha3_384:
      return length == 48;
    case ec_alg::sha2_512:
    case ec_alg::sha3_512:
      return length == 64;
    default:  // "hash not specified": 160, 224, 256, 384 or 512 bits
      return length == 20 || length == 28 || length == 32 || length == 48 || length == 64;
  }
}

std::optional<std::vector<std::uint8_t>> BelpicApplet::sign(
    const PrivateKey& key, std::span<const std::uint8_t> input) const {
  if (version() == AppletVersion::v1_8) {
    return key.sign_ecdsa_plain(input);
  }
  switch (environment_->algorithm) {
    case rsa_alg::pkcs1_caller_digest_info:
      return key.sign_rsa_pkcs1(std::nullopt, input);
    case rsa_alg::pkcs1_sha1:
      return key.sign_rsa_pkcs1(RsaDigest::sha1, input);
    case rsa_alg::pkcs1_md5:
      return key.sign_rsa_pkcs1(RsaDigest::md5, input);
    case rsa_alg::pkcs1_sha256:
      return key.sign_rsa_pkcs1(RsaDigest::sha256, input);
    case rsa_alg::pss_sha1:
      return key.sign_rsa_pss(RsaDigest::sha1, input);
    default:
      return key.sign_rsa_pss(RsaDigest::sha256, input);
  }
}

// GET RESPONSE 00 C0 00 00 Le (1.7 §6.1, 1.8 §6.1). Nothing waiting: 6985. Le larger than
// what waits: 6Cxx and the data keeps waiting (footnote 1 of Table 10). Less: 61xx for the
// rest.
std::vector<std::uint8_t> BelpicApplet::get_response(const CommandApdu& apdu,
                                                     std::vector<std::uint8_t>& pending_response) {
  if (apdu.p1 != 0x00 || apdu.p2 != 0x00) {
    pending_response_ = std::move(pending_response);
    return response(sw::wrong_p1_p2);
  }
  const std::optional<std::size_t> le = apdu.case2_le();
  if (!le.has_value()) {
    pending_response_ = std::move(pending_response);
    return response(sw::wrong_length);
  }
  if (pending_response.empty()) {
    return response(sw::conditions_of_use_not_satisfied);  // "no data to retrieve"
  }
  if (*le > pending_response.size()) {
    const std::size_t available = pending_response.size();
    pending_response_ = std::move(pending_response);
    return response(sw::wrong_le(available));
  }
  const std::span<const std::uint8_t> all(pending_response);
  std::vector<std::uint8_t> out = response(all.first(*le), sw::ok);
  if (*le < all.size()) {
    pending_response_.assign(all.begin() + static_cast<std::ptrdiff_t>(*le), all.end());
    const std::uint16_t status = sw::bytes_available(pending_response_.size());
    out[out.size() - 2] = static_cast<std::uint8_t>(status >> 8);
    out[out.size() - 1] = static_cast<std::uint8_t>(status & 0xFFU);
  }
  return out;
}

// GET CARD DATA 80 E4 00 00 1C (1.7 §6.9, 1.8 §6.14); on 1.8 also 80 E4 00 01 1F, which
// appends the PIN tries left and two RFU bytes FF FF (Tables 45-47). Le other than the exact
// length: 6Cxx. Other P1-P2: 6B00.
std::vector<std::uint8_t> BelpicApplet::get_card_data(const CommandApdu& apdu) {
  const std::optional<std::size_t> le = apdu.case2_le();
  if (!le.has_value()) {
    return response(sw::wrong_length);
  }
  const bool with_pin_tries = version() == AppletVersion::v1_8 && apdu.p2 == 0x01;
  if (apdu.p1 != 0x00 || (apdu.p2 != 0x00 && !with_pin_tries)) {
    return response(sw::wrong_p1_p2);
  }
  std::vector<std::uint8_t> data(profile_.card_data.begin(), profile_.card_data.end());
  if (with_pin_tries) {
    data.insert(data.end(), {pin_tries_left_, 0xFF, 0xFF});
  }
  if (*le != data.size()) {
    return response(sw::wrong_le(data.size()));
  }
  return response(data, sw::ok);
}

// LOG OFF 80 E6 00 00 (1.7 §6.10, 1.8 §6.15): discards the fulfilled access conditions.
std::vector<std::uint8_t> BelpicApplet::log_off(const CommandApdu& apdu) {
  if (apdu.p1 != 0x00 || apdu.p2 != 0x00) {
    return response(sw::wrong_p1_p2);
  }
  if (!apdu.is_case1()) {
    return response(sw::wrong_length);
  }
  clear_security_status();
  return response(sw::ok);
}

// The PIN rights of §5.1 ("PIN once", "PIN just before", "PIN Mixed" mode). A good VERIFY is
// first "pending": if a signature with the signing key (83) follows within the window (no
// command on 1.7, at most one on 1.8) it is spent on that signature; otherwise (another
// VERIFY, a signature with the authentication key, or too many commands) it becomes the
// lasting "PIN once" right for the authentication key (82). A wrong PIN, LOG OFF and a reset
// drop everything.
void BelpicApplet::clear_security_status() noexcept {
  auth_right_ = false;
  verify_pending_ = false;
  commands_since_verify_ = 0;
}

void BelpicApplet::grant_after_pin_check() noexcept {
  if (verify_pending_) {
    auth_right_ = true;  // the earlier VERIFY was outside a signing sequence
  }
  verify_pending_ = true;
  commands_since_verify_ = 0;
}

void BelpicApplet::count_command_after_verify() noexcept {
  if (verify_pending_ && ++commands_since_verify_ > just_before_window(version())) {
    auth_right_ = true;
    verify_pending_ = false;
  }
}

bool BelpicApplet::may_sign_with(std::uint8_t key) noexcept {
  if (key == signing_key_reference) {
    // "PIN just before": spends the pending VERIFY, whether the signature then succeeds or
    // not ("Verify(PIN), Wrong Sign(Keynon-rep) KO, …, Sign(Keyauth) KO").
    return std::exchange(verify_pending_, false);
  }
  if (verify_pending_) {
    auth_right_ = true;
    verify_pending_ = false;
  }
  return auth_right_;
}

}  // namespace saferchat::vcard
