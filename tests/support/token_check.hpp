// SPDX-License-Identifier: Apache-2.0
// Checks a token the way a chat provider's validator does (docs/protocol.md §4.3), with
// OpenSSL and nothing of the host: the signature must verify over
// H(origin) ‖ H(challengeNonce) with the certificate's key and the token's algorithm.
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "support/openssl_verify.hpp"

namespace saferchat::testing {

inline std::vector<std::uint8_t> base64_decode(const std::string& text) {
  std::vector<std::uint8_t> out(text.size());
  const int length =
      EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                      static_cast<int>(text.size()));
  if (length < 0) {
    return {};
  }
  std::size_t padding = 0;
  for (auto it = text.rbegin(); it != text.rend() && *it == '='; ++it) {
    ++padding;
  }
  out.resize(static_cast<std::size_t>(length) - padding);
  return out;
}

inline std::vector<std::uint8_t> sha(const EVP_MD* md, const std::string& text) {
  std::vector<std::uint8_t> out(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), out.data(), &length, md, nullptr);
  return out;
}

// Empty when the token is valid for `origin` and `nonce`; else what is wrong.
inline std::string check_token(const nlohmann::json& token, const std::string& origin,
                               const std::string& nonce) {
  if (token.value("format", "") != "web-eid:1.0") {
    return "format";
  }
  const std::string algorithm = token.value("algorithm", "");
  const EVP_MD* md = algorithm == "ES384"   ? EVP_sha384()
                     : algorithm == "RS256" ? EVP_sha256()
                                            : nullptr;
  if (md == nullptr) {
    return "algorithm " + algorithm;
  }
  const auto certificate = base64_decode(token.value("unverifiedCertificate", ""));
  const auto signature = base64_decode(token.value("signature", ""));
  std::vector<std::uint8_t> signed_data = sha(md, origin);
  const auto nonce_hash = sha(md, nonce);
  signed_data.insert(signed_data.end(), nonce_hash.begin(), nonce_hash.end());
  // The signature scheme hashes the signed data once more.
  std::vector<std::uint8_t> digest(static_cast<std::size_t>(EVP_MD_get_size(md)));
  unsigned int length = 0;
  EVP_Digest(signed_data.data(), signed_data.size(), digest.data(), &length, md, nullptr);
  if (!verify_with_certificate(certificate, algorithm, digest, signature)) {
    return "signature does not verify";
  }
  return {};
}

}  // namespace saferchat::testing
