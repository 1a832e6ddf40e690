// SPDX-License-Identifier: Apache-2.0
// The Public Suffix List's algorithm (publicsuffix.org/list, "Algorithm") over the list the
// build took from Debian's publicsuffix package: real entries of both sections.
#include "ui/public_suffix.hpp"

#include <gtest/gtest.h>

namespace saferchat {
namespace {

TEST(PublicSuffix, PlainRules) {
  EXPECT_EQ(public_suffix("kinderchat.be"), "be");
  EXPECT_EQ(registrable_domain("kinderchat.be"), "kinderchat.be");
  EXPECT_EQ(registrable_domain("www.chat.kinderchat.be"), "kinderchat.be");
  EXPECT_EQ(public_suffix("www.bbc.co.uk"), "co.uk");
  EXPECT_EQ(registrable_domain("www.bbc.co.uk"), "bbc.co.uk");
  EXPECT_EQ(registrable_domain("www.gov.uk"), "www.gov.uk");  // gov.uk is a suffix
  EXPECT_EQ(public_suffix("education.gov.uk"), "gov.uk");
  EXPECT_EQ(registrable_domain("a.b.example.com"), "example.com");
}

TEST(PublicSuffix, PrivateSectionRules) {
  EXPECT_EQ(public_suffix("someone.github.io"), "github.io");
  EXPECT_EQ(registrable_domain("www.someone.github.io"), "someone.github.io");
  EXPECT_EQ(registrable_domain("foo.blogspot.com"), "foo.blogspot.com");
}

TEST(PublicSuffix, WildcardsAndExceptions) {
  // "*.ck" with the exception "!www.ck".
  EXPECT_EQ(public_suffix("a.b.ck"), "b.ck");
  EXPECT_EQ(registrable_domain("a.b.ck"), "a.b.ck");
  EXPECT_EQ(registrable_domain("b.ck"), "");
  EXPECT_EQ(public_suffix("www.ck"), "ck");
  EXPECT_EQ(registrable_domain("www.ck"), "www.ck");
  EXPECT_EQ(registrable_domain("x.www.ck"), "www.ck");
  // "*.kawasaki.jp" with "!city.kawasaki.jp".
  EXPECT_EQ(registrable_domain("a.b.kawasaki.jp"), "a.b.kawasaki.jp");
  EXPECT_EQ(registrable_domain("www.city.kawasaki.jp"), "city.kawasaki.jp");
}

TEST(PublicSuffix, NoRuleMeansTheLastLabel) {
  // The implicit rule "*": "example" is on no list.
  EXPECT_EQ(public_suffix("chat.example"), "example");
  EXPECT_EQ(
      registrable_domain("kinderchat.be.login-secure-session-0123456789abcdef.attacker.example"),
      "attacker.example");
  EXPECT_EQ(registrable_domain("localhost"), "");
  EXPECT_EQ(registrable_domain("example"), "");
}

TEST(PublicSuffix, InternationalisedNamesInAsciiForm) {
  // "公司.cn" is listed; origins carry it as xn--55qx5d.cn.
  EXPECT_EQ(public_suffix("shop.xn--55qx5d.cn"), "xn--55qx5d.cn");
  EXPECT_EQ(registrable_domain("www.shop.xn--55qx5d.cn"), "shop.xn--55qx5d.cn");
}

TEST(PublicSuffix, SuffixesThemselvesAndMalformedHosts) {
  EXPECT_EQ(registrable_domain("co.uk"), "");
  EXPECT_EQ(registrable_domain("github.io"), "");
  EXPECT_EQ(registrable_domain("be"), "");
  EXPECT_EQ(registrable_domain(""), "");
  EXPECT_EQ(registrable_domain(".kinderchat.be"), "");
  EXPECT_EQ(registrable_domain("kinderchat.be."), "");
  EXPECT_EQ(registrable_domain("a..kinderchat.be"), "");
  EXPECT_EQ(registrable_domain("."), "");
  EXPECT_EQ(public_suffix(""), "");
  EXPECT_EQ(public_suffix("."), "");
  EXPECT_EQ(public_suffix("a..be"), "be");
}

}  // namespace
}  // namespace saferchat
