// SPDX-License-Identifier: Apache-2.0
// docs/verifier.md §6's table of what a verdict says about the holder against the built-in
// defaults: the library's VerifierConfig, saferchat-verify's options, and (with the library) what
// a sealed token's verdict holds with every switch on. saferchatd's column is checked by
// service_unit_tests (tests/service/api_test.cpp) from the same table.
#include <map>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "cli/options.hpp"
#include "server/support/server_test_support.hpp"
#include "store/memory_nonce_store.hpp"
#include "verify/national_number.hpp"
#include "verify/verifier.hpp"
#include "wire/jwe.hpp"

namespace saferchat::verify {
namespace {

using testing::CertificateSpec;

struct Row {
  std::string member;    // firstName
  std::string library;   // expose_first_name
  std::string cli;       // --show-first-name
  std::string service;   // revealFirstName
  std::string fallback;  // off
  std::string sealed;    // never | when turned on
};

std::string unquote(std::string cell) {
  const auto begin = cell.find_first_not_of(" `");
  const auto end = cell.find_last_not_of(" `");
  return begin == std::string::npos ? std::string() : cell.substr(begin, end - begin + 1);
}

// The rows between the markers "<!-- holder-disclosure: begin -->" and "…: end -->".
std::vector<Row> disclosure_table() {
  const std::string doc =
      testing::read_file(std::string(SAFERCHAT_SOURCE_DIR) + "/docs/verifier.md");
  const auto begin = doc.find("<!-- holder-disclosure: begin -->");
  const auto end = doc.find("<!-- holder-disclosure: end -->");
  if (begin == std::string::npos || end == std::string::npos) {
    ADD_FAILURE() << "docs/verifier.md lacks the holder-disclosure table";
    return {};
  }
  std::istringstream lines(doc.substr(begin, end - begin));
  std::vector<Row> rows;
  std::string line;
  int seen = 0;
  while (std::getline(lines, line)) {
    if (!line.starts_with("|")) {
      continue;
    }
    if (++seen <= 2) {
      continue;  // the heading and the |---| line
    }
    std::vector<std::string> cells;
    std::istringstream parts(line.substr(1));
    std::string cell;
    while (std::getline(parts, cell, '|')) {
      cells.push_back(unquote(cell));
    }
    if (cells.size() != 6) {
      ADD_FAILURE() << "a row of 6 cells expected: " << line;
      continue;
    }
    rows.push_back({cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]});
  }
  return rows;
}

const std::map<std::string, bool VerifierConfig::*>& library_switches() {
  static const std::map<std::string, bool VerifierConfig::*> switches{
      {"expose_first_name", &VerifierConfig::expose_first_name},
      {"expose_surname", &VerifierConfig::expose_surname},
      {"expose_birth_date", &VerifierConfig::expose_birth_date},
      {"expose_national_number", &VerifierConfig::expose_national_number}};
  return switches;
}

const std::map<std::string, bool cli::CliOptions::*>& cli_switches() {
  static const std::map<std::string, bool cli::CliOptions::*> switches{
      {"--show-first-name", &cli::CliOptions::show_first_name},
      {"--show-surname", &cli::CliOptions::show_surname},
      {"--show-birth-date", &cli::CliOptions::show_birth_date},
      {"--show-national-number", &cli::CliOptions::show_national_number}};
  return switches;
}

const std::vector<std::string> cli_required{"--origin", "https://kids.chat.example", "--nonce",
                                            "q9SDF3l0yBNm7u1x0gL8j2Y1t6n5XKc0JmWQeZ2rT4A="};

TEST(DisclosureTable, EverySwitchIsInTheTable) {
  const std::vector<Row> rows = disclosure_table();
  ASSERT_EQ(rows.size(), library_switches().size());
  std::set<std::string> members;
  for (const Row& row : rows) {
    members.insert(row.member);
  }
  EXPECT_EQ(members,
            (std::set<std::string>{"firstName", "surname", "birthDate", "nationalNumber"}));
}

TEST(DisclosureTable, LibraryAndCommandLineDefaultsAreTheDocumentsOnes) {
  const VerifierConfig config;
  const cli::CliOptions options = cli::parse_options(cli_required);
  for (const Row& row : disclosure_table()) {
    SCOPED_TRACE(row.member);
    ASSERT_TRUE(row.fallback == "off" || row.fallback == "on") << row.fallback;
    const bool documented = row.fallback == "on";
    ASSERT_TRUE(library_switches().contains(row.library)) << row.library;
    EXPECT_EQ(config.*library_switches().at(row.library), documented);
    ASSERT_TRUE(cli_switches().contains(row.cli)) << row.cli;
    EXPECT_EQ(options.*cli_switches().at(row.cli), documented);
    // The documented option turns exactly that switch on.
    std::vector<std::string> args = cli_required;
    args.push_back(row.cli);
    EXPECT_TRUE(cli::parse_options(args).*cli_switches().at(row.cli));
  }
}

// The members a verdict holds, for the documented switch and each column's claim, with every
// switch on: unsealed, all four; sealed, those marked "when turned on" only.
TEST(DisclosureTable, WhatEachSwitchRevealsSealedAndUnsealed) {
  const EvpPkeyPtr root_key = testing::generate_key("P-384");
  CertificateSpec root_spec;
  root_spec.common_name = "Disclosure Root";
  root_spec.key_usage = "critical, keyCertSign, cRLSign";
  root_spec.extended_key_usage = "";
  root_spec.basic_constraints = "critical, CA:TRUE";
  const X509Ptr root =
      testing::issue_certificate(root_spec, root_key.get(), nullptr, root_key.get());
  CertificateSpec leaf_spec;
  leaf_spec.given_names = "Lotte Marie";
  leaf_spec.surname = "Testkind";
  leaf_spec.serial_number = testing::national_number("170519", 184, true);
  const EvpPkeyPtr leaf_key = testing::generate_key("P-384");
  const X509Ptr leaf =
      testing::issue_certificate(leaf_spec, leaf_key.get(), root.get(), root_key.get());
  const std::vector<std::uint8_t> der = certificate_der(leaf.get());
  const jwe::PrivateKey seal_key = jwe::PrivateKey::generate(jwe::Curve::p256, "doc-test");
  const std::string origin = "https://kids.chat.example";

  for (const Row& row : disclosure_table()) {
    SCOPED_TRACE(row.member);
    ASSERT_TRUE(row.sealed == "never" || row.sealed == "when turned on") << row.sealed;
    ASSERT_TRUE(library_switches().contains(row.library));
    VerifierConfig config;
    config.allowed_origins = {origin};
    config.trust_anchors_pem = testing::to_pem(root.get());
    config.sealing_keys = {seal_key};
    config.*library_switches().at(row.library) = true;
    const Verifier verifier(config, std::make_shared<store::MemoryNonceStore>());

    Challenge challenge = verifier.issue_challenge();
    const std::string token =
        testing::make_token(der, leaf_key.get(), TokenAlgorithm::es384, origin, challenge.nonce);
    const Verdict unsealed = verifier.verify(token, origin, challenge.nonce);
    ASSERT_TRUE(unsealed.accepted()) << unsealed.detail;
    EXPECT_TRUE(verdict_to_json(unsealed)["holder"].contains(row.member));

    challenge = verifier.issue_challenge();
    const std::string envelope =
        nlohmann::json{
            {"format", "saferchat-sealed:1"},
            {"kid", "doc-test"},
            {"jwe", jwe::seal(seal_key.public_jwk(),
                              testing::make_token(der, leaf_key.get(), TokenAlgorithm::es384,
                                                  origin, challenge.nonce))}}
            .dump();
    const Verdict sealed = verifier.verify(envelope, origin, challenge.nonce);
    ASSERT_TRUE(sealed.accepted()) << sealed.detail;
    ASSERT_TRUE(sealed.sealed);
    EXPECT_EQ(verdict_to_json(sealed)["holder"].contains(row.member),
              row.sealed == "when turned on");
  }
}

}  // namespace
}  // namespace saferchat::verify
