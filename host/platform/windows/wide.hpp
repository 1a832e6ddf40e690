// SPDX-License-Identifier: Apache-2.0
// UTF-8 ↔ UTF-16 for Windows' wide-character API (paths, environment, window texts). Invalid
// input gives U+FFFD in to_wide and to_utf8 (the API's default), never an exception but for
// memory; to_utf8_exact refuses it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace saferchat::platform {

[[nodiscard]] std::wstring to_wide(std::string_view utf8);
[[nodiscard]] std::string to_utf8(std::wstring_view wide);

// UTF-16 → UTF-8 for text that must arrive exactly (environment, command line): nullopt for
// invalid UTF-16 (an unpaired surrogate) instead of U+FFFD.
[[nodiscard]] std::optional<std::string> to_utf8_exact(std::wstring_view wide);

// CommandLineToArgvW's arguments after the program name, each through to_utf8_exact; nullopt
// when one is not valid UTF-16.
[[nodiscard]] std::optional<std::vector<std::string>> utf8_arguments(int argc,
                                                                     const wchar_t* const* argv);

}  // namespace saferchat::platform
