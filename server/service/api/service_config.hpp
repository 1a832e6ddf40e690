// SPDX-License-Identifier: Apache-2.0
// saferchatd's configuration file (JSON; docs/verifier.md "HTTP service", example in
// server/service/saferchatd.example.json). Parsing is pure: the text and the folder of the file
// go in (relative paths are taken from that folder), a ServiceConfig comes out; files named in
// it are read later, by the app. Unknown settings are errors, so a typo cannot silently leave a
// default in place.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace saferchat::service {

// The compiled-in Belgian certificates (saferchat::trust) instead of a file.
inline constexpr std::string_view builtin_belgian_certificates = "builtin:belgium";

inline constexpr std::uint16_t default_port = 8470;

struct RoomPolicy {
  std::optional<int> min_age;  // inclusive, completed years
  std::optional<int> max_age;  // inclusive
};

enum class StoreKind : std::uint8_t { memory, redis };

struct RedisSettings {
  std::string unix_socket;  // used when not empty, else host and port
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string username;
  std::string password;
  int database = 0;
  std::string key_prefix = "saferchat:nonce:";
  std::chrono::milliseconds timeout{2000};  // connect and each command
};

struct StoreSettings {
  StoreKind kind = StoreKind::memory;
  std::size_t memory_max_entries = 100'000;
  std::size_t redis_max_entries = 1'000'000;
  // Live challenges per session and per client ("client" of /v1/challenge), both store kinds.
  std::size_t max_per_session = 10;
  std::size_t max_per_client = 100;
  RedisSettings redis;
};

enum class RevocationMode : std::uint8_t { none, ocsp, crl, ocsp_and_crl };

struct RevocationSettings {
  RevocationMode mode = RevocationMode::none;
  std::optional<std::string> ocsp_responder_url;  // instead of the certificate's AIA URL
  std::chrono::milliseconds ocsp_timeout{5000};
  std::vector<std::string> crl_files;  // absolute paths
  bool crl_fetch = false;              // fetch CRLs from their distribution points over HTTP
  std::optional<std::string> crl_url;  // instead of the certificate's distribution point
};

struct LimitSettings {
  std::size_t max_body_bytes = std::size_t{16} * 1024;
  std::size_t max_header_bytes = std::size_t{8} * 1024;
  std::chrono::milliseconds read_timeout{10'000};
  std::chrono::milliseconds idle_timeout{10'000};
  std::chrono::milliseconds write_timeout{10'000};
  std::size_t max_connections = 1024;
};

// A sealing key (docs/protocol.md §4.4): a PEM private key file (P-256 or X25519) and its kid.
struct SealingKeyFile {
  std::string kid;   // 1..64 of A-Z a-z 0-9 . _ -
  std::string file;  // absolute path
};

struct ServiceConfig {
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = default_port;
  unsigned threads = 2;  // 0 in the file: one per CPU

  // Absolute paths of PEM files, or builtin_belgian_certificates.
  std::vector<std::string> trust_anchor_files{std::string(builtin_belgian_certificates)};
  std::vector<std::string> intermediate_files{std::string(builtin_belgian_certificates)};

  std::vector<std::string> allowed_origins;
  bool allow_http_localhost = false;  // development only (docs/protocol.md §3.5)

  std::map<std::string, RoomPolicy, std::less<>> rooms;

  std::chrono::seconds nonce_ttl{300};
  StoreSettings store;
  RevocationSettings revocation;

  std::string pseudonym_key_file;  // absolute path; empty = no pseudonym
  // What an accepted verdict says besides age and pseudonym (docs/verifier.md §6): each off by
  // default; for a sealed token at most the first name.
  bool reveal_first_name = false;
  bool reveal_surname = false;
  bool reveal_birth_date = false;
  bool reveal_national_number = false;

  // Sealed tokens: the current key first, then the previous one (at most two). Their public
  // halves are served at /.well-known/saferchat-seal-key and /v1/seal-key.
  std::vector<SealingKeyFile> sealing_keys;
  bool require_sealed = false;                  // TOKEN_NOT_SEALED for unsealed tokens
  std::chrono::seconds seal_key_max_age{3600};  // Cache-Control of the key set, 60..86400

  LimitSettings limits;
};

// A setting is missing, of the wrong type or out of range; what() names it ("store.url: …").
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws ConfigError. `config_dir` is the folder of the file, for relative paths.
[[nodiscard]] ServiceConfig parse_service_config(std::string_view text,
                                                 const std::string& config_dir);

// "redis://[[user]:password@]host[:port][/db]" or "unix:///path/to/redis.sock[?db=N]" into
// `settings` (other fields unchanged). Throws ConfigError naming "store.url".
void parse_redis_url(std::string_view url, RedisSettings& settings);

// "127.0.0.1:8470", "[::1]:8470", "localhost" is not allowed (an IP literal is). Throws
// ConfigError naming `what`.
void parse_listen_endpoint(std::string_view text, std::string_view what, std::string& address,
                           std::uint16_t& port);

[[nodiscard]] std::string_view revocation_mode_name(RevocationMode mode) noexcept;
[[nodiscard]] std::string_view store_kind_name(StoreKind kind) noexcept;

}  // namespace saferchat::service
