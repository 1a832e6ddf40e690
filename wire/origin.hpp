// SPDX-License-Identifier: Apache-2.0
// Checks of the values that bind a token to a site (docs/protocol.md §4.4): the origin the
// browser reports for the page, and the server's challenge nonce.
#pragma once

#include <cstddef>
#include <string_view>

namespace saferchat {

inline constexpr std::size_t max_origin_length = 255;
inline constexpr std::size_t min_challenge_length = 44;  // 32 random bytes in base64
inline constexpr std::size_t max_challenge_length = 128;

// Accepts exactly the serialised form of an https origin, `https://host[:port]`: lower-case
// host (DNS name, IPv4 or bracketed IPv6), no default port, no path, query or fragment, at
// most 255 characters. With allow_http_localhost, also `http://localhost[:port]`,
// `http://127.0.0.1[:port]` and `http://[::1][:port]` (development only).
// Throws Error(invalid_origin) naming what is wrong.
void check_origin(std::string_view origin, bool allow_http_localhost);

// Accepts 44..128 characters of base64 or base64url, '=' padding only at the end.
// Throws Error(invalid_challenge).
void check_challenge_nonce(std::string_view nonce);

}  // namespace saferchat
