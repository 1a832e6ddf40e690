// SPDX-License-Identifier: Apache-2.0
#include "protocol/reply.hpp"

namespace saferchat {
namespace {

nlohmann::json reply_base(const RequestEnvelope& envelope) {
  nlohmann::json reply = nlohmann::json::object();
  if (!envelope.id.is_null()) {
    reply["id"] = envelope.id;
  }
  if (envelope.command) {
    reply["command"] = command_name(*envelope.command);
  }
  return reply;
}

}  // namespace

std::string ready_message(std::string_view host_version) {
  return nlohmann::json{
      {"event", "ready"}, {"hostVersion", host_version}, {"protocolVersion", protocol_version}}
      .dump();
}

std::string success_reply(const RequestEnvelope& envelope, const nlohmann::json& result) {
  nlohmann::json reply = reply_base(envelope);
  reply["result"] = result;
  // Strings in a result come from the card or the host; replace rather than throw on bad UTF-8.
  return reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string error_reply(const RequestEnvelope& envelope, ErrorCode code) {
  nlohmann::json reply = reply_base(envelope);
  reply["error"] = {{"code", code_name(code)}, {"message", public_message(code)}};
  return reply.dump();
}

}  // namespace saferchat
