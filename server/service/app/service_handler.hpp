// SPDX-License-Identifier: Apache-2.0
// The API on top of the transport: routes each request, decodes it, asks the verifier and maps
// the outcome to a response (docs/verifier.md, "HTTP service"). /v1/verify runs in this order:
// decode the request → resolve the room policy → Verifier::verify (takes the nonce from the
// store, then checks the token) → the room's age policy → the verdict.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "service/api/responses.hpp"
#include "service/api/service_config.hpp"
#include "service/app/access_log.hpp"
#include "service/http/http_server.hpp"
#include "verify/verifier.hpp"

namespace saferchat::service {

// Asks the nonce store whether it answers; throws store::StoreUnavailable when it does not.
using StoreProbe = std::function<void()>;

class ServiceHandler final : public HttpHandler {
 public:
  // `config` supplies the rooms, nonce TTL and store kind; the verifier was built from it.
  ServiceHandler(const ServiceConfig& config, std::shared_ptr<const verify::Verifier> verifier,
                 StoreProbe probe, const AccessLog& log);

  HttpResponse handle(const HttpRequest& request) override;
  // POST /v1/verify: it may wait on OCSP and CRL fetches.
  [[nodiscard]] bool slow(const HttpRequest& request) const noexcept override;
  HttpResponse failure(TransportFailure failure) noexcept override;
  void exchanged(const ExchangeRecord& record) noexcept override;

  // The API response for a request, without the HTTP wrapping (for unit tests).
  [[nodiscard]] ApiResponse respond(const HttpRequest& request) const;

 private:
  [[nodiscard]] ApiResponse challenge(const HttpRequest& request) const;
  [[nodiscard]] ApiResponse verify(const HttpRequest& request) const;
  [[nodiscard]] ApiResponse health() const;
  [[nodiscard]] ApiResponse seal_key() const;

  std::map<std::string, RoomPolicy, std::less<>> rooms_;
  std::chrono::seconds nonce_ttl_;
  StoreKind store_kind_;
  std::string seal_key_set_;    // the JWK Set's JSON; empty when no sealing key is configured
  std::string seal_key_cache_;  // its Cache-Control
  std::shared_ptr<const verify::Verifier> verifier_;
  StoreProbe probe_;
  const AccessLog& log_;
};

}  // namespace saferchat::service
