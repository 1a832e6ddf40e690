// SPDX-License-Identifier: Apache-2.0
// Errors of saferchatd's HTTP API (docs/verifier.md, "HTTP service"): a stable code the
// provider's backend branches on, its HTTP status, and a message. Messages name fields of the
// API, never request data; the detail (offsets, sizes) goes only to the log.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace saferchat::service {

enum class ApiErrorCode : std::uint8_t {
  invalid_json,            // 400: not UTF-8 JSON, or nested too deeply
  bad_request,             // 400: JSON, but a field is missing, of the wrong type or out of range
  unknown_room,            // 400: "room" names no room of the configuration
  malformed_http,          // 400: not HTTP/1.1 the parser accepts
  not_found,               // 404
  method_not_allowed,      // 405
  request_too_large,       // 413: body above the configured limit
  unsupported_media_type,  // 415: a body whose Content-Type is not application/json
  too_many_challenges,     // 429: the session or client holds as many challenges as allowed
  headers_too_large,       // 431
  internal,                // 500
  store_unavailable,       // 503: the nonce store does not answer
};

// "INVALID_JSON", …: the wire name.
[[nodiscard]] std::string_view api_error_name(ApiErrorCode code) noexcept;
[[nodiscard]] unsigned api_error_status(ApiErrorCode code) noexcept;
// A fixed English sentence per code, used when no more precise one is given.
[[nodiscard]] std::string_view api_error_message(ApiErrorCode code) noexcept;
[[nodiscard]] std::span<const ApiErrorCode> all_api_error_codes() noexcept;

class ApiError : public std::runtime_error {
 public:
  // The code's fixed message goes to the client; `detail` only to the log.
  ApiError(ApiErrorCode code, const std::string& detail)
      : std::runtime_error(detail), code_(code), message_(api_error_message(code)) {}
  // `message` goes to the client (fixed text naming API fields); `detail` only to the log.
  ApiError(ApiErrorCode code, std::string message, const std::string& detail)
      : std::runtime_error(detail), code_(code), message_(std::move(message)) {}

  [[nodiscard]] ApiErrorCode code() const noexcept { return code_; }
  [[nodiscard]] const std::string& message() const noexcept { return message_; }
  [[nodiscard]] std::string_view detail() const noexcept { return what(); }

 private:
  ApiErrorCode code_;
  std::string message_;
};

}  // namespace saferchat::service
