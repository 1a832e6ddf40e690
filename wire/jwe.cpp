// SPDX-License-Identifier: Apache-2.0
// Sealed tokens (wire/jwe.hpp): the parts that are the same with every crypto library. The JWK
// members, the JWE header and the compact serialisation, the Concat KDF (SHA-256 from the
// crypto seam, wire/crypto.hpp) and the order of the steps. The primitives are in
// wire/jwe_primitives.hpp.
#include "wire/jwe.hpp"

#include <algorithm>
#include <array>

#include "wire/crypto.hpp"
#include "wire/jwe_primitives.hpp"

namespace saferchat::jwe {
namespace {

using detail::Bytes;
using detail::coordinate_bytes;
using detail::fail;
using detail::iv_bytes;
using detail::tag_bytes;
using nlohmann::json;

constexpr std::size_t cek_bits = detail::cek_bytes * 8;

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

// RFC 4648 §5: the value of each character, or -1.
constexpr std::array<std::int8_t, 256> make_base64url_values() {
  std::array<std::int8_t, 256> table{};
  for (auto& value : table) {
    value = -1;
  }
  constexpr std::string_view letters =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (std::size_t i = 0; i < letters.size(); ++i) {
    table[static_cast<unsigned char>(letters[i])] = static_cast<std::int8_t>(i);
  }
  return table;
}
constexpr std::array<std::int8_t, 256> base64url_values = make_base64url_values();

const std::string* string_member(const json& object, std::string_view name) {
  const auto it = object.find(name);
  return it != object.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
}

// A required base64url member of exactly `size` bytes.
Bytes fixed_member(const json& jwk, std::string_view name, std::size_t size, const char* why) {
  const std::string* text = string_member(jwk, name);
  std::optional<Bytes> bytes = text != nullptr ? base64url_decode(*text) : std::nullopt;
  if (!bytes || bytes->size() != size) {
    fail(why);
  }
  return std::move(*bytes);
}

struct ParsedJwk {
  Curve curve = Curve::p256;
  std::shared_ptr<KeyHandle> key;
};

// The key of a JWK (RFC 7517 §4, RFC 7518 §6.2.1, RFC 8037 §2); "d" only `with_private`, else
// refused.
ParsedJwk parse_jwk(const json& jwk, bool with_private) {
  if (!jwk.is_object()) {
    fail("the key is not a JSON object");
  }
  if (!with_private && jwk.contains("d")) {
    fail("the key has a private part (\"d\")");
  }
  const std::string* kty = string_member(jwk, "kty");
  const std::string* crv = string_member(jwk, "crv");
  if (kty == nullptr || crv == nullptr) {
    fail(R"(the key has no string "kty" and "crv")");
  }
  detail::RawKey raw;
  if (*kty == "EC" && *crv == "P-256") {
    raw.x = fixed_member(jwk, "x", coordinate_bytes, "the key's \"x\" is not 32 bytes");
    raw.y = fixed_member(jwk, "y", coordinate_bytes, "the key's \"y\" is not 32 bytes");
  } else if (*kty == "OKP" && *crv == "X25519") {
    raw.curve = Curve::x25519;
    if (jwk.contains("y")) {
      fail("an X25519 key has no \"y\"");
    }
    raw.x = fixed_member(jwk, "x", coordinate_bytes, "the key's \"x\" is not 32 bytes");
  } else {
    fail("the key is neither EC P-256 nor OKP X25519");
  }
  if (with_private) {
    raw.d = fixed_member(jwk, "d", coordinate_bytes, "the key's \"d\" is not 32 bytes");
  }
  ParsedJwk parsed{raw.curve, nullptr};
  try {
    parsed.key = detail::import_key(raw);
  } catch (...) {
    detail::cleanse(raw.d.data(), raw.d.size());
    throw;
  }
  detail::cleanse(raw.d.data(), raw.d.size());
  return parsed;
}

// The public members of `key` as a JWK (no kid).
json public_members(Curve curve, const KeyHandle& key) {
  const detail::RawKey raw = detail::export_public(curve, key);
  if (curve == Curve::x25519) {
    return {{"kty", "OKP"}, {"crv", "X25519"}, {"x", base64url_encode(raw.x)}};
  }
  return {{"kty", "EC"},
          {"crv", "P-256"},
          {"x", base64url_encode(raw.x)},
          {"y", base64url_encode(raw.y)}};
}

void append_be32(Bytes& out, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out.push_back(static_cast<std::uint8_t>(value >> shift));
  }
}

// RFC 7518 §4.6.2: a field of OtherInfo is its 32-bit big-endian length, then its bytes.
void append_field(Bytes& out, std::span<const std::uint8_t> field) {
  append_be32(out, static_cast<std::uint32_t>(field.size()));
  out.insert(out.end(), field.begin(), field.end());
}

// The A256GCM content key from Z (RFC 7518 §4.6.2: no apu, no apv).
Bytes content_key(std::span<const std::uint8_t> shared_secret) {
  return concat_kdf(shared_secret, "A256GCM", {}, {}, cek_bits);
}

std::string encode_compact(std::string_view protected_b64, std::span<const std::uint8_t> iv,
                           std::span<const std::uint8_t> ciphertext,
                           std::span<const std::uint8_t> tag) {
  // RFC 7516 §7.1; the encrypted key is empty for direct key agreement (RFC 7518 §4.6).
  return std::string(protected_b64) + ".." + base64url_encode(iv) + "." +
         base64url_encode(ciphertext) + "." + base64url_encode(tag);
}

}  // namespace

std::string_view curve_name(Curve curve) noexcept {
  return curve == Curve::p256 ? "P-256" : "X25519";
}

bool is_valid_kid(std::string_view kid) noexcept {
  return !kid.empty() && kid.size() <= max_kid_length &&
         std::all_of(kid.begin(), kid.end(), [](char c) {
           return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
         });
}

std::string base64url_encode(std::span<const std::uint8_t> bytes) {
  constexpr std::string_view letters =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t n = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) |
                            std::uint32_t{bytes[i + 2]};
    out += letters[(n >> 18) & 63];
    out += letters[(n >> 12) & 63];
    out += letters[(n >> 6) & 63];
    out += letters[n & 63];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest > 0) {
    std::uint32_t n = std::uint32_t{bytes[i]} << 16;
    if (rest == 2) {
      n |= std::uint32_t{bytes[i + 1]} << 8;
    }
    out += letters[(n >> 18) & 63];
    out += letters[(n >> 12) & 63];
    if (rest == 2) {
      out += letters[(n >> 6) & 63];
    }
  }
  return out;
}

std::optional<Bytes> base64url_decode(std::string_view text) {
  if (text.size() % 4 == 1) {
    return std::nullopt;
  }
  Bytes out;
  out.reserve(text.size() * 3 / 4);
  std::uint32_t buffer = 0;
  int bits = 0;
  for (const char c : text) {
    const std::int8_t value = base64url_values[static_cast<unsigned char>(c)];
    if (value < 0) {
      return std::nullopt;
    }
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<std::uint8_t>(buffer >> bits));
      buffer &= (1U << bits) - 1;
    }
  }
  // The bits left over must be zero: one encoding per byte string (RFC 4648 §3.5).
  if (buffer != 0) {
    return std::nullopt;
  }
  return out;
}

PublicJwk PublicJwk::from_json(const json& jwk) {
  ParsedJwk parsed = parse_jwk(jwk, false);
  const std::string* kid = string_member(jwk, "kid");
  if (kid == nullptr || !is_valid_kid(*kid)) {
    fail("the key's \"kid\" is not 1 to 64 characters of A-Z a-z 0-9 . _ -");
  }
  if (const auto use = jwk.find("use"); use != jwk.end() && *use != "enc") {
    fail(R"(the key's "use" is not "enc")");
  }
  if (const auto alg = jwk.find("alg"); alg != jwk.end() && *alg != "ECDH-ES") {
    fail(R"(the key's "alg" is not "ECDH-ES")");
  }
  return {parsed.curve, *kid, std::move(parsed.key)};
}

json PublicJwk::to_json() const {
  json out = public_members(curve_, *key_);
  out["kid"] = kid_;
  out["use"] = "enc";
  out["alg"] = "ECDH-ES";
  return out;
}

PrivateKey PrivateKey::from_jwk(const json& jwk, std::string kid) {
  ParsedJwk parsed = parse_jwk(jwk, true);
  return {parsed.curve, std::move(kid), std::move(parsed.key)};
}

PrivateKey PrivateKey::generate(Curve curve, std::string kid) {
  return {curve, std::move(kid), detail::generate_key(curve)};
}

PublicJwk PrivateKey::public_jwk() const { return {curve_, kid_, key_}; }

Bytes concat_kdf(std::span<const std::uint8_t> shared_secret, std::string_view algorithm_id,
                 std::span<const std::uint8_t> party_u_info,
                 std::span<const std::uint8_t> party_v_info, std::size_t key_bits) {
  if (key_bits == 0 || key_bits % 8 != 0) {
    fail("the key length is not a whole number of bytes");
  }
  // SP 800-56A §5.8.1.1: Hash(counter ‖ Z ‖ OtherInfo) for counter = 1, 2, … (32-bit BE).
  Bytes input(4);
  input.insert(input.end(), shared_secret.begin(), shared_secret.end());
  append_field(input, bytes_of(algorithm_id));
  append_field(input, party_u_info);
  append_field(input, party_v_info);
  append_be32(input, static_cast<std::uint32_t>(key_bits));  // SuppPubInfo
  Bytes out;
  for (std::uint32_t counter = 1; out.size() < key_bits / 8; ++counter) {
    for (std::size_t i = 0; i < 4; ++i) {
      input[i] = static_cast<std::uint8_t>(counter >> (24 - 8 * i));
    }
    Bytes round;
    try {
      round = hash(HashAlgorithm::sha256, input);
    } catch (const std::exception&) {
      detail::cleanse(input.data(), input.size());
      fail("SHA-256 failed");
    }
    out.insert(out.end(), round.begin(), round.end());
    detail::cleanse(round.data(), round.size());
  }
  detail::cleanse(input.data(), input.size());
  detail::cleanse(out.data() + key_bits / 8, out.size() - key_bits / 8);
  out.resize(key_bits / 8);
  return out;
}

Bytes ecdh(const KeyHandle& own, const KeyHandle& peer) {
  Bytes secret = detail::agree(own, peer);
  // RFC 7748 §6.1: an all-zero X25519 secret (a small-order peer point) is refused; on P-256 a
  // valid peer never gives one.
  if (std::all_of(secret.begin(), secret.end(), [](std::uint8_t b) { return b == 0; })) {
    fail("key agreement failed");
  }
  return secret;
}

std::string seal(const PublicJwk& recipient, std::string_view plaintext) {
  std::array<std::uint8_t, iv_bytes> iv{};
  detail::random_bytes(iv);
  return seal_with(recipient, plaintext, PrivateKey::generate(recipient.curve(), "ephemeral"), iv);
}

std::string seal_with(const PublicJwk& recipient, std::string_view plaintext,
                      const PrivateKey& ephemeral, std::span<const std::uint8_t> iv) {
  if (ephemeral.curve() != recipient.curve() || iv.size() != iv_bytes) {
    fail("ephemeral key or IV unfit");
  }
  Bytes z = ecdh(ephemeral.key(), recipient.key());
  try {
    std::string sealed = seal_with_secret(
        recipient.kid(), public_members(ephemeral.curve(), ephemeral.key()), z, iv, plaintext);
    detail::cleanse(z.data(), z.size());
    return sealed;
  } catch (...) {
    detail::cleanse(z.data(), z.size());
    throw;
  }
}

std::string seal_with_secret(std::string_view kid, const json& epk,
                             std::span<const std::uint8_t> shared_secret,
                             std::span<const std::uint8_t> iv, std::string_view plaintext) {
  if (iv.size() != iv_bytes) {
    fail("ephemeral key or IV unfit");
  }
  const json header = {
      {"alg", "ECDH-ES"}, {"enc", "A256GCM"}, {"kid", kid}, {"epk", epk}, {"cty", content_type}};
  const std::string protected_b64 = base64url_encode(bytes_of(header.dump()));
  Bytes key = content_key(shared_secret);
  Bytes ciphertext;
  Bytes tag;
  const bool sealed = detail::aes256gcm_encrypt(key, iv, protected_b64, plaintext, ciphertext, tag);
  detail::cleanse(key.data(), key.size());
  if (!sealed) {
    fail("AES-256-GCM encryption failed");
  }
  return encode_compact(protected_b64, iv, ciphertext, tag);
}

CompactJwe parse_compact(std::string_view compact) {
  std::array<std::string_view, 5> parts;
  std::size_t count = 0;
  for (std::size_t start = 0;;) {
    const std::size_t dot = compact.find('.', start);
    if (count == parts.size()) {
      fail("the JWE does not have five parts");
    }
    parts.at(count++) = compact.substr(start, dot - start);
    if (dot == std::string_view::npos) {
      break;
    }
    start = dot + 1;
  }
  if (count != parts.size()) {
    fail("the JWE does not have five parts");
  }
  CompactJwe jwe;
  jwe.protected_b64 = parts[0];
  const std::optional<Bytes> header_bytes = base64url_decode(parts[0]);
  if (!header_bytes) {
    fail("the JWE header is not base64url");
  }
  jwe.header = json::parse(header_bytes->begin(), header_bytes->end(), nullptr, false);
  if (jwe.header.is_discarded() || !jwe.header.is_object()) {
    fail("the JWE header is not a JSON object");
  }
  const json& header = jwe.header;
  if (header.value("alg", json()) != "ECDH-ES" || header.value("enc", json()) != "A256GCM") {
    fail("the JWE is not ECDH-ES with A256GCM");
  }
  if (header.value("cty", json()) != content_type) {
    fail("the JWE's content type is not web-eid:1.0");
  }
  if (header.contains("zip") || header.contains("crit")) {
    fail(R"(the JWE header has "zip" or "crit")");
  }
  const std::string* kid = string_member(header, "kid");
  if (kid == nullptr || !is_valid_kid(*kid)) {
    fail("the JWE header has no valid \"kid\"");
  }
  if (!header.contains("epk") || !header["epk"].is_object()) {
    fail("the JWE header has no \"epk\" object");
  }
  if (!parts[1].empty()) {
    fail("the JWE has an encrypted key (ECDH-ES direct has none)");
  }
  std::optional<Bytes> iv = base64url_decode(parts[2]);
  std::optional<Bytes> ciphertext = base64url_decode(parts[3]);
  std::optional<Bytes> tag = base64url_decode(parts[4]);
  if (!iv || !ciphertext || !tag || iv->size() != iv_bytes || tag->size() != tag_bytes) {
    fail("the JWE's IV, ciphertext or tag is not base64url of the right size");
  }
  jwe.iv = std::move(*iv);
  jwe.ciphertext = std::move(*ciphertext);
  jwe.tag = std::move(*tag);
  return jwe;
}

const std::string& header_kid(const CompactJwe& jwe) {
  return jwe.header.at("kid").get_ref<const std::string&>();
}

std::string open(const CompactJwe& jwe, const PrivateKey& key) {
  if (header_kid(jwe) != key.kid()) {
    fail("the JWE is sealed to another key");
  }
  const ParsedJwk epk = parse_jwk(jwe.header.at("epk"), false);
  if (epk.curve != key.curve()) {
    fail("the JWE's ephemeral key is on another curve");
  }
  Bytes z = ecdh(key.key(), *epk.key);
  try {
    std::string plaintext = open_with_secret(jwe, z);
    detail::cleanse(z.data(), z.size());
    return plaintext;
  } catch (...) {
    detail::cleanse(z.data(), z.size());
    throw;
  }
}

std::string open_with_secret(const CompactJwe& jwe, std::span<const std::uint8_t> shared_secret) {
  Bytes cek = content_key(shared_secret);
  std::string plaintext;
  const bool opened =
      detail::aes256gcm_decrypt(cek, jwe.iv, jwe.protected_b64, jwe.ciphertext, jwe.tag, plaintext);
  detail::cleanse(cek.data(), cek.size());
  if (!opened) {
    fail("the JWE does not decrypt: wrong key, or tampered header, IV, ciphertext or tag");
  }
  return plaintext;
}

}  // namespace saferchat::jwe
