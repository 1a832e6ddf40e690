// SPDX-License-Identifier: Apache-2.0
// Who is in which room, and the room's live traffic: pending joins (a challenge was asked for),
// admitted members' sessions, their WebSocket connections, and what goes to whom. Pure: the
// transport implements Connection; time and randomness are passed in. Not thread-safe: the
// server runs it on one thread.
//
// Events sent to a connection (JSON text frames, docs in demo/README.md):
//   {"type":"welcome","room":"kids","you":"m1","members":[{"id":"m1","name":"Lotte","age":9}]}
//   {"type":"members","members":[…],"joined":{…}} / {…,"left":{…}}
//   {"type":"message","from":{"id":"m1","name":"Lotte","age":9},"text":"Hi!","at":<ms epoch>}
//   {"type":"error","code":"TOO_FAST"}                  (chat_message.hpp)
//   {"type":"ended"}                                    (the session ended; then closed)
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "chat/chat_message.hpp"
#include "chat/room.hpp"
#include "chat/verdict.hpp"

namespace saferchat::demo {

// A member's live connection to the room (a WebSocket), implemented by the transport.
class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  Connection(Connection&&) = delete;
  Connection& operator=(Connection&&) = delete;
  virtual ~Connection() = default;

  // Queues one text frame.
  virtual void send(std::string text) = 0;
  // Closes the connection once what is queued has gone out; the transport then calls
  // ChatHub::disconnect.
  virtual void close() = 0;
};

class ChatHub {
 public:
  using Clock = std::chrono::steady_clock;
  using WallClock = std::chrono::system_clock;
  // Random session tokens for cookies (at least 128 bits, URL-safe).
  using TokenSource = std::function<std::string()>;
  // One line per event for moderators (joins with pseudonyms, messages).
  using ModerationLog = std::function<void(std::string_view line)>;

  static constexpr std::chrono::seconds join_lifetime{300};  // saferchatd's nonce lifetime
  static constexpr std::chrono::hours session_lifetime{2};
  static constexpr std::size_t max_connections_per_session = 4;
  static constexpr std::size_t max_pending_joins = 10'000;

  ChatHub(TokenSource tokens, ModerationLog log);

  // A browser asks to join `room`: a pending join, named by a cookie token, with its own id
  // for saferchatd (the "session" its nonce is bound to). Old ones are dropped when full.
  struct JoinStart {
    std::string cookie;
    std::string verifier_session;
  };
  [[nodiscard]] JoinStart start_join(const Room& room, Clock::time_point now);

  struct PendingJoin {
    const Room* room = nullptr;
    std::string verifier_session;
  };
  // The pending join of this cookie, removed (one verify per challenge); nullopt when unknown
  // or expired.
  [[nodiscard]] std::optional<PendingJoin> take_join(std::string_view cookie,
                                                     Clock::time_point now);

  // An admitted member's session; returns its cookie token.
  [[nodiscard]] std::string admit(const Room& room, Member member, Clock::time_point now);

  struct SessionView {
    const Room* room = nullptr;
    std::string member_id;
    const Member* member = nullptr;
  };
  [[nodiscard]] std::optional<SessionView> find_session(std::string_view cookie,
                                                        Clock::time_point now);

  // Leaving: tells the session's connections ("ended"), closes them, forgets the session.
  void end_session(std::string_view cookie);

  // A WebSocket of the session `cookie` opened: welcome to it; the room learns who joined when
  // this is the member's first connection. False (nothing sent) when there is no such session,
  // or it has too many connections.
  [[nodiscard]] bool connect(std::string_view cookie, const std::shared_ptr<Connection>& connection,
                             Clock::time_point now);
  // The connection closed (any reason). Safe to call twice.
  void disconnect(const Connection* connection);

  // A frame from a connection: checked (chat_message.hpp), rate limited per connection, then
  // sent to everyone in the room, the sender included; a refusal goes back to the sender only.
  ChatError receive(const Connection* connection, std::string_view frame, Clock::time_point now,
                    WallClock::time_point wall_now);

  // How many members are present (with at least one connection) in a room.
  [[nodiscard]] std::size_t present_count(const Room& room) const;

 private:
  struct Session {
    const Room* room = nullptr;
    std::size_t sequence = 0;  // join order, for the member list
    std::string member_id;     // "m<sequence>"
    Member member;
    Clock::time_point expires;
    std::vector<std::shared_ptr<Connection>> connections;
  };
  struct Pending {
    const Room* room = nullptr;
    std::string verifier_session;
    Clock::time_point expires;
  };
  struct Link {
    std::string cookie;
    RateLimiter limiter;
  };

  void sweep(Clock::time_point now);
  void drop_session(std::map<std::string, Session, std::less<>>::iterator session);
  [[nodiscard]] nlohmann::json members_json(const Room& room) const;
  void broadcast(const Room& room, const std::string& text);

  TokenSource tokens_;
  ModerationLog log_;
  std::size_t next_member_ = 1;
  std::map<std::string, Pending, std::less<>> pending_;
  std::map<std::string, Session, std::less<>> sessions_;  // by cookie token
  std::map<const Connection*, Link> links_;
};

}  // namespace saferchat::demo
