// SPDX-License-Identifier: Apache-2.0
// Command line of saferchat-verify (docs/verifier.md §9).
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace saferchat::cli {

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CliOptions {
  std::string token_file = "-";  // "-" = standard input
  std::string origin;
  std::string nonce;
  std::vector<std::string> allowed_origins;     // empty = {origin}
  std::vector<std::string> trust_anchor_files;  // empty = the shipped Belgian roots
  std::vector<std::string> intermediate_files;  // empty = the shipped Belgian issuing CAs
  std::optional<int> min_age;
  std::optional<int> max_age;
  std::optional<std::string> ocsp_url;
  std::chrono::milliseconds ocsp_timeout{5000};
  std::optional<std::chrono::seconds> ocsp_max_age;
  std::vector<std::string> crl_files;
  std::optional<std::string> crl_url;
  std::optional<std::string> pseudonym_key_file;
  std::optional<std::chrono::system_clock::time_point> now;
  bool help = false;
  bool version = false;
  bool allow_http_localhost = false;
  bool ocsp = false;
  bool ocsp_nonce = true;
  bool crl_fetch = false;
  bool show_national_number = false;
  bool show_birth_date = false;
  bool show_detail = false;
};

// argv without the program name. Throws UsageError naming the problem.
[[nodiscard]] CliOptions parse_options(const std::vector<std::string>& args);

// "YYYY-MM-DD" (midnight UTC) or "YYYY-MM-DDTHH:MM:SSZ". Nullopt otherwise.
[[nodiscard]] std::optional<std::chrono::system_clock::time_point> parse_utc_time(
    const std::string& text);

[[nodiscard]] const char* usage_text();

}  // namespace saferchat::cli
