// SPDX-License-Identifier: Apache-2.0
// Revocation by OCSP (RFC 6960) over HTTP with OpenSSL's client (OSSL_HTTP_transfer).
//
// For each query: an OCSPRequest for the leaf (CertID with SHA-1, as responders expect) with a
// nonce extension (RFC 8954: 32 random bytes) unless disabled; POST to the responder (the
// override URL, else the certificate's AIA id-ad-ocsp URL, RFC 5280 §4.2.2.1); then:
//   - response status successful and a BasicOCSPResponse;
//   - the response nonce equals the request nonce (when sent and `require_nonce`; a response
//     without a nonce is refused then);
//   - the responder is checked: OCSP_basic_verify against the verifier's trust store and the
//     leaf's issuer — signed by the issuing CA itself, or by a responder certificate that the
//     issuing CA issued with id-kp-OCSPSigning (RFC 6960 §4.2.2.2), or by one of the
//     `trusted_responders` pinned here;
//   - the single response is for this CertID;
//   - freshness: thisUpdate ≤ now + clock_skew, thisUpdate ≥ now − max_age − clock_skew, and
//     nextUpdate (if present) ≥ now − clock_skew.
// good → good, revoked → revoked, unknown or any failure (timeout, refused connection, HTTP
// error, bad nonce, bad signature, stale) → unavailable with a detail.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "verify/certificates.hpp"
#include "verify/revocation_checker.hpp"

namespace saferchat::revocation {

struct OcspOptions {
  // Used instead of the certificate's AIA URL when set ("http://127.0.0.1:8888/"). Test
  // certificates name .invalid hosts, and some providers run a local OCSP proxy.
  std::optional<std::string> responder_url;
  std::chrono::milliseconds timeout{5000};  // whole exchange: connect, send, receive
  bool send_nonce = true;
  bool require_nonce = true;          // refuse a response without our nonce (only when send_nonce)
  std::chrono::seconds max_age{900};  // oldest acceptable thisUpdate (plus skew)
  std::chrono::seconds clock_skew{300};  // tolerance between our clock and the responder's
  std::size_t max_response_bytes = std::size_t{64} * 1024;
  // PEM: responder certificates trusted directly (delegated responders not issued by the CA).
  std::string trusted_responders_pem;
};

class OcspChecker final : public verify::RevocationChecker {
 public:
  OcspChecker(const OcspChecker&) = delete;
  OcspChecker& operator=(const OcspChecker&) = delete;
  OcspChecker(OcspChecker&&) = delete;
  OcspChecker& operator=(OcspChecker&&) = delete;
  // Throws std::invalid_argument for bad options (unparsable URL or PEM).
  explicit OcspChecker(OcspOptions options);
  ~OcspChecker() override;

  [[nodiscard]] verify::RevocationResult check(
      const verify::RevocationQuery& query) noexcept override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace saferchat::revocation
