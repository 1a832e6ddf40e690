// SPDX-License-Identifier: Apache-2.0
#include "wire/token.hpp"

#include <string>

#include "wire/crypto.hpp"

namespace saferchat {
namespace {

std::span<const std::uint8_t> bytes_of(std::string_view text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

}  // namespace

std::string_view jwa_name(SignatureAlgorithm algorithm) noexcept {
  return algorithm == SignatureAlgorithm::rs256 ? "RS256" : "ES384";
}

std::vector<std::uint8_t> token_digest(SignatureAlgorithm algorithm, std::string_view origin,
                                       std::string_view challenge_nonce) {
  const HashAlgorithm h =
      algorithm == SignatureAlgorithm::rs256 ? HashAlgorithm::sha256 : HashAlgorithm::sha384;
  std::vector<std::uint8_t> signed_data = hash(h, bytes_of(origin));
  const std::vector<std::uint8_t> nonce_hash = hash(h, bytes_of(challenge_nonce));
  signed_data.insert(signed_data.end(), nonce_hash.begin(), nonce_hash.end());
  return hash(h, signed_data);
}

// Base64 with padding (RFC 4648 §4).
std::string base64_encode(std::span<const std::uint8_t> bytes) {
  static constexpr std::string_view alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve(4 * ((bytes.size() + 2) / 3));
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t group =
        (std::uint32_t{bytes[i]} << 16U) | (std::uint32_t{bytes[i + 1]} << 8U) | bytes[i + 2];
    for (const unsigned shift : {18U, 12U, 6U, 0U}) {
      out += alphabet[(group >> shift) & 0x3FU];
    }
  }
  if (const std::size_t rest = bytes.size() - i; rest > 0) {
    const std::uint32_t group =
        (std::uint32_t{bytes[i]} << 16U) | (rest == 2 ? std::uint32_t{bytes[i + 1]} << 8U : 0U);
    out += alphabet[(group >> 18U) & 0x3FU];
    out += alphabet[(group >> 12U) & 0x3FU];
    out += rest == 2 ? alphabet[(group >> 6U) & 0x3FU] : '=';
    out += '=';
  }
  return out;
}

nlohmann::json make_token(std::span<const std::uint8_t> certificate_der,
                          SignatureAlgorithm algorithm, std::span<const std::uint8_t> signature,
                          std::string_view host_version) {
  return {
      {"unverifiedCertificate", base64_encode(certificate_der)},
      {"algorithm", jwa_name(algorithm)},
      {"signature", base64_encode(signature)},
      {"format", "web-eid:1.0"},
      {"appVersion", "https://saferchat.be/host/" + std::string(host_version)},
  };
}

}  // namespace saferchat
