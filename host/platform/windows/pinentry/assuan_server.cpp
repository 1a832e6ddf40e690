// SPDX-License-Identifier: Apache-2.0
#include "platform/windows/pinentry/assuan_server.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <utility>

#include "platform/platform.hpp"
#include "ui/assuan.hpp"
#include "wire/error.hpp"
#include "wire/version.hpp"

namespace saferchat::pinentry {
namespace {

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// Assuan command names are case-insensitive.
bool same_word(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(),
                                            [](char x, char y) { return lower(x) == lower(y); });
}

std::string_view error_text(std::uint32_t code) noexcept {
  switch (code) {
    case gpg_code_not_implemented:
      return "Not implemented";
    case gpg_code_timeout:
      return "Timeout";
    case gpg_code_canceled:
      return "Operation cancelled";
    case gpg_code_not_confirmed:
      return "Not confirmed";
    case gpg_code_unknown_option:
      return "Unknown option";
    case gpg_code_unknown_command:
      return "Unknown IPC command";
    case gpg_code_line_too_long:
      return "Line too long";
    case gpg_code_parameter:
      return "IPC parameter error";
    default:
      return "Error";
  }
}

constexpr std::string_view ok_line = "OK\n";

AssuanServer::Step answer(std::string reply) {
  AssuanServer::Step step;
  step.reply = std::move(reply);
  return step;
}

// Options a pinentry accepts and this one has no use for (GnuPG's agent sends them).
constexpr std::array<std::string_view, 20> ignored_options{"ttyname",
                                                           "ttytype",
                                                           "lc-ctype",
                                                           "lc-messages",
                                                           "display",
                                                           "xauthority",
                                                           "grab",
                                                           "no-grab",
                                                           "owner",
                                                           "touch-file",
                                                           "invisible-char",
                                                           "default-ok",
                                                           "default-cancel",
                                                           "default-prompt",
                                                           "default-pwmngr",
                                                           "default-cap-warning",
                                                           "allow-external-password-cache",
                                                           "allow-emacs-prompt",
                                                           "formatted-passphrase",
                                                           "constraints-enforce"};

}  // namespace

std::string error_line(std::uint32_t code) {
  return "ERR " + std::to_string((gpg_source_pinentry << 24U) | code) + " " +
         std::string(error_text(code)) + " <Pinentry>\n";
}

std::optional<std::uint64_t> parse_window_handle(std::string_view text) noexcept {
  std::uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

std::string AssuanServer::greeting() { return "OK Pleased to meet you\n"; }

void AssuanServer::reset() noexcept {
  // RESET forgets the texts; the options (parent window, the check box's labels) stay, as in
  // pinentry.
  std::string show_pin = std::move(texts_.show_pin);
  std::string hide_pin = std::move(texts_.hide_pin);
  texts_ = DialogRequest{};
  texts_.show_pin = std::move(show_pin);
  texts_.hide_pin = std::move(hide_pin);
}

AssuanServer::Step AssuanServer::handle(std::string_view line, bool too_long) {
  if (too_long) {
    return answer(error_line(gpg_code_line_too_long));
  }
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  // Empty lines and comments get no answer (Assuan §3.1).
  if (line.empty() || line.front() == '#') {
    return {};
  }
  const std::size_t space = line.find(' ');
  const std::string_view verb = line.substr(0, space);
  std::string_view raw =
      space == std::string_view::npos ? std::string_view() : line.substr(space + 1);
  raw.remove_prefix(std::min(raw.find_first_not_of(' '), raw.size()));

  std::string argument;
  try {
    argument = assuan_unescape(raw);
  } catch (const Error&) {
    return answer(error_line(gpg_code_parameter));
  }

  const auto set = [&argument](std::string& field) {
    field = std::move(argument);
    return answer(std::string(ok_line));
  };
  if (same_word(verb, "SETTITLE")) {
    return set(texts_.title);
  }
  if (same_word(verb, "SETDESC")) {
    return set(texts_.description);
  }
  if (same_word(verb, "SETPROMPT")) {
    return set(texts_.prompt);
  }
  if (same_word(verb, "SETOK")) {
    return set(texts_.ok);
  }
  if (same_word(verb, "SETCANCEL")) {
    return set(texts_.cancel);
  }
  if (same_word(verb, "SETERROR")) {
    return set(texts_.error);
  }
  if (same_word(verb, "SETTIMEOUT")) {
    unsigned seconds = 0;
    const auto [end, error] =
        std::from_chars(argument.data(), argument.data() + argument.size(), seconds);
    if (argument.empty() || error != std::errc() || end != argument.data() + argument.size()) {
      return answer(error_line(gpg_code_parameter));
    }
    texts_.timeout_seconds = seconds;
    return answer(std::string(ok_line));
  }
  if (same_word(verb, "SETKEYINFO") || same_word(verb, "SETDESC_HTML")) {
    return answer(std::string(ok_line));  // nothing is cached, nothing to key
  }
  if (same_word(verb, "SETREPEAT") || same_word(verb, "SETQUALITYBAR") ||
      same_word(verb, "SETGENPIN")) {
    // Asking twice, a quality bar, a generated PIN: a card PIN needs none of them. Refused
    // plainly, so that no client believes it got them.
    return answer(error_line(gpg_code_not_implemented));
  }
  if (same_word(verb, "OPTION")) {
    return handle_option(argument);
  }
  if (same_word(verb, "GETINFO")) {
    return handle_getinfo(argument);
  }
  if (same_word(verb, "GETPIN") || same_word(verb, "CONFIRM") || same_word(verb, "MESSAGE")) {
    DialogRequest request = texts_;
    if (same_word(verb, "GETPIN")) {
      request.kind = DialogKind::get_pin;
    } else if (same_word(verb, "MESSAGE")) {
      request.kind = DialogKind::message;
    } else if (argument == "--one-button") {
      request.kind = DialogKind::confirm_one_button;
    } else if (argument.empty()) {
      request.kind = DialogKind::confirm;
    } else {
      return answer(error_line(gpg_code_parameter));
    }
    // The error line is for the next dialog only, as in pinentry.
    texts_.error.clear();
    open_ = request.kind;
    AssuanServer::Step step;
    step.dialog = std::move(request);
    return step;
  }
  if (same_word(verb, "RESET")) {
    reset();
    return answer(std::string(ok_line));
  }
  if (same_word(verb, "NOP")) {
    return answer(std::string(ok_line));
  }
  if (same_word(verb, "BYE")) {
    AssuanServer::Step step = answer("OK closing connection\n");
    step.bye = true;
    return step;
  }
  return answer(error_line(gpg_code_unknown_command));
}

AssuanServer::Step AssuanServer::handle_option(std::string_view argument) {
  // "name=value", "name value" or "--name=value".
  if (argument.starts_with("--")) {
    argument.remove_prefix(2);
  }
  const std::size_t split = argument.find_first_of("= ");
  const std::string_view name = argument.substr(0, split);
  std::string_view value =
      split == std::string_view::npos ? std::string_view() : argument.substr(split + 1);
  value.remove_prefix(std::min(value.find_first_not_of(' '), value.size()));
  if (name == "default-tt-visi") {
    texts_.show_pin = value;
  } else if (name == "default-tt-hide") {
    texts_.hide_pin = value;
  } else if (name == "parent-wid") {
    const std::optional<std::uint64_t> handle = parse_window_handle(value);
    if (!handle) {
      return answer(error_line(gpg_code_parameter));
    }
    parent_window_ = *handle;
  } else if (std::find(ignored_options.begin(), ignored_options.end(), name) ==
             ignored_options.end()) {
    return answer(error_line(gpg_code_unknown_option));
  }
  return answer(std::string(ok_line));
}

AssuanServer::Step AssuanServer::handle_getinfo(std::string_view argument) const {
  std::string value;
  if (argument == "version") {
    value = host_version;
  } else if (argument == "pid") {
    value = std::to_string(platform::process_id());
  } else if (argument == "flavor") {
    value = "saferchat-win32";
  } else if (argument == "ttyinfo") {
    value = "- - -";  // no terminal: a window of its own
  } else {
    return answer(error_line(gpg_code_parameter));
  }
  return answer("D " + assuan_escape(value) + "\n" + std::string(ok_line));
}

SecureBytes AssuanServer::finish_dialog(DialogOutcome outcome, std::span<const std::uint8_t> pin) {
  const std::optional<DialogKind> kind = std::exchange(open_, std::nullopt);
  SecureBytes reply;
  const auto append = [&reply](std::string_view text) {
    reply.insert(reply.end(), text.begin(), text.end());
  };
  switch (outcome) {
    case DialogOutcome::ok:
      if (kind == DialogKind::get_pin) {
        reply = assuan_data_lines(pin);  // "D <digits>", none for an empty field
      }
      append(ok_line);
      break;
    case DialogOutcome::cancelled:
      append(error_line(gpg_code_canceled));
      break;
    case DialogOutcome::timed_out:
      append(error_line(gpg_code_timeout));
      break;
  }
  return reply;
}

}  // namespace saferchat::pinentry
