// SPDX-License-Identifier: Apache-2.0
#include "service/api/responses.hpp"

#include <nlohmann/json.hpp>

namespace saferchat::service {
namespace {

// Members in the order docs/verifier.md shows them.
using Json = nlohmann::ordered_json;

Json error_object(ApiErrorCode code, std::string_view message) {
  return {{"code", api_error_name(code)}, {"message", message}};
}

}  // namespace

ApiResponse error_response(const ApiError& error) {
  const Json body = {{"error", error_object(error.code(), error.message())}};
  return {api_error_status(error.code()), body.dump(), std::string(api_error_name(error.code())),
          std::string(error.detail())};
}

ApiResponse challenge_response(std::string_view nonce, std::chrono::seconds expires_in) {
  const Json body = {{"challengeNonce", nonce}, {"expiresInSeconds", expires_in.count()}};
  return {200, body.dump(), "OK", {}};
}

std::optional<verify::Reason> check_age_policy(const verify::Holder& holder,
                                               const RoomPolicy& policy) {
  if (!policy.min_age && !policy.max_age) {
    return std::nullopt;
  }
  if (!holder.age) {
    return verify::Reason::holder_unknown_birth_date;
  }
  if (policy.min_age && *holder.age < *policy.min_age) {
    return verify::Reason::age_too_low;
  }
  if (policy.max_age && *holder.age > *policy.max_age) {
    return verify::Reason::age_too_high;
  }
  return std::nullopt;
}

void apply_age_policy(verify::Verdict& verdict, const RoomPolicy& policy) {
  if (!verdict.accepted() || !verdict.holder) {
    return;
  }
  if (const auto reason = check_age_policy(*verdict.holder, policy)) {
    verdict.reason = reason;
    verdict.detail = verdict.holder->age
                         ? "age " + std::to_string(*verdict.holder->age) + " outside the room's " +
                               std::to_string(policy.min_age.value_or(0)) + ".." +
                               (policy.max_age ? std::to_string(*policy.max_age) : "")
                         : "birth date unknown";
  }
}

ApiResponse verdict_response(const verify::Verdict& verdict) {
  if (verdict.reason == verify::Reason::store_unavailable) {
    return error_response(ApiError(ApiErrorCode::store_unavailable, verdict.detail));
  }
  if (verdict.reason == verify::Reason::internal_error) {
    return error_response(ApiError(ApiErrorCode::internal, verdict.detail));
  }
  // The shape saferchat-verify prints too, its members in this order (verdict first).
  const nlohmann::json shape = verify::verdict_to_json(verdict);
  Json body;
  for (const char* member : {"verdict", "reason", "category", "message", "holder"}) {
    if (shape.contains(member)) {
      body[member] = Json(shape.at(member));
    }
  }
  const std::string reason =
      verdict.accepted() ? std::string("OK") : std::string(verify::reason_code(*verdict.reason));
  return {200, body.dump(), reason, verdict.detail};
}

ApiResponse health_response(bool store_ok, std::string_view store_kind, std::string_view version,
                            std::string_view detail) {
  Json body = {
      {"status", store_ok ? "ok" : "unavailable"}, {"version", version}, {"store", store_kind}};
  if (!store_ok) {
    body["error"] = error_object(ApiErrorCode::store_unavailable,
                                 api_error_message(ApiErrorCode::store_unavailable));
    return {503, body.dump(), "STORE_UNAVAILABLE", std::string(detail)};
  }
  return {200, body.dump(), "OK", {}};
}

}  // namespace saferchat::service
