// SPDX-License-Identifier: Apache-2.0
#include "revocation/ocsp_checker.hpp"

#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include <ctime>
#include <stdexcept>

#include "revocation/http_fetch.hpp"

namespace saferchat::revocation {
namespace {

using verify::RevocationResult;
using verify::RevocationStatus;

struct OcspRequestFree {
  void operator()(OCSP_REQUEST* request) const noexcept { OCSP_REQUEST_free(request); }
};
struct OcspResponseFree {
  void operator()(OCSP_RESPONSE* response) const noexcept { OCSP_RESPONSE_free(response); }
};
struct OcspBasicFree {
  void operator()(OCSP_BASICRESP* basic) const noexcept { OCSP_BASICRESP_free(basic); }
};
struct OcspCertIdFree {
  void operator()(OCSP_CERTID* id) const noexcept { OCSP_CERTID_free(id); }
};
struct StackFree {
  void operator()(STACK_OF(X509) * stack) const noexcept { sk_X509_free(stack); }
};

RevocationResult unavailable(const std::string& detail) {
  return {RevocationStatus::unavailable, "OCSP: " + detail};
}

std::time_t to_time_t(const ASN1_GENERALIZEDTIME* time) {
  std::tm tm{};
  if (time == nullptr || ASN1_TIME_to_tm(time, &tm) != 1) {
    return -1;
  }
  return timegm(&tm);
}

// The certificate's responder (RFC 5280 §4.2.2.1 id-ad-ocsp), the first http one.
std::optional<std::string> aia_ocsp_url(const X509* certificate) {
  STACK_OF(OPENSSL_STRING)* urls = X509_get1_ocsp(const_cast<X509*>(certificate));
  std::optional<std::string> found;
  for (int i = 0; i < sk_OPENSSL_STRING_num(urls); ++i) {
    const std::string url = sk_OPENSSL_STRING_value(urls, i);
    if (is_http_url(url)) {
      found = url;
      break;
    }
  }
  X509_email_free(urls);  // frees a STACK_OF(OPENSSL_STRING), as X509_get1_ocsp documents
  return found;
}

}  // namespace

struct OcspChecker::Impl {
  OcspOptions options;
  std::vector<verify::X509Ptr> trusted_responders;
};

OcspChecker::OcspChecker(OcspOptions options) : impl_(std::make_unique<Impl>()) {
  if (options.responder_url && !is_http_url(*options.responder_url)) {
    throw std::invalid_argument("OCSP responder URL is not an http:// URL");
  }
  if (options.timeout <= std::chrono::milliseconds{0}) {
    throw std::invalid_argument("OCSP timeout must be positive");
  }
  impl_->trusted_responders = verify::parse_pem_certificates(options.trusted_responders_pem);
  impl_->options = std::move(options);
}

OcspChecker::~OcspChecker() = default;

verify::RevocationResult OcspChecker::check(const verify::RevocationQuery& query) noexcept {
  try {
    const OcspOptions& options = impl_->options;
    const std::optional<std::string> url =
        options.responder_url ? options.responder_url : aia_ocsp_url(query.certificate);
    if (!url) {
      return unavailable("the certificate names no http OCSP responder");
    }

    // Request (RFC 6960 §4.1): one CertID (SHA-1 hashes of issuer name and key, as responders
    // expect) and a nonce (RFC 8954: 32 random bytes).
    const std::unique_ptr<OCSP_CERTID, OcspCertIdFree> id(
        OCSP_cert_to_id(EVP_sha1(), query.certificate, query.issuer));
    const std::unique_ptr<OCSP_REQUEST, OcspRequestFree> request(OCSP_REQUEST_new());
    if (!id || !request) {
      return unavailable("cannot build the request: " + openssl_error_text());
    }
    OCSP_CERTID* request_id = OCSP_CERTID_dup(id.get());
    if (request_id == nullptr || OCSP_request_add0_id(request.get(), request_id) == nullptr) {
      OCSP_CERTID_free(request_id);
      return unavailable("cannot build the request: " + openssl_error_text());
    }
    if (options.send_nonce && OCSP_request_add1_nonce(request.get(), nullptr, 32) != 1) {
      return unavailable("cannot add the nonce: " + openssl_error_text());
    }
    unsigned char* der = nullptr;
    const int der_length = i2d_OCSP_REQUEST(request.get(), &der);
    if (der_length <= 0) {
      return unavailable("cannot encode the request: " + openssl_error_text());
    }
    const std::vector<std::uint8_t> body(der, der + der_length);
    OPENSSL_free(der);

    // Exchange (RFC 6960 Appendix A.1).
    std::vector<std::uint8_t> reply;
    try {
      reply = http_exchange(*url, "application/ocsp-request", body, "application/ocsp-response",
                            options.timeout, options.max_response_bytes);
    } catch (const std::exception& error) {
      return unavailable(error.what());
    }
    const unsigned char* cursor = reply.data();
    const std::unique_ptr<OCSP_RESPONSE, OcspResponseFree> response(
        d2i_OCSP_RESPONSE(nullptr, &cursor, static_cast<long>(reply.size())));
    if (!response) {
      return unavailable("the response does not parse: " + openssl_error_text());
    }
    const int response_status = OCSP_response_status(response.get());
    if (response_status != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
      return unavailable(std::string("responder status ") +
                         OCSP_response_status_str(response_status));
    }
    const std::unique_ptr<OCSP_BASICRESP, OcspBasicFree> basic(
        OCSP_response_get1_basic(response.get()));
    if (!basic) {
      return unavailable("no BasicOCSPResponse: " + openssl_error_text());
    }

    // Nonce (RFC 8954 §2.1): 1 = equal; -1 = the response has none; 0 = different.
    if (options.send_nonce) {
      const int nonce = OCSP_check_nonce(request.get(), basic.get());
      if (nonce == 0) {
        return unavailable("the response nonce differs from the request nonce");
      }
      if (nonce != 1 && options.require_nonce) {
        return unavailable("the response carries no nonce");
      }
    }

    // Responder (RFC 6960 §4.2.2.2): the issuing CA or its delegated responder, chained to our
    // anchors; or a pinned responder.
    const std::unique_ptr<STACK_OF(X509), StackFree> certs(sk_X509_new_null());
    if (!certs) {
      return unavailable("out of memory");
    }
    sk_X509_push(certs.get(), const_cast<X509*>(query.issuer));
    for (int i = 0; query.intermediates != nullptr && i < sk_X509_num(query.intermediates); ++i) {
      sk_X509_push(certs.get(), sk_X509_value(query.intermediates, i));
    }
    bool responder_ok = OCSP_basic_verify(basic.get(), certs.get(), query.trust, 0) == 1;
    std::string responder_error;
    if (!responder_ok) {
      responder_error = openssl_error_text();
    }
    if (!responder_ok && !impl_->trusted_responders.empty()) {
      const std::unique_ptr<STACK_OF(X509), StackFree> pinned(sk_X509_new_null());
      for (const verify::X509Ptr& responder : impl_->trusted_responders) {
        sk_X509_push(pinned.get(), responder.get());
      }
      // OCSP_TRUSTOTHER: a signer found among `pinned` is trusted as is.
      responder_ok = OCSP_basic_verify(basic.get(), pinned.get(), query.trust,
                                       OCSP_NOINTERN | OCSP_TRUSTOTHER) == 1;
      ERR_clear_error();
    }
    if (!responder_ok) {
      return unavailable("the response signature or responder is not trusted: " + responder_error);
    }

    // The single response for our CertID and its freshness (RFC 6960 §4.2.2.1, §2.4).
    int status = -1;
    int reason = -1;
    ASN1_GENERALIZEDTIME* revoked_at = nullptr;
    ASN1_GENERALIZEDTIME* this_update = nullptr;
    ASN1_GENERALIZEDTIME* next_update = nullptr;
    if (OCSP_resp_find_status(basic.get(), id.get(), &status, &reason, &revoked_at, &this_update,
                              &next_update) != 1) {
      return unavailable("the response has no status for this certificate");
    }
    const std::time_t now = std::chrono::system_clock::to_time_t(query.now);
    const auto skew = static_cast<std::time_t>(options.clock_skew.count());
    const auto max_age = static_cast<std::time_t>(options.max_age.count());
    const std::time_t produced = to_time_t(this_update);
    if (produced < 0 || produced > now + skew) {
      return unavailable("thisUpdate is in the future");
    }
    if (produced < now - max_age - skew) {
      return unavailable("the response is older than the freshness window");
    }
    if (next_update != nullptr && to_time_t(next_update) < now - skew) {
      return unavailable("nextUpdate has passed");
    }
    switch (status) {
      case V_OCSP_CERTSTATUS_GOOD:
        return {RevocationStatus::good, "OCSP " + *url + ": good"};
      case V_OCSP_CERTSTATUS_REVOKED:
        return {RevocationStatus::revoked,
                "OCSP " + *url + ": revoked (" +
                    (reason >= 0 ? OCSP_crl_reason_str(reason) : "no reason given") + ")"};
      default:
        return unavailable(*url + ": status unknown");
    }
  } catch (const std::exception& error) {
    ERR_clear_error();
    return unavailable(error.what());
  }
}

}  // namespace saferchat::revocation
