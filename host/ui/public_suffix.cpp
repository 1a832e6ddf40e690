// SPDX-License-Identifier: Apache-2.0
#include "ui/public_suffix.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "ui/public_suffix_data.hpp"

namespace saferchat {
namespace {

// Where each rule starts: its block in the upper 16 bits, its offset there in the lower 16.
// Found once (about 9,500 rules: 38 KB here rather than in the binary).
const std::vector<std::uint32_t>& offsets() {
  static const std::vector<std::uint32_t> starts = [] {
    std::vector<std::uint32_t> found;
    found.reserve(public_suffix_data::rule_count);
    for (std::size_t block = 0; block < public_suffix_data::rule_blocks.size(); ++block) {
      const std::string_view rules = public_suffix_data::rule_blocks[block];
      for (std::size_t at = 0; at < rules.size();
           at += 1U + static_cast<unsigned char>(rules[at])) {
        found.push_back(static_cast<std::uint32_t>(block << 16U | at));
      }
    }
    return found;
  }();
  return starts;
}

std::string_view rule_at(std::size_t index) {
  const std::uint32_t start = offsets()[index];
  const std::string_view rules = public_suffix_data::rule_blocks[start >> 16U];
  const std::size_t at = start & 0xFFFFU;
  return rules.substr(at + 1, static_cast<unsigned char>(rules[at]));
}

// Whether the list holds exactly `rule`: a binary search over the sorted rules.
bool listed(std::string_view rule) {
  std::size_t low = 0;
  std::size_t high = offsets().size();
  while (low < high) {
    const std::size_t middle = low + (high - low) / 2;
    const std::string_view candidate = rule_at(middle);
    if (candidate == rule) {
      return true;
    }
    if (candidate < rule) {
      low = middle + 1;
    } else {
      high = middle;
    }
  }
  return false;
}

bool listed_with_prefix(std::string_view prefix, std::string_view rest) {
  std::string rule;
  rule.reserve(prefix.size() + rest.size());
  rule.append(prefix).append(rest);
  return listed(rule);
}

}  // namespace

std::string_view public_suffix(std::string_view host) {
  // The last k labels of `host`, for k = 1, 2, …: `starts` holds where each begins.
  std::vector<std::size_t> starts;
  for (std::size_t end = host.size(); end > 0;) {
    const std::size_t dot = host.rfind('.', end - 1);
    const std::size_t start = dot == std::string_view::npos ? 0 : dot + 1;
    starts.push_back(start);
    end = dot == std::string_view::npos ? 0 : dot;
  }
  // publicsuffix.org's algorithm: an exception rule prevails, and names one label less;
  // otherwise the matching rule with most labels; with none, the implicit "*" (one label).
  std::size_t labels = 1;
  for (std::size_t k = 1; k <= starts.size(); ++k) {
    const std::string_view suffix = host.substr(starts[k - 1]);
    if (listed_with_prefix("!", suffix)) {
      labels = k - 1;
      break;
    }
    if (listed(suffix) || (k >= 2 && listed_with_prefix("*.", host.substr(starts[k - 2])))) {
      labels = k;
    }
  }
  if (labels == 0 || starts.empty()) {
    return host.substr(host.size());
  }
  return host.substr(starts[std::min(labels, starts.size()) - 1]);
}

std::string_view registrable_domain(std::string_view host) {
  if (host.empty() || host.front() == '.' || host.back() == '.' ||
      host.find("..") != std::string_view::npos) {
    return {};
  }
  const std::string_view suffix = public_suffix(host);
  if (suffix.size() >= host.size()) {
    return {};
  }
  // One label more than the suffix.
  const std::string_view rest = host.substr(0, host.size() - suffix.size() - 1);
  const std::size_t dot = rest.rfind('.');
  return host.substr(dot == std::string_view::npos ? 0 : dot + 1);
}

}  // namespace saferchat
