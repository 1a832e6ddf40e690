// SPDX-License-Identifier: Apache-2.0
// Revocation by CRL (RFC 5280 §5, §6.3), from files (PEM or DER) loaded once at construction
// and/or fetched over HTTP (DER, RFC 5280 §4.2.1.13) from the certificate's CRL distribution
// point or a configured URL.
//
// A CRL is usable only if its issuer name equals the certificate's issuer, its signature
// verifies with the issuer's key, thisUpdate ≤ now + clock_skew and nextUpdate ≥ now −
// clock_skew, and it is complete: delta CRLs (deltaCRLIndicator), partial-scope CRLs
// (issuingDistributionPoint other than onlyContainsUserCerts) and CRLs with an unknown critical
// extension are refused — a file at construction (std::invalid_argument naming it), a fetched
// one at each fetch (never cached). Every usable CRL is consulted (files, then each fetched URL):
// listed in any → revoked; else not listed in at least one → good; no usable CRL → unavailable.
// A stale or invalid CRL never decides. A fetched CRL is validated before it is cached, and
// cached for at most `max_cache_age` (and only while it stays usable).
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "verify/revocation_checker.hpp"

namespace saferchat::revocation {

struct CrlOptions {
  // CRL files (PEM or DER), read once by the constructor.
  std::vector<std::string> files;
  // Also fetch over HTTP (consulted besides the files): from `url` if set, else from the
  // certificate's CRL distribution points (http URLs only).
  bool fetch = false;
  std::optional<std::string> url;
  std::chrono::milliseconds timeout{10000};
  std::size_t max_crl_bytes = std::size_t{32} * 1024 * 1024;  // Belgian citizen CRLs are large
  std::chrono::seconds max_cache_age{3600};
  std::chrono::seconds clock_skew{300};
};

class CrlChecker final : public verify::RevocationChecker {
 public:
  CrlChecker(const CrlChecker&) = delete;
  CrlChecker& operator=(const CrlChecker&) = delete;
  CrlChecker(CrlChecker&&) = delete;
  CrlChecker& operator=(CrlChecker&&) = delete;
  // Throws std::invalid_argument if a file cannot be read or is not a CRL.
  explicit CrlChecker(CrlOptions options);
  ~CrlChecker() override;

  [[nodiscard]] verify::RevocationResult check(
      const verify::RevocationQuery& query) noexcept override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Asks each checker in turn; the first `good` or `revoked` answer wins; if all are unavailable,
// unavailable with every detail joined. E.g. {OCSP, CRL}: CRL as a fallback when OCSP is down.
class FirstAnswerChecker final : public verify::RevocationChecker {
 public:
  explicit FirstAnswerChecker(std::vector<std::shared_ptr<verify::RevocationChecker>> checkers);

  [[nodiscard]] verify::RevocationResult check(
      const verify::RevocationQuery& query) noexcept override;

 private:
  std::vector<std::shared_ptr<verify::RevocationChecker>> checkers_;
};

}  // namespace saferchat::revocation
