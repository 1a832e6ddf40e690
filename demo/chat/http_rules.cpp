// SPDX-License-Identifier: Apache-2.0
#include "chat/http_rules.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

namespace saferchat::demo {
namespace {

std::string_view trim(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    return {};
  }
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// q-values (RFC 9110 §12.4.2): "0" to "1" with up to three decimals, read as thousandths.
int quality(std::string_view parameters) {
  const std::size_t q = parameters.find("q=");
  if (q == std::string_view::npos) {
    return 1000;
  }
  const std::string_view value = trim(parameters.substr(q + 2));
  if (value.empty() || (value[0] != '0' && value[0] != '1')) {
    return 0;
  }
  int thousandths = (value[0] - '0') * 1000;
  if (value.size() > 2 && value[1] == '.') {
    int scale = 100;
    for (std::size_t i = 2;
         i < value.size() && i < 5 && std::isdigit(static_cast<unsigned char>(value[i])) != 0;
         ++i) {
      thousandths += (value[i] - '0') * scale;
      scale /= 10;
    }
  }
  return std::min(thousandths, 1000);
}

}  // namespace

std::optional<std::string_view> find_cookie(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const std::size_t end = header.find(';');
    const std::string_view pair = trim(header.substr(0, end));
    const std::size_t equals = pair.find('=');
    if (equals != std::string_view::npos && pair.substr(0, equals) == name) {
      return pair.substr(equals + 1);
    }
    if (end == std::string_view::npos) {
      break;
    }
    header.remove_prefix(end + 1);
  }
  return std::nullopt;
}

std::string set_cookie(std::string_view name, std::string_view value, std::chrono::seconds max_age,
                       bool secure) {
  std::string cookie(name);
  cookie += '=';
  cookie += value;
  cookie += "; Path=/; Max-Age=" + std::to_string(max_age.count()) + "; HttpOnly; SameSite=Strict";
  if (secure) {
    cookie += "; Secure";
  }
  return cookie;
}

std::optional<Language> language_from_tag(std::string_view tag) {
  const std::string primary = lower(tag.substr(0, tag.find('-')));
  return language_from_subtag(primary);
}

Language language_from_accept_language(std::string_view header) {
  struct Choice {
    Language language;
    int quality;
    std::size_t order;
  };
  std::vector<Choice> choices;
  std::size_t order = 0;
  while (!header.empty() && order < 32) {
    const std::size_t end = header.find(',');
    const std::string_view item = trim(header.substr(0, end));
    const std::size_t semicolon = item.find(';');
    const std::string_view tag = trim(item.substr(0, semicolon));
    const int q = semicolon == std::string_view::npos ? 1000 : quality(item.substr(semicolon + 1));
    if (const auto language = language_from_tag(tag); language && q > 0) {
      choices.push_back({.language = *language, .quality = q, .order = order});
    }
    ++order;
    if (end == std::string_view::npos) {
      break;
    }
    header.remove_prefix(end + 1);
  }
  const auto best =
      std::min_element(choices.begin(), choices.end(), [](const Choice& a, const Choice& b) {
        return a.quality != b.quality ? a.quality > b.quality : a.order < b.order;
      });
  return best == choices.end() ? Language::en : best->language;
}

std::string websocket_origin(std::string_view origin) {
  constexpr std::string_view https = "https://";
  constexpr std::string_view http = "http://";
  if (origin.starts_with(https)) {
    return "wss://" + std::string(origin.substr(https.size()));
  }
  if (origin.starts_with(http)) {
    return "ws://" + std::string(origin.substr(http.size()));
  }
  return std::string(origin);
}

}  // namespace saferchat::demo
