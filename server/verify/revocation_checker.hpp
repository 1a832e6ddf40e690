// SPDX-License-Identifier: Apache-2.0
// The seam between the pure verifier and revocation I/O (server/revocation: OCSP, CRL). The
// verifier calls a checker after the chain is verified, with the leaf and its issuer.
#pragma once

#include <openssl/x509.h>

#include <chrono>
#include <cstdint>
#include <string>

namespace saferchat::verify {

enum class RevocationStatus : std::uint8_t {
  good,         // a fresh, verified answer says not revoked
  revoked,      // a fresh, verified answer says revoked → CERTIFICATE_REVOKED
  unavailable,  // no answer, a stale or unverifiable one, or "unknown" → REVOCATION_UNAVAILABLE
};

struct RevocationResult {
  RevocationStatus status = RevocationStatus::unavailable;
  std::string detail;  // for the log: source (OCSP URL, CRL issuer), why unavailable
};

// Borrowed pointers, valid for the duration of the call.
struct RevocationQuery {
  const X509* certificate = nullptr;  // the token's certificate (leaf)
  const X509* issuer = nullptr;       // its issuer, already verified to chain to a trust anchor
  X509_STORE* trust = nullptr;        // the verifier's trust anchors (for responder/CRL signers)
  STACK_OF(X509) * intermediates = nullptr;  // the verifier's configured intermediates
  std::chrono::system_clock::time_point now;
};

// Implementations must be thread-safe (a Verifier is shared by many threads) and must not throw
// (report `unavailable` with a detail instead).
class RevocationChecker {
 public:
  RevocationChecker() = default;
  virtual ~RevocationChecker() = default;
  RevocationChecker(const RevocationChecker&) = delete;
  RevocationChecker& operator=(const RevocationChecker&) = delete;
  RevocationChecker(RevocationChecker&&) = delete;
  RevocationChecker& operator=(RevocationChecker&&) = delete;

  [[nodiscard]] virtual RevocationResult check(const RevocationQuery& query) noexcept = 0;
};

}  // namespace saferchat::verify
