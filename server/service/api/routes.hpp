// SPDX-License-Identifier: Apache-2.0
// saferchatd's endpoints (docs/verifier.md, "HTTP service"): which endpoint a method and a
// request target name. The query string, if any, is ignored.
#pragma once

#include <cstdint>
#include <string_view>

namespace saferchat::service {

enum class Endpoint : std::uint8_t { challenge, verify, health, seal_key };

// The endpoint, or throws ApiError: not_found for an unknown path, method_not_allowed for a
// known path with another method (allowed_method() then names the right one).
[[nodiscard]] Endpoint route(std::string_view method, std::string_view target);

// "POST" or "GET" for a known path; empty for an unknown one.
[[nodiscard]] std::string_view allowed_method(std::string_view target) noexcept;

// The path of a request target: up to the first '?' or '#'.
[[nodiscard]] std::string_view target_path(std::string_view target) noexcept;

}  // namespace saferchat::service
