// SPDX-License-Identifier: Apache-2.0
// Strict UTF-8 validation (RFC 3629 §4): no overlong forms, no surrogates, nothing above
// U+10FFFF. Native messages must be UTF-8 JSON (docs/protocol.md §2).
#pragma once

#include <string_view>

namespace saferchat {

[[nodiscard]] bool is_valid_utf8(std::string_view text) noexcept;

}  // namespace saferchat
