// SPDX-License-Identifier: Apache-2.0
// saferchat-virtual-card: the composition root. Loads a TEST profile, builds the applet and
// runs it as a card in a vpcd virtual reader of pcscd (virtual-card/README.md).
#include <sys/signalfd.h>
#include <unistd.h>

#include <charconv>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "card_process.hpp"
#include "vcard/card_profile.hpp"
#include "vcard/control_command.hpp"

namespace {

using saferchat::vcard::BelpicApplet;
using saferchat::vcard::CardOptions;
using saferchat::vcard::CardProcess;
using saferchat::vcard::CardProfile;
using saferchat::vcard::load_card_profile;
using saferchat::vcard::max_delay_ms;
using saferchat::vcard::send_control_command;

constexpr std::string_view usage = R"(Usage: saferchat-virtual-card --profile DIR [options]

A virtual Belgian eID / Kids-ID card (BELPIC applet 1.7 or 1.8) for pcscd's vpcd reader.
TEST ONLY: its keys and person are fictitious; nothing it signs may be trusted.

  --profile DIR        card profile folder (profile.json, files, PEM keys)
  --vpcd-host HOST     where vpcd listens (default 127.0.0.1)
  --vpcd-port PORT     vpcd port (default 35963, the first vpcd reader)
  --delay-ms N         extra delay per APDU in ms (default 0; 15 is a real card's pace)
  --control PATH       Unix socket for line commands: remove, insert, delay <ms>, status
  --removed            start with the card out of the reader (until "insert")
  --verbose            log every APDU to stderr (PIN data masked)
  --help               print this text

As a client of a running card's control socket (for scripts):
  saferchat-virtual-card --control PATH --send "status"
prints the one-line answer; exit status 0 for "ok ...", 1 otherwise.
)";

struct Parsed {
  std::optional<CardOptions> options;
  std::optional<std::string> send_line;  // client mode: one control command
  int exit_status = 0;
};

template <typename Number>
std::optional<Number> parse_number(std::string_view text, Number max) {
  Number value{};
  const char* end = text.data() + text.size();
  const auto [stop, problem] = std::from_chars(text.data(), end, value);
  if (text.empty() || problem != std::errc{} || stop != end || value > max) {
    return std::nullopt;
  }
  return value;
}

Parsed parse_arguments(const std::vector<std::string_view>& args) {
  CardOptions options;
  bool have_profile = false;
  std::optional<std::string> send_line;
  const auto fail = [](const std::string& message) {
    std::cerr << "saferchat-virtual-card: " << message << "\n(--help for usage)\n";
    return Parsed{std::nullopt, std::nullopt, 2};
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    std::string_view name = args[i];
    std::optional<std::string_view> inline_value;
    if (const std::size_t equals = name.find('=');
        name.starts_with("--") && equals != std::string_view::npos) {
      inline_value = name.substr(equals + 1);
      name = name.substr(0, equals);
    }
    const auto value = [&]() -> std::optional<std::string_view> {
      if (inline_value.has_value()) {
        return inline_value;
      }
      if (i + 1 < args.size()) {
        return args[++i];
      }
      return std::nullopt;
    };
    if (name == "--help" || name == "-h") {
      std::cout << usage;
      return Parsed{std::nullopt, std::nullopt, 0};
    }
    if (name == "--removed" || name == "--verbose") {
      if (inline_value.has_value()) {
        return fail(std::string(name) + " takes no value");
      }
      (name == "--removed" ? options.start_removed : options.verbose) = true;
      continue;
    }
    const std::optional<std::string_view> text = value();
    if (!text.has_value()) {
      return fail(std::string(name) + " needs a value");
    }
    if (name == "--profile") {
      options.profile_dir = std::string(*text);
      have_profile = true;
    } else if (name == "--vpcd-host") {
      options.vpcd_host = std::string(*text);
    } else if (name == "--vpcd-port") {
      const auto port = parse_number<std::uint16_t>(*text, 65535);
      if (!port.has_value() || *port == 0) {
        return fail("--vpcd-port needs a port number from 1 to 65535");
      }
      options.vpcd_port = *port;
    } else if (name == "--delay-ms") {
      const auto delay = parse_number<unsigned>(*text, max_delay_ms);
      if (!delay.has_value()) {
        return fail("--delay-ms needs a number of milliseconds from 0 to 60000");
      }
      options.delay_ms = *delay;
    } else if (name == "--control") {
      options.control_path = std::string(*text);
    } else if (name == "--send") {
      send_line = std::string(*text);
    } else {
      return fail("unknown option " + std::string(name));
    }
  }
  if (send_line.has_value()) {
    if (!options.control_path.has_value()) {
      return fail("--send needs --control PATH");
    }
    return Parsed{std::move(options), std::move(send_line), 0};
  }
  if (!have_profile) {
    return fail("--profile DIR is required");
  }
  return Parsed{std::move(options), std::nullopt, 0};
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  Parsed parsed = parse_arguments(args);
  if (!parsed.options.has_value()) {
    return parsed.exit_status;
  }
  if (parsed.send_line.has_value()) {
    return send_control_command(*parsed.options->control_path, *parsed.send_line);
  }

  // SIGTERM and SIGINT arrive through a signalfd, so the poll loop ends cleanly.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  if (sigprocmask(SIG_BLOCK, &stop_signals, nullptr) != 0) {
    std::cerr << "saferchat-virtual-card: cannot block signals\n";
    return 1;
  }
  const int signal_fd = signalfd(-1, &stop_signals, SFD_CLOEXEC);
  if (signal_fd < 0) {
    std::cerr << "saferchat-virtual-card: signalfd failed\n";
    return 1;
  }
  static_cast<void>(signal(SIGPIPE, SIG_IGN));  // sends use MSG_NOSIGNAL; belt and braces

  try {
    CardProfile profile = load_card_profile(parsed.options->profile_dir);
    BelpicApplet applet(std::move(profile));
    CardProcess card(std::move(*parsed.options), std::move(applet));
    const int status = card.run(signal_fd);
    static_cast<void>(close(signal_fd));
    return status;
  } catch (const std::exception& e) {
    std::cerr << "saferchat-virtual-card: " << e.what() << "\n";
    static_cast<void>(close(signal_fd));
    return 1;
  }
}
