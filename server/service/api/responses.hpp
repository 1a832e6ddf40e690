// SPDX-License-Identifier: Apache-2.0
// The bodies saferchatd sends (docs/verifier.md, "HTTP service"), the age policy step, and the
// mapping of a verifier Verdict to a status and body. Pure.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "service/api/api_error.hpp"
#include "service/api/service_config.hpp"
#include "verify/holder.hpp"
#include "verify/reason.hpp"
#include "verify/verifier.hpp"

namespace saferchat::service {

struct ApiResponse {
  unsigned status = 200;
  std::string body;    // JSON text
  std::string reason;  // for the log: the verdict reason or error code ("OK" when accepted)
  std::string detail;  // for the log only
};

// {"error": {"code": "BAD_REQUEST", "message": "…"}} with the code's status.
[[nodiscard]] ApiResponse error_response(const ApiError& error);

// 200 {"challengeNonce": "…", "expiresInSeconds": 300}
[[nodiscard]] ApiResponse challenge_response(std::string_view nonce,
                                             std::chrono::seconds expires_in);

// The room's age policy, applied to the holder of an authentic token: HOLDER_UNKNOWN_BIRTH_DATE
// when a bound is set and the age is unknown, AGE_TOO_LOW / AGE_TOO_HIGH outside the bounds
// (inclusive), nullopt when admitted.
[[nodiscard]] std::optional<verify::Reason> check_age_policy(const verify::Holder& holder,
                                                             const RoomPolicy& policy);

// Applies check_age_policy to an accepted verdict (a rejected one stays as it is).
void apply_age_policy(verify::Verdict& verdict, const RoomPolicy& policy);

// 200 {"verdict": "accepted", "holder": {…}} or
// 200 {"verdict": "rejected", "reason": "AGE_TOO_HIGH", "category": "too_old",
//      "message": "…", "holder"?: {…}}   (holder only when the token was authentic);
// STORE_UNAVAILABLE → 503 error, INTERNAL_ERROR → 500 error: those say nothing about the token.
[[nodiscard]] ApiResponse verdict_response(const verify::Verdict& verdict);

// 200 {"status": "ok", "version": "0.1.0", "store": "memory"} or, when the store does not
// answer, 503 {"status": "unavailable", …, "error": {"code": "STORE_UNAVAILABLE", …}}.
[[nodiscard]] ApiResponse health_response(bool store_ok, std::string_view store_kind,
                                          std::string_view version, std::string_view detail);

}  // namespace saferchat::service
