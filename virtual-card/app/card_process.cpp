// SPDX-License-Identifier: Apache-2.0
#include "card_process.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <stdexcept>
#include <thread>

#include "vcard/apdu_log.hpp"
#include "vcard/control_command.hpp"

namespace saferchat::vcard {

namespace {

// Reconnection when vpcd is not listening (yet) or the connection dropped: 100 ms, doubling,
// at most 2 s, so a card started before pcscd appears within 2 s of the reader.
constexpr std::chrono::milliseconds first_backoff{100};
constexpr std::chrono::milliseconds max_backoff{2000};
constexpr std::size_t max_control_clients = 16;

std::string errno_text(int error) { return std::strerror(error); }

void close_fd(int& fd) noexcept {
  if (fd >= 0) {
    static_cast<void>(::close(fd));  // nothing useful to do if close fails
    fd = -1;
  }
}

bool set_nonblocking(int fd) noexcept {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

void set_int_option(int fd, int level, int name, int value) noexcept {
  // Latency options only: a failure costs speed, not correctness.
  static_cast<void>(::setsockopt(fd, level, name, &value, sizeof value));
}

// Writes everything on a non-blocking socket, waiting for room when needed.
bool send_all(int fd, std::span<const std::uint8_t> bytes) {
  while (!bytes.empty()) {
    const ssize_t sent = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (sent > 0) {
      bytes = bytes.subspan(static_cast<std::size_t>(sent));
      continue;
    }
    if (sent < 0 && errno == EINTR) {
      continue;
    }
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      pollfd waiting{fd, POLLOUT, 0};
      if (::poll(&waiting, 1, 5000) <= 0) {
        return false;
      }
      continue;
    }
    return false;
  }
  return true;
}

bool send_text(int fd, std::string_view text) {
  return send_all(fd, std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

int open_control_socket(const std::filesystem::path& path) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string text = path.string();
  if (text.empty() || text.size() >= sizeof address.sun_path) {
    throw std::runtime_error("control socket path is empty or too long: " + text);
  }
  std::copy(text.begin(), text.end(), address.sun_path);
  // A socket left behind by an earlier run is replaced; any other file is not touched.
  struct stat existing {};
  if (::lstat(text.c_str(), &existing) == 0) {
    if (!S_ISSOCK(existing.st_mode)) {
      throw std::runtime_error(text + " exists and is not a socket");
    }
    static_cast<void>(::unlink(text.c_str()));
  }
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) {
    throw std::runtime_error("control socket: " + errno_text(errno));
  }
  const mode_t old_mask = ::umask(0077);  // only this user may remove or insert the card
  const int bound = ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address);
  const int bind_error = errno;
  static_cast<void>(::umask(old_mask));
  if (bound != 0 || ::listen(fd, 8) != 0) {
    const int error = bound != 0 ? bind_error : errno;
    static_cast<void>(::close(fd));
    throw std::runtime_error("control socket " + text + ": " + errno_text(error));
  }
  return fd;
}

}  // namespace

CardProcess::CardProcess(CardOptions options, BelpicApplet applet)
    : options_(std::move(options)), applet_(std::move(applet)), inserted_(!options_.start_removed) {
  if (options_.control_path.has_value()) {
    control_fd_ = open_control_socket(*options_.control_path);
  }
}

CardProcess::~CardProcess() {
  for (ControlClient& client : clients_) {
    close_fd(client.fd);
  }
  close_fd(vpcd_fd_);
  if (control_fd_ >= 0) {
    close_fd(control_fd_);
    static_cast<void>(::unlink(options_.control_path->c_str()));  // best effort clean-up
  }
}

void CardProcess::log(const std::string& message) const {
  std::cerr << "saferchat-virtual-card: " << message << std::endl;
}

void CardProcess::debug(const std::string& message) const {
  if (options_.verbose) {
    log(message);
  }
}

int CardProcess::run(int signal_fd) {
  log("card \"" + applet_.profile_name() + "\" (TEST CARD, applet " +
      (applet_.version() == AppletVersion::v1_7 ? "1.7" : "1.8") + ") " +
      (inserted_ ? "inserted" : "removed") + ", vpcd " + options_.vpcd_host + ":" +
      std::to_string(options_.vpcd_port));
  if (inserted_) {
    start_connect();
  }
  for (;;) {
    std::vector<pollfd> fds;
    fds.push_back({signal_fd, POLLIN, 0});
    const std::size_t vpcd_index = fds.size();
    if (vpcd_fd_ >= 0) {
      fds.push_back({vpcd_fd_, static_cast<short>(connecting_ ? POLLOUT : POLLIN), 0});
    }
    const std::size_t control_index = fds.size();
    if (control_fd_ >= 0) {
      fds.push_back({control_fd_, POLLIN, 0});
    }
    const std::size_t clients_index = fds.size();
    for (const ControlClient& client : clients_) {
      fds.push_back({client.fd, POLLIN, 0});
    }

    const int ready = ::poll(fds.data(), fds.size(), poll_timeout_ms());
    if (ready < 0 && errno != EINTR) {
      log("poll failed: " + errno_text(errno));
      return 1;
    }
    if (ready > 0 && fds[0].revents != 0) {
      signalfd_siginfo info{};
      // Which signal it was only changes the log line, so a short read is harmless.
      const ssize_t got = ::read(signal_fd, &info, sizeof info);
      static_cast<void>(got);
      log(std::string("stopping on ") + (info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM"));
      return 0;
    }
    if (ready > 0 && vpcd_fd_ >= 0 && fds.size() > vpcd_index && fds[vpcd_index].fd == vpcd_fd_ &&
        fds[vpcd_index].revents != 0) {
      if (connecting_) {
        finish_connect();
      } else {
        read_vpcd();
      }
    }
    if (ready > 0 && control_fd_ >= 0 && (fds[control_index].revents & POLLIN) != 0) {
      accept_control_client();
    }
    if (ready > 0) {
      // Clients accepted just now are not in fds: only look at those that were polled.
      for (std::size_t i = clients_index; i < fds.size(); ++i) {
        if (fds[i].revents == 0) {
          continue;
        }
        const auto client = std::find_if(clients_.begin(), clients_.end(),
                                         [&](const ControlClient& c) { return c.fd == fds[i].fd; });
        if (client != clients_.end() && !read_control_client(*client)) {
          close_fd(client->fd);
          clients_.erase(client);
        }
      }
    }
    if (inserted_ && vpcd_fd_ < 0 && Clock::now() >= next_attempt_) {
      start_connect();
    }
  }
}

int CardProcess::poll_timeout_ms() const {
  if (!inserted_ || vpcd_fd_ >= 0) {
    return -1;
  }
  const auto wait =
      std::chrono::duration_cast<std::chrono::milliseconds>(next_attempt_ - Clock::now());
  return static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(wait.count() + 1, 0, 60'000));
}

void CardProcess::start_connect() {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(options_.vpcd_port);
  const int lookup = ::getaddrinfo(options_.vpcd_host.c_str(), port.c_str(), &hints, &found);
  const auto retry_later = [this] {
    backoff_ = backoff_.count() == 0 ? first_backoff : std::min(backoff_ * 2, max_backoff);
    next_attempt_ = Clock::now() + backoff_;
  };
  if (lookup != 0 || found == nullptr) {
    log("cannot resolve " + options_.vpcd_host + ": " + ::gai_strerror(lookup));
    retry_later();
    return;
  }
  const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);
  const int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
  if (fd < 0 || !set_nonblocking(fd)) {
    log("socket: " + errno_text(errno));
    if (fd >= 0) {
      static_cast<void>(::close(fd));
    }
    retry_later();
    return;
  }
  // vpcd writes each message's length and payload in two send()s: with Nagle on our side and
  // delayed ACKs on ours, every APDU would wait ~40 ms. NODELAY once, QUICKACK before each recv.
  set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  set_int_option(fd, IPPROTO_TCP, TCP_QUICKACK, 1);
  vpcd_fd_ = fd;
  connecting_ = true;
  if (::connect(fd, found->ai_addr, found->ai_addrlen) == 0) {
    finish_connect();
  } else if (errno != EINPROGRESS) {
    const int error = errno;
    close_fd(vpcd_fd_);
    connecting_ = false;
    if (!reported_connect_failure_) {
      log("vpcd not reachable (" + errno_text(error) + "), retrying");
      reported_connect_failure_ = true;
    }
    retry_later();
  }
}

void CardProcess::finish_connect() {
  int error = 0;
  socklen_t size = sizeof error;
  if (::getsockopt(vpcd_fd_, SOL_SOCKET, SO_ERROR, &error, &size) != 0) {
    error = errno;
  }
  connecting_ = false;
  if (error != 0) {
    close_fd(vpcd_fd_);
    if (!reported_connect_failure_) {
      log("vpcd not reachable (" + errno_text(error) + "), retrying");
      reported_connect_failure_ = true;
    }
    backoff_ = backoff_.count() == 0 ? first_backoff : std::min(backoff_ * 2, max_backoff);
    next_attempt_ = Clock::now() + backoff_;
    return;
  }
  connected_ = true;
  reported_connect_failure_ = false;
  backoff_ = std::chrono::milliseconds{0};
  decoder_.clear();
  applet_.reset();  // a card freshly in the reader starts from its reset state
  log("connected to vpcd: card present");
}

void CardProcess::drop_connection(const std::string& why) {
  if (connected_) {
    log("vpcd connection closed (" + why + "): card absent");
  }
  close_fd(vpcd_fd_);
  connected_ = false;
  connecting_ = false;
  decoder_.clear();
  applet_.reset();  // no power, no state
  // Reconnect after a short pause (not at once: a vpcd that closes at once must not spin us).
  backoff_ = std::max(backoff_, first_backoff);
  next_attempt_ = Clock::now() + backoff_;
}

void CardProcess::read_vpcd() {
  std::array<std::uint8_t, 4096> buffer{};
  // Re-armed before every recv: the kernel turns quick ACKs off again by itself.
  set_int_option(vpcd_fd_, IPPROTO_TCP, TCP_QUICKACK, 1);
  const ssize_t got = ::recv(vpcd_fd_, buffer.data(), buffer.size(), 0);
  if (got == 0) {
    drop_connection("closed by vpcd");
    return;
  }
  if (got < 0) {
    if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      drop_connection(errno_text(errno));
    }
    return;
  }
  decoder_.feed(std::span(buffer).first(static_cast<std::size_t>(got)));
  while (vpcd_fd_ >= 0) {
    const std::optional<std::vector<std::uint8_t>> payload = decoder_.next();
    if (!payload.has_value()) {
      break;
    }
    handle_vpcd_payload(*payload);
  }
}

void CardProcess::handle_vpcd_payload(const std::vector<std::uint8_t>& payload) {
  if (payload.size() == 1) {
    switch (static_cast<VpcdControl>(payload[0])) {
      case VpcdControl::power_off:
        debug("power off");
        applet_.reset();
        return;
      case VpcdControl::power_on:
        debug("power on");
        applet_.reset();
        return;
      case VpcdControl::reset:
        debug("reset");
        applet_.reset();
        return;
      case VpcdControl::get_atr:
        static_cast<void>(send_vpcd(applet_.atr()));
        return;
    }
    debug("ignoring unknown vpcd control code " + std::to_string(payload[0]));
    return;
  }
  if (options_.delay_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(options_.delay_ms));
  }
  const auto started = Clock::now();
  // fail-log-off: LOG OFF (80 E6, 1.8 §6.15) fails with 6F00 and the access conditions stay.
  const bool failing_log_off =
      fail_log_off_ && payload.size() >= 2 && payload[0] == 0x80 && payload[1] == 0xE6;
  const std::vector<std::uint8_t> answer =
      failing_log_off ? std::vector<std::uint8_t>{0x6F, 0x00} : applet_.transmit(payload);
  if (failing_log_off) {
    log("LOG OFF failed on purpose (6F00)");
  }
  if (options_.verbose) {
    const auto took =
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
    debug("apdu #" + std::to_string(applet_.apdu_count()) + " > " + describe_command_apdu(payload) +
          " < " + describe_response_apdu(answer) + " (" + std::to_string(took) + " us)");
  }
  static_cast<void>(send_vpcd(answer));
  if (remove_after_apdu_ != 0 && applet_.apdu_count() >= remove_after_apdu_) {
    remove_after_apdu_ = 0;
    log("pulled out after answering APDU " + std::to_string(applet_.apdu_count()));
    static_cast<void>(handle_control_line("remove"));
  }
}

bool CardProcess::send_vpcd(std::span<const std::uint8_t> payload) {
  if (vpcd_fd_ < 0) {
    return false;
  }
  if (!send_all(vpcd_fd_, encode_vpcd_frame(payload))) {
    drop_connection("send failed: " + errno_text(errno));
    return false;
  }
  return true;
}

void CardProcess::accept_control_client() {
  const int fd = ::accept4(control_fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
  if (fd < 0) {
    return;  // the client went away already, or a transient error: nothing to serve
  }
  if (clients_.size() >= max_control_clients) {
    static_cast<void>(send_text(fd, "error too many control connections\n"));
    static_cast<void>(::close(fd));
    return;
  }
  clients_.push_back(ControlClient{fd, {}});
}

bool CardProcess::read_control_client(ControlClient& client) {
  std::array<char, 512> buffer{};
  const ssize_t got = ::recv(client.fd, buffer.data(), buffer.size(), 0);
  if (got == 0) {
    return false;
  }
  if (got < 0) {
    return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
  }
  client.input.append(buffer.data(), static_cast<std::size_t>(got));
  for (std::size_t newline = client.input.find('\n'); newline != std::string::npos;
       newline = client.input.find('\n')) {
    const std::string reply =
        handle_control_line(std::string_view(client.input).substr(0, newline));
    client.input.erase(0, newline + 1);
    if (!send_text(client.fd, reply + "\n")) {
      return false;
    }
  }
  if (client.input.size() > max_control_line) {
    static_cast<void>(send_text(client.fd, "error line too long\n"));
    return false;
  }
  return true;
}

std::string CardProcess::handle_control_line(std::string_view line) {
  const ControlParse parsed = parse_control_command(line);
  if (!parsed.command.has_value()) {
    return "error " + parsed.error;
  }
  switch (parsed.command->action) {
    case ControlAction::fail_log_off:
      fail_log_off_ = parsed.command->fail;
      return std::string("ok fail_log_off=") + (fail_log_off_ ? "on" : "off");
    case ControlAction::remove_after_apdu:
      remove_after_apdu_ = parsed.command->apdu;
      return "ok remove_after_apdu=" + std::to_string(remove_after_apdu_);
    case ControlAction::remove:
      if (inserted_) {
        inserted_ = false;
        const bool was_connected = vpcd_fd_ >= 0;
        close_fd(vpcd_fd_);
        connected_ = false;
        connecting_ = false;
        decoder_.clear();
        applet_.reset();
        backoff_ = std::chrono::milliseconds{0};
        log(std::string("card removed") + (was_connected ? "" : " (was not connected)"));
      }
      return "ok removed";
    case ControlAction::insert:
      if (!inserted_) {
        inserted_ = true;
        reported_connect_failure_ = false;
        log("card inserted");
        start_connect();
      }
      return "ok inserted";
    case ControlAction::delay:
      options_.delay_ms = parsed.command->delay_ms;
      return "ok delay_ms=" + std::to_string(options_.delay_ms);
    case ControlAction::status:
      return status_line();
    case ControlAction::swap:
      try {
        BelpicApplet next(load_card_profile(parsed.command->profile_dir));
        static_cast<void>(handle_control_line("remove"));
        applet_ = std::move(next);
        options_.profile_dir = parsed.command->profile_dir;
        log("card swapped for " + options_.profile_dir.string());
        static_cast<void>(handle_control_line("insert"));
        return "ok swapped";
      } catch (const std::exception& e) {
        return std::string("error cannot load the profile: ") + e.what();
      }
  }
  return "error internal";
}

int send_control_command(const std::filesystem::path& socket_path, std::string_view line) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  const std::string path = socket_path.string();
  if (path.empty() || path.size() >= sizeof address.sun_path) {
    std::cerr << "saferchat-virtual-card: control socket path is empty or too long\n";
    return 1;
  }
  std::copy(path.begin(), path.end(), address.sun_path);
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    std::cerr << "saferchat-virtual-card: cannot reach " << path << ": " << errno_text(errno)
              << "\n";
    if (fd >= 0) {
      static_cast<void>(::close(fd));
    }
    return 1;
  }
  std::string reply;
  if (send_text(fd, std::string(line) + "\n")) {
    char c = 0;
    pollfd waiting{fd, POLLIN, 0};
    while (::poll(&waiting, 1, 10'000) == 1 && ::recv(fd, &c, 1, 0) == 1 && c != '\n') {
      reply.push_back(c);
    }
  }
  static_cast<void>(::close(fd));
  std::cout << reply << "\n";
  return reply.starts_with("ok") ? 0 : 1;
}

std::string CardProcess::status_line() const {
  std::string name;
  for (const char c : applet_.profile_name()) {
    name.push_back(c > ' ' && c < 0x7F ? c : '_');
  }
  return std::string("ok ") + (inserted_ ? "inserted" : "removed") +
         " connected=" + (connected_ ? "yes" : "no") +
         " pin_tries_left=" + std::to_string(applet_.pin_tries_left()) +
         " pin_verified=" + (applet_.pin_verified() ? "yes" : "no") +
         " apdu_count=" + std::to_string(applet_.apdu_count()) +
         " delay_ms=" + std::to_string(options_.delay_ms) +
         " profile=" + (name.empty() ? "-" : name);
}

}  // namespace saferchat::vcard
