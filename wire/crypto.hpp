// SPDX-License-Identifier: Apache-2.0
// The crypto seam: what the wire format needs from a crypto library, filled by OpenSSL
// (wire/crypto_openssl.cpp) or, on Windows, by the operating system's CNG
// (wire/crypto_cng.cpp), so that the Windows host ships no OpenSSL DLLs. CertificateKey
// (wire/token.hpp) is implemented by the same file.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace saferchat {

enum class HashAlgorithm : std::uint8_t { sha256, sha384 };

// SHA-256 (32 bytes) or SHA-384 (48 bytes) of `data` (FIPS 180-4).
[[nodiscard]] std::vector<std::uint8_t> hash(HashAlgorithm algorithm,
                                             std::span<const std::uint8_t> data);

// The certificate's subject for people to read (self-check): OpenSSL's one-line form
// "/C=BE/CN=…", or Windows' X.500 form "CN=…, C=BE". "(not a certificate)" for other bytes.
[[nodiscard]] std::string certificate_subject(std::span<const std::uint8_t> certificate_der);

}  // namespace saferchat
