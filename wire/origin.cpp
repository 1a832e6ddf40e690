// SPDX-License-Identifier: Apache-2.0
#include "wire/origin.hpp"

#include <algorithm>
#include <string>

#include "wire/error.hpp"

namespace saferchat {
namespace {

[[noreturn]] void reject_origin(const std::string& why) {
  throw Error(ErrorCode::invalid_origin, "origin rejected: " + why);
}

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

// RFC 1034 §3.5 labels as browsers serialise them: lower-case LDH, IDNs already in A-label form.
bool is_dns_name(std::string_view host) {
  if (host.empty() || host.size() > 253) {
    return false;
  }
  std::size_t start = 0;
  while (start <= host.size()) {
    const std::size_t dot = std::min(host.find('.', start), host.size());
    const std::string_view label = host.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    if (!std::all_of(label.begin(), label.end(),
                     [](char c) { return is_lower_alnum(c) || c == '-'; })) {
      return false;
    }
    start = dot + 1;
  }
  return true;
}

bool is_bracketed_ipv6(std::string_view host) {
  if (host.size() < 4 || host.front() != '[' || host.back() != ']') {
    return false;
  }
  const std::string_view inner = host.substr(1, host.size() - 2);
  return inner.find(':') != std::string_view::npos &&
         std::all_of(inner.begin(), inner.end(), [](char c) {
           return is_digit(c) || (c >= 'a' && c <= 'f') || c == ':' || c == '.';
         });
}

}  // namespace

void check_origin(std::string_view origin, bool allow_http_localhost) {
  if (origin.size() > max_origin_length) {
    reject_origin("longer than 255 characters");
  }
  constexpr std::string_view https = "https://";
  constexpr std::string_view http = "http://";
  bool is_https = false;
  std::string_view rest;
  if (origin.starts_with(https)) {
    is_https = true;
    rest = origin.substr(https.size());
  } else if (origin.starts_with(http)) {
    rest = origin.substr(http.size());
  } else {
    reject_origin("scheme is not https");
  }

  // Split host and port; a bracketed IPv6 host contains colons of its own.
  std::string_view host = rest;
  std::string_view port;
  const std::size_t host_end = rest.starts_with('[') ? rest.find(']') : std::string_view::npos;
  const std::size_t colon = rest.find(':', host_end == std::string_view::npos ? 0 : host_end + 1);
  if (colon != std::string_view::npos) {
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.front() == '0' ||
        !std::all_of(port.begin(), port.end(), is_digit)) {
      reject_origin("port is not a number from 1 to 65535 without leading zeros");
    }
    const long number = std::stol(std::string(port));
    if (number > 65535) {
      reject_origin("port above 65535");
    }
    if ((is_https && number == 443) || (!is_https && number == 80)) {
      reject_origin("default port written out (not the browser's serialisation)");
    }
  }
  if (!is_dns_name(host) && !is_bracketed_ipv6(host)) {
    reject_origin("host is not a lower-case DNS name or IP address, or a path follows it");
  }
  if (!is_https) {
    const bool local = host == "localhost" || host == "127.0.0.1" || host == "[::1]";
    if (!local) {
      reject_origin("scheme is not https");
    }
    if (!allow_http_localhost) {
      reject_origin("http://localhost needs the development setting");
    }
  }
}

void check_challenge_nonce(std::string_view nonce) {
  if (nonce.size() < min_challenge_length || nonce.size() > max_challenge_length) {
    throw Error(ErrorCode::invalid_challenge,
                "challenge nonce of " + std::to_string(nonce.size()) + " characters");
  }
  const std::size_t data_end = nonce.find_last_not_of('=') + 1;
  if (nonce.size() - data_end > 2) {
    throw Error(ErrorCode::invalid_challenge, "challenge nonce has more than two '=' at its end");
  }
  const bool alphabet_ok =
      std::all_of(nonce.begin(), nonce.begin() + static_cast<std::ptrdiff_t>(data_end), [](char c) {
        return is_lower_alnum(c) || (c >= 'A' && c <= 'Z') || c == '+' || c == '/' || c == '-' ||
               c == '_';
      });
  if (!alphabet_ok) {
    throw Error(ErrorCode::invalid_challenge, "challenge nonce has a non-base64 character");
  }
}

}  // namespace saferchat
