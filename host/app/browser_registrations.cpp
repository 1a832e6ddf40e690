// SPDX-License-Identifier: Apache-2.0
#include "app/browser_registrations.hpp"

#include <algorithm>
#include <system_error>

#include <nlohmann/json.hpp>

#include "platform/platform.hpp"

namespace saferchat {
namespace {

std::filesystem::path under(const std::filesystem::path& root, const std::filesystem::path& path) {
  return root / path.relative_path();
}

// Whether the manifest's `key` is an array holding `entry` (a missing key holds nothing).
bool lists(const nlohmann::json& manifest, const char* key, const std::string& entry) {
  const auto found = manifest.find(key);
  return found != manifest.end() && found->is_array() &&
         std::find(found->begin(), found->end(), entry) != found->end();
}

std::filesystem::path canonical_or_self(const std::filesystem::path& path) {
  std::error_code error;
  std::filesystem::path result = std::filesystem::canonical(path, error);
  return error ? path : result;
}

ManifestCheck check_manifest_members(std::string_view text, const ManifestPlace& place,
                                     const std::filesystem::path& root,
                                     const std::filesystem::path& self,
                                     const CallerAllowList& allow_list);

}  // namespace

std::vector<ManifestPlace> manifest_places(const std::filesystem::path& root,
                                           const std::filesystem::path& home,
                                           const std::filesystem::path& config_home) {
  if constexpr (platform::browsers_use_registry) {
    // Windows: Chrome, Edge and Firefox read the manifest's path from the registry.
    std::vector<ManifestPlace> places;
    for (platform::RegisteredManifest& entry : platform::registered_manifests(native_host_name)) {
      const BrowserFamily family =
          entry.browser == "Firefox" ? BrowserFamily::firefox : BrowserFamily::chromium;
      places.push_back({std::move(entry.browser), family, entry.system, std::move(entry.file)});
    }
    return places;
  }
  const std::string file = std::string(native_host_name) + ".json";
  const auto chromium = BrowserFamily::chromium;
  const auto firefox = BrowserFamily::firefox;
  std::vector<ManifestPlace> places{
      {"Chrome", chromium, true, under(root, "/etc/opt/chrome/native-messaging-hosts") / file},
      {"Chromium", chromium, true, under(root, "/etc/chromium/native-messaging-hosts") / file},
      {"Edge", chromium, true, under(root, "/etc/opt/edge/native-messaging-hosts") / file},
      {"Firefox", firefox, true, under(root, "/usr/lib/mozilla/native-messaging-hosts") / file},
      {"Firefox", firefox, true, under(root, "/usr/lib64/mozilla/native-messaging-hosts") / file},
  };
  if (!home.empty()) {
    places.push_back(
        {"Chrome", chromium, false, config_home / "google-chrome/NativeMessagingHosts" / file});
    places.push_back(
        {"Chromium", chromium, false, config_home / "chromium/NativeMessagingHosts" / file});
    places.push_back(
        {"Edge", chromium, false, config_home / "microsoft-edge/NativeMessagingHosts" / file});
    places.push_back({"Firefox", firefox, false, home / ".mozilla/native-messaging-hosts" / file});
  }
  return places;
}

ManifestCheck check_manifest(std::string_view text, const ManifestPlace& place,
                             const std::filesystem::path& root, const std::filesystem::path& self,
                             const CallerAllowList& allow_list) {
  try {
    return check_manifest_members(text, place, root, self, allow_list);
  } catch (const nlohmann::json::exception&) {
    return {false, "a member has the wrong type"};  // e.g. "name": 5
  }
}

namespace {

ManifestCheck check_manifest_members(std::string_view text, const ManifestPlace& place,
                                     const std::filesystem::path& root,
                                     const std::filesystem::path& self,
                                     const CallerAllowList& allow_list) {
  const nlohmann::json manifest = nlohmann::json::parse(text, nullptr, false);
  if (!manifest.is_object()) {
    return {false, "not valid JSON"};
  }
  if (manifest.value("name", "") != native_host_name) {
    return {false, "\"name\" is not " + std::string(native_host_name)};
  }
  if (manifest.value("type", "") != "stdio") {
    return {false, R"("type" is not "stdio")"};
  }
  // UTF-8 in the JSON, and so in the path on every OS (a Windows user called Zoë).
  const std::string path_text = manifest.value("path", "");
  std::filesystem::path path(std::u8string(path_text.begin(), path_text.end()));
  if (!path.is_absolute()) {
    if (!platform::browsers_use_registry) {
      return {false, "\"path\" is not an absolute path"};
    }
    // Chrome on Windows takes a path relative to the manifest's folder.
    path = place.file.parent_path() / path;
  }
  const std::filesystem::path program =
      place.system && !platform::browsers_use_registry ? under(root, path) : path;
  if (!platform::is_program(program)) {
    return {false, "\"path\" names " + path_text + ", which is not a program"};
  }
  bool ours = false;
  if (place.family == BrowserFamily::chromium) {
    for (const std::string& id : allow_list.chromium_ids()) {
      ours = ours || lists(manifest, "allowed_origins", "chrome-extension://" + id + "/");
    }
    if (!ours) {
      return {false, "\"allowed_origins\" does not list the Safer Chat extension"};
    }
  } else {
    for (const std::string& id : allow_list.firefox_ids()) {
      ours = ours || lists(manifest, "allowed_extensions", id);
    }
    if (!ours) {
      return {false, "\"allowed_extensions\" does not list the Safer Chat add-on"};
    }
  }
  if (canonical_or_self(program) != canonical_or_self(self)) {
    return {true, "ok, starts " + path_text + " (another copy of the host)"};
  }
  return {true, "ok, starts this program"};
}

}  // namespace

}  // namespace saferchat
