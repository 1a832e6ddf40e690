// SPDX-License-Identifier: Apache-2.0
#include "service/api/requests.hpp"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "service/api/api_error.hpp"

namespace saferchat::service {
namespace {

using nlohmann::json;

constexpr int max_policy_age = 150;

[[noreturn]] void bad_request(const std::string& message) {
  throw ApiError(ApiErrorCode::bad_request, message, message);
}

json parse_object(std::string_view body) {
  const json::parser_callback_t limit_depth = [](int depth, json::parse_event_t /*event*/,
                                                 json& /*parsed*/) {
    if (depth > max_request_depth) {
      throw ApiError(ApiErrorCode::invalid_json, "nesting deeper than 8 levels");
    }
    return true;
  };
  json value;
  try {
    value = json::parse(body.begin(), body.end(), limit_depth);
  } catch (const json::parse_error& e) {
    // Only the position: the library's text quotes request bytes.
    throw ApiError(ApiErrorCode::invalid_json, "syntax error at byte " + std::to_string(e.byte));
  } catch (const json::exception& e) {
    throw ApiError(ApiErrorCode::invalid_json, "json error " + std::to_string(e.id));
  }
  if (!value.is_object()) {
    bad_request("The request body must be a JSON object.");
  }
  return value;
}

const json* member(const json& object, std::string_view name) {
  const auto it = object.find(name);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string session_of(const json& object) {
  const json* session = member(object, "session");
  if (session == nullptr) {
    return {};
  }
  if (!session->is_string() || session->get_ref<const std::string&>().size() > max_session_bytes) {
    bad_request(R"("session" must be a string of at most 128 bytes.)");
  }
  return session->get<std::string>();
}

std::string required_string(const json& object, std::string_view name) {
  const json* value = member(object, name);
  if (value == nullptr || !value->is_string()) {
    bad_request(R"(")" + std::string(name) + R"(" is required and must be a string.)");
  }
  return value->get<std::string>();
}

std::optional<int> age_bound(const json& policy, std::string_view name) {
  const json* value = member(policy, name);
  if (value == nullptr) {
    return std::nullopt;
  }
  if (!value->is_number_integer() || value->get<std::int64_t>() < 0 ||
      value->get<std::int64_t>() > max_policy_age) {
    bad_request(R"("policy": ")" + std::string(name) + R"(" must be an integer from 0 to 150.)");
  }
  return static_cast<int>(value->get<std::int64_t>());
}

}  // namespace

void check_json_content_type(std::string_view content_type) {
  const std::string_view media_type = content_type.substr(0, content_type.find(';'));
  std::string trimmed;
  for (const char c : media_type) {
    if (c != ' ' && c != '\t') {
      trimmed.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
  }
  if (trimmed != "application/json") {
    throw ApiError(ApiErrorCode::unsupported_media_type,
                   content_type.empty() ? "no Content-Type" : "Content-Type is not JSON");
  }
}

ChallengeRequest parse_challenge_request(std::string_view body) {
  const bool blank = std::all_of(body.begin(), body.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
  });
  if (blank) {
    return {};
  }
  const json object = parse_object(body);
  ChallengeRequest request{session_of(object), {}};
  if (const json* client = member(object, "client")) {
    if (!client->is_string() || client->get_ref<const std::string&>().size() > max_client_bytes) {
      bad_request(R"("client" must be a string of at most 128 bytes.)");
    }
    request.client = client->get<std::string>();
  }
  return request;
}

VerifyRequest parse_verify_request(std::string_view body) {
  const json object = parse_object(body);
  VerifyRequest request;
  const json* token = member(object, "token");
  if (token == nullptr) {
    bad_request(R"("token" is required: the token object the page's Safer Chat API returned.)");
  }
  if (token->is_object()) {
    request.token_json = token->dump();
  } else if (token->is_string()) {
    request.token_json = token->get<std::string>();
  } else {
    bad_request(R"("token" must be the token object (or its JSON text as a string).)");
  }
  request.challenge_nonce = required_string(object, "challengeNonce");
  request.origin = required_string(object, "origin");
  request.session = session_of(object);

  const json* policy = member(object, "policy");
  const json* room = member(object, "room");
  if (policy != nullptr && room != nullptr) {
    bad_request(R"(Give either "policy" or "room", not both.)");
  }
  if (policy == nullptr && room == nullptr) {
    bad_request(R"("policy" or "room" is required: which ages the room admits.)");
  }
  if (policy != nullptr) {
    if (!policy->is_object()) {
      bad_request(R"("policy" must be an object: {"minAge": 6, "maxAge": 11}.)");
    }
    RoomPolicy parsed{age_bound(*policy, "minAge"), age_bound(*policy, "maxAge")};
    if (parsed.min_age && parsed.max_age && *parsed.min_age > *parsed.max_age) {
      bad_request(R"("policy": "minAge" is above "maxAge".)");
    }
    request.policy = parsed;
  } else {
    if (!room->is_string() || room->get_ref<const std::string&>().empty()) {
      bad_request(R"("room" must be the name of a room of the service's configuration.)");
    }
    request.room = room->get<std::string>();
  }
  return request;
}

RoomPolicy resolve_policy(const VerifyRequest& request,
                          const std::map<std::string, RoomPolicy, std::less<>>& rooms) {
  if (request.policy) {
    return *request.policy;
  }
  const auto it = rooms.find(request.room.value_or(std::string()));
  if (it == rooms.end()) {
    throw ApiError(ApiErrorCode::unknown_room, "room not configured");
  }
  return it->second;
}

}  // namespace saferchat::service
