// SPDX-License-Identifier: Apache-2.0
// Requests from the browser (docs/protocol.md §3): decoding of one framed payload into a typed
// request. Pure: no I/O, every rejection an Error with a stable code.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "wire/jwe.hpp"

namespace saferchat {

enum class Command : std::uint8_t { version, quit, cancel, get_certificate, authenticate };

inline constexpr std::array<Command, 5> all_commands{Command::version, Command::quit,
                                                     Command::cancel, Command::get_certificate,
                                                     Command::authenticate};

// Card commands run one at a time, in arrival order (docs/protocol.md §3.6); the others are
// answered at once, even while a card command runs.
[[nodiscard]] constexpr bool is_card_command(Command command) noexcept {
  return command == Command::get_certificate || command == Command::authenticate;
}

[[nodiscard]] std::string_view command_name(Command command) noexcept;
[[nodiscard]] std::optional<Command> command_from_name(std::string_view name) noexcept;

inline constexpr std::chrono::seconds default_timeout{120};
inline constexpr std::chrono::seconds max_timeout{600};
inline constexpr std::size_t max_request_id_length = 64;
inline constexpr int max_json_depth = 8;

struct VersionArguments {};
struct QuitArguments {};
// NOLINTNEXTLINE(bugprone-exception-escape): json's move is noexcept; the check misreads it.
struct CancelArguments {
  nlohmann::json request_id;  // the `id` of the request to stop: a string or a safe integer
};
struct GetCertificateArguments {
  std::string origin;               // who asks: shown to the child while waiting for the card
  std::optional<std::string> lang;  // primary language subtag, lower case ("nl", "fr", …)
  std::chrono::seconds timeout = default_timeout;
};
struct AuthenticateArguments {
  std::string challenge_nonce;
  std::string origin;
  std::optional<std::string> lang;
  std::chrono::seconds timeout = default_timeout;
  // The chat site's verification service key (docs/protocol.md §3.4, §4.4): set = seal.
  std::optional<jwe::PublicJwk> seal_key;
};

using Arguments = std::variant<VersionArguments, QuitArguments, CancelArguments,
                               GetCertificateArguments, AuthenticateArguments>;

struct RequestOptions {
  bool allow_http_localhost = false;  // development setting, docs/protocol.md §3.5
};

// What is known of a request so far: filled while decoding, so that an error reply can still
// echo the request's id and command.
// NOLINTNEXTLINE(bugprone-exception-escape): json's move is noexcept; the check misreads it.
struct RequestEnvelope {
  nlohmann::json id;  // null when absent; else a string (≤ 64 chars) or a safe integer
  std::optional<Command> command;
};

// NOLINTNEXTLINE(bugprone-exception-escape): as for RequestEnvelope.
struct Request {
  RequestEnvelope envelope;
  Arguments arguments;
};

// Decodes one payload. Fills `envelope` as far as it gets, then throws Error on the first
// problem: invalid_utf8, invalid_json, not_an_object, missing_command, unknown_command,
// invalid_argument, invalid_origin, invalid_challenge.
[[nodiscard]] Request parse_request(std::string_view payload, const RequestOptions& options,
                                    RequestEnvelope& envelope);

}  // namespace saferchat
