// SPDX-License-Identifier: Apache-2.0
#include "service/api/api_error.hpp"

#include <array>

namespace saferchat::service {
namespace {

struct ApiErrorInfo {
  ApiErrorCode code;
  std::string_view name;
  unsigned status;
  std::string_view message;
};

constexpr std::array<ApiErrorInfo, 12> infos{{
    {ApiErrorCode::invalid_json, "INVALID_JSON", 400,
     "The request body is not valid UTF-8 JSON, or it is nested too deeply."},
    {ApiErrorCode::bad_request, "BAD_REQUEST", 400,
     "A field of the request is missing, of the wrong type or out of range."},
    {ApiErrorCode::unknown_room, "UNKNOWN_ROOM", 400,
     "The room names no room policy of this service's configuration."},
    {ApiErrorCode::malformed_http, "MALFORMED_HTTP", 400,
     "The request is not an HTTP/1.1 request this service accepts."},
    {ApiErrorCode::not_found, "NOT_FOUND", 404,
     "No such endpoint: use POST /v1/challenge, POST /v1/verify or GET /healthz."},
    {ApiErrorCode::method_not_allowed, "METHOD_NOT_ALLOWED", 405,
     "This endpoint does not accept this method; the Allow header lists the one it does."},
    {ApiErrorCode::request_too_large, "REQUEST_TOO_LARGE", 413,
     "The request body is larger than this service accepts."},
    {ApiErrorCode::unsupported_media_type, "UNSUPPORTED_MEDIA_TYPE", 415,
     "The request body must be sent with Content-Type: application/json."},
    {ApiErrorCode::too_many_challenges, "TOO_MANY_CHALLENGES", 429,
     "This session or client already holds as many challenges as allowed; use the last one or "
     "try again in a few minutes."},
    {ApiErrorCode::headers_too_large, "HEADERS_TOO_LARGE", 431,
     "The request headers are larger than this service accepts."},
    {ApiErrorCode::internal, "INTERNAL", 500, "An unexpected failure inside the service."},
    {ApiErrorCode::store_unavailable, "STORE_UNAVAILABLE", 503,
     "The challenge store does not answer; try again later."},
}};

constexpr std::array<ApiErrorCode, infos.size()> codes = [] {
  std::array<ApiErrorCode, infos.size()> out{};
  for (std::size_t i = 0; i < infos.size(); ++i) {
    out[i] = infos[i].code;
  }
  return out;
}();

const ApiErrorInfo& info(ApiErrorCode code) noexcept {
  return infos[static_cast<std::size_t>(code)];
}

static_assert([] {
  for (std::size_t i = 0; i < infos.size(); ++i) {
    if (static_cast<std::size_t>(infos[i].code) != i) {
      return false;
    }
  }
  return true;
}());

}  // namespace

std::string_view api_error_name(ApiErrorCode code) noexcept { return info(code).name; }
unsigned api_error_status(ApiErrorCode code) noexcept { return info(code).status; }
std::string_view api_error_message(ApiErrorCode code) noexcept { return info(code).message; }
std::span<const ApiErrorCode> all_api_error_codes() noexcept { return codes; }

}  // namespace saferchat::service
