// SPDX-License-Identifier: Apache-2.0
#include "service/api/service_config.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "wire/jwe.hpp"

namespace saferchat::service {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& path, const std::string& why) {
  throw ConfigError(path + ": " + why);
}

// One JSON object of the file: hands out its members and, at the end, refuses any it did not
// hand out (unknown settings).
class Section {
 public:
  Section(const json& value, std::string path) : value_(value), path_(std::move(path)) {
    if (!value_.is_object()) {
      fail(name(), "must be an object");
    }
  }

  // The member, or nullptr when absent or null.
  const json* take(std::string_view key) {
    known_.emplace(key);
    const auto it = value_.find(key);
    return it == value_.end() || it->is_null() ? nullptr : &*it;
  }

  [[nodiscard]] std::string path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  void finish() const {
    for (const auto& [key, member] : value_.items()) {
      if (!known_.contains(key)) {
        fail(path(key), "unknown setting");
      }
    }
  }

  std::optional<std::string> string(std::string_view key, bool allow_empty = false) {
    const json* member = take(key);
    if (member == nullptr) {
      return std::nullopt;
    }
    if (!member->is_string() || (!allow_empty && member->get_ref<const std::string&>().empty())) {
      fail(path(key), allow_empty ? "must be a string" : "must be a non-empty string");
    }
    return member->get<std::string>();
  }

  std::optional<bool> boolean(std::string_view key) {
    const json* member = take(key);
    if (member == nullptr) {
      return std::nullopt;
    }
    if (!member->is_boolean()) {
      fail(path(key), "must be true or false");
    }
    return member->get<bool>();
  }

  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max) {
    const json* member = take(key);
    if (member == nullptr) {
      return std::nullopt;
    }
    if (!member->is_number_integer() ||
        (member->is_number_unsigned() &&
         member->get<std::uint64_t>() > static_cast<std::uint64_t>(max)) ||
        member->get<std::int64_t>() < min || member->get<std::int64_t>() > max) {
      fail(path(key),
           "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    }
    return member->get<std::int64_t>();
  }

  // A duration in seconds (fractions allowed) within [min, max].
  std::optional<std::chrono::milliseconds> seconds(std::string_view key, double min, double max) {
    const json* member = take(key);
    if (member == nullptr) {
      return std::nullopt;
    }
    if (!member->is_number() || member->get<double>() < min || member->get<double>() > max) {
      std::array<char, 32> low{};
      std::array<char, 32> high{};
      const auto low_end = std::to_chars(low.data(), low.data() + low.size(), min).ptr;
      const auto high_end = std::to_chars(high.data(), high.data() + high.size(), max).ptr;
      fail(path(key), "must be a number of seconds from " + std::string(low.data(), low_end) +
                          " to " + std::string(high.data(), high_end));
    }
    return std::chrono::milliseconds(std::llround(member->get<double>() * 1000.0));
  }

  // A string or an array of strings (none empty).
  std::optional<std::vector<std::string>> strings(std::string_view key) {
    const json* member = take(key);
    if (member == nullptr) {
      return std::nullopt;
    }
    std::vector<std::string> out;
    if (member->is_string()) {
      out.push_back(member->get<std::string>());
    } else if (member->is_array()) {
      for (const json& item : *member) {
        if (!item.is_string()) {
          fail(path(key), "must be a string or an array of strings");
        }
        out.push_back(item.get<std::string>());
      }
    } else {
      fail(path(key), "must be a string or an array of strings");
    }
    if (std::any_of(out.begin(), out.end(), [](const std::string& s) { return s.empty(); })) {
      fail(path(key), "must not contain an empty string");
    }
    return out;
  }

  [[nodiscard]] std::string name() const { return path_.empty() ? "(top level)" : path_; }

 private:
  const json& value_;
  std::string path_;
  std::set<std::string, std::less<>> known_;
};

std::string resolve(const std::string& path, const std::string& config_dir) {
  if (path == builtin_belgian_certificates) {
    return path;
  }
  const std::filesystem::path file(path);
  if (file.is_absolute() || config_dir.empty()) {
    return file.lexically_normal().string();
  }
  return (std::filesystem::path(config_dir) / file).lexically_normal().string();
}

std::vector<std::string> resolve_all(const std::vector<std::string>& paths,
                                     const std::string& config_dir) {
  std::vector<std::string> out;
  out.reserve(paths.size());
  for (const auto& path : paths) {
    out.push_back(resolve(path, config_dir));
  }
  return out;
}

bool is_ip_literal(const std::string& text) {
  std::array<unsigned char, 16> scratch{};
  return ::inet_pton(AF_INET, text.c_str(), scratch.data()) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), scratch.data()) == 1;
}

std::optional<unsigned> parse_decimal(std::string_view text, unsigned max) {
  unsigned value = 0;
  if (text.empty() || text.size() > 10 || (text.size() > 1 && text[0] == '0')) {
    return std::nullopt;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value > max) {
    return std::nullopt;
  }
  return value;
}

bool valid_room_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.';
  });
}

constexpr int max_age_bound = 150;

void parse_rooms(const json& value, ServiceConfig& config) {
  if (!value.is_object()) {
    fail("rooms", R"(must be an object of room name → {"minAge", "maxAge"})");
  }
  for (const auto& [name, member] : value.items()) {
    const std::string path = "rooms." + name;
    if (!valid_room_name(name)) {
      fail(path, "a room name is 1 to 64 characters of A-Z, a-z, 0-9, '-', '_', '.'");
    }
    Section room(member, path);
    RoomPolicy policy;
    if (const auto min = room.integer("minAge", 0, max_age_bound)) {
      policy.min_age = static_cast<int>(*min);
    }
    if (const auto max = room.integer("maxAge", 0, max_age_bound)) {
      policy.max_age = static_cast<int>(*max);
    }
    room.finish();
    if (!policy.min_age && !policy.max_age) {
      fail(path, R"(needs "minAge", "maxAge" or both)");
    }
    if (policy.min_age && policy.max_age && *policy.min_age > *policy.max_age) {
      fail(path, R"("minAge" is above "maxAge")");
    }
    config.rooms.emplace(name, policy);
  }
}

void parse_store(const json& value, StoreSettings& store) {
  Section section(value, "store");
  const auto type = section.string("type");
  if (!type || (*type != "memory" && *type != "redis")) {
    fail("store.type", R"(must be "memory" or "redis")");
  }
  if (const auto cap = section.integer("maxChallengesPerSession", 1, 1000)) {
    store.max_per_session = static_cast<std::size_t>(*cap);
  }
  if (const auto cap = section.integer("maxChallengesPerClient", 1, 100'000)) {
    store.max_per_client = static_cast<std::size_t>(*cap);
  }
  const auto entries = section.integer("maxEntries", 1000, 100'000'000);
  if (*type == "memory") {
    store.kind = StoreKind::memory;
    if (entries) {
      store.memory_max_entries = static_cast<std::size_t>(*entries);
    }
    section.finish();
    return;
  }
  store.kind = StoreKind::redis;
  if (entries) {
    store.redis_max_entries = static_cast<std::size_t>(*entries);
  }
  RedisSettings& redis = store.redis;
  if (const auto url = section.string("url")) {
    parse_redis_url(*url, redis);
  }
  if (const auto socket = section.string("unixSocket")) {
    redis.unix_socket = *socket;
  }
  if (const auto host = section.string("host")) {
    redis.host = *host;
  }
  if (const auto port = section.integer("port", 1, 65535)) {
    redis.port = static_cast<std::uint16_t>(*port);
  }
  if (const auto username = section.string("username")) {
    redis.username = *username;
  }
  if (const auto password = section.string("password")) {
    redis.password = *password;
  }
  if (const auto database = section.integer("database", 0, 1000)) {
    redis.database = static_cast<int>(*database);
  }
  if (const auto prefix = section.string("keyPrefix", true)) {
    redis.key_prefix = *prefix;
  }
  if (const auto timeout = section.seconds("timeoutSeconds", 0.01, 60)) {
    redis.timeout = *timeout;
  }
  section.finish();
}

void parse_revocation(const json& value, RevocationSettings& revocation,
                      const std::string& config_dir) {
  Section section(value, "revocation");
  const auto mode = section.string("mode");
  if (!mode) {
    fail("revocation.mode", R"(must be "none", "ocsp", "crl" or "ocsp+crl")");
  }
  if (*mode == "none") {
    revocation.mode = RevocationMode::none;
  } else if (*mode == "ocsp") {
    revocation.mode = RevocationMode::ocsp;
  } else if (*mode == "crl") {
    revocation.mode = RevocationMode::crl;
  } else if (*mode == "ocsp+crl") {
    revocation.mode = RevocationMode::ocsp_and_crl;
  } else {
    fail("revocation.mode", R"(must be "none", "ocsp", "crl" or "ocsp+crl")");
  }
  revocation.ocsp_responder_url = section.string("ocspResponderUrl");
  if (const auto timeout = section.seconds("ocspTimeoutSeconds", 0.1, 60)) {
    revocation.ocsp_timeout = *timeout;
  }
  if (const auto files = section.strings("crlFiles")) {
    revocation.crl_files = resolve_all(*files, config_dir);
  }
  if (const auto fetch = section.boolean("crlFetch")) {
    revocation.crl_fetch = *fetch;
  }
  revocation.crl_url = section.string("crlUrl");
  section.finish();
  const bool uses_crl =
      revocation.mode == RevocationMode::crl || revocation.mode == RevocationMode::ocsp_and_crl;
  if (uses_crl && revocation.crl_files.empty() && !revocation.crl_fetch) {
    fail("revocation", R"(mode ")" + *mode + R"(" needs "crlFiles" or "crlFetch": true)");
  }
}

void parse_limits(const json& value, LimitSettings& limits) {
  Section section(value, "limits");
  if (const auto body = section.integer("maxBodyBytes", 4096, std::int64_t{1024} * 1024)) {
    limits.max_body_bytes = static_cast<std::size_t>(*body);
  }
  if (const auto header = section.integer("maxHeaderBytes", 1024, std::int64_t{64} * 1024)) {
    limits.max_header_bytes = static_cast<std::size_t>(*header);
  }
  if (const auto read = section.seconds("readTimeoutSeconds", 0.1, 300)) {
    limits.read_timeout = *read;
  }
  if (const auto idle = section.seconds("idleTimeoutSeconds", 0.1, 3600)) {
    limits.idle_timeout = *idle;
  }
  if (const auto write = section.seconds("writeTimeoutSeconds", 0.1, 300)) {
    limits.write_timeout = *write;
  }
  if (const auto connections = section.integer("maxConnections", 1, 100'000)) {
    limits.max_connections = static_cast<std::size_t>(*connections);
  }
  section.finish();
}

// [{"kid": "chat-2026-12", "file": "seal-2026-12.pem"}, …]: current first, then previous.
void parse_sealing_keys(const json& value, ServiceConfig& config, const std::string& config_dir) {
  if (!value.is_array() || value.empty() || value.size() > 2) {
    fail("sealingKeys",
         R"(must be an array of one or two {"kid", "file"}: the current key, then the previous)");
  }
  for (std::size_t i = 0; i < value.size(); ++i) {
    const std::string path = "sealingKeys[" + std::to_string(i) + "]";
    Section key(value[i], path);
    const auto kid = key.string("kid");
    const auto file = key.string("file");
    if (!kid || !jwe::is_valid_kid(*kid)) {
      fail(path + ".kid", "must be 1 to 64 characters of A-Z a-z 0-9 . _ -");
    }
    if (!file) {
      fail(path + ".file", "required: a PEM private key file (P-256 or X25519)");
    }
    key.finish();
    if (!config.sealing_keys.empty() && config.sealing_keys.front().kid == *kid) {
      fail(path + ".kid", "must differ from the current key's");
    }
    config.sealing_keys.push_back({*kid, resolve(*file, config_dir)});
  }
}

}  // namespace

ServiceConfig parse_service_config(std::string_view text, const std::string& config_dir) {
  json root;
  try {
    // Comments (// and /* */) are allowed: the example file explains itself.
    root = json::parse(text.begin(), text.end(), nullptr, true, true);
  } catch (const json::exception& e) {
    throw ConfigError("not valid JSON: " + std::string(e.what()));
  }
  ServiceConfig config;
  Section top(root, "");
  if (const auto listen = top.string("listen")) {
    parse_listen_endpoint(*listen, "listen", config.listen_address, config.listen_port);
  }
  if (const auto threads = top.integer("threads", 0, 256)) {
    config.threads = static_cast<unsigned>(*threads);
  }
  if (const auto anchors = top.strings("trustAnchors")) {
    config.trust_anchor_files = resolve_all(*anchors, config_dir);
  }
  if (const auto intermediates = top.strings("intermediates")) {
    config.intermediate_files = resolve_all(*intermediates, config_dir);
  }
  if (const auto origins = top.strings("allowedOrigins")) {
    config.allowed_origins = *origins;
  }
  if (config.allowed_origins.empty()) {
    fail("allowedOrigins",
         R"(required: the origins of the chat site, e.g. "https://chat.example")");
  }
  if (const auto allow = top.boolean("allowHttpLocalhost")) {
    config.allow_http_localhost = *allow;
  }
  if (const json* rooms = top.take("rooms")) {
    parse_rooms(*rooms, config);
  }
  if (const auto ttl = top.integer("nonceTtlSeconds", 10, 3600)) {
    config.nonce_ttl = std::chrono::seconds(*ttl);
  }
  if (const json* store = top.take("store")) {
    parse_store(*store, config.store);
  }
  const json* revocation = top.take("revocation");
  if (revocation != nullptr) {
    parse_revocation(*revocation, config.revocation, config_dir);
  }
  if (const auto key = top.string("pseudonymKeyFile")) {
    config.pseudonym_key_file = resolve(*key, config_dir);
  }
  if (const auto reveal = top.boolean("revealNationalNumber")) {
    config.reveal_national_number = *reveal;
  }
  if (const auto reveal = top.boolean("revealBirthDate")) {
    config.reveal_birth_date = *reveal;
  }
  if (const json* keys = top.take("sealingKeys")) {
    parse_sealing_keys(*keys, config, config_dir);
  }
  if (const auto required = top.boolean("requireSealed")) {
    config.require_sealed = *required;
  }
  if (config.require_sealed && config.sealing_keys.empty()) {
    fail("requireSealed", R"(needs "sealingKeys")");
  }
  if (const auto max_age = top.integer("sealKeyMaxAgeSeconds", 60, 86400)) {
    config.seal_key_max_age = std::chrono::seconds(*max_age);
  }
  if (const json* limits = top.take("limits")) {
    parse_limits(*limits, config.limits);
  }
  top.finish();
  // Never a silent default: a forgotten block must not mean "no revocation check" (issue 15).
  if (revocation == nullptr) {
    fail("revocation",
         R"(required: state the revocation mode, e.g. {"mode": "ocsp+crl", "crlFetch": true})"
         R"(, or {"mode": "none"} to check none)");
  }
  return config;
}

void parse_redis_url(std::string_view url, RedisSettings& settings) {
  constexpr std::string_view redis_scheme = "redis://";
  constexpr std::string_view unix_scheme = "unix://";
  const auto bad = [](const std::string& why) { fail("store.url", why); };
  if (url.starts_with(unix_scheme)) {
    std::string_view rest = url.substr(unix_scheme.size());
    const std::size_t query = rest.find('?');
    std::string_view path = rest.substr(0, query);
    if (path.empty() || path[0] != '/') {
      bad("a unix URL is unix:///absolute/path/redis.sock[?db=N]");
    }
    settings.unix_socket = std::string(path);
    if (query != std::string_view::npos) {
      const std::string_view parameter = rest.substr(query + 1);
      const auto db =
          parameter.starts_with("db=") ? parse_decimal(parameter.substr(3), 1000) : std::nullopt;
      if (!db) {
        bad("the only parameter of a unix URL is db=N (0 to 1000)");
      }
      settings.database = static_cast<int>(*db);
    }
    return;
  }
  if (!url.starts_with(redis_scheme)) {
    bad("must start with redis:// or unix://");
  }
  std::string_view rest = url.substr(redis_scheme.size());
  if (const std::size_t slash = rest.find('/'); slash != std::string_view::npos) {
    const std::string_view path = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!path.empty()) {
      const auto db = parse_decimal(path, 1000);
      if (!db) {
        bad("the path of a redis URL is the database number (0 to 1000)");
      }
      settings.database = static_cast<int>(*db);
    }
  }
  if (const std::size_t at = rest.rfind('@'); at != std::string_view::npos) {
    const std::string_view credentials = rest.substr(0, at);
    rest = rest.substr(at + 1);
    const std::size_t colon = credentials.find(':');
    if (colon == std::string_view::npos) {
      bad("credentials in a redis URL are [user]:password@");
    }
    settings.username = std::string(credentials.substr(0, colon));
    settings.password = std::string(credentials.substr(colon + 1));
  }
  std::string_view host = rest;
  std::string_view port;
  if (rest.starts_with('[')) {  // [IPv6]:port
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) {
      bad("unclosed [ in the host");
    }
    host = rest.substr(1, close - 1);
    const std::string_view after = rest.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        bad("expected :port after the [IPv6] host");
      }
      port = after.substr(1);
    }
  } else if (const std::size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty()) {
    bad("no host");
  }
  settings.host = std::string(host);
  settings.unix_socket.clear();
  if (!port.empty() || rest.ends_with(':')) {
    const auto number = parse_decimal(port, 65535);
    if (!number || *number == 0) {
      bad("the port must be 1 to 65535");
    }
    settings.port = static_cast<std::uint16_t>(*number);
  }
}

void parse_listen_endpoint(std::string_view text, std::string_view what, std::string& address,
                           std::uint16_t& port) {
  const auto bad = [&] {
    fail(std::string(what),
         R"(must be IP:PORT, e.g. "127.0.0.1:8470" or "[::1]:8470" (port 0: any free port))");
  };
  std::string host;
  std::string_view port_text;
  if (text.starts_with('[')) {
    const std::size_t close = text.find("]:");
    if (close == std::string_view::npos) {
      bad();
    }
    host = std::string(text.substr(1, close - 1));
    port_text = text.substr(close + 2);
    if (host.find(':') == std::string::npos) {
      bad();
    }
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      bad();
    }
    host = std::string(text.substr(0, colon));
    port_text = text.substr(colon + 1);
    if (host.find(':') != std::string::npos) {
      bad();  // an IPv6 address needs brackets
    }
  }
  const auto number =
      port_text == "0" ? std::optional<unsigned>(0) : parse_decimal(port_text, 65535);
  if (!number || !is_ip_literal(host)) {
    bad();
  }
  address = host;
  port = static_cast<std::uint16_t>(*number);
}

std::string_view revocation_mode_name(RevocationMode mode) noexcept {
  switch (mode) {
    case RevocationMode::none:
      return "none";
    case RevocationMode::ocsp:
      return "ocsp";
    case RevocationMode::crl:
      return "crl";
    case RevocationMode::ocsp_and_crl:
      return "ocsp+crl";
  }
  return "none";
}

std::string_view store_kind_name(StoreKind kind) noexcept {
  return kind == StoreKind::redis ? "redis" : "memory";
}

}  // namespace saferchat::service
