// SPDX-License-Identifier: Apache-2.0
#include "net/static_files.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <utility>

namespace saferchat::demo::net {
namespace {

bool safe_segment(const std::string& segment) {
  return !segment.empty() && segment.front() != '.' &&
         std::all_of(segment.begin(), segment.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-';
         });
}

}  // namespace

std::string_view content_type_for(std::string_view extension) noexcept {
  constexpr std::array<std::pair<std::string_view, std::string_view>, 8> types{{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".json", "application/json"},
      {".ico", "image/x-icon"},
  }};
  for (const auto& [known, type] : types) {
    if (known == extension) {
      return type;
    }
  }
  return {};
}

void StaticFiles::add_folder(const std::filesystem::path& folder, std::string_view url_prefix) {
  if (!std::filesystem::is_directory(folder)) {
    throw std::runtime_error("no such folder: " + folder.string());
  }
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
    if (!entry.is_regular_file()) {
      continue;
    }
    const std::filesystem::path relative = entry.path().lexically_relative(folder);
    std::string url(url_prefix);
    bool safe = true;
    for (const auto& part : relative) {
      safe = safe && safe_segment(part.string());
      url += (url.back() == '/' ? "" : "/") + part.string();
    }
    const std::string_view type = content_type_for(entry.path().extension().string());
    if (!safe || type.empty()) {
      continue;
    }
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream body;
    body << in.rdbuf();
    if (!in) {
      throw std::runtime_error("cannot read " + entry.path().string());
    }
    files_.insert_or_assign(std::move(url),
                            StaticFile{.content_type = std::string(type), .body = body.str()});
  }
}

const StaticFile* StaticFiles::find(std::string_view path) const {
  const auto it = files_.find(path == "/" ? std::string_view("/index.html") : path);
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace saferchat::demo::net
