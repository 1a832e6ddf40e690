// SPDX-License-Identifier: Apache-2.0
// The running virtual card: the applet, its vpcd connection (the card is "inserted" while
// connected) and the optional control socket, driven by one poll() loop on one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vcard/belpic_applet.hpp"
#include "vcard/vpcd_frame.hpp"

namespace saferchat::vcard {

struct CardOptions {
  std::filesystem::path profile_dir;
  std::string vpcd_host = "127.0.0.1";
  std::uint16_t vpcd_port = default_vpcd_port;
  unsigned delay_ms = 0;
  std::optional<std::filesystem::path> control_path;
  bool start_removed = false;
  bool verbose = false;
};

class CardProcess {
 public:
  // Opens the control socket (if asked). Throws std::runtime_error when it cannot.
  CardProcess(CardOptions options, BelpicApplet applet);
  CardProcess(const CardProcess&) = delete;
  CardProcess& operator=(const CardProcess&) = delete;
  CardProcess(CardProcess&&) = delete;
  CardProcess& operator=(CardProcess&&) = delete;
  ~CardProcess();

  // Runs until SIGTERM or SIGINT (blocked by the caller and read here through signal_fd).
  // Returns the process exit status.
  int run(int signal_fd);

 private:
  struct ControlClient {
    int fd = -1;
    std::string input;
  };
  using Clock = std::chrono::steady_clock;

  void start_connect();
  void finish_connect();
  void drop_connection(const std::string& why);
  void read_vpcd();
  void handle_vpcd_payload(const std::vector<std::uint8_t>& payload);
  bool send_vpcd(std::span<const std::uint8_t> payload);
  void accept_control_client();
  bool read_control_client(ControlClient& client);
  std::string handle_control_line(std::string_view line);
  [[nodiscard]] std::string status_line() const;
  [[nodiscard]] int poll_timeout_ms() const;
  void log(const std::string& message) const;
  void debug(const std::string& message) const;

  CardOptions options_;
  unsigned remove_after_apdu_ = 0;  // 0: never
  bool fail_log_off_ = false;       // LOG OFF answered 6F00, the applet not asked
  BelpicApplet applet_;
  bool inserted_;
  int vpcd_fd_ = -1;
  bool connecting_ = false;
  bool connected_ = false;
  bool reported_connect_failure_ = false;
  std::chrono::milliseconds backoff_{0};
  Clock::time_point next_attempt_{};
  VpcdFrameDecoder decoder_;
  int control_fd_ = -1;
  std::vector<ControlClient> clients_;
};

// Client side of the control socket: sends one line, prints the answer line on stdout.
// Returns 0 for an "ok" answer, 1 for "error" or when the socket cannot be reached.
int send_control_command(const std::filesystem::path& socket_path, std::string_view line);

}  // namespace saferchat::vcard
