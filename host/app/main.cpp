// SPDX-License-Identifier: Apache-2.0
// saferchat-host: the composition root. Wires the real transport, commands and log, then runs
// the native messaging loop, or one of the command-line modes for people (docs/protocol.md §1).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/allowed_callers.hpp"
#include "app/native_host.hpp"
#include "app/self_check.hpp"
#include "commands/basic_commands.hpp"
#include "commands/card_cache.hpp"
#include "commands/card_commands.hpp"
#include "commands/request_registry.hpp"
#include "platform/platform.hpp"
#include "protocol/reply.hpp"
#include "transport/log.hpp"
#include "transport/pcsc_probe.hpp"
#include "transport/pinentry_dialog.hpp"
#include "wire/version.hpp"

namespace saferchat {
namespace {

constexpr std::string_view usage =
    R"(Usage: saferchat-host [--version | --self-check [--root DIR] | --help]

The Safer Chat native messaging host. Browsers start it for the Safer Chat extension and
speak to it on standard input and output; people do not need to run it.

  --version     print the host and protocol versions
  --self-check  print whether a login can work on this computer: which browsers have this
                host registered, the PIN dialog program, PC/SC, readers and cards; exit 0
                only when a login can work. --root DIR looks for the system-wide browser
                files under DIR (a staged install)
  --help        print this text

Environment:
  SAFERCHAT_LOG_LEVEL              off | error | warn | info (default) | debug
  SAFERCHAT_LOG_FILE               log file, or - for standard error
  SAFERCHAT_PINENTRY               the PIN dialog program (default: the first of
                                   pinentry-gnome3, pinentry-qt, pinentry-gtk2 on PATH, then
                                   pinentry-x11 or pinentry if they are graphical; on
                                   Windows saferchat-pinentry.exe beside this program)
  SAFERCHAT_EXTRA_ALLOWED_CALLERS  development only: chromium:<id>;firefox:<id>;...
  SAFERCHAT_ALLOW_HTTP_LOCALHOST   development only: 1 accepts http://localhost origins
)";

// The environment as UTF-8 (platform/platform.hpp): unset, or not valid text, is empty.
std::string env_or_empty(const char* name) {
  return platform::environment_variable(name).value_or(std::string());
}

bool env_flag(const char* name) { return env_or_empty(name) == "1"; }

// A UTF-8 path (the command line, the environment) as a path on every OS.
std::filesystem::path utf8_path(std::string_view text) {
  return {std::u8string(text.begin(), text.end())};
}

CallerAllowList make_allow_list() {
  CallerAllowList list(default_chromium_ids(), default_firefox_ids());
  if (const std::optional<std::string> extra =
          platform::environment_variable("SAFERCHAT_EXTRA_ALLOWED_CALLERS")) {
    list.add_from_list(*extra);
  }
  return list;
}

int run(const std::vector<std::string_view>& args) {
  // Binary mode (Windows); a browser that goes away must give EPIPE, not kill us (POSIX).
  platform::prepare_stdio();

  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    std::cout << usage;
    return 0;
  }
  if (args.size() == 1 && args[0] == "--version") {
    std::cout << "saferchat-host " << host_version << " (native messaging protocol "
              << protocol_version << ")\n";
    return 0;
  }
  const Logger log = Logger::from_environment();
  if (!args.empty() && args[0] == "--self-check") {
    SelfCheckPlaces places;
    if (args.size() == 3 && args[1] == "--root") {
      places.root = utf8_path(args[2]);
    } else if (args.size() != 1) {
      std::cerr << usage;
      return 2;
    }
    places.home = utf8_path(env_or_empty("HOME"));
    const std::string config_home = env_or_empty("XDG_CONFIG_HOME");
    places.config_home = config_home.empty() && !places.home.empty() ? places.home / ".config"
                                                                     : utf8_path(config_home);
    places.self = platform::self_path();
    places.pinentry = env_or_empty("SAFERCHAT_PINENTRY");
    places.path_env = env_or_empty("PATH");
    return run_self_check(std::cout, log, make_allow_list(), places);
  }

  const std::optional<Caller> caller = identify_caller(args);
  const CallerAllowList allow_list = make_allow_list();
  RequestOptions options;
  options.allow_http_localhost = env_flag("SAFERCHAT_ALLOW_HTTP_LOCALHOST");

  Dispatcher dispatcher;
  dispatcher.add(Command::version, make_version_command(dispatcher, caller, probe_pcsc));
  dispatcher.add(Command::quit, make_quit_command());
  RequestRegistry registry;
  dispatcher.add(Command::cancel, make_cancel_command(registry));
  CardCache card_cache;
  auto card_settings = std::make_shared<CardCommandSettings>();
  // Chrome and Edge on Windows name their window: the PIN dialog belongs to it.
  const std::optional<std::uint64_t> browser_window = parent_window(args);
  card_settings->make_dialog = [&log, browser_window]() -> std::unique_ptr<PinDialog> {
#if defined(_WIN32)
    return std::make_unique<PinentryDialog>(
        std::string{}, &log,
        PinentryPlace{.host_dir = platform::self_path().parent_path(),
                      .parent_window = browser_window});
#else
    static_cast<void>(browser_window);  // pinentry on X11/Wayland takes no window handle here
    return std::make_unique<PinentryDialog>(std::string{}, &log);
#endif
  };
  card_settings->lc_all = env_or_empty("LC_ALL");
  card_settings->lc_messages = env_or_empty("LC_MESSAGES");
  card_settings->lang = env_or_empty("LANG");
  if (card_settings->lc_all.empty() && card_settings->lc_messages.empty() &&
      card_settings->lang.empty()) {
    card_settings->lang = platform::os_language();  // Windows sets none of them
  }
  card_settings->log = &log;
  card_settings->cache = &card_cache;
  CardWatcher watcher(card_cache, &log);
  card_settings->watcher = &watcher;
  SharedPcscContext pcsc_context;
  card_settings->contexts = &pcsc_context;
  dispatcher.add(Command::get_certificate, make_get_certificate_command(card_settings));
  dispatcher.add(Command::authenticate, make_authenticate_command(card_settings));

  // Reads each card as it comes (once the caller is known to be allowed), so that a login
  // finds the certificate already read.
  const ExitStatus status =
      run_native_host({STDIN_FILENO, STDOUT_FILENO}, caller, allow_list, options, dispatcher,
                      registry, log, [&] { watcher.ensure_running(); });
  return static_cast<int>(status);
}

}  // namespace
}  // namespace saferchat

int main(int argc, char** argv) {
  // UTF-8 once, here: on Windows argv is the ANSI code page's, the wide command line is not
  // (Firefox's manifest path may be in a user folder called Zoë).
  const std::optional<std::vector<std::string>> args =
      saferchat::platform::command_line_arguments(argc, argv);
  if (!args) {
    std::cerr << "saferchat-host: an argument is not valid Unicode\n";
    return 2;
  }
  return saferchat::run(std::vector<std::string_view>(args->begin(), args->end()));
}
