// SPDX-License-Identifier: Apache-2.0
#include "wire/jwe.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>

namespace saferchat::jwe {
namespace {

using nlohmann::json;
using Bytes = std::vector<std::uint8_t>;

template <auto Free>
struct OpenSslDeleter {
  template <typename T>
  void operator()(T* pointer) const noexcept {
    Free(pointer);
  }
};
using PkeyContextPtr = std::unique_ptr<EVP_PKEY_CTX, OpenSslDeleter<EVP_PKEY_CTX_free>>;
using CipherContextPtr = std::unique_ptr<EVP_CIPHER_CTX, OpenSslDeleter<EVP_CIPHER_CTX_free>>;
using MdContextPtr = std::unique_ptr<EVP_MD_CTX, OpenSslDeleter<EVP_MD_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, OpenSslDeleter<BIO_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;

constexpr std::size_t coordinate_bytes = 32;  // P-256 and X25519 (RFC 7518 §6.2.1.2, RFC 8037)
constexpr std::size_t iv_bytes = 12;          // 96 bits (RFC 7518 §5.3)
constexpr std::size_t tag_bytes = 16;         // 128 bits (RFC 7518 §5.3)
constexpr std::size_t cek_bits = 256;         // A256GCM

[[noreturn]] void fail(const char* why) {
  ERR_clear_error();  // OpenSSL's queue says nothing the caller may see
  throw JweError(why);
}

std::shared_ptr<EVP_PKEY> own(EVP_PKEY* key) { return {key, EVP_PKEY_free}; }

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

std::shared_ptr<EVP_PKEY> ec_key_from_data(const Bytes& x, const Bytes& y, const Bytes* d) {
  // SEC 1 §2.3.3: an uncompressed point is 04 ‖ X ‖ Y.
  Bytes point{0x04};
  point.insert(point.end(), x.begin(), x.end());
  point.insert(point.end(), y.begin(), y.end());
  std::string group = "prime256v1";
  BignumPtr private_value;
  std::array<unsigned char, coordinate_bytes> d_native{};
  std::vector<OSSL_PARAM> params{
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group.data(), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size())};
  if (d != nullptr) {
    private_value.reset(BN_bin2bn(d->data(), static_cast<int>(d->size()), nullptr));
    if (!private_value || BN_bn2nativepad(private_value.get(), d_native.data(),
                                          static_cast<int>(d_native.size())) < 0) {
      fail("the key's private value does not decode");
    }
    params.push_back(
        OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, d_native.data(), d_native.size()));
  }
  params.push_back(OSSL_PARAM_construct_end());
  const PkeyContextPtr context(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  const int selection = d != nullptr ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY;
  if (!context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
      EVP_PKEY_fromdata(context.get(), &key, selection, params.data()) != 1) {
    OPENSSL_cleanse(d_native.data(), d_native.size());
    fail("the key's point is not on P-256");
  }
  OPENSSL_cleanse(d_native.data(), d_native.size());
  std::shared_ptr<EVP_PKEY> owned = own(key);
  // SP 800-56A §5.6.2.3.3: on the curve, not infinity, right order.
  const PkeyContextPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    fail("the key's point is not on P-256");
  }
  return owned;
}

struct ParsedJwk {
  Curve curve = Curve::p256;
  std::shared_ptr<EVP_PKEY> key;
};

// The public part of a JWK (RFC 7517 §4, RFC 7518 §6.2.1, RFC 8037 §2); `d` only when
// `private_value` is set, else refused.
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
  ParsedJwk parsed;
  if (*kty == "EC" && *crv == "P-256") {
    const Bytes x = fixed_member(jwk, "x", coordinate_bytes, "the key's \"x\" is not 32 bytes");
    const Bytes y = fixed_member(jwk, "y", coordinate_bytes, "the key's \"y\" is not 32 bytes");
    if (with_private) {
      Bytes d = fixed_member(jwk, "d", coordinate_bytes, "the key's \"d\" is not 32 bytes");
      parsed.key = ec_key_from_data(x, y, &d);
      OPENSSL_cleanse(d.data(), d.size());
    } else {
      parsed.key = ec_key_from_data(x, y, nullptr);
    }
    return parsed;
  }
  if (*kty == "OKP" && *crv == "X25519") {
    parsed.curve = Curve::x25519;
    if (jwk.contains("y")) {
      fail("an X25519 key has no \"y\"");
    }
    const Bytes x = fixed_member(jwk, "x", coordinate_bytes, "the key's \"x\" is not 32 bytes");
    EVP_PKEY* key = nullptr;
    if (with_private) {
      Bytes d = fixed_member(jwk, "d", coordinate_bytes, "the key's \"d\" is not 32 bytes");
      key = EVP_PKEY_new_raw_private_key_ex(nullptr, "X25519", nullptr, d.data(), d.size());
      OPENSSL_cleanse(d.data(), d.size());
    } else {
      key = EVP_PKEY_new_raw_public_key_ex(nullptr, "X25519", nullptr, x.data(), x.size());
    }
    if (key == nullptr) {
      fail("the X25519 key does not decode");
    }
    parsed.key = own(key);
    return parsed;
  }
  fail("the key is neither EC P-256 nor OKP X25519");
}

std::optional<Curve> curve_of(const EVP_PKEY* key) {
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_X25519) {
    return Curve::x25519;
  }
  if (EVP_PKEY_get_base_id(key) == EVP_PKEY_EC) {
    std::array<char, 64> group{};
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &length) == 1 &&
        std::string_view(group.data(), length) == "prime256v1") {
      return Curve::p256;
    }
  }
  return std::nullopt;
}

Bytes bignum_param(const EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    fail("cannot read the key's coordinates");
  }
  const BignumPtr value(raw);
  Bytes out(coordinate_bytes);
  if (BN_bn2binpad(value.get(), out.data(), static_cast<int>(out.size())) < 0) {
    fail("cannot read the key's coordinates");
  }
  return out;
}

// The public members of `key` as a JWK (no kid).
json public_members(Curve curve, const EVP_PKEY* key) {
  if (curve == Curve::x25519) {
    Bytes x(coordinate_bytes);
    std::size_t length = x.size();
    if (EVP_PKEY_get_raw_public_key(key, x.data(), &length) != 1 || length != x.size()) {
      fail("cannot read the X25519 public key");
    }
    return {{"kty", "OKP"}, {"crv", "X25519"}, {"x", base64url_encode(x)}};
  }
  return {{"kty", "EC"},
          {"crv", "P-256"},
          {"x", base64url_encode(bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_X))},
          {"y", base64url_encode(bignum_param(key, OSSL_PKEY_PARAM_EC_PUB_Y))}};
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

Bytes content_key(const EVP_PKEY* own_key, EVP_PKEY* peer) {
  Bytes z = ecdh(const_cast<EVP_PKEY*>(own_key), peer);  // NOLINT: OpenSSL takes non-const
  Bytes key = concat_kdf(z, "A256GCM", {}, {}, cek_bits);
  OPENSSL_cleanse(z.data(), z.size());
  return key;
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
  json out = public_members(curve_, key_.get());
  out["kid"] = kid_;
  out["use"] = "enc";
  out["alg"] = "ECDH-ES";
  return out;
}

PrivateKey PrivateKey::from_pem(std::string_view pem, std::string kid) {
  if (!is_valid_kid(kid)) {
    fail("the key's kid is not 1 to 64 characters of A-Z a-z 0-9 . _ -");
  }
  const BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (key == nullptr) {
    fail("not a PEM private key");
  }
  std::shared_ptr<EVP_PKEY> owned = own(key);
  const std::optional<Curve> curve = curve_of(key);
  if (!curve) {
    fail("the private key is neither P-256 nor X25519");
  }
  return {*curve, std::move(kid), std::move(owned)};
}

PrivateKey PrivateKey::from_jwk(const json& jwk, std::string kid) {
  ParsedJwk parsed = parse_jwk(jwk, true);
  return {parsed.curve, std::move(kid), std::move(parsed.key)};
}

PrivateKey PrivateKey::generate(Curve curve, std::string kid) {
  EVP_PKEY* key = curve == Curve::p256 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                                       : EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
  if (key == nullptr) {
    fail("cannot generate a key");
  }
  return {curve, std::move(kid), own(key)};
}

PublicJwk PrivateKey::public_jwk() const { return {curve_, kid_, key_}; }

std::string PrivateKey::to_pem() const {
  const BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key_.get(), nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail("cannot write the private key");
  }
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);  // NOLINT(google-runtime-int)
  return {data, static_cast<std::size_t>(length)};
}

Bytes concat_kdf(std::span<const std::uint8_t> shared_secret, std::string_view algorithm_id,
                 std::span<const std::uint8_t> party_u_info,
                 std::span<const std::uint8_t> party_v_info, std::size_t key_bits) {
  if (key_bits == 0 || key_bits % 8 != 0) {
    fail("the key length is not a whole number of bytes");
  }
  Bytes other_info;
  append_field(other_info, bytes_of(algorithm_id));
  append_field(other_info, party_u_info);
  append_field(other_info, party_v_info);
  append_be32(other_info, static_cast<std::uint32_t>(key_bits));  // SuppPubInfo
  Bytes out;
  const MdContextPtr context(EVP_MD_CTX_new());
  std::array<unsigned char, EVP_MAX_MD_SIZE> round{};
  // SP 800-56A §5.8.1.1: Hash(counter ‖ Z ‖ OtherInfo) for counter = 1, 2, … (32-bit BE).
  for (std::uint32_t counter = 1; out.size() < key_bits / 8; ++counter) {
    Bytes prefix;
    append_be32(prefix, counter);
    unsigned int length = 0;
    if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1 ||
        EVP_DigestUpdate(context.get(), prefix.data(), prefix.size()) != 1 ||
        EVP_DigestUpdate(context.get(), shared_secret.data(), shared_secret.size()) != 1 ||
        EVP_DigestUpdate(context.get(), other_info.data(), other_info.size()) != 1 ||
        EVP_DigestFinal_ex(context.get(), round.data(), &length) != 1) {
      fail("SHA-256 failed");
    }
    out.insert(out.end(), round.begin(), round.begin() + length);
  }
  OPENSSL_cleanse(round.data(), round.size());
  out.resize(key_bits / 8);
  return out;
}

Bytes ecdh(EVP_PKEY* own_key, EVP_PKEY* peer) {
  const PkeyContextPtr context(EVP_PKEY_CTX_new_from_pkey(nullptr, own_key, nullptr));
  std::size_t length = 0;
  // EVP_PKEY_derive_set_peer checks the peer's key (SP 800-56A §5.6.2.3) and its curve; for
  // X25519 OpenSSL refuses an all-zero secret (RFC 7748 §6.1).
  if (!context || EVP_PKEY_derive_init(context.get()) != 1 ||
      EVP_PKEY_derive_set_peer(context.get(), peer) != 1 ||
      EVP_PKEY_derive(context.get(), nullptr, &length) != 1) {
    fail("key agreement failed");
  }
  Bytes secret(length);
  if (EVP_PKEY_derive(context.get(), secret.data(), &length) != 1) {
    fail("key agreement failed");
  }
  secret.resize(length);
  return secret;
}

std::string seal(const PublicJwk& recipient, std::string_view plaintext) {
  std::array<std::uint8_t, iv_bytes> iv{};
  if (RAND_bytes(iv.data(), static_cast<int>(iv.size())) != 1) {
    fail("no random bytes for the IV");
  }
  return seal_with(recipient, plaintext, PrivateKey::generate(recipient.curve(), "ephemeral"), iv);
}

std::string seal_with(const PublicJwk& recipient, std::string_view plaintext,
                      const PrivateKey& ephemeral, std::span<const std::uint8_t> iv) {
  if (ephemeral.curve() != recipient.curve() || iv.size() != iv_bytes) {
    fail("ephemeral key or IV unfit");
  }
  const json header = {{"alg", "ECDH-ES"},
                       {"enc", "A256GCM"},
                       {"kid", recipient.kid()},
                       {"epk", public_members(ephemeral.curve(), ephemeral.key())},
                       {"cty", content_type}};
  const std::string protected_b64 = base64url_encode(bytes_of(header.dump()));
  Bytes key = content_key(ephemeral.key(), recipient.key());

  Bytes ciphertext(plaintext.size());
  std::array<std::uint8_t, tag_bytes> tag{};
  const CipherContextPtr context(EVP_CIPHER_CTX_new());
  int length = 0;
  int final_length = 0;
  const bool sealed =
      context &&
      EVP_EncryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(iv.size()),
                          nullptr) == 1 &&
      EVP_EncryptInit_ex(context.get(), nullptr, nullptr, key.data(), iv.data()) == 1 &&
      EVP_EncryptUpdate(context.get(), nullptr, &length,
                        reinterpret_cast<const unsigned char*>(protected_b64.data()),
                        static_cast<int>(protected_b64.size())) == 1 &&
      EVP_EncryptUpdate(context.get(), ciphertext.data(), &length,
                        reinterpret_cast<const unsigned char*>(plaintext.data()),
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(context.get(), ciphertext.data() + length, &final_length) == 1 &&
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_GET_TAG, static_cast<int>(tag.size()),
                          tag.data()) == 1;
  OPENSSL_cleanse(key.data(), key.size());
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
  Bytes cek = content_key(key.key(), epk.key.get());
  std::string plaintext(jwe.ciphertext.size(), '\0');
  const CipherContextPtr context(EVP_CIPHER_CTX_new());
  int length = 0;
  int final_length = 0;
  std::array<std::uint8_t, tag_bytes> tag{};
  std::copy(jwe.tag.begin(), jwe.tag.end(), tag.begin());
  const bool opened =
      context &&
      EVP_DecryptInit_ex(context.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) == 1 &&
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_IVLEN, static_cast<int>(jwe.iv.size()),
                          nullptr) == 1 &&
      EVP_DecryptInit_ex(context.get(), nullptr, nullptr, cek.data(), jwe.iv.data()) == 1 &&
      EVP_DecryptUpdate(context.get(), nullptr, &length,
                        reinterpret_cast<const unsigned char*>(jwe.protected_b64.data()),
                        static_cast<int>(jwe.protected_b64.size())) == 1 &&
      EVP_DecryptUpdate(context.get(), reinterpret_cast<unsigned char*>(plaintext.data()), &length,
                        jwe.ciphertext.data(), static_cast<int>(jwe.ciphertext.size())) == 1 &&
      EVP_CIPHER_CTX_ctrl(context.get(), EVP_CTRL_GCM_SET_TAG, static_cast<int>(tag.size()),
                          tag.data()) == 1 &&
      EVP_DecryptFinal_ex(context.get(),
                          reinterpret_cast<unsigned char*>(plaintext.data()) + length,
                          &final_length) == 1;
  OPENSSL_cleanse(cek.data(), cek.size());
  if (!opened) {
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    fail("the JWE does not decrypt: wrong key, or tampered header, IV, ciphertext or tag");
  }
  return plaintext;
}

}  // namespace saferchat::jwe
