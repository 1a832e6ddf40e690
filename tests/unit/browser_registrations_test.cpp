// SPDX-License-Identifier: Apache-2.0
// The manifests --self-check reads (app/browser_registrations.hpp): where each browser looks, and
// what makes a manifest one that starts a host serving our extension.
#include "app/browser_registrations.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace saferchat {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const CallerAllowList allow_list({"nmgdeinpncakphdmdpndhifioncieboe"}, {"saferchat@saferchat.be"});

TEST(ManifestPlaces, SystemUnderTheRootAndTheUsersFolders) {
  const auto places = manifest_places("/staged", "/home/zoe", "/home/zoe/.config");
  std::vector<std::string> seen;
  for (const ManifestPlace& place : places) {
    seen.push_back(place.browser + (place.system ? " system " : " user ") + place.file.string());
  }
  EXPECT_EQ(
      seen,
      (std::vector<std::string>{
          "Chrome system /staged/etc/opt/chrome/native-messaging-hosts/be.saferchat.host.json",
          "Chromium system /staged/etc/chromium/native-messaging-hosts/be.saferchat.host.json",
          "Edge system /staged/etc/opt/edge/native-messaging-hosts/be.saferchat.host.json",
          "Firefox system /staged/usr/lib/mozilla/native-messaging-hosts/be.saferchat.host.json",
          "Firefox system "
          "/staged/usr/lib64/mozilla/native-messaging-hosts/be.saferchat.host.json",
          "Chrome user "
          "/home/zoe/.config/google-chrome/NativeMessagingHosts/be.saferchat.host.json",
          "Chromium user /home/zoe/.config/chromium/NativeMessagingHosts/be.saferchat.host.json",
          "Edge user "
          "/home/zoe/.config/microsoft-edge/NativeMessagingHosts/be.saferchat.host.json",
          "Firefox user /home/zoe/.mozilla/native-messaging-hosts/be.saferchat.host.json"}));
  EXPECT_EQ(manifest_places("/", "", "").size(), 5U);
}

class CheckManifestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "saferchat-manifest-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    fs::create_directories(root_ / "usr/libexec/saferchat");
    host_ = root_ / "usr/libexec/saferchat/saferchat-host";
    std::ofstream(host_) << "#!/bin/sh\n";
    fs::permissions(host_, fs::perms::owner_all);
  }
  void TearDown() override { fs::remove_all(root_); }

  [[nodiscard]] ManifestCheck check(const json& manifest, BrowserFamily family,
                                    bool system = true) const {
    const ManifestPlace place{"Chrome", family, system, "/unused"};
    return check_manifest(manifest.dump(), place, root_, host_, allow_list);
  }
  static json chromium(const std::string& path) {
    return {{"name", "be.saferchat.host"},
            {"type", "stdio"},
            {"path", path},
            {"allowed_origins", {"chrome-extension://nmgdeinpncakphdmdpndhifioncieboe/"}}};
  }

  fs::path root_;
  fs::path host_;
};

TEST_F(CheckManifestTest, APackagedManifestStartsThisProgram) {
  const ManifestCheck result =
      check(chromium("/usr/libexec/saferchat/saferchat-host"), BrowserFamily::chromium);
  EXPECT_TRUE(result.works);
  EXPECT_EQ(result.verdict, "ok, starts this program");
  json firefox = chromium("/usr/libexec/saferchat/saferchat-host");
  firefox.erase("allowed_origins");
  firefox["allowed_extensions"] = {"saferchat@saferchat.be"};
  EXPECT_EQ(check(firefox, BrowserFamily::firefox).verdict, "ok, starts this program");
}

TEST_F(CheckManifestTest, AnotherCopyStillWorks) {
  const fs::path other = root_ / "other-host";
  fs::copy_file(host_, other);
  const ManifestCheck result = check(chromium(other.string()), BrowserFamily::chromium, false);
  EXPECT_TRUE(result.works);
  EXPECT_EQ(result.verdict, "ok, starts " + other.string() + " (another copy of the host)");
}

TEST_F(CheckManifestTest, EachFaultIsNamed) {
  const std::string host = "/usr/libexec/saferchat/saferchat-host";
  const auto verdict = [this](const json& manifest, BrowserFamily family) {
    const ManifestCheck result = check(manifest, family);
    EXPECT_FALSE(result.works) << manifest.dump();
    return result.verdict;
  };
  EXPECT_EQ(
      check_manifest("{", {"Chrome", BrowserFamily::chromium, true, "/x"}, root_, host_, allow_list)
          .verdict,
      "not valid JSON");
  json wrong = chromium(host);
  wrong["name"] = 5;
  EXPECT_EQ(verdict(wrong, BrowserFamily::chromium), "a member has the wrong type");
  wrong["name"] = "com.example.other";
  EXPECT_EQ(verdict(wrong, BrowserFamily::chromium), "\"name\" is not be.saferchat.host");
  wrong = chromium(host);
  wrong["type"] = "pipe";
  EXPECT_EQ(verdict(wrong, BrowserFamily::chromium), "\"type\" is not \"stdio\"");
  EXPECT_EQ(verdict(chromium("saferchat-host"), BrowserFamily::chromium),
            "\"path\" is not an absolute path");
  EXPECT_EQ(verdict(chromium("/usr/libexec/saferchat/missing"), BrowserFamily::chromium),
            "\"path\" names /usr/libexec/saferchat/missing, which is not a program");
  wrong = chromium(host);
  wrong["allowed_origins"] = {"chrome-extension://aaaabbbbccccddddeeeeffffgggghhhh/"};
  EXPECT_EQ(verdict(wrong, BrowserFamily::chromium),
            "\"allowed_origins\" does not list the Safer Chat extension");
  EXPECT_EQ(verdict(chromium(host), BrowserFamily::firefox),
            "\"allowed_extensions\" does not list the Safer Chat add-on");
}

}  // namespace
}  // namespace saferchat
