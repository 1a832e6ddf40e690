// SPDX-License-Identifier: Apache-2.0
// UTF-8 ↔ UTF-16 for Windows' wide-character API (paths, environment, window texts). Invalid
// input gives U+FFFD (MultiByteToWideChar's default), never an exception but for memory.
#pragma once

#include <string>
#include <string_view>

namespace saferchat::platform {

[[nodiscard]] std::wstring to_wide(std::string_view utf8);
[[nodiscard]] std::string to_utf8(std::wstring_view wide);

}  // namespace saferchat::platform
