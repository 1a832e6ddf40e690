// SPDX-License-Identifier: Apache-2.0
// OpenSSL ownership helpers and certificate loading from memory (no file I/O in this layer:
// callers read files and pass their text).
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace saferchat::verify {

struct X509Free {
  void operator()(X509* certificate) const noexcept { X509_free(certificate); }
};
struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const noexcept { EVP_PKEY_free(key); }
};
struct X509StoreFree {
  void operator()(X509_STORE* store) const noexcept { X509_STORE_free(store); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;
using X509StorePtr = std::unique_ptr<X509_STORE, X509StoreFree>;

// Every "-----BEGIN CERTIFICATE-----" block of `pem` (other PEM blocks and text between blocks
// are skipped). Throws std::invalid_argument if a certificate block does not parse.
[[nodiscard]] std::vector<X509Ptr> parse_pem_certificates(std::string_view pem);

// Exactly one DER certificate, nothing after it. Nullptr if it does not parse or has trailing
// bytes. (A card's certificate file is padded: take its length from the DER header first.)
[[nodiscard]] X509Ptr parse_der_certificate(std::span<const std::uint8_t> der);

// SHA-256 of the DER encoding, lower-case hex (for logs, caches, README fingerprints).
[[nodiscard]] std::string sha256_fingerprint(const X509* certificate);

// The DER encoding.
[[nodiscard]] std::vector<std::uint8_t> certificate_der(const X509* certificate);

}  // namespace saferchat::verify
