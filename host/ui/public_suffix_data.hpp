// SPDX-License-Identifier: Apache-2.0
// The Public Suffix List's rules as the build generated them (generate_public_suffix_list.py):
// read only by ui/public_suffix.cpp.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace saferchat::public_suffix_data {

extern const std::size_t rule_count;
// `rule_count` rules one after the other, each one length byte, then the rule ("co.uk",
// "*.ck", "!www.ck"), ASCII, each label in its "xn--" form; sorted by bytes. In blocks under
// 64 KiB each (one string literal each); no rule spans two blocks.
extern const std::span<const std::string_view> rule_blocks;

}  // namespace saferchat::public_suffix_data
