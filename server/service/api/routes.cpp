// SPDX-License-Identifier: Apache-2.0
#include "service/api/routes.hpp"

#include <array>

#include "service/api/api_error.hpp"

namespace saferchat::service {
namespace {

struct Route {
  std::string_view path;
  std::string_view method;
  Endpoint endpoint;
};

constexpr std::array<Route, 5> routes{{
    {"/v1/challenge", "POST", Endpoint::challenge},
    {"/v1/verify", "POST", Endpoint::verify},
    {"/healthz", "GET", Endpoint::health},
    // The sealing keys' JWK Set (docs/protocol.md §4.4), for the site to proxy or copy.
    {"/.well-known/saferchat-seal-key", "GET", Endpoint::seal_key},
    {"/v1/seal-key", "GET", Endpoint::seal_key},
}};

const Route* find(std::string_view target) noexcept {
  const std::string_view path = target_path(target);
  for (const Route& candidate : routes) {
    if (candidate.path == path) {
      return &candidate;
    }
  }
  return nullptr;
}

}  // namespace

std::string_view target_path(std::string_view target) noexcept {
  return target.substr(0, target.find_first_of("?#"));
}

Endpoint route(std::string_view method, std::string_view target) {
  const Route* found = find(target);
  if (found == nullptr) {
    throw ApiError(ApiErrorCode::not_found, "no endpoint at this path");
  }
  if (method != found->method) {
    throw ApiError(ApiErrorCode::method_not_allowed, "method not allowed here");
  }
  return found->endpoint;
}

std::string_view allowed_method(std::string_view target) noexcept {
  const Route* found = find(target);
  return found == nullptr ? std::string_view() : found->method;
}

}  // namespace saferchat::service
