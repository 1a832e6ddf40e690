// SPDX-License-Identifier: Apache-2.0
// saferchat-verify's command line (server/cli/options.hpp).
#include <gtest/gtest.h>

#include "cli/options.hpp"

namespace saferchat::cli {
namespace {

const std::vector<std::string> required{"--origin", "https://kids.chat.example", "--nonce",
                                        "q9SDF3l0yBNm7u1x0gL8j2Y1t6n5XKc0JmWQeZ2rT4A="};

std::vector<std::string> with(std::vector<std::string> extra) {
  std::vector<std::string> args = required;
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

TEST(CliOptions, Defaults) {
  const CliOptions options = parse_options(required);
  EXPECT_EQ(options.token_file, "-");
  EXPECT_EQ(options.origin, "https://kids.chat.example");
  EXPECT_TRUE(options.trust_anchor_files.empty());
  EXPECT_FALSE(options.ocsp);
  EXPECT_FALSE(options.min_age);
  EXPECT_FALSE(options.now);
  EXPECT_FALSE(options.show_national_number);
}

TEST(CliOptions, EverySetting) {
  const CliOptions options = parse_options(with({"--token",
                                                 "t.json",
                                                 "--trust-anchors",
                                                 "a.pem",
                                                 "--trust-anchors",
                                                 "b.pem",
                                                 "--intermediates",
                                                 "i.pem",
                                                 "--min-age",
                                                 "9",
                                                 "--max-age",
                                                 "12",
                                                 "--ocsp-url",
                                                 "http://127.0.0.1:9/",
                                                 "--ocsp-timeout-ms",
                                                 "250",
                                                 "--ocsp-no-nonce",
                                                 "--crl",
                                                 "c.crl",
                                                 "--crl-url",
                                                 "http://127.0.0.1:9/c.crl",
                                                 "--pseudonym-key",
                                                 "k",
                                                 "--show-national-number",
                                                 "--show-birth-date",
                                                 "--detail",
                                                 "--now",
                                                 "2024-06-20T12:30:00Z",
                                                 "--allowed-origin",
                                                 "https://a.example",
                                                 "--allow-http-localhost"}));
  EXPECT_EQ(options.token_file, "t.json");
  EXPECT_EQ(options.trust_anchor_files, (std::vector<std::string>{"a.pem", "b.pem"}));
  EXPECT_EQ(options.intermediate_files, (std::vector<std::string>{"i.pem"}));
  EXPECT_EQ(options.min_age, 9);
  EXPECT_EQ(options.max_age, 12);
  EXPECT_TRUE(options.ocsp);
  EXPECT_EQ(options.ocsp_url, "http://127.0.0.1:9/");
  EXPECT_EQ(options.ocsp_timeout, std::chrono::milliseconds(250));
  EXPECT_FALSE(options.ocsp_nonce);
  EXPECT_EQ(options.crl_files, (std::vector<std::string>{"c.crl"}));
  EXPECT_TRUE(options.crl_fetch);
  EXPECT_EQ(options.pseudonym_key_file, "k");
  EXPECT_TRUE(options.show_national_number && options.show_birth_date && options.show_detail);
  EXPECT_EQ(options.now, std::chrono::sys_days{std::chrono::year{2024} / 6 / 20} +
                             std::chrono::hours{12} + std::chrono::minutes{30});
  EXPECT_EQ(options.allowed_origins, (std::vector<std::string>{"https://a.example"}));
  EXPECT_TRUE(options.allow_http_localhost);
}

TEST(CliOptions, UsageErrors) {
  EXPECT_THROW((void)parse_options({}), UsageError);
  EXPECT_THROW((void)parse_options({"--origin", "https://a.example"}), UsageError);
  EXPECT_THROW((void)parse_options(with({"--bogus"})), UsageError);
  EXPECT_THROW((void)parse_options(with({"--min-age"})), UsageError);
  EXPECT_THROW((void)parse_options(with({"--min-age", "nine"})), UsageError);
  EXPECT_THROW((void)parse_options(with({"--min-age", "-1"})), UsageError);
  EXPECT_THROW((void)parse_options(with({"--min-age", "12", "--max-age", "9"})), UsageError);
  EXPECT_THROW((void)parse_options(with({"--now", "yesterday"})), UsageError);
  EXPECT_THROW((void)parse_options(with({"--now", "2024-02-30"})), UsageError);
  EXPECT_NO_THROW((void)parse_options({"--help"}));
}

TEST(CliOptions, UtcTimes) {
  EXPECT_EQ(parse_utc_time("2024-02-29"), std::chrono::sys_days{std::chrono::year{2024} / 2 / 29});
  EXPECT_FALSE(parse_utc_time("2023-02-29"));
  EXPECT_FALSE(parse_utc_time("2024-06-20T12:30:00"));
  EXPECT_FALSE(parse_utc_time("2024-06-20T24:00:00Z"));
  EXPECT_FALSE(parse_utc_time("2024-06-20 12:30:00Z"));
}

}  // namespace
}  // namespace saferchat::cli
