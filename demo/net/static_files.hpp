// SPDX-License-Identifier: Apache-2.0
// The page's files (demo/web/) and the page API's (the extension build's page-api/), read into
// memory once at start: a request can only ever get one of these files, whatever its path says.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

namespace saferchat::demo::net {

struct StaticFile {
  std::string content_type;
  std::string body;
};

class StaticFiles {
 public:
  // Adds every regular file under `folder` (recursively) as `url_prefix` + its relative path
  // ("/" + "app.js", "/page-api/" + "saferchat.mjs"); only names of [A-Za-z0-9._-] segments, and
  // only the types content_type_for knows. Throws std::runtime_error when `folder` is missing.
  void add_folder(const std::filesystem::path& folder, std::string_view url_prefix);

  // The file for a URL path ("/" means "/index.html"), or nullptr.
  [[nodiscard]] const StaticFile* find(std::string_view path) const;

  [[nodiscard]] std::size_t size() const noexcept { return files_.size(); }

 private:
  std::map<std::string, StaticFile, std::less<>> files_;
};

// "text/html; charset=utf-8" for ".html", …; empty for a type the demo does not serve.
[[nodiscard]] std::string_view content_type_for(std::string_view extension) noexcept;

}  // namespace saferchat::demo::net
