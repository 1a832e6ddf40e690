// SPDX-License-Identifier: Apache-2.0
// saferchat-pcsc-env: starts a private PC/SC stack — pcscd with the vpcd reader driver and a
// virtual BELPIC card — that nothing else on the machine sees, prints the environment a client
// needs, and removes everything on exit. No root needed (NOTES §6):
//   * pcscd gets its client socket from us (systemd socket activation: LISTEN_FDS=1, fd 3),
//     so each instance has its own socket file in its own temporary folder;
//   * pcscd and the card run in a new network namespace (a user namespace too when not root),
//     so vpcd's TCP port exists only there: parallel instances cannot collide and nothing
//     listens on the machine's real interfaces.
// Clients outside reach pcscd through the socket file (PCSCLITE_CSOCK_NAME).
// With --pinpad the card sits in the PIN pad reader instead (tools/pinpad-reader: our own
// pcscd driver that speaks vpcd's protocol to the card and takes the PIN from a scripted
// keypad).
#include <PCSC/winscard.h>
#include <PCSC/wintypes.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <net/if.h>

namespace saferchat {
namespace {

// The PIN pad reader's card port (in the private network namespace, like vpcd's 35963).
constexpr const char* pinpad_port = "35965";

constexpr std::string_view usage = R"(Usage: saferchat-pcsc-env [options] [-- COMMAND [ARGS...]]

Starts a private pcscd with a virtual Belgian eID card in its reader, prints the environment a
PC/SC client needs, then runs COMMAND in that environment (and stops when it ends), or waits
until interrupted (Ctrl-C, SIGTERM). Everything is removed on exit. SIGUSR1 restarts pcscd on
the same socket (the card reconnects to it): for tests of a PC/SC service that went away.

Options:
  --profile DIR       card profile folder (virtual-card/profiles/make_test_cards.sh makes them)
  --no-card           a reader without a card (no virtual card process)
  --removed           start the virtual card as removed (insert it through its control socket)
  --second-profile D  a second virtual card, in the second reader slot (tests of several cards)
  --delay-ms N        virtual card's delay per APDU, to mimic a real card's pace
  --card-program P    the virtual card program (default: the one built with this tool)
  --timeout-s N       give up if the reader and card are not seen within N seconds (default 20)
  --pinpad            put the card in a PIN pad reader (PC/SC Part 10 FEATURE_VERIFY_PIN_DIRECT)
                      instead of vpcd's reader; the PIN is typed on its scripted keypad through
                      the socket SAFERCHAT_KEYPAD_CONTROL (lines: "pin DIGITS", "keys DIGITS",
                      "ok", "cancel", "timeout", "clear", "status"; see
                      tools/pinpad-reader/README.md). Not with --second-profile.
  --pinpad-driver P   the PIN pad reader driver (default: the one built with this tool)

The reader has one slot, two with --second-profile: PC/SC clients see exactly those readers.

Printed on standard output, one per line, then "ready":
  PCSCLITE_CSOCK_NAME=<socket>      for every PC/SC client (pcsc-lite reads it)
  SAFERCHAT_CARD_CONTROL=<socket>   the virtual card's control socket (remove, insert, ...);
                                    not with --no-card
  SAFERCHAT_CARD2_CONTROL=<socket>  the second card's; only with --second-profile
  SAFERCHAT_PCSC_DIR=<folder>       the instance's private folder (logs: pcscd.log, card.log)
  SAFERCHAT_PCSC_READER=<name>      the (first) reader's name, as PC/SC clients list it
  SAFERCHAT_KEYPAD_CONTROL=<socket> with --pinpad: the PIN pad reader's keypad
)";

struct Options {
  std::optional<std::string> profile;
  std::optional<std::string> second_profile;
  bool no_card = false;
  bool removed = false;
  int delay_ms = 0;
  std::string card_program = SAFERCHAT_VIRTUAL_CARD_PATH;
  std::string reader_driver = SAFERCHAT_VPCD_SLOTS_DRIVER;
  int timeout_s = 20;
  bool pinpad = false;
  std::string pinpad_driver = SAFERCHAT_PINPAD_DRIVER_PATH;
  std::vector<std::string> command;
};

[[noreturn]] void die(const std::string& message) {
  std::cerr << "saferchat-pcsc-env: " << message << "\n";
  std::exit(2);
}

void die_errno(const std::string& what) { die(what + ": " + std::strerror(errno)); }

Options parse_options(int argc, char** argv) {
  Options options;
  const std::vector<std::string_view> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto value = [&]() -> std::string {
      if (i + 1 >= args.size()) {
        die(std::string(args[i]) + " needs a value");
      }
      return std::string(args[++i]);
    };
    if (args[i] == "--profile") {
      options.profile = value();
    } else if (args[i] == "--second-profile") {
      options.second_profile = value();
    } else if (args[i] == "--no-card") {
      options.no_card = true;
    } else if (args[i] == "--removed") {
      options.removed = true;
    } else if (args[i] == "--delay-ms") {
      options.delay_ms = std::stoi(value());
    } else if (args[i] == "--card-program") {
      options.card_program = value();
    } else if (args[i] == "--timeout-s") {
      options.timeout_s = std::stoi(value());
    } else if (args[i] == "--pinpad") {
      options.pinpad = true;
    } else if (args[i] == "--pinpad-driver") {
      options.pinpad_driver = value();
    } else if (args[i] == "--help" || args[i] == "-h") {
      std::cout << usage;
      std::exit(0);
    } else if (args[i] == "--") {
      options.command.assign(args.begin() + static_cast<std::ptrdiff_t>(i) + 1, args.end());
      break;
    } else {
      die("unknown option " + std::string(args[i]) + " (see --help)");
    }
  }
  if (!options.no_card && !options.profile) {
    die("--profile DIR or --no-card is required");
  }
  if (options.pinpad && options.second_profile) {
    die("--pinpad has one slot: no --second-profile");
  }
  return options;
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream file(path);
  file << text;
  if (!file) {
    die("cannot write " + path.string());
  }
}

// In a fresh network namespace only `lo` exists, and it is down.
void bring_loopback_up() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    die_errno("socket");
  }
  ifreq request{};
  std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
  if (::ioctl(fd, SIOCGIFFLAGS, &request) != 0) {
    die_errno("SIOCGIFFLAGS lo");
  }
  request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP);
  if (::ioctl(fd, SIOCSIFFLAGS, &request) != 0) {
    die_errno("SIOCSIFFLAGS lo");
  }
  ::close(fd);
}

void enter_private_network() {
  const uid_t uid = ::geteuid();
  const gid_t gid = ::getegid();
  if (uid == 0) {
    if (::unshare(CLONE_NEWNET) != 0) {
      die_errno("unshare(CLONE_NEWNET)");
    }
  } else {
    // An unprivileged user namespace maps us to root inside it, which may make a network
    // namespace.
    if (::unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
      die_errno("unshare(CLONE_NEWUSER | CLONE_NEWNET)");
    }
    write_file("/proc/self/setgroups", "deny");
    write_file("/proc/self/uid_map", "0 " + std::to_string(uid) + " 1");
    write_file("/proc/self/gid_map", "0 " + std::to_string(gid) + " 1");
  }
  bring_loopback_up();
}

int open_log(const std::filesystem::path& path, bool append = false) {
  const int fd =
      ::open(path.c_str(), O_WRONLY | O_CREAT | (append ? O_APPEND : O_TRUNC) | O_CLOEXEC, 0600);
  if (fd < 0) {
    die_errno("open " + path.string());
  }
  return fd;
}

pid_t spawn(const std::vector<std::string>& argv, int log_fd, int listen_fd) {
  const pid_t pid = ::fork();
  if (pid < 0) {
    die_errno("fork");
  }
  if (pid > 0) {
    return pid;
  }
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  ::dup2(log_fd, STDOUT_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  const int null_fd = ::open("/dev/null", O_RDONLY);
  ::dup2(null_fd, STDIN_FILENO);
  if (listen_fd >= 0) {
    // systemd socket activation (sd_listen_fds(3)): the socket is fd 3.
    if (listen_fd != 3) {
      ::dup2(listen_fd, 3);
    } else {
      ::fcntl(3, F_SETFD, 0);
    }
    ::setenv("LISTEN_FDS", "1", 1);
    ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
  }
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (const std::string& arg : argv) {
    args.push_back(const_cast<char*>(arg.c_str()));
  }
  args.push_back(nullptr);
  ::execvp(args[0], args.data());
  static_cast<void>(std::fprintf(stderr, "exec %s: %s\n", args[0], std::strerror(errno)));
  ::_exit(127);
}

volatile std::sig_atomic_t stop_requested = 0;
void request_stop(int /*signal*/) { stop_requested = 1; }

// Without SA_RESTART, so that a blocked waitpid() returns with EINTR and sees the request.
void on_stop_signals(std::initializer_list<int> signals) {
  struct sigaction action {};
  action.sa_handler = request_stop;
  sigemptyset(&action.sa_mask);
  for (const int signal : signals) {
    ::sigaction(signal, &action, nullptr);
  }
}

// SIGUSR1 restarts pcscd. The holder's handler stops it; the holder's loop, which sees it end
// with a restart requested, starts a new one on the same socket (the card reconnects).
volatile std::sig_atomic_t restart_requested = 0;
volatile std::sig_atomic_t pcscd_pid = 0;
volatile std::sig_atomic_t holder_pid = 0;

void stop_pcscd_for_restart(int /*signal*/) {
  restart_requested = 1;
  if (pcscd_pid > 0) {
    ::kill(pcscd_pid, SIGTERM);
  }
}

// In the parent: hands the request to the namespace holder.
void forward_restart(int /*signal*/) {
  if (holder_pid > 0) {
    ::kill(holder_pid, SIGUSR1);
  }
}

void on_signal(int signal, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  ::sigaction(signal, &action, nullptr);
}

// The namespace holder: runs pcscd and the card inside the private network, restarts pcscd on
// SIGUSR1, stops them when asked (SIGTERM) or when our parent dies.
[[noreturn]] void run_namespace_holder(const Options& options, const std::filesystem::path& dir,
                                       int listen_fd) {
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  enter_private_network();
  const std::vector<std::string> pcscd_argv{"pcscd", "--foreground", "--config",
                                            (dir / "reader.conf.d").string()};
  // The reader's slots (vpcd_slots.cpp): one per card slot in use.
  ::setenv("SAFERCHAT_VPCD_SLOTS", options.second_profile ? "2" : "1", 1);
  sigset_t restart_signal;
  sigemptyset(&restart_signal);
  sigaddset(&restart_signal, SIGUSR1);
  // SIGUSR1 waits while pcscd starts, so that its handler always has the current pid.
  const auto start_pcscd = [&](bool again) {
    ::sigprocmask(SIG_BLOCK, &restart_signal, nullptr);
    const pid_t pid = spawn(pcscd_argv, open_log(dir / "pcscd.log", again), listen_fd);
    pcscd_pid = pid;
    ::sigprocmask(SIG_UNBLOCK, &restart_signal, nullptr);
    return pid;
  };
  on_signal(SIGUSR1, stop_pcscd_for_restart);
  pid_t pcscd = start_pcscd(false);
  pid_t card = -1;
  if (!options.no_card) {
    std::vector<std::string> argv{options.card_program,
                                  "--profile",
                                  *options.profile,
                                  "--vpcd-host",
                                  "127.0.0.1",
                                  "--vpcd-port",
                                  options.pinpad ? pinpad_port : "35963",
                                  "--control",
                                  (dir / "card.sock").string()};
    if (options.delay_ms > 0) {
      argv.insert(argv.end(), {"--delay-ms", std::to_string(options.delay_ms)});
    }
    if (options.removed) {
      argv.emplace_back("--removed");
    }
    card = spawn(argv, open_log(dir / "card.log"), -1);
  }
  pid_t second_card = -1;
  if (options.second_profile) {
    // vpcd's second slot listens on the next port (0x8C7C).
    second_card =
        spawn({options.card_program, "--profile", *options.second_profile, "--vpcd-host",
               "127.0.0.1", "--vpcd-port", "35964", "--control", (dir / "card2.sock").string()},
              open_log(dir / "card2.log"), -1);
  }
  on_stop_signals({SIGTERM, SIGINT});
  while (stop_requested == 0) {
    int status = 0;
    const pid_t ended = ::waitpid(-1, &status, 0);
    if (ended == pcscd && restart_requested != 0 && stop_requested == 0) {
      restart_requested = 0;
      pcscd = start_pcscd(true);
      continue;
    }
    if (ended == pcscd || (ended < 0 && errno == ECHILD)) {
      break;  // without pcscd there is nothing left to serve
    }
  }
  for (const pid_t pid : {second_card, card, pcscd}) {
    if (pid > 0) {
      ::kill(pid, SIGTERM);
      ::waitpid(pid, nullptr, 0);
    }
  }
  ::_exit(0);
}

// Waits until pcscd answers and lists the reader, and (with a card inserted) the card is seen.
// SCardGetStatusChange does the waiting for the card; pcscd's start is retried briefly.
std::string wait_until_ready(const Options& options, const std::filesystem::path& dir) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options.timeout_s);
  const auto left_ms = [&] {
    return static_cast<DWORD>(std::max<long>(
        0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                 std::chrono::steady_clock::now())
               .count()));
  };
  SCARDCONTEXT context = 0;
  while (SCardEstablishContext(SCARD_SCOPE_USER, nullptr, nullptr, &context) != SCARD_S_SUCCESS) {
    if (left_ms() == 0) {
      die("pcscd did not start; see " + (dir / "pcscd.log").string());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // pcscd is starting up
  }
  std::string reader;
  std::string second_reader;
  for (;;) {
    DWORD length = 0;
    if (SCardListReaders(context, nullptr, nullptr, &length) == SCARD_S_SUCCESS && length > 1) {
      std::string names(length, '\0');
      if (SCardListReaders(context, nullptr, names.data(), &length) == SCARD_S_SUCCESS) {
        // A multi-string: vpcd's two slots, "… 00 00" then "… 00 01".
        reader = names.substr(0, names.find('\0'));
        if (reader.size() + 1 < names.size()) {
          second_reader = names.substr(reader.size() + 1);
          second_reader.resize(second_reader.find('\0'));
        }
        break;
      }
    }
    SCARD_READERSTATE pnp{};
    pnp.szReader = R"(\\?PnP?\Notification)";
    pnp.dwCurrentState = 0;
    if (SCardGetStatusChange(context, left_ms(), &pnp, 1) == SCARD_E_TIMEOUT || left_ms() == 0) {
      die("no reader appeared; see " + (dir / "pcscd.log").string());
    }
  }
  // Wait until each card that starts inserted is seen in its slot.
  std::vector<std::string> slots;
  if (!options.no_card && !options.removed) {
    slots.push_back(reader);
  }
  if (options.second_profile) {
    slots.push_back(second_reader);
  }
  for (const std::string& slot : slots) {
    SCARD_READERSTATE state{};
    state.szReader = slot.c_str();
    state.dwCurrentState = SCARD_STATE_UNAWARE;
    while ((state.dwEventState & SCARD_STATE_PRESENT) == 0) {
      const LONG result = SCardGetStatusChange(context, left_ms(), &state, 1);
      if (result != SCARD_S_SUCCESS || left_ms() == 0) {
        die("the virtual card in \"" + slot + "\" was not seen; see " + dir.string() +
            "/card*.log");
      }
      state.dwCurrentState = state.dwEventState;
    }
  }
  SCardReleaseContext(context);
  return reader;
}

int run(int argc, char** argv) {
  const Options options = parse_options(argc, argv);
  if (options.profile && !std::filesystem::exists(*options.profile + "/profile.json")) {
    die("no profile.json in " + *options.profile);
  }
  std::string pattern = (std::filesystem::temp_directory_path() / "saferchat-pcsc-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    die_errno("mkdtemp");
  }
  const std::filesystem::path dir = pattern;
  std::filesystem::create_directory(dir / "reader.conf.d");
  if (options.pinpad) {
    // The PIN pad reader: DEVICENAME is "card port:keypad socket" (tools/pinpad-reader).
    if (!std::filesystem::exists(options.pinpad_driver)) {
      die("no PIN pad reader driver at " + options.pinpad_driver);
    }
    write_file(dir / "reader.conf.d" / "saferchat-pinpad",
               "FRIENDLYNAME \"Safer Chat PIN Pad Reader\"\n"
               "DEVICENAME " +
                   std::string(pinpad_port) + ":" + (dir / "keypad.sock").string() +
                   "\n"
                   "LIBPATH " +
                   std::filesystem::absolute(options.pinpad_driver).string() + "\n");
  } else {
    // The vpcd driver listens on CHANNELID's TCP port inside the private network namespace.
    // It is reached through vpcd_slots.cpp, which gives the reader only the slots in use.
    write_file(dir / "reader.conf.d" / "saferchat-vpcd",
               "FRIENDLYNAME \"Safer Chat Virtual Reader\"\n"
               "DEVICENAME /dev/null:0x8C7B\n"
               "LIBPATH " +
                   options.reader_driver +
                   "\n"
                   "CHANNELID 0x8C7B\n");
  }

  const std::filesystem::path socket_path = dir / "pcscd.comm";
  const int listen_fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.string().size() >= sizeof address.sun_path) {
    die("socket path too long: " + socket_path.string());
  }
  std::strncpy(address.sun_path, socket_path.c_str(), sizeof address.sun_path - 1);
  if (listen_fd < 0 ||
      ::bind(listen_fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(listen_fd, 64) != 0) {
    die_errno("socket " + socket_path.string());
  }

  const pid_t holder = ::fork();
  if (holder < 0) {
    die_errno("fork");
  }
  if (holder == 0) {
    run_namespace_holder(options, dir, listen_fd);
  }
  ::close(listen_fd);
  holder_pid = holder;
  on_signal(SIGUSR1, forward_restart);

  on_stop_signals({SIGTERM, SIGINT, SIGHUP});
  ::setenv("PCSCLITE_CSOCK_NAME", socket_path.c_str(), 1);
  const std::string reader = wait_until_ready(options, dir);
  // Exactly what --help lists, under the same conditions; COMMAND gets the same environment.
  std::vector<std::pair<std::string, std::string>> printed{
      {"PCSCLITE_CSOCK_NAME", socket_path.string()}};
  if (!options.no_card) {
    printed.emplace_back("SAFERCHAT_CARD_CONTROL", (dir / "card.sock").string());
  }
  if (options.second_profile) {
    printed.emplace_back("SAFERCHAT_CARD2_CONTROL", (dir / "card2.sock").string());
  }
  printed.emplace_back("SAFERCHAT_PCSC_DIR", dir.string());
  printed.emplace_back("SAFERCHAT_PCSC_READER", reader);
  if (options.pinpad) {
    printed.emplace_back("SAFERCHAT_KEYPAD_CONTROL", (dir / "keypad.sock").string());
  }
  for (const auto& [name, value] : printed) {
    ::setenv(name.c_str(), value.c_str(), 1);
    std::cout << name << "=" << value << "\n";
  }
  std::cout << "ready" << std::endl;

  int status = 0;
  if (!options.command.empty()) {
    const pid_t child = spawn(options.command, STDOUT_FILENO, -1);
    int child_status = 0;
    while (::waitpid(child, &child_status, 0) < 0 && errno == EINTR) {
      if (stop_requested != 0) {
        ::kill(child, SIGTERM);  // then wait for it to end
      }
    }
    status = WIFEXITED(child_status) ? WEXITSTATUS(child_status) : 128 + WTERMSIG(child_status);
  } else {
    while (stop_requested == 0) {
      ::pause();
    }
  }
  ::kill(holder, SIGTERM);
  ::waitpid(holder, nullptr, 0);
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return status;
}

}  // namespace
}  // namespace saferchat

int main(int argc, char** argv) { return saferchat::run(argc, argv); }
