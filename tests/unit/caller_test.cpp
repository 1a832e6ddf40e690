// SPDX-License-Identifier: Apache-2.0
#include "protocol/caller.hpp"

#include <vector>

#include <gtest/gtest.h>

namespace saferchat {
namespace {

constexpr std::string_view our_id = "nmgdeinpncakphdmdpndhifioncieboe";

std::optional<Caller> identify(std::vector<std::string_view> args) { return identify_caller(args); }

TEST(Caller, ChromiumFamilyFromOriginArgument) {
  const auto caller = identify({"chrome-extension://nmgdeinpncakphdmdpndhifioncieboe/"});
  ASSERT_TRUE(caller.has_value());
  EXPECT_EQ(caller->family, BrowserFamily::chromium);
  EXPECT_EQ(caller->extension_id, our_id);
  // Windows Chrome adds the parent window handle.
  const auto windows =
      identify({"chrome-extension://nmgdeinpncakphdmdpndhifioncieboe/", "--parent-window=1234"});
  ASSERT_TRUE(windows.has_value());
  EXPECT_EQ(windows->extension_id, our_id);
}

TEST(Caller, ParentWindowFromChromeOnWindows) {
  using Args = std::vector<std::string_view>;
  const std::string origin = "chrome-extension://" + std::string(our_id) + "/";
  EXPECT_EQ(parent_window(Args{origin, "--parent-window=0"}), std::nullopt);
  EXPECT_EQ(parent_window(Args{origin, "--parent-window=1838172"}), 1838172U);
  EXPECT_EQ(parent_window(Args{origin, "--parent-window=18446744073709551615"}), UINT64_MAX);
  EXPECT_EQ(parent_window(Args{origin, "--parent-window=18446744073709551616"}), std::nullopt);
  EXPECT_EQ(parent_window(Args{origin, "--parent-window="}), std::nullopt);
  EXPECT_EQ(parent_window(Args{origin, "--parent-window=0x1c0"}), std::nullopt);
  EXPECT_EQ(parent_window(Args{origin, "--parent-window=-5"}), std::nullopt);
  EXPECT_EQ(parent_window(Args{origin}), std::nullopt);
  // The caller is the same with or without it.
  ASSERT_TRUE(identify_caller(Args{origin, "--parent-window=1838172"}).has_value());
  EXPECT_EQ(identify_caller(Args{origin, "--parent-window=1838172"})->extension_id, our_id);
}

TEST(Caller, FirefoxFromManifestPathAndAddonId) {
  const auto caller = identify(
      {"/usr/lib/mozilla/native-messaging-hosts/be.saferchat.host.json", "saferchat@saferchat.be"});
  ASSERT_TRUE(caller.has_value());
  EXPECT_EQ(caller->family, BrowserFamily::firefox);
  EXPECT_EQ(caller->extension_id, "saferchat@saferchat.be");
}

TEST(Caller, AnythingElseIsUnidentified) {
  EXPECT_FALSE(identify({}).has_value());
  EXPECT_FALSE(identify({"chrome-extension://nmgdeinpncakphdmdpndhifioncieboe"}).has_value());
  EXPECT_FALSE(identify({"chrome-extension://NMGDEINPNCAKPHDMDPNDHIFIONCIEBOE/"}).has_value());
  EXPECT_FALSE(identify({"chrome-extension://nmgdeinpncakphdmdpndhifioncieb/"}).has_value());
  EXPECT_FALSE(identify({"chrome-extension://zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz/"}).has_value());
  EXPECT_FALSE(identify({"--self-test"}).has_value());
  EXPECT_FALSE(identify({"manifest.txt", "saferchat@saferchat.be"}).has_value());
  EXPECT_FALSE(identify({"m.json", "with space@x"}).has_value());
  EXPECT_FALSE(identify({"m.json", ""}).has_value());
}

TEST(CallerAllowList, AllowsOnlyListedIdsOfTheRightFamily) {
  CallerAllowList list({std::string(our_id)}, {"saferchat@saferchat.be"});
  EXPECT_TRUE(list.allows({BrowserFamily::chromium, std::string(our_id)}));
  EXPECT_TRUE(list.allows({BrowserFamily::firefox, "saferchat@saferchat.be"}));
  EXPECT_FALSE(list.allows({BrowserFamily::firefox, std::string(our_id)}));
  EXPECT_FALSE(list.allows({BrowserFamily::chromium, "abcdefghijklmnopabcdefghijklmnop"}));
}

TEST(CallerAllowList, DevelopmentListAddsWellFormedEntriesOnly) {
  CallerAllowList list({}, {});
  list.add_from_list(
      "chromium:abcdefghijklmnopabcdefghijklmnop;firefox:dev@example.org,chromium:bad,x:y;;");
  EXPECT_EQ(list.chromium_ids(), std::vector<std::string>{"abcdefghijklmnopabcdefghijklmnop"});
  EXPECT_EQ(list.firefox_ids(), std::vector<std::string>{"dev@example.org"});
}

}  // namespace
}  // namespace saferchat
