// SPDX-License-Identifier: Apache-2.0
#include "service/app/service_handler.hpp"

#include <utility>

#include "service/api/requests.hpp"
#include "service/api/routes.hpp"
#include "service/version.hpp"
#include "store/nonce_store.hpp"

namespace saferchat::service {
namespace {

HttpResponse to_http(ApiResponse response) {
  HttpResponse out;
  out.status = response.status;
  out.body = std::move(response.body);
  out.reason = std::move(response.reason);
  out.detail = std::move(response.detail);
  return out;
}

}  // namespace

ServiceHandler::ServiceHandler(const ServiceConfig& config,
                               std::shared_ptr<const verify::Verifier> verifier, StoreProbe probe,
                               const AccessLog& log)
    : rooms_(config.rooms),
      nonce_ttl_(config.nonce_ttl),
      store_kind_(config.store.kind),
      verifier_(std::move(verifier)),
      probe_(std::move(probe)),
      log_(log) {
  // docs/protocol.md §4.4: the public halves, current key first.
  if (!verifier_->config().sealing_keys.empty()) {
    nlohmann::json keys = nlohmann::json::array();
    for (const jwe::PrivateKey& key : verifier_->config().sealing_keys) {
      keys.push_back(key.public_jwk().to_json());
    }
    seal_key_set_ = nlohmann::json{{"keys", keys}}.dump();
    seal_key_cache_ = "public, max-age=" + std::to_string(config.seal_key_max_age.count());
  }
}

ApiResponse ServiceHandler::respond(const HttpRequest& request) const {
  try {
    switch (route(request.method, request.target)) {
      case Endpoint::challenge:
        return challenge(request);
      case Endpoint::verify:
        return verify(request);
      case Endpoint::health:
        return health();
      case Endpoint::seal_key:
        return seal_key();
    }
    throw ApiError(ApiErrorCode::internal, "unrouted endpoint");
  } catch (const ApiError& error) {
    return error_response(error);
  } catch (const store::TooManyChallenges& error) {
    return error_response(ApiError(ApiErrorCode::too_many_challenges, error.what()));
  } catch (const store::StoreUnavailable& error) {
    return error_response(ApiError(ApiErrorCode::store_unavailable, error.what()));
  } catch (const std::exception& error) {
    return error_response(ApiError(ApiErrorCode::internal, error.what()));
  }
}

ApiResponse ServiceHandler::challenge(const HttpRequest& request) const {
  check_json_content_type(request.content_type);
  const ChallengeRequest parsed = parse_challenge_request(request.body);
  const verify::Challenge issued = verifier_->issue_challenge(parsed.session, parsed.client);
  return challenge_response(issued.nonce, nonce_ttl_);
}

ApiResponse ServiceHandler::verify(const HttpRequest& request) const {
  check_json_content_type(request.content_type);
  const VerifyRequest parsed = parse_verify_request(request.body);
  const RoomPolicy policy = resolve_policy(parsed, rooms_);
  verify::Verdict verdict =
      verifier_->verify(parsed.token_json, parsed.origin, parsed.challenge_nonce, parsed.session);
  apply_age_policy(verdict, policy);
  return verdict_response(verdict);
}

ApiResponse ServiceHandler::health() const {
  try {
    probe_();
  } catch (const store::StoreUnavailable& error) {
    return health_response(false, store_kind_name(store_kind_), saferchatd_version, error.what());
  }
  return health_response(true, store_kind_name(store_kind_), saferchatd_version, {});
}

ApiResponse ServiceHandler::seal_key() const {
  if (seal_key_set_.empty()) {
    // The extension reads a 404 as "this site does not seal".
    throw ApiError(ApiErrorCode::not_found, "no sealing key configured");
  }
  ApiResponse response;
  response.status = 200;
  response.body = seal_key_set_;
  return response;
}

bool ServiceHandler::slow(const HttpRequest& request) const noexcept {
  return request.method == "POST" && target_path(request.target) == "/v1/verify";
}

HttpResponse ServiceHandler::handle(const HttpRequest& request) {
  HttpResponse response = to_http(respond(request));
  if (response.status == 200 && allowed_method(request.target) == "GET" &&
      route("GET", request.target) == Endpoint::seal_key) {
    response.cache_control = seal_key_cache_;  // the key set may be cached; nothing else
  }
  if (response.status == 405) {
    response.allow = std::string(allowed_method(request.target));
  }
  return response;
}

HttpResponse ServiceHandler::failure(TransportFailure failure) noexcept {
  ApiErrorCode code = ApiErrorCode::internal;
  switch (failure) {
    case TransportFailure::malformed_request:
      code = ApiErrorCode::malformed_http;
      break;
    case TransportFailure::body_too_large:
      code = ApiErrorCode::request_too_large;
      break;
    case TransportFailure::headers_too_large:
      code = ApiErrorCode::headers_too_large;
      break;
    case TransportFailure::handler_failed:
      code = ApiErrorCode::internal;
      break;
  }
  try {
    return to_http(error_response(ApiError(code, std::string())));
  } catch (...) {
    // Out of memory while building a few hundred bytes: an empty 500 is all that is left.
    HttpResponse response;
    response.status = 500;
    return response;
  }
}

void ServiceHandler::exchanged(const ExchangeRecord& record) noexcept { log_.exchange(record); }

}  // namespace saferchat::service
