// SPDX-License-Identifier: Apache-2.0
#include "wire/origin.hpp"

#include <gtest/gtest.h>

#include "wire/error.hpp"

namespace saferchat {
namespace {

std::string origin_error(std::string_view origin, bool allow_http_localhost = false) {
  try {
    check_origin(origin, allow_http_localhost);
    return "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_origin);
    return std::string(e.detail());
  }
}

TEST(Origin, AcceptsSerialisedHttpsOrigins) {
  EXPECT_EQ(origin_error("https://chat.example"), "accepted");
  EXPECT_EQ(origin_error("https://kids.chat.example.be:8443"), "accepted");
  EXPECT_EQ(origin_error("https://xn--bcher-kva.example"), "accepted");
  EXPECT_EQ(origin_error("https://192.0.2.1"), "accepted");
  EXPECT_EQ(origin_error("https://[2001:db8::1]:8443"), "accepted");
  EXPECT_EQ(origin_error("https://a:65535"), "accepted");
  const std::string longest = "https://" + std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                              std::string(63, 'c') + "." + std::string(55, 'd');
  ASSERT_EQ(longest.size(), 255U);
  EXPECT_EQ(origin_error(longest), "accepted");
}

TEST(Origin, RejectsEverythingElseWithAReason) {
  const std::string host_reason =
      "origin rejected: host is not a lower-case DNS name or IP address, or a path follows it";
  const std::string port_reason =
      "origin rejected: port is not a number from 1 to 65535 without leading zeros";
  EXPECT_EQ(origin_error("http://chat.example"), "origin rejected: scheme is not https");
  EXPECT_EQ(origin_error("HTTPS://chat.example"), "origin rejected: scheme is not https");
  EXPECT_EQ(origin_error("chrome-extension://abc"), "origin rejected: scheme is not https");
  EXPECT_EQ(origin_error("https://"), host_reason);
  EXPECT_EQ(origin_error("https://chat.example/"), host_reason);
  EXPECT_EQ(origin_error("https://chat.example/room?x=1"), host_reason);
  EXPECT_EQ(origin_error("https://Chat.Example"), host_reason);
  EXPECT_EQ(origin_error("https://user@chat.example"), host_reason);
  EXPECT_EQ(origin_error("https://chat.example."), host_reason);
  EXPECT_EQ(origin_error("https://-chat.example"), host_reason);
  EXPECT_EQ(origin_error("https://chat..example"), host_reason);
  EXPECT_EQ(origin_error("https://chat.example#frag"), host_reason);
  EXPECT_EQ(origin_error("https://ch\xC3\xA4t.example"), host_reason);
  EXPECT_EQ(origin_error(std::string("https://chat.example\0.evil", 26)), host_reason);
  EXPECT_EQ(origin_error("https://chat.example:"), port_reason);
  EXPECT_EQ(origin_error("https://chat.example:0"), port_reason);
  EXPECT_EQ(origin_error("https://chat.example:08443"), port_reason);
  EXPECT_EQ(origin_error("https://chat.example:84a3"), port_reason);
  EXPECT_EQ(origin_error("https://chat.example:65536"), "origin rejected: port above 65535");
  EXPECT_EQ(origin_error("https://chat.example:443"),
            "origin rejected: default port written out (not the browser's serialisation)");
  EXPECT_EQ(origin_error("https://" + std::string(248, 'a')),
            "origin rejected: longer than 255 characters");
}

TEST(Origin, HttpLocalhostNeedsTheDevelopmentSetting) {
  EXPECT_EQ(origin_error("http://localhost:8080"),
            "origin rejected: http://localhost needs the development setting");
  EXPECT_EQ(origin_error("http://localhost:8080", true), "accepted");
  EXPECT_EQ(origin_error("http://127.0.0.1", true), "accepted");
  EXPECT_EQ(origin_error("http://[::1]:3000", true), "accepted");
  EXPECT_EQ(origin_error("http://localhost.evil.example", true),
            "origin rejected: scheme is not https");
  EXPECT_EQ(origin_error("http://localhost:80", true),
            "origin rejected: default port written out (not the browser's serialisation)");
}

TEST(ChallengeNonce, LengthAndAlphabet) {
  EXPECT_NO_THROW(check_challenge_nonce(std::string(44, 'A')));
  EXPECT_NO_THROW(check_challenge_nonce(std::string(128, 'z')));
  EXPECT_NO_THROW(check_challenge_nonce("MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI+/w=="));
  EXPECT_NO_THROW(check_challenge_nonce("MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI-_w"));
  const auto detail = [](const std::string& nonce) {
    try {
      check_challenge_nonce(nonce);
      return std::string("accepted");
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::invalid_challenge);
      return std::string(e.detail());
    }
  };
  EXPECT_EQ(detail(std::string(43, 'A')), "challenge nonce of 43 characters");
  EXPECT_EQ(detail(std::string(129, 'A')), "challenge nonce of 129 characters");
  EXPECT_EQ(detail(std::string(41, 'A') + "==="),
            "challenge nonce has more than two '=' at its end");
  EXPECT_EQ(detail(std::string(43, 'A') + " "), "challenge nonce has a non-base64 character");
  EXPECT_EQ(detail(std::string(20, 'A') + "=" + std::string(23, 'A')),
            "challenge nonce has a non-base64 character");
}

}  // namespace
}  // namespace saferchat
