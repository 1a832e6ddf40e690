// SPDX-License-Identifier: Apache-2.0
// The demo chat's API, composed from the pure chat layer (rooms, texts, verdicts, the hub) and
// the transport (the HTTPS server calls it; it calls saferchatd):
//
//   GET  /api/config     rooms, languages, every text and refusal in every language, and the
//                        page API codes' refusals: the page needs nothing else to speak
//   POST /api/challenge  {"room"} → saferchatd /v1/challenge → {"challengeNonce",
//                        "expiresInSeconds"}; sets the join cookie (the nonce's session)
//   POST /api/join       {"room","challengeNonce","token","lang"} → saferchatd /v1/verify with
//                        the room's policy → {"verdict":"accepted","room","you"} and the member
//                        cookie, or {"verdict":"rejected","refusal","title","message","reason"}
//   GET  /api/session    {"inRoom": true, "room", "you"} for a member, else {"inRoom": false}
//   POST /api/leave      ends the session
//   GET  /ws             the room's WebSocket (member cookie; events in chat_hub.hpp)
//   GET  /healthz        {"status":"ok"}
//   GET  /…              the page's files and, under /page-api/, the page API's
//
// Every POST and the WebSocket must come from the chat's own origin (Origin header), and POSTs
// carry JSON; cookies are HttpOnly, SameSite=Strict and Secure.
#pragma once

#include <functional>
#include <string>

#include "chat/chat_hub.hpp"
#include "net/https_server.hpp"
#include "net/saferchatd_client.hpp"
#include "net/static_files.hpp"

namespace saferchat::demo {

class ChatService : public net::Handler {
 public:
  // `origin`: the chat's public origin ("https://localhost:8443"): the one the card signs for
  // and the only one whose requests are served. `seal_key_set`: saferchatd's sealing key set
  // (JSON, docs/protocol.md §4.4), served at GET /.well-known/saferchat-seal-key so that the
  // extension seals tokens for this chat; empty = 404 there (tokens come unsealed).
  ChatService(std::string origin, net::StaticFiles files, const net::SaferchatdClient& saferchatd,
              ChatHub::TokenSource tokens, ChatHub::ModerationLog log,
              std::string seal_key_set = {});

  void handle(const net::Request& request, net::Respond respond) override;
  bool accept_websocket(const net::Request& request) override;
  void websocket_opened(const net::Request& request,
                        const std::shared_ptr<Connection>& connection) override;
  void websocket_frame(const Connection* connection, std::string_view text) override;
  void websocket_closed(const Connection* connection) override;

 private:
  void challenge(const net::Request& request, net::Respond respond);
  void join(const net::Request& request, net::Respond respond);
  void leave(const net::Request& request, const net::Respond& respond);
  void session(const net::Request& request, const net::Respond& respond);

  std::string origin_;
  bool secure_;
  net::StaticFiles files_;
  const net::SaferchatdClient& saferchatd_;
  ChatHub hub_;
  ChatHub::ModerationLog log_;
  std::string config_json_;  // GET /api/config, built once
  std::string seal_key_set_;
};

}  // namespace saferchat::demo
