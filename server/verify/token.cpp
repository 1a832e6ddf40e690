// SPDX-License-Identifier: Apache-2.0
#include "verify/token.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>

#include <algorithm>
#include <array>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "verify/reason.hpp"
#include "wire/jwe.hpp"

namespace saferchat::verify {
namespace {

struct AlgorithmInfo {
  TokenAlgorithm algorithm;
  std::string_view name;
};
constexpr std::array<AlgorithmInfo, 9> algorithms{{
    {TokenAlgorithm::es256, "ES256"},
    {TokenAlgorithm::es384, "ES384"},
    {TokenAlgorithm::es512, "ES512"},
    {TokenAlgorithm::rs256, "RS256"},
    {TokenAlgorithm::rs384, "RS384"},
    {TokenAlgorithm::rs512, "RS512"},
    {TokenAlgorithm::ps256, "PS256"},
    {TokenAlgorithm::ps384, "PS384"},
    {TokenAlgorithm::ps512, "PS512"},
}};

// RFC 4648 §4 / §5: the value of each character, or -1.
constexpr std::array<std::int8_t, 256> base64_table(bool url_safe) {
  std::array<std::int8_t, 256> table{};
  for (auto& value : table) {
    value = -1;
  }
  constexpr std::string_view letters =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (std::size_t i = 0; i < letters.size(); ++i) {
    table[static_cast<unsigned char>(letters[i])] = static_cast<std::int8_t>(i);
  }
  table[static_cast<unsigned char>(url_safe ? '-' : '+')] = 62;
  table[static_cast<unsigned char>(url_safe ? '_' : '/')] = 63;
  return table;
}
constexpr std::array<std::int8_t, 256> base64_values = base64_table(false);
constexpr std::array<std::int8_t, 256> base64url_values = base64_table(true);

[[noreturn]] void reject(Reason reason, const std::string& detail) {
  throw Rejection(reason, detail);
}

// A required (or optional) string member, size-checked.
std::optional<std::string> string_member(const nlohmann::json& object, const char* name,
                                         std::size_t max_chars, bool required) {
  const auto it = object.find(name);
  if (it == object.end() || it->is_null()) {
    if (required) {
      reject(Reason::token_malformed, std::string("token has no \"") + name + "\"");
    }
    return std::nullopt;
  }
  if (!it->is_string()) {
    reject(Reason::token_malformed, std::string("token \"") + name + "\" is not a string");
  }
  const auto& value = it->get_ref<const std::string&>();
  if (value.size() > max_chars) {
    reject(Reason::token_too_large, std::string("token \"") + name + "\" has " +
                                        std::to_string(value.size()) + " characters, limit " +
                                        std::to_string(max_chars));
  }
  return value;
}

bool format_supported(std::string_view format) {
  // "web-eid:1" or "web-eid:1.<digits>": major version 1 (Web eID's validators accept 1.x).
  constexpr std::string_view major = "web-eid:1";
  if (!format.starts_with(major)) {
    return false;
  }
  const std::string_view rest = format.substr(major.size());
  if (rest.empty()) {
    return true;
  }
  return rest.size() >= 2 && rest.front() == '.' &&
         rest.substr(1).find_first_not_of("0123456789") == std::string_view::npos;
}

const EVP_MD* fetched_or(const EVP_MD* fetched, const EVP_MD* fallback) {
  return fetched != nullptr ? fetched : fallback;
}

std::vector<std::uint8_t> digest(const EVP_MD* md, std::string_view data) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &length, md, nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  return out;
}

}  // namespace

std::string_view jwa_name(TokenAlgorithm algorithm) noexcept {
  for (const AlgorithmInfo& row : algorithms) {
    if (row.algorithm == algorithm) {
      return row.name;
    }
  }
  return "";
}

std::optional<TokenAlgorithm> algorithm_from_jwa(std::string_view name) noexcept {
  for (const AlgorithmInfo& row : algorithms) {
    if (row.name == name) {
      return row.algorithm;
    }
  }
  return std::nullopt;
}

const EVP_MD* algorithm_digest(TokenAlgorithm algorithm) noexcept {
  // Fetched once from the default provider: OpenSSL 3 would otherwise fetch (under a global
  // lock) on every use of EVP_sha256() and friends. Kept for the life of the process.
  static const std::array<const EVP_MD*, 3> digests{
      fetched_or(EVP_MD_fetch(nullptr, "SHA256", nullptr), EVP_sha256()),
      fetched_or(EVP_MD_fetch(nullptr, "SHA384", nullptr), EVP_sha384()),
      fetched_or(EVP_MD_fetch(nullptr, "SHA512", nullptr), EVP_sha512())};
  switch (algorithm) {
    case TokenAlgorithm::es256:
    case TokenAlgorithm::rs256:
    case TokenAlgorithm::ps256:
      return digests[0];
    case TokenAlgorithm::es384:
    case TokenAlgorithm::rs384:
    case TokenAlgorithm::ps384:
      return digests[1];
    case TokenAlgorithm::es512:
    case TokenAlgorithm::rs512:
    case TokenAlgorithm::ps512:
      return digests[2];
  }
  return digests[1];
}

nlohmann::json parse_token_object(std::string_view json, std::size_t max_bytes, int max_depth) {
  // 1. Size of the whole text, before any parsing.
  if (json.size() > max_bytes) {
    reject(Reason::token_too_large, "token of " + std::to_string(json.size()) + " bytes, limit " +
                                        std::to_string(max_bytes));
  }
  // 2. JSON (RFC 8259; nlohmann rejects invalid UTF-8) and its depth.
  bool too_deep = false;
  nlohmann::json object = nlohmann::json::parse(
      json.begin(), json.end(),
      [&too_deep, max_depth](int depth, nlohmann::json::parse_event_t /*event*/,
                             nlohmann::json& /*parsed*/) {
        if (depth > max_depth) {
          too_deep = true;
        }
        return !too_deep;
      },
      /*allow_exceptions=*/false);
  if (object.is_discarded() || too_deep) {
    reject(Reason::token_malformed,
           too_deep ? "token JSON nested too deeply" : "token is not JSON");
  }
  if (!object.is_object()) {
    reject(Reason::token_malformed, "token is not a JSON object");
  }
  return object;
}

Token token_from_object(const nlohmann::json& object, const TokenLimits& limits,
                        std::span<const TokenAlgorithm> allowed) {
  // 3. Members: present, strings, within their size (docs/protocol.md §4.3).
  const std::string certificate =
      *string_member(object, "unverifiedCertificate", limits.max_certificate_chars, true);
  const std::string algorithm = *string_member(object, "algorithm", limits.max_field_chars, true);
  const std::string signature =
      *string_member(object, "signature", limits.max_signature_chars, true);
  const std::string format = *string_member(object, "format", limits.max_field_chars, true);
  const std::optional<std::string> app_version =
      string_member(object, "appVersion", limits.max_field_chars, false);

  // 4. Format, then algorithm (NOTES §3).
  if (!format_supported(format)) {
    reject(Reason::format_unsupported, "token format is not web-eid:1");
  }
  const std::optional<TokenAlgorithm> parsed_algorithm = algorithm_from_jwa(algorithm);
  if (!parsed_algorithm) {
    reject(Reason::algorithm_unsupported, "algorithm is not a known JWA signature algorithm");
  }
  if (!allowed.empty() &&
      std::find(allowed.begin(), allowed.end(), *parsed_algorithm) == allowed.end()) {
    reject(Reason::algorithm_unsupported,
           "algorithm " + std::string(jwa_name(*parsed_algorithm)) + " is not allowed here");
  }

  // 5. The binary members.
  std::optional<std::vector<std::uint8_t>> certificate_der = base64_decode(certificate);
  if (!certificate_der || certificate_der->empty()) {
    reject(Reason::token_malformed, "unverifiedCertificate is not base64");
  }
  std::optional<std::vector<std::uint8_t>> signature_bytes = base64_decode(signature);
  if (!signature_bytes || signature_bytes->empty()) {
    reject(Reason::token_malformed, "signature is not base64");
  }
  return Token{std::move(*certificate_der), *parsed_algorithm, std::move(*signature_bytes), format,
               app_version.value_or("")};
}

Token parse_token(std::string_view json, const TokenLimits& limits,
                  std::span<const TokenAlgorithm> allowed) {
  return token_from_object(parse_token_object(json, limits.max_token_bytes, limits.max_json_depth),
                           limits, allowed);
}

std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text, bool url_safe) {
  const std::array<std::int8_t, 256>& values = url_safe ? base64url_values : base64_values;
  std::size_t data_length = text.size();
  while (data_length > 0 && text[data_length - 1] == '=') {
    --data_length;
  }
  const std::size_t padding = text.size() - data_length;
  if (padding > 2) {
    return std::nullopt;
  }
  if ((!url_safe || padding > 0) && text.size() % 4 != 0) {
    return std::nullopt;  // padded forms come in whole quanta (RFC 4648 §4)
  }
  if (data_length % 4 == 1) {
    return std::nullopt;  // one character cannot carry a whole byte
  }
  std::vector<std::uint8_t> out(data_length / 4 * 3 +
                                (data_length % 4 == 0 ? 0 : data_length % 4 - 1));
  // -1 for a character outside the alphabet (the tables hold -1..63).
  const auto value_at = [&](std::size_t i) -> int {
    return static_cast<int>(values[static_cast<unsigned char>(text[i])]);
  };
  std::size_t in = 0;
  std::size_t at = 0;
  // Whole quanta: 4 characters → 3 bytes.
  for (; in + 4 <= data_length; in += 4) {
    const int a = value_at(in);
    const int b = value_at(in + 1);
    const int c = value_at(in + 2);
    const int d = value_at(in + 3);
    if ((a | b | c | d) < 0) {
      return std::nullopt;
    }
    const auto n = static_cast<std::uint32_t>((a << 18) | (b << 12) | (c << 6) | d);
    out[at++] = static_cast<std::uint8_t>(n >> 16);
    out[at++] = static_cast<std::uint8_t>(n >> 8);
    out[at++] = static_cast<std::uint8_t>(n);
  }
  // The last 2 or 3 characters; the bits they leave over must be zero (canonical, RFC 4648 §3.5).
  const std::size_t rest = data_length - in;
  if (rest > 0) {
    const int a = value_at(in);
    const int b = value_at(in + 1);
    const int c = rest == 3 ? value_at(in + 2) : 0;
    if ((a | b | c) < 0) {
      return std::nullopt;
    }
    const auto n = static_cast<std::uint32_t>((a << 18) | (b << 12) | (c << 6));
    out[at++] = static_cast<std::uint8_t>(n >> 16);
    if (rest == 3) {
      out[at++] = static_cast<std::uint8_t>(n >> 8);
    }
    if ((rest == 2 && (n & 0xFFFF) != 0) || (rest == 3 && (n & 0xFF) != 0)) {
      return std::nullopt;
    }
  }
  return out;
}

std::string base64url_encode(std::span<const std::uint8_t> bytes) {
  return jwe::base64url_encode(bytes);  // one encoder, in the shared wire format (wire/jwe.hpp)
}

std::vector<std::uint8_t> signed_data(TokenAlgorithm algorithm, std::string_view origin,
                                      std::string_view challenge_nonce) {
  const EVP_MD* md = algorithm_digest(algorithm);
  std::vector<std::uint8_t> data = digest(md, origin);
  const std::vector<std::uint8_t> nonce_hash = digest(md, challenge_nonce);
  data.insert(data.end(), nonce_hash.begin(), nonce_hash.end());
  return data;
}

}  // namespace saferchat::verify
