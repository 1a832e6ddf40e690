// SPDX-License-Identifier: Apache-2.0
#include "protocol/request.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "wire/error.hpp"
#include "wire/origin.hpp"
#include "wire/utf8.hpp"

namespace saferchat {
namespace {

using nlohmann::json;

struct CommandName {
  Command command;
  std::string_view name;
};
constexpr std::array<CommandName, 5> command_names{{
    {Command::version, "version"},
    {Command::quit, "quit"},
    {Command::cancel, "cancel"},
    {Command::get_certificate, "get-certificate"},
    {Command::authenticate, "authenticate"},
}};

// JavaScript's Number.MAX_SAFE_INTEGER: ids must survive a round trip through the page.
constexpr std::int64_t max_safe_integer = 9007199254740991;

[[noreturn]] void reject_argument(const std::string& why) {
  throw Error(ErrorCode::invalid_argument, why);
}

json parse_json(std::string_view payload) {
  // Requests are flat: refuse deep nesting before it costs anything.
  const json::parser_callback_t limit_depth = [](int depth, json::parse_event_t /*event*/,
                                                 json& /*parsed*/) {
    if (depth > max_json_depth) {
      throw Error(ErrorCode::invalid_json, "nesting deeper than 8 levels");
    }
    return true;
  };
  try {
    return json::parse(payload.begin(), payload.end(), limit_depth);
  } catch (const json::parse_error& e) {
    // Only the position: the library's text quotes request bytes.
    throw Error(ErrorCode::invalid_json, "syntax error at byte " + std::to_string(e.byte));
  } catch (const json::out_of_range& e) {
    // A number literal beyond double range (error 406), e.g. 1e400.
    throw Error(ErrorCode::invalid_json,
                "number out of range (json error " + std::to_string(e.id) + ")");
  }
}

// A request id: absent (null), a string of at most 64 characters, or a safe integer >= 0.
nlohmann::json parse_id_field(const json& object, std::string_view name) {
  const auto it = object.find(name);
  if (it == object.end()) {
    return nullptr;
  }
  if (it->is_string() && it->get_ref<const std::string&>().size() <= max_request_id_length) {
    return *it;
  }
  if (it->is_number_integer() && it->get<std::int64_t>() >= 0 &&
      it->get<std::int64_t>() <= max_safe_integer) {
    return *it;
  }
  if (it->is_number_unsigned() && it->get<std::uint64_t>() <= max_safe_integer) {
    return *it;
  }
  reject_argument("\"" + std::string(name) +
                  "\" must be a string of at most 64 characters or a safe integer >= 0");
}

const json& arguments_object(const json& message) {
  static const json empty = json::object();
  const auto it = message.find("arguments");
  if (it == message.end()) {
    return empty;
  }
  if (!it->is_object()) {
    reject_argument("\"arguments\" must be an object");
  }
  return *it;
}

const json* optional_field(const json& arguments, std::string_view name) {
  const auto it = arguments.find(name);
  return it == arguments.end() || it->is_null() ? nullptr : &*it;
}

std::string required_string(const json& arguments, std::string_view name) {
  const json* field = optional_field(arguments, name);
  if (field == nullptr) {
    reject_argument("missing \"" + std::string(name) + "\"");
  }
  if (!field->is_string()) {
    reject_argument("\"" + std::string(name) + "\" must be a string");
  }
  return field->get<std::string>();
}

// BCP 47 language tag (RFC 5646 §2.1, simplified): returns the lower-case primary subtag.
std::optional<std::string> parse_lang(const json& arguments) {
  const json* field = optional_field(arguments, "lang");
  if (field == nullptr) {
    return std::nullopt;
  }
  if (!field->is_string()) {
    reject_argument("\"lang\" must be a string");
  }
  const auto& tag = field->get_ref<const std::string&>();
  const std::size_t primary_end = std::min(tag.find('-'), tag.size());
  const bool valid =
      tag.size() <= 35 && primary_end >= 2 && primary_end <= 8 &&
      std::all_of(
          tag.begin(), tag.end(),
          [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-'; }) &&
      std::all_of(tag.begin(), tag.begin() + static_cast<std::ptrdiff_t>(primary_end),
                  [](char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; });
  if (!valid) {
    reject_argument("\"lang\" is not a language tag");
  }
  std::string primary = tag.substr(0, primary_end);
  std::transform(primary.begin(), primary.end(), primary.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return primary;
}

// The public JWK to seal to (docs/protocol.md §4.4): strictly one EC P-256 or OKP X25519 key.
std::optional<jwe::PublicJwk> parse_seal_key(const json& arguments) {
  const json* field = optional_field(arguments, "sealKey");
  if (field == nullptr) {
    return std::nullopt;
  }
  if (!field->is_object()) {
    reject_argument("\"sealKey\" must be an object");
  }
  try {
    return jwe::PublicJwk::from_json(*field);
  } catch (const jwe::JweError& e) {
    reject_argument(std::string("\"sealKey\": ") + e.what());
  }
}

std::chrono::seconds parse_timeout(const json& arguments) {
  const json* field = optional_field(arguments, "timeout");
  if (field == nullptr) {
    return default_timeout;
  }
  if (!field->is_number_integer()) {
    reject_argument("\"timeout\" must be an integer number of seconds");
  }
  const auto seconds = field->get<std::int64_t>();
  if (seconds < 1 || seconds > max_timeout.count()) {
    reject_argument("\"timeout\" must be from 1 to 600 seconds");
  }
  return std::chrono::seconds(seconds);
}

Arguments parse_arguments(Command command, const json& arguments, const RequestOptions& options) {
  switch (command) {
    case Command::version:
      return VersionArguments{};
    case Command::quit:
      return QuitArguments{};
    case Command::cancel: {
      CancelArguments parsed;
      parsed.request_id = parse_id_field(arguments, "requestId");
      if (parsed.request_id.is_null()) {
        reject_argument("missing \"requestId\"");
      }
      return parsed;
    }
    case Command::get_certificate: {
      GetCertificateArguments parsed;
      parsed.origin = required_string(arguments, "origin");
      check_origin(parsed.origin, options.allow_http_localhost);
      parsed.lang = parse_lang(arguments);
      parsed.timeout = parse_timeout(arguments);
      return parsed;
    }
    case Command::authenticate: {
      AuthenticateArguments parsed;
      parsed.challenge_nonce = required_string(arguments, "challengeNonce");
      check_challenge_nonce(parsed.challenge_nonce);
      parsed.origin = required_string(arguments, "origin");
      check_origin(parsed.origin, options.allow_http_localhost);
      parsed.lang = parse_lang(arguments);
      parsed.timeout = parse_timeout(arguments);
      parsed.seal_key = parse_seal_key(arguments);
      return parsed;
    }
  }
  throw Error(ErrorCode::internal, "unhandled command");
}

}  // namespace

std::string_view command_name(Command command) noexcept {
  return command_names.at(static_cast<std::size_t>(command)).name;
}

std::optional<Command> command_from_name(std::string_view name) noexcept {
  const auto* it = std::find_if(command_names.begin(), command_names.end(),
                                [name](const CommandName& entry) { return entry.name == name; });
  return it == command_names.end() ? std::nullopt : std::optional(it->command);
}

Request parse_request(std::string_view payload, const RequestOptions& options,
                      RequestEnvelope& envelope) {
  if (!is_valid_utf8(payload)) {
    throw Error(ErrorCode::invalid_utf8, "payload is not UTF-8");
  }
  const json message = parse_json(payload);
  if (!message.is_object()) {
    throw Error(ErrorCode::not_an_object, std::string("payload is a JSON ") + message.type_name());
  }
  envelope.id = parse_id_field(message, "id");
  const auto command_it = message.find("command");
  if (command_it == message.end() || !command_it->is_string()) {
    throw Error(ErrorCode::missing_command, "no string \"command\"");
  }
  const auto& name = command_it->get_ref<const std::string&>();
  envelope.command = command_from_name(name);
  if (!envelope.command) {
    // The name may be anything the page chose: the log gets its length, not its text.
    throw Error(ErrorCode::unknown_command,
                "unknown command of " + std::to_string(name.size()) + " characters");
  }
  return Request{envelope, parse_arguments(*envelope.command, arguments_object(message), options)};
}

}  // namespace saferchat
