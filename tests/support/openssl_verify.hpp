// SPDX-License-Identifier: Apache-2.0
// Independent signature checks with OpenSSL, for tests: does `signature` over `hash` verify
// with the public key of the DER certificate? ES384 signatures are raw r‖s (as the card and
// the token give them) and are converted to DER here.
#pragma once

#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace saferchat::testing {

inline std::vector<std::uint8_t> ecdsa_raw_to_der(std::span<const std::uint8_t> raw) {
  const std::size_t half = raw.size() / 2;
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(raw.data(), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(raw.data() + half, static_cast<int>(half), nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  const int length = i2d_ECDSA_SIG(sig, &der);
  std::vector<std::uint8_t> out(der, der + length);
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

// `algorithm` is "ES384" or "RS256"; `hash` is the SHA-384 / SHA-256 digest that was signed.
inline bool verify_with_certificate(std::span<const std::uint8_t> certificate_der,
                                    const std::string& algorithm,
                                    std::span<const std::uint8_t> hash,
                                    std::span<const std::uint8_t> signature) {
  const unsigned char* cursor = certificate_der.data();
  std::unique_ptr<X509, decltype(&X509_free)> certificate(
      d2i_X509(nullptr, &cursor, static_cast<long>(certificate_der.size())), X509_free);
  if (!certificate) {
    return false;
  }
  EVP_PKEY* key = X509_get0_pubkey(certificate.get());
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(
      EVP_PKEY_CTX_new(key, nullptr), EVP_PKEY_CTX_free);
  if (!context || EVP_PKEY_verify_init(context.get()) != 1) {
    return false;
  }
  std::vector<std::uint8_t> encoded(signature.begin(), signature.end());
  if (algorithm == "ES384") {
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
        EVP_PKEY_CTX_set_signature_md(context.get(), EVP_sha384()) != 1) {
      return false;
    }
    encoded = ecdsa_raw_to_der(signature);
  } else if (algorithm == "RS256") {
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA ||
        EVP_PKEY_CTX_set_rsa_padding(context.get(), RSA_PKCS1_PADDING) != 1 ||
        EVP_PKEY_CTX_set_signature_md(context.get(), EVP_sha256()) != 1) {
      return false;
    }
  } else {
    return false;
  }
  return EVP_PKEY_verify(context.get(), encoded.data(), encoded.size(), hash.data(), hash.size()) ==
         1;
}

}  // namespace saferchat::testing
