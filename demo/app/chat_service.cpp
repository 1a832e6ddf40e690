// SPDX-License-Identifier: Apache-2.0
#include "app/chat_service.hpp"

#include <utility>

#include <nlohmann/json.hpp>

#include "chat/http_rules.hpp"
#include "chat/texts.hpp"
#include "chat/verdict.hpp"

namespace saferchat::demo {
namespace {

using nlohmann::json;
using Clock = ChatHub::Clock;

constexpr std::string_view join_cookie = "sc_join";
constexpr std::string_view member_cookie = "sc_member";
constexpr std::size_t max_challenge_chars = 128;  // NOTES §3: 44..128 characters

net::Response json_response(unsigned status, const json& body) {
  return net::Response{.status = status,
                       .content_type = "application/json",
                       .body = body.dump(-1, ' ', false, json::error_handler_t::replace),
                       .set_cookies = {},
                       .cache_control = "no-store",
                       .allow = {}};
}

net::Response error_response(unsigned status, std::string_view code) {
  return json_response(status, json{{"error", {{"code", code}}}});
}

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

bool is_json(std::string_view content_type) {
  return content_type.substr(0, content_type.find(';')) == "application/json";
}

std::string string_member(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string build_config(std::string_view origin) {
  json config;
  config["origin"] = origin;
  config["limits"] = {{"maxTextCodePoints", max_text_code_points}};
  json rooms_json = json::array();
  for (const Room& room : rooms()) {
    rooms_json.push_back({{"id", room.id}, {"minAge", room.min_age}, {"maxAge", room.max_age}});
  }
  config["rooms"] = rooms_json;
  json language_codes = json::array();
  json texts = json::object();
  json refusals = json::object();
  for (const Language language : languages()) {
    const std::string code(language_code(language));
    language_codes.push_back(code);
    for (const UiText& text : ui_texts()) {
      texts[code][std::string(text.key)] = ui_text(text.key, language);
    }
    for (const Refusal refusal : all_refusals()) {
      refusals[code][std::string(refusal_id(refusal))] = {
          {"title", refusal_title(refusal, language)},
          {"text", refusal_template(refusal, language)},
          {"final", is_final_refusal(refusal)}};
    }
  }
  config["languages"] = language_codes;
  config["texts"] = texts;
  config["refusals"] = refusals;
  json errors = json::object();
  for (const PageApiErrorRefusal& entry : page_api_error_refusals()) {
    errors[std::string(entry.code)] = refusal_id(entry.refusal);
  }
  config["pageApiErrors"] = errors;
  config["defaultRefusal"] = refusal_id(Refusal::software_problem);
  return config.dump();
}

}  // namespace

ChatService::ChatService(std::string origin, net::StaticFiles files,
                         const net::SaferchatdClient& saferchatd, ChatHub::TokenSource tokens,
                         ChatHub::ModerationLog log, std::string seal_key_set)
    : origin_(std::move(origin)),
      secure_(origin_.starts_with("https://")),
      files_(std::move(files)),
      saferchatd_(saferchatd),
      hub_(std::move(tokens), log),
      log_(std::move(log)),
      config_json_(build_config(origin_)),
      seal_key_set_(std::move(seal_key_set)) {}

void ChatService::handle(const net::Request& request, net::Respond respond) {
  const std::string_view path = path_of(request.target);
  if (path.starts_with("/api/")) {
    const bool get = path == "/api/config" || path == "/api/session";
    const bool post = path == "/api/challenge" || path == "/api/join" || path == "/api/leave";
    if (!get && !post) {
      respond(error_response(404, "NOT_FOUND"));
      return;
    }
    if (request.method != (post ? "POST" : "GET")) {
      net::Response response = error_response(405, "METHOD_NOT_ALLOWED");
      response.allow = post ? "POST" : "GET";
      respond(std::move(response));
      return;
    }
    if (post && request.origin != origin_) {
      respond(error_response(403, "ORIGIN_NOT_ALLOWED"));
      return;
    }
    if (post && !is_json(request.content_type)) {
      respond(error_response(415, "NOT_JSON"));
      return;
    }
    if (path == "/api/config") {
      respond(net::Response{.status = 200,
                            .content_type = "application/json",
                            .body = config_json_,
                            .set_cookies = {},
                            .cache_control = "no-cache",
                            .allow = {}});
    } else if (path == "/api/session") {
      session(request, respond);
    } else if (path == "/api/challenge") {
      challenge(request, std::move(respond));
    } else if (path == "/api/join") {
      join(request, std::move(respond));
    } else {
      leave(request, respond);
    }
    return;
  }
  if (path == "/healthz") {
    respond(json_response(200, json{{"status", "ok"}}));
    return;
  }
  if (request.method != "GET") {
    net::Response response = error_response(405, "METHOD_NOT_ALLOWED");
    response.allow = "GET";
    respond(std::move(response));
    return;
  }
  if (path == "/.well-known/saferchat-seal-key" && !seal_key_set_.empty()) {
    // docs/protocol.md §4.4: what the extension seals the token to; it keeps it an hour.
    respond(net::Response{.status = 200,
                          .content_type = "application/json",
                          .body = seal_key_set_,
                          .set_cookies = {},
                          .cache_control = "public, max-age=3600",
                          .allow = {}});
    return;
  }
  const net::StaticFile* file = files_.find(path);
  if (file == nullptr) {
    respond(error_response(404, "NOT_FOUND"));
    return;
  }
  respond(net::Response{.status = 200,
                        .content_type = file->content_type,
                        .body = file->body,
                        .set_cookies = {},
                        .cache_control = "no-cache",
                        .allow = {}});
}

void ChatService::challenge(const net::Request& request, net::Respond respond) {
  const json body = json::parse(request.body, nullptr, false);
  const Room* room = body.is_object() ? find_room(string_member(body, "room")) : nullptr;
  if (room == nullptr) {
    respond(error_response(400, "UNKNOWN_ROOM"));
    return;
  }
  ChatHub::JoinStart start = hub_.start_join(*room, Clock::now());
  const json ask{{"session", start.verifier_session}};
  saferchatd_.post(
      "/v1/challenge", ask.dump(),
      [this, cookie = std::move(start.cookie),
       respond = std::move(respond)](const net::HttpReply& reply) {
        const json answer = json::parse(reply.body, nullptr, false);
        const bool ok = reply.reached && reply.status == 200 && answer.is_object() &&
                        answer.contains("challengeNonce") && answer["challengeNonce"].is_string();
        if (!ok) {
          static_cast<void>(hub_.take_join(cookie, Clock::now()));  // forget it
          if (log_) {
            log_("challenge failed: " +
                 (reply.reached ? "HTTP " + std::to_string(reply.status) : reply.error));
          }
          respond(error_response(503, "VERIFIER_UNAVAILABLE"));
          return;
        }
        net::Response response =
            json_response(200, json{{"challengeNonce", answer["challengeNonce"]},
                                    {"expiresInSeconds", answer.value("expiresInSeconds", 300)}});
        response.set_cookies.push_back(
            set_cookie(join_cookie, cookie, ChatHub::join_lifetime, secure_));
        respond(std::move(response));
      });
}

void ChatService::join(const net::Request& request, net::Respond respond) {
  const json body = json::parse(request.body, nullptr, false);
  if (!body.is_object()) {
    respond(error_response(400, "BAD_REQUEST"));
    return;
  }
  const Room* room = find_room(string_member(body, "room"));
  const std::string nonce = string_member(body, "challengeNonce");
  const auto token = body.find("token");
  if (room == nullptr || nonce.empty() || nonce.size() > max_challenge_chars ||
      token == body.end() || !token->is_object()) {
    respond(error_response(400, "BAD_REQUEST"));
    return;
  }
  const Language language = language_from_tag(string_member(body, "lang"))
                                .value_or(language_from_accept_language(request.accept_language));
  const auto refuse = [this, room, language](Refusal refusal, const std::string& reason) {
    if (log_) {
      log_("join room=" + std::string(room->id) + " verdict=rejected reason=" + reason);
    }
    net::Response response =
        json_response(200, json{{"verdict", "rejected"},
                                {"refusal", refusal_id(refusal)},
                                {"title", refusal_title(refusal, language)},
                                {"message", refusal_text(refusal, language, room)},
                                {"reason", reason}});
    response.set_cookies.push_back(set_cookie(join_cookie, "", std::chrono::seconds(0), secure_));
    return response;
  };
  const auto cookie = find_cookie(request.cookie, join_cookie);
  const auto pending = cookie ? hub_.take_join(*cookie, Clock::now()) : std::nullopt;
  if (!pending || pending->room != room) {
    respond(refuse(Refusal::try_again, "JOIN_UNKNOWN"));
    return;
  }
  if (log_) {
    // Whether the token came sealed (docs/protocol.md §4.4): then this chat saw only ciphertext.
    const bool sealed = string_member(*token, "format") == "saferchat-sealed:1";
    log_("join room=" + std::string(room->id) + " token=" + (sealed ? "sealed" : "unsealed") +
         (sealed ? " kid=" + json(string_member(*token, "kid")).dump() : std::string()));
  }
  const json verify{{"token", *token},
                    {"challengeNonce", nonce},
                    {"origin", origin_},
                    {"session", pending->verifier_session},
                    {"policy", room_policy(*room)}};
  const auto old_member = find_cookie(request.cookie, member_cookie);
  saferchatd_.post(
      "/v1/verify", verify.dump(),
      [this, room, refuse, respond = std::move(respond),
       old_member = std::string(old_member.value_or(""))](const net::HttpReply& reply) {
        if (!reply.reached) {
          if (log_) {
            log_("verify failed: " + reply.error);
          }
          respond(refuse(Refusal::service_unavailable, "VERIFIER_UNREACHABLE"));
          return;
        }
        Admission admission = read_verify_reply(reply.status, reply.body, *room);
        if (!admission.member) {
          respond(refuse(admission.refusal, admission.reason));
          return;
        }
        if (!old_member.empty()) {
          hub_.end_session(old_member);  // one room at a time per browser
        }
        const json you{{"name", admission.member->name}, {"age", admission.member->age}};
        const std::string session = hub_.admit(*room, std::move(*admission.member), Clock::now());
        net::Response response =
            json_response(200, json{{"verdict", "accepted"}, {"room", room->id}, {"you", you}});
        response.set_cookies.push_back(set_cookie(
            member_cookie, session,
            std::chrono::duration_cast<std::chrono::seconds>(ChatHub::session_lifetime), secure_));
        response.set_cookies.push_back(
            set_cookie(join_cookie, "", std::chrono::seconds(0), secure_));
        respond(std::move(response));
      });
}

void ChatService::leave(const net::Request& request, const net::Respond& respond) {
  if (const auto cookie = find_cookie(request.cookie, member_cookie)) {
    hub_.end_session(*cookie);
  }
  net::Response response = json_response(200, json{{"left", true}});
  response.set_cookies.push_back(set_cookie(member_cookie, "", std::chrono::seconds(0), secure_));
  respond(std::move(response));
}

void ChatService::session(const net::Request& request, const net::Respond& respond) {
  const auto cookie = find_cookie(request.cookie, member_cookie);
  const auto view = cookie ? hub_.find_session(*cookie, Clock::now()) : std::nullopt;
  if (!view) {
    respond(json_response(200, json{{"inRoom", false}}));
    return;
  }
  respond(json_response(200,
                        json{{"inRoom", true},
                             {"room", view->room->id},
                             {"you", {{"name", view->member->name}, {"age", view->member->age}}}}));
}

bool ChatService::accept_websocket(const net::Request& request) {
  if (path_of(request.target) != "/ws" || request.origin != origin_) {
    return false;
  }
  const auto cookie = find_cookie(request.cookie, member_cookie);
  return cookie && hub_.find_session(*cookie, Clock::now()).has_value();
}

void ChatService::websocket_opened(const net::Request& request,
                                   const std::shared_ptr<Connection>& connection) {
  const auto cookie = find_cookie(request.cookie, member_cookie);
  if (!cookie || !hub_.connect(*cookie, connection, Clock::now())) {
    connection->close();
  }
}

void ChatService::websocket_frame(const Connection* connection, std::string_view text) {
  static_cast<void>(hub_.receive(connection, text, Clock::now(), ChatHub::WallClock::now()));
}

void ChatService::websocket_closed(const Connection* connection) { hub_.disconnect(connection); }

}  // namespace saferchat::demo
