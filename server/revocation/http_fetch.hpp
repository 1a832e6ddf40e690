// SPDX-License-Identifier: Apache-2.0
// Internal to saferchat::revocation: one HTTP/1.0 exchange with OpenSSL's client
// (OSSL_HTTP_transfer over a socket we connect ourselves, one attempt per address), for DER
// bodies: OCSP (RFC 6960 Appendix A.1) and CRLs (RFC 5280 §4.2.1.13: DER at http URIs).
// http:// URLs only (the data is signed); direct connections, no proxy. Name resolution is
// bounded by the same timeout (it runs on a thread of its own). Per responder (host:port), at
// most 4 exchanges at once and 32 in all; a responder that let an exchange run out of time is not
// asked again for 30 s (the logins that need it are told at once, REVOCATION_UNAVAILABLE).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace saferchat::revocation {

// POST `body` with `content_type` (nullopt: GET), expecting a DER body of
// `expected_content_type` (empty: any) and at most `max_bytes`, all within `timeout`. Throws
// std::runtime_error naming what failed (URL, resolution, connect, timeout, HTTP status, content
// type, size).
[[nodiscard]] std::vector<std::uint8_t> http_exchange(const std::string& url,
                                                      std::optional<std::string_view> content_type,
                                                      std::span<const std::uint8_t> body,
                                                      std::string_view expected_content_type,
                                                      std::chrono::milliseconds timeout,
                                                      std::size_t max_bytes);

// True if `url` is an http:// URL that OSSL_HTTP_parse_url accepts.
[[nodiscard]] bool is_http_url(const std::string& url);

// The last OpenSSL error as text (and the error queue cleared), for details.
[[nodiscard]] std::string openssl_error_text();

}  // namespace saferchat::revocation
