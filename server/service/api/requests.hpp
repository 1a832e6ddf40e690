// SPDX-License-Identifier: Apache-2.0
// Decoding the bodies of POST /v1/challenge and POST /v1/verify (docs/verifier.md, "HTTP
// service"). Pure: bytes in, a request or an ApiError out. Unknown members are ignored (a newer
// client can talk to an older service); null members count as absent.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "service/api/service_config.hpp"
#include "verify/verifier.hpp"

namespace saferchat::service {

using verify::max_session_bytes;  // the library's: one limit
inline constexpr int max_request_depth = 8;

inline constexpr std::size_t max_client_bytes = 128;

struct ChallengeRequest {
  std::string session;  // empty: not bound to a session
  // The end user as the provider sees them (IP address, account id): challenges are capped per
  // client (docs/integration.md). Empty: no per-client cap.
  std::string client;
};

struct VerifyRequest {
  std::string token_json;  // the token object as JSON text (or the string the client sent)
  std::string challenge_nonce;
  std::string origin;
  std::string session;
  std::optional<RoomPolicy> policy;  // "policy": {"minAge", "maxAge"}
  std::optional<std::string> room;   // "room": a room of the configuration
};

// Content-Type must be application/json (parameters such as charset allowed, any case).
// Throws ApiError unsupported_media_type.
void check_json_content_type(std::string_view content_type);

// {} or {"session"?: "...", "client"?: "..."}; an empty body counts as {}. Throws ApiError
// invalid_json or bad_request.
[[nodiscard]] ChallengeRequest parse_challenge_request(std::string_view body);

// {"token": {…} | "…", "challengeNonce": "…", "origin": "…", "session"?: "…",
//  "policy"?: {"minAge"?, "maxAge"?} | "room"?: "…"}; exactly one of policy and room.
// Throws ApiError invalid_json or bad_request.
[[nodiscard]] VerifyRequest parse_verify_request(std::string_view body);

// The request's policy, or the room's. Throws ApiError unknown_room.
[[nodiscard]] RoomPolicy resolve_policy(
    const VerifyRequest& request, const std::map<std::string, RoomPolicy, std::less<>>& rooms);

}  // namespace saferchat::service
