// SPDX-License-Identifier: Apache-2.0
// The demo chat's small HTTP rules, kept out of the transport so they can be tested alone:
// cookies (RFC 6265), the page's language from Accept-Language (RFC 9110 §12.5.4), and which
// origins may call the API. Pure.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "wire/language.hpp"

namespace saferchat::demo {

// The value of cookie `name` in a Cookie header ("a=1; sc_member=xyz"), or nullopt.
[[nodiscard]] std::optional<std::string_view> find_cookie(std::string_view header,
                                                          std::string_view name);

// A Set-Cookie value: HttpOnly, SameSite=Strict, Path=/, Max-Age; Secure when `secure`.
// Max-Age 0 deletes the cookie.
[[nodiscard]] std::string set_cookie(std::string_view name, std::string_view value,
                                     std::chrono::seconds max_age, bool secure);

// The first of the page's languages in Accept-Language ("fr-BE,fr;q=0.9,en;q=0.8"), by
// weight, then order; English when none is one of ours.
[[nodiscard]] Language language_from_accept_language(std::string_view header);

// A language tag the page sent ("nl", "fr-BE"): its language, or nullopt.
[[nodiscard]] std::optional<Language> language_from_tag(std::string_view tag);

// The public origin ("https://localhost:8443") → the WebSocket origin for CSP's connect-src
// ("wss://localhost:8443").
[[nodiscard]] std::string websocket_origin(std::string_view origin);

}  // namespace saferchat::demo
