// SPDX-License-Identifier: Apache-2.0
#include "chat/chat_hub.hpp"

#include <algorithm>
#include <utility>

namespace saferchat::demo {
namespace {

using nlohmann::json;

json member_json(const std::string& id, const Member& member) {
  return {{"id", id}, {"name", member.name}, {"age", member.age}};
}

// Moderation lines quote free text as JSON strings: one line, control characters escaped.
std::string json_quoted(std::string_view text) {
  return json(text).dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

ChatHub::ChatHub(TokenSource tokens, ModerationLog log)
    : tokens_(std::move(tokens)), log_(std::move(log)) {}

ChatHub::JoinStart ChatHub::start_join(const Room& room, Clock::time_point now) {
  sweep(now);
  if (pending_.size() >= max_pending_joins) {
    // Full: drop the join closest to expiry (the oldest).
    const auto oldest = std::min_element(
        pending_.begin(), pending_.end(),
        [](const auto& a, const auto& b) { return a.second.expires < b.second.expires; });
    pending_.erase(oldest);
  }
  JoinStart start{.cookie = tokens_(), .verifier_session = tokens_()};
  pending_.insert_or_assign(start.cookie, Pending{.room = &room,
                                                  .verifier_session = start.verifier_session,
                                                  .expires = now + join_lifetime});
  return start;
}

std::optional<ChatHub::PendingJoin> ChatHub::take_join(std::string_view cookie,
                                                       Clock::time_point now) {
  const auto it = pending_.find(cookie);
  if (it == pending_.end()) {
    return std::nullopt;
  }
  const Pending pending = std::move(it->second);
  pending_.erase(it);
  if (now >= pending.expires) {
    return std::nullopt;
  }
  return PendingJoin{.room = pending.room, .verifier_session = pending.verifier_session};
}

std::string ChatHub::admit(const Room& room, Member member, Clock::time_point now) {
  sweep(now);
  const std::size_t sequence = next_member_++;
  std::string cookie = tokens_();
  Session session{.room = &room,
                  .sequence = sequence,
                  .member_id = "m" + std::to_string(sequence),
                  .member = std::move(member),
                  .expires = now + session_lifetime,
                  .connections = {}};
  if (log_) {
    log_("admit room=" + std::string(room.id) + " member=" + session.member_id + " pseudonym=" +
         json_quoted(session.member.pseudonym) + " name=" + json_quoted(session.member.name) +
         " age=" + std::to_string(session.member.age));
  }
  sessions_.insert_or_assign(cookie, std::move(session));
  return cookie;
}

std::optional<ChatHub::SessionView> ChatHub::find_session(std::string_view cookie,
                                                          Clock::time_point now) {
  sweep(now);
  const auto it = sessions_.find(cookie);
  if (it == sessions_.end()) {
    return std::nullopt;
  }
  return SessionView{
      .room = it->second.room, .member_id = it->second.member_id, .member = &it->second.member};
}

void ChatHub::end_session(std::string_view cookie) {
  const auto it = sessions_.find(cookie);
  if (it != sessions_.end()) {
    drop_session(it);
  }
}

void ChatHub::drop_session(std::map<std::string, Session, std::less<>>::iterator session) {
  const Room& room = *session->second.room;
  const bool was_present = !session->second.connections.empty();
  const json left = member_json(session->second.member_id, session->second.member);
  for (const std::shared_ptr<Connection>& connection : session->second.connections) {
    links_.erase(connection.get());
    connection->send(json{{"type", "ended"}}.dump());
    connection->close();
  }
  if (log_) {
    log_("leave room=" + std::string(room.id) + " member=" + session->second.member_id);
  }
  sessions_.erase(session);
  if (was_present) {
    broadcast(room,
              json{{"type", "members"}, {"members", members_json(room)}, {"left", left}}.dump());
  }
}

bool ChatHub::connect(std::string_view cookie, const std::shared_ptr<Connection>& connection,
                      Clock::time_point now) {
  sweep(now);
  const auto it = sessions_.find(cookie);
  if (it == sessions_.end() || it->second.connections.size() >= max_connections_per_session) {
    return false;
  }
  Session& session = it->second;
  const bool first = session.connections.empty();
  session.connections.push_back(connection);
  links_.insert_or_assign(connection.get(), Link{.cookie = it->first, .limiter = RateLimiter(now)});
  const Room& room = *session.room;
  // The welcome first, so that the page knows who it is when the room hears of it.
  connection->send(json{{"type", "welcome"},
                        {"room", room.id},
                        {"you", session.member_id},
                        {"members", members_json(room)}}
                       .dump());
  if (first) {
    broadcast(room, json{{"type", "members"},
                         {"members", members_json(room)},
                         {"joined", member_json(session.member_id, session.member)}}
                        .dump());
  }
  return true;
}

void ChatHub::disconnect(const Connection* connection) {
  const auto link = links_.find(connection);
  if (link == links_.end()) {
    return;
  }
  const auto session = sessions_.find(link->second.cookie);
  links_.erase(link);
  if (session == sessions_.end()) {
    return;
  }
  auto& connections = session->second.connections;
  std::erase_if(connections, [&](const auto& c) { return c.get() == connection; });
  if (connections.empty()) {
    const Room& room = *session->second.room;
    broadcast(room, json{{"type", "members"},
                         {"members", members_json(room)},
                         {"left", member_json(session->second.member_id, session->second.member)}}
                        .dump());
  }
}

ChatError ChatHub::receive(const Connection* connection, std::string_view frame,
                           Clock::time_point now, WallClock::time_point wall_now) {
  const auto link = links_.find(connection);
  if (link == links_.end()) {
    return ChatError::invalid_frame;
  }
  const auto session = sessions_.find(link->second.cookie);
  if (session == sessions_.end()) {
    return ChatError::invalid_frame;
  }
  CheckedText checked = parse_client_frame(frame);
  if (checked.error == ChatError::none && !link->second.limiter.allow(now)) {
    checked.error = ChatError::too_fast;
  }
  if (checked.error != ChatError::none) {
    for (const auto& c : session->second.connections) {
      if (c.get() == connection) {
        c->send(json{{"type", "error"}, {"code", chat_error_code(checked.error)}}.dump());
      }
    }
    return checked.error;
  }
  const Session& from = session->second;
  if (log_) {
    log_("message room=" + std::string(from.room->id) + " member=" + from.member_id +
         " pseudonym=" + json_quoted(from.member.pseudonym) + " text=" + json_quoted(checked.text));
  }
  const auto at =
      std::chrono::duration_cast<std::chrono::milliseconds>(wall_now.time_since_epoch()).count();
  broadcast(*from.room, json{{"type", "message"},
                             {"from", member_json(from.member_id, from.member)},
                             {"text", checked.text},
                             {"at", at}}
                            .dump());
  return ChatError::none;
}

std::size_t ChatHub::present_count(const Room& room) const {
  return static_cast<std::size_t>(std::count_if(
      sessions_.begin(), sessions_.end(),
      [&](const auto& s) { return s.second.room == &room && !s.second.connections.empty(); }));
}

void ChatHub::sweep(Clock::time_point now) {
  std::erase_if(pending_, [&](const auto& p) { return now >= p.second.expires; });
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    auto next = std::next(it);
    if (now >= it->second.expires) {
      drop_session(it);
    }
    it = next;
  }
}

json ChatHub::members_json(const Room& room) const {
  std::vector<const Session*> present;
  for (const auto& [cookie, session] : sessions_) {
    if (session.room == &room && !session.connections.empty()) {
      present.push_back(&session);
    }
  }
  std::sort(present.begin(), present.end(),
            [](const Session* a, const Session* b) { return a->sequence < b->sequence; });
  json members = json::array();
  for (const Session* session : present) {
    members.push_back(member_json(session->member_id, session->member));
  }
  return members;
}

void ChatHub::broadcast(const Room& room, const std::string& text) {
  for (const auto& [cookie, session] : sessions_) {
    if (session.room == &room) {
      for (const auto& connection : session.connections) {
        connection->send(text);
      }
    }
  }
}

}  // namespace saferchat::demo
