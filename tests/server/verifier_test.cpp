// SPDX-License-Identifier: Apache-2.0
// The verifier with real material: tokens signed with the generated TEST cards' keys (kid-9 on
// applet 1.8, ES384; teen-14 on applet 1.7, RS256), a table of bad tokens with one row per
// rejection reason, revocation through a real `openssl ocsp` responder and CRLs made by
// `openssl ca -gencrl` (files, and fetched over HTTP from a real server), and the
// saferchat-verify program.
#include "verify/verifier.hpp"

#include <atomic>
#include <functional>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "revocation/crl_checker.hpp"
#include "revocation/ocsp_checker.hpp"
#include "server/support/server_test_support.hpp"
#include "store/memory_nonce_store.hpp"
#include "support/silent_server.hpp"
#include "trust/belgian_trust.hpp"
#include "verify/national_number.hpp"
#ifdef SAFERCHAT_HAVE_REDIS
#include "store/redis_nonce_store.hpp"
#endif

namespace saferchat::verify {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::CertificateSpec;
using testing::TestCard;
namespace fs = std::filesystem;

const std::string origin = "https://kids.chat.example";

const TestCard& card(const std::string& name) {
  static std::map<std::string, TestCard> cards;
  auto it = cards.find(name);
  if (it == cards.end()) {
    it = cards.emplace(name, testing::load_card(name)).first;
  }
  return it->second;
}

VerifierConfig test_config() {
  VerifierConfig config;
  config.allowed_origins = {origin, "https://evil.example"};
  config.trust_anchors_pem = testing::test_anchors_pem();
  config.intermediates_pem = testing::test_intermediates_pem();
  return config;
}

// One verifier per scenario, with its own store and a clock the scenario may move.
class Scenario {
 public:
  explicit Scenario(VerifierConfig config = test_config(),
                    std::shared_ptr<store::NonceStore> nonce_store = nullptr)
      : store_(nonce_store ? std::move(nonce_store) : std::make_shared<store::MemoryNonceStore>()),
        verifier_(std::move(config), store_, [this] { return now; }) {}

  [[nodiscard]] std::string issue(std::string_view session = {}) const {
    return verifier_.issue_challenge(session).nonce;
  }
  [[nodiscard]] Verdict verify(const std::string& token, const std::string& nonce,
                               const std::string& at_origin = origin,
                               std::string_view session = {}) const {
    return verifier_.verify(token, at_origin, nonce, session);
  }
  // Issues a challenge, has `signer` sign it for `card_name`, verifies.
  [[nodiscard]] Verdict verify_card(const TestCard& signer) const {
    const std::string nonce = issue();
    return verify(testing::make_token(signer.certificate_der, signer.key.get(), signer.algorithm,
                                      origin, nonce),
                  nonce);
  }

  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();

 private:
  std::shared_ptr<store::NonceStore> store_;
  Verifier verifier_;
};

std::string token_for(const TestCard& signer, const std::string& nonce,
                      const std::string& for_origin = origin) {
  return testing::make_token(signer.certificate_der, signer.key.get(), signer.algorithm, for_origin,
                             nonce);
}

// A leaf issued in the test by a TEST citizen CA (pki/), like a card's authentication
// certificate but with the subject we choose.
struct IssuedCard {
  EvpPkeyPtr key;
  std::vector<std::uint8_t> der;
};

IssuedCard issue_under_test_ca(const CertificateSpec& spec) {
  const X509Ptr ca = testing::load_certificate_pem(testing::pki_dir() / "citizen-ca-p384.pem");
  const EvpPkeyPtr ca_key =
      testing::load_private_key(testing::pki_dir() / "citizen-ca-p384.key.pem");
  IssuedCard issued{testing::generate_key("P-384"), {}};
  const X509Ptr leaf = testing::issue_certificate(spec, issued.key.get(), ca.get(), ca_key.get());
  issued.der = certificate_der(leaf.get());
  return issued;
}

// Sealing keys (docs/protocol.md §4.4), made once per run: the current one on P-256, the
// previous one on X25519, and one the verifier no longer holds.
const jwe::PrivateKey& sealing_key(int which) {
  static const std::array<jwe::PrivateKey, 3> keys{
      jwe::PrivateKey::generate(jwe::Curve::p256, "chat-2026-12"),
      jwe::PrivateKey::generate(jwe::Curve::x25519, "chat-2026-06"),
      jwe::PrivateKey::generate(jwe::Curve::p256, "chat-2025-12")};
  return keys.at(static_cast<std::size_t>(which));
}

VerifierConfig sealed_config() {
  VerifierConfig config = test_config();
  config.sealing_keys = {sealing_key(0), sealing_key(1)};
  return config;
}

// What the host returns with a sealKey: the token sealed to `key`'s public half.
std::string sealed(const std::string& token_json, const jwe::PrivateKey& key,
                   const std::string& envelope_kid = {}) {
  return json{{"format", "saferchat-sealed:1"},
              {"kid", envelope_kid.empty() ? key.kid() : envelope_kid},
              {"jwe", jwe::seal(key.public_jwk(), token_json)}}
      .dump();
}

Reason reason_of(const Verdict& verdict) {
  EXPECT_TRUE(verdict.reason.has_value()) << "accepted";
  return verdict.reason.value_or(Reason::internal_error);
}

// ---------------------------------------------------------------------------------------------
// Good tokens
// ---------------------------------------------------------------------------------------------

class GoodCard : public ::testing::TestWithParam<std::string> {};

TEST_P(GoodCard, TokenIsAcceptedWithTheCardsHolder) {
  const TestCard& signer = card(GetParam());
  const json& holder = signer.profile["holder"];
  VerifierConfig config = test_config();
  config.expose_first_name = true;
  config.expose_surname = true;
  config.expose_national_number = true;
  config.expose_birth_date = true;
  config.pseudonym_key = std::vector<std::uint8_t>(32, 0x5a);
  const Scenario scenario(std::move(config));
  const Verdict verdict = scenario.verify_card(signer);
  ASSERT_TRUE(verdict.accepted()) << verdict.detail;
  EXPECT_EQ(verdict.algorithm, signer.algorithm);
  EXPECT_EQ(verdict.holder->first_name, first_given_name(holder["given_names"].get<std::string>()));
  EXPECT_EQ(verdict.holder->surname, holder["surname"]);
  EXPECT_EQ(verdict.holder->national_number, holder["national_number"]);
  EXPECT_EQ(format_date(verdict.holder->birth_date.value()), holder["birth_date"]);
  EXPECT_EQ(verdict.holder->age, holder["age"]);
  EXPECT_EQ(verdict.holder->pseudonym,
            make_pseudonym(std::vector<std::uint8_t>(32, 0x5a),
                           holder["national_number"].get<std::string>()));
}

INSTANTIATE_TEST_SUITE_P(BothGenerations, GoodCard, ::testing::Values("kid-9", "teen-14", "adult"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(CardAlgorithms, Applet18SignsEs384AndApplet17Rs256) {
  EXPECT_EQ(card("kid-9").algorithm, TokenAlgorithm::es384);
  EXPECT_EQ(card("kid-9").profile["applet_version"], "1.8");
  EXPECT_EQ(card("teen-14").algorithm, TokenAlgorithm::rs256);
  EXPECT_EQ(card("teen-14").profile["applet_version"], "1.7");
}

TEST(RoomPolicy, BoundsAreInclusive) {
  VerifierConfig config = test_config();
  config.age_policy = {9, 9};
  EXPECT_TRUE(Scenario(config).verify_card(card("kid-9")).accepted());
  config.age_policy = {14, 14};
  EXPECT_TRUE(Scenario(config).verify_card(card("teen-14")).accepted());
  config.age_policy = {10, std::nullopt};
  EXPECT_EQ(reason_of(Scenario(config).verify_card(card("kid-9"))), Reason::age_too_low);
  config.age_policy = {std::nullopt, 13};
  const Verdict too_old = Scenario(config).verify_card(card("teen-14"));
  EXPECT_EQ(reason_of(too_old), Reason::age_too_high);
  // A refusal carries its reason and category, never the holder's data (docs/verifier.md §6).
  EXPECT_FALSE(too_old.holder);
  EXPECT_EQ(verdict_to_json(too_old),
            json::parse(R"({"verdict":"rejected","reason":"AGE_TOO_HIGH","category":"too_old",
                            "message":"The holder is older than this room's maximum age."})"));
}

// ---------------------------------------------------------------------------------------------
// Revocation material: an OCSP responder and CRLs, for one card's issuer
// ---------------------------------------------------------------------------------------------

struct CaFiles {
  fs::path certificate;
  fs::path key;
};

CaFiles issuer_of(const TestCard& signer) {
  const std::string name =
      signer.algorithm == TokenAlgorithm::es384 ? "citizen-ca-p384" : "citizen-ca-rsa";
  return {testing::pki_dir() / (name + ".pem"), testing::pki_dir() / (name + ".key.pem")};
}

X509Ptr leaf_of(const TestCard& signer) { return parse_der_certificate(signer.certificate_der); }

// `openssl ocsp` answering for `signer`'s CA from an index where the card is valid or revoked.
class OcspFixture {
 public:
  OcspFixture(const TestCard& signer, bool revoked, std::optional<CaFiles> response_signer = {}) {
    const CaFiles ca = issuer_of(signer);
    const CaFiles responder = response_signer.value_or(ca);
    testing::write_file(dir_ / "index.txt", testing::index_line(leaf_of(signer).get(), revoked));
    responder_ = std::make_unique<testing::OcspResponder>(dir_ / "index.txt", ca.certificate,
                                                          responder.certificate, responder.key);
  }
  [[nodiscard]] std::string url() const { return responder_->url(); }

 private:
  testing::TempDir dir_{"saferchat-ocsp"};
  std::unique_ptr<testing::OcspResponder> responder_;
};

std::shared_ptr<RevocationChecker> ocsp_checker(const std::string& url,
                                                std::chrono::seconds max_age = 900s) {
  revocation::OcspOptions options;
  options.responder_url = url;
  options.timeout = 5s;
  options.max_age = max_age;
  return std::make_shared<revocation::OcspChecker>(options);
}

// CRLs are described with designated initializers naming only what differs from the defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

struct CrlSpec {
  bool revoked = false;
  std::optional<CaFiles> ca;  // default: the card's issuer
  int hours = 24;             // nextUpdate − thisUpdate
  std::string name = "crl";   // the file is dir/<name>.pem
  std::string last_update;    // -crl_lastupdate (YYYYMMDDHHMMSSZ); empty: now
  std::string next_update;    // -crl_nextupdate; empty: now + hours
  std::string extensions;     // lines of an x509v3 section for crl_extensions (RFC 5280 §5.2)
};

// A CRL from `openssl ca -gencrl` for `signer`'s CA (or spec.ca), listing the card if revoked.
fs::path make_crl(const testing::TempDir& dir, const TestCard& signer, const CrlSpec& spec) {
  const CaFiles ca = spec.ca.value_or(issuer_of(signer));
  const fs::path index = dir / (spec.name + ".index.txt");
  testing::write_file(index, spec.revoked ? testing::index_line(leaf_of(signer).get(), true) : "");
  testing::write_file(dir / (spec.name + ".crlnumber"), "01\n");
  std::string config = "[ ca ]\ndefault_ca = test_ca\n[ test_ca ]\ndatabase = " + index.string() +
                       "\ncrlnumber = " + (dir / (spec.name + ".crlnumber")).string() +
                       "\ndefault_md = sha256\nunique_subject = no\n";
  if (!spec.extensions.empty()) {
    config += "crl_extensions = crl_ext\n[ crl_ext ]\n" + spec.extensions + "\n";
  }
  testing::write_file(dir / (spec.name + ".cnf"), config);
  const fs::path out = dir / (spec.name + ".pem");
  std::vector<std::string> argv{"openssl",   "ca",
                                "-batch",    "-gencrl",
                                "-config",   (dir / (spec.name + ".cnf")).string(),
                                "-cert",     ca.certificate.string(),
                                "-keyfile",  ca.key.string(),
                                "-crlhours", std::to_string(spec.hours),
                                "-out",      out.string()};
  if (!spec.last_update.empty()) {
    argv.insert(argv.end(), {"-crl_lastupdate", spec.last_update});
  }
  if (!spec.next_update.empty()) {
    argv.insert(argv.end(), {"-crl_nextupdate", spec.next_update});
  }
  const auto [status, output] = testing::run_command(argv);
  if (status != 0) {
    throw std::runtime_error("openssl ca -gencrl failed: " + output);
  }
  return out;
}

// now + offset as YYYYMMDDHHMMSSZ, for -crl_lastupdate / -crl_nextupdate.
std::string crl_time(std::chrono::seconds offset) {
  const std::time_t at =
      std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() + offset);
  std::tm tm{};
  gmtime_r(&at, &tm);
  std::array<char, 32> text{};
  text.at(std::strftime(text.data(), text.size(), "%Y%m%d%H%M%SZ", &tm)) = '\0';
  return text.data();
}

fs::path make_crl(const testing::TempDir& dir, const TestCard& signer, bool revoked,
                  std::optional<CaFiles> ca_override = {}, int hours = 24) {
  return make_crl(dir, signer, CrlSpec{revoked, std::move(ca_override), hours});
}

std::shared_ptr<RevocationChecker> crl_checker(const fs::path& file) {
  revocation::CrlOptions options;
  options.files = {file.string()};
  return std::make_shared<revocation::CrlChecker>(options);
}

// ---------------------------------------------------------------------------------------------
// The table: one bad token per rejection reason (INTERNAL_ERROR excepted: no input reaches it)
// ---------------------------------------------------------------------------------------------

struct BadToken {
  std::string name;
  Reason expected;
  std::function<Verdict()> attempt;
};

std::vector<BadToken> bad_tokens() {
  const TestCard& kid = card("kid-9");
  const TestCard& teen = card("teen-14");
  std::vector<BadToken> rows;
  const auto add = [&rows](std::string name, Reason expected, std::function<Verdict()> attempt) {
    rows.push_back({std::move(name), expected, std::move(attempt)});
  };

  add("huge token", Reason::token_too_large, [&] {
    const Scenario s;
    const std::string nonce = s.issue();
    json token = json::parse(token_for(kid, nonce));
    token["padding"] = std::string(20'000, 'x');
    return s.verify(token.dump(), nonce);
  });
  add("huge signature field", Reason::token_too_large, [&] {
    const Scenario s;
    const std::string nonce = s.issue();
    json token = json::parse(token_for(kid, nonce));
    token["signature"] = std::string(1028, 'A');
    return s.verify(token.dump(), nonce);
  });
  add("not JSON", Reason::token_malformed, [&] {
    const Scenario s;
    return s.verify("{\"unverifiedCertificate\": \"MII", s.issue());
  });
  add("signature is a number", Reason::token_malformed, [&] {
    const Scenario s;
    const std::string nonce = s.issue();
    json token = json::parse(token_for(kid, nonce));
    token["signature"] = 12;
    return s.verify(token.dump(), nonce);
  });
  add("certificate not base64", Reason::token_malformed, [&] {
    const Scenario s;
    const std::string nonce = s.issue();
    json token = json::parse(token_for(kid, nonce));
    token["unverifiedCertificate"] = "MII%%%";
    return s.verify(token.dump(), nonce);
  });
  add("format web-eid:2", Reason::format_unsupported, [&] {
    const Scenario s;
    const std::string nonce = s.issue();
    json token = json::parse(token_for(kid, nonce));
    token["format"] = "web-eid:2.0";
    return s.verify(token.dump(), nonce);
  });
  add("algorithm HS256", Reason::algorithm_unsupported, [&] {
    const Scenario s;
    const std::string nonce = s.issue();
    json token = json::parse(token_for(kid, nonce));
    token["algorithm"] = "HS256";
    return s.verify(token.dump(), nonce);
  });
  add("card file with its padding as certificate", Reason::certificate_malformed, [&] {
    const Scenario s;
    const std::string nonce = s.issue();
    json token = json::parse(token_for(kid, nonce));
    token["unverifiedCertificate"] = base64_encode(
        testing::bytes_of(testing::read_file(testing::cards_dir() / "kid-9" / "auth_cert.der")));
    return s.verify(token.dump(), nonce);
  });
  add("certificate not yet valid", Reason::certificate_not_yet_valid, [&] {
    Scenario s;
    s.now -= 24h * 300;  // the card's certificate starts 200 days ago
    return s.verify_card(kid);
  });
  add("expired card", Reason::certificate_expired,
      [&] { return Scenario().verify_card(card("expired")); });
  add("signing certificate instead of authentication", Reason::key_usage_invalid, [&] {
    const Scenario s;
    const std::string nonce = s.issue();
    const auto sign_der =
        testing::certificate_from_card_file(testing::cards_dir() / "adult" / "sign_cert.der");
    const EvpPkeyPtr sign_key =
        testing::load_private_key(testing::cards_dir() / "adult" / "sign.key.pem");
    return s.verify(
        testing::make_token(sign_der, sign_key.get(), TokenAlgorithm::es384, origin, nonce), nonce);
  });
  add("RS256 claimed for a P-384 key", Reason::algorithm_mismatch, [&] {
    const Scenario s;
    const std::string nonce = s.issue();
    json token = json::parse(token_for(kid, nonce));
    token["algorithm"] = "RS256";
    return s.verify(token.dump(), nonce);
  });
  add("ES384 claimed for an RSA key", Reason::algorithm_mismatch, [&] {
    const Scenario s;
    const std::string nonce = s.issue();
    json token = json::parse(token_for(teen, nonce));
    token["algorithm"] = "ES384";
    return s.verify(token.dump(), nonce);
  });
  add("ES256 claimed for a P-384 key", Reason::algorithm_mismatch, [&] {
    const Scenario s;
    const std::string nonce = s.issue();
    json token = json::parse(token_for(kid, nonce));
    token["algorithm"] = "ES256";
    return s.verify(token.dump(), nonce);
  });
  add("card of another CA with the same names", Reason::chain_untrusted, [&] {
    // A separate CA made here, named like the TEST PKI's: names alone must not pass.
    const EvpPkeyPtr root_key = testing::generate_key("P-384");
    CertificateSpec root_spec;
    root_spec.common_name = "TEST Belgium Root CA6";
    root_spec.key_usage = "critical, keyCertSign, cRLSign";
    root_spec.extended_key_usage = "";
    root_spec.basic_constraints = "critical, CA:TRUE";
    const X509Ptr root =
        testing::issue_certificate(root_spec, root_key.get(), nullptr, root_key.get());
    const EvpPkeyPtr ca_key = testing::generate_key("P-384");
    CertificateSpec ca_spec = root_spec;
    ca_spec.common_name = "TEST Citizen CA";
    const X509Ptr ca =
        testing::issue_certificate(ca_spec, ca_key.get(), root.get(), root_key.get());
    CertificateSpec leaf_spec;
    leaf_spec.serial_number = kid.profile["holder"]["national_number"];
    const EvpPkeyPtr key = testing::generate_key("P-384");
    const X509Ptr leaf = testing::issue_certificate(leaf_spec, key.get(), ca.get(), ca_key.get());
    VerifierConfig config = test_config();
    config.intermediates_pem += testing::to_pem(ca.get());  // even offered as an intermediate
    const Scenario s(config);
    const std::string nonce = s.issue();
    return s.verify(testing::make_token(certificate_der(leaf.get()), key.get(),
                                        TokenAlgorithm::es384, origin, nonce),
                    nonce);
  });
  add("test card against the real Belgian roots", Reason::chain_untrusted, [&] {
    VerifierConfig config = test_config();
    config.trust_anchors_pem = std::string(trust::belgian_root_certificates_pem());
    config.intermediates_pem = std::string(trust::belgian_intermediate_certificates_pem());
    return Scenario(config).verify_card(kid);
  });
  add("revoked (OCSP)", Reason::certificate_revoked, [&] {
    const OcspFixture responder(kid, true);
    VerifierConfig config = test_config();
    config.revocation = ocsp_checker(responder.url());
    return Scenario(config).verify_card(kid);
  });
  add("revoked (CRL)", Reason::certificate_revoked, [&] {
    const testing::TempDir dir("saferchat-crl");
    VerifierConfig config = test_config();
    config.revocation = crl_checker(make_crl(dir, teen, true));
    return Scenario(config).verify_card(teen);
  });
  add("OCSP responder down", Reason::revocation_unavailable, [&] {
    VerifierConfig config = test_config();
    config.revocation =
        ocsp_checker("http://127.0.0.1:" + std::to_string(testing::free_tcp_port()) + "/");
    return Scenario(config).verify_card(kid);
  });
  add("origin not serialised by a browser", Reason::origin_invalid, [&] {
    const Scenario s;
    const std::string nonce = s.issue();
    return s.verify(token_for(kid, nonce, "https://Kids.chat.example"), nonce,
                    "https://Kids.chat.example");
  });
  add("origin served by nobody here", Reason::origin_not_allowed, [&] {
    const Scenario s;
    const std::string nonce = s.issue();
    return s.verify(token_for(kid, nonce, "https://phishing.example"), nonce,
                    "https://phishing.example");
  });
#ifdef SAFERCHAT_HAVE_REDIS
  add("nonce store down", Reason::store_unavailable, [&] {
    const testing::TempDir dir("saferchat-no-redis");
    store::RedisNonceStoreOptions options;
    options.unix_socket = (dir / "absent.sock").string();
    const Scenario s(test_config(), std::make_shared<store::RedisNonceStore>(options));
    const std::string nonce = store::generate_nonce();
    return s.verify(token_for(kid, nonce), nonce);
  });
#endif
  add("nonce never issued", Reason::nonce_unknown, [&] {
    const Scenario s;
    const std::string nonce = store::generate_nonce();
    return s.verify(token_for(kid, nonce), nonce);
  });
  add("nonce expired", Reason::nonce_expired, [&] {
    Scenario s;
    const std::string nonce = s.issue();
    s.now += 301s;
    return s.verify(token_for(kid, nonce), nonce);
  });
  add("nonce replayed", Reason::nonce_replayed, [&] {
    const Scenario s;
    const std::string nonce = s.issue();
    const std::string token = token_for(kid, nonce);
    EXPECT_TRUE(s.verify(token, nonce).accepted());
    return s.verify(token, nonce);
  });
  add("nonce of another session", Reason::session_mismatch, [&] {
    const Scenario s;
    const std::string nonce = s.issue("session-A");
    return s.verify(token_for(kid, nonce), nonce, origin, "session-B");
  });
  add("tampered signature", Reason::signature_invalid, [&] {
    const Scenario s;
    const std::string nonce = s.issue();
    auto signature = testing::sign_token_data(kid.key.get(), kid.algorithm, origin, nonce);
    signature.back() ^= 0x01;
    return s.verify(testing::make_token_json(kid.certificate_der, "ES384", signature).dump(),
                    nonce);
  });
  add("signed for another origin", Reason::signature_invalid, [&] {
    const Scenario s;
    const std::string nonce = s.issue();
    return s.verify(token_for(kid, nonce, "https://evil.example"), nonce);
  });
  add("signed for another nonce", Reason::signature_invalid, [&] {
    const Scenario s;
    const std::string nonce = s.issue();
    return s.verify(token_for(teen, s.issue()), nonce);
  });
  add("signed by another key", Reason::signature_invalid, [&] {
    const Scenario s;
    const std::string nonce = s.issue();
    const EvpPkeyPtr other = testing::generate_key("P-384");
    return s.verify(
        testing::make_token(kid.certificate_der, other.get(), TokenAlgorithm::es384, origin, nonce),
        nonce);
  });
  add("national number with wrong check digits", Reason::national_number_invalid, [&] {
    CertificateSpec spec;
    spec.serial_number = "15061218400";
    const IssuedCard issued = issue_under_test_ca(spec);
    const Scenario s;
    const std::string nonce = s.issue();
    return s.verify(
        testing::make_token(issued.der, issued.key.get(), TokenAlgorithm::es384, origin, nonce),
        nonce);
  });
  add("birth date after today, in a room with only a maximum age", Reason::national_number_invalid,
      [&] {
        CertificateSpec spec;
        spec.serial_number = testing::national_number("991231", 1, true);  // 2099-12-31
        const IssuedCard issued = issue_under_test_ca(spec);
        VerifierConfig config = test_config();
        config.age_policy = {std::nullopt, 12};
        const Scenario s(config);
        const std::string nonce = s.issue();
        return s.verify(
            testing::make_token(issued.der, issued.key.get(), TokenAlgorithm::es384, origin, nonce),
            nonce);
      });
  add("unknown birth date under an age policy", Reason::holder_unknown_birth_date, [&] {
    CertificateSpec spec;
    spec.serial_number = testing::national_number("150600", 184, true);  // day 00
    const IssuedCard issued = issue_under_test_ca(spec);
    VerifierConfig config = test_config();
    config.age_policy = {6, 12};
    const Scenario s(config);
    const std::string nonce = s.issue();
    return s.verify(
        testing::make_token(issued.der, issued.key.get(), TokenAlgorithm::es384, origin, nonce),
        nonce);
  });
  add("9-year-old in a 10-12 room", Reason::age_too_low, [&] {
    VerifierConfig config = test_config();
    config.age_policy = {10, 12};
    return Scenario(config).verify_card(kid);
  });
  add("unsealed where sealed tokens are required", Reason::token_not_sealed, [&] {
    VerifierConfig config = sealed_config();
    config.require_sealed = true;
    return Scenario(config).verify_card(kid);
  });
  add("sealed to a retired key", Reason::seal_key_unknown, [&] {
    const Scenario s(sealed_config());
    const std::string nonce = s.issue();
    return s.verify(sealed(token_for(kid, nonce), sealing_key(2)), nonce);
  });
  add("sealed, ciphertext tampered", Reason::seal_invalid, [&] {
    const Scenario s(sealed_config());
    const std::string nonce = s.issue();
    json envelope = json::parse(sealed(token_for(kid, nonce), sealing_key(0)));
    std::string compact = envelope["jwe"];
    const std::size_t at = compact.rfind('.') - 5;
    compact[at] = compact[at] == 'A' ? 'B' : 'A';
    envelope["jwe"] = compact;
    return s.verify(envelope.dump(), nonce);
  });
  add("adult in a 9-12 room", Reason::age_too_high, [&] {
    VerifierConfig config = test_config();
    config.age_policy = {9, 12};
    return Scenario(config).verify_card(card("adult"));
  });
  return rows;
}

TEST(BadTokens, EachIsRejectedWithItsReason) {
  std::set<Reason> covered;
  for (const BadToken& row : bad_tokens()) {
    SCOPED_TRACE(row.name);
    const Verdict verdict = row.attempt();
    EXPECT_EQ(verdict.reason, row.expected) << row.name << ": " << verdict.detail;
    covered.insert(row.expected);
  }
  for (const Reason reason : all_reasons()) {
    if (reason == Reason::internal_error) {
      continue;
    }
#ifndef SAFERCHAT_HAVE_REDIS
    if (reason == Reason::store_unavailable) {
      continue;  // built without hiredis
    }
#endif
    EXPECT_TRUE(covered.contains(reason)) << "no bad token for " << reason_code(reason);
  }
}

// ---------------------------------------------------------------------------------------------
// Sealed tokens (docs/protocol.md §4.4, docs/verifier.md §4)
// ---------------------------------------------------------------------------------------------

TEST(Sealed, OpensWithTheCurrentAndThePreviousKeyAndVerifiesTheInnerToken) {
  for (const std::string name : {"kid-9", "teen-14"}) {
    for (const int which : {0, 1}) {
      SCOPED_TRACE(name + " key " + std::to_string(which));
      const Scenario s(sealed_config());
      const std::string nonce = s.issue();
      const Verdict verdict =
          s.verify(sealed(token_for(card(name), nonce), sealing_key(which)), nonce);
      EXPECT_TRUE(verdict.accepted()) << verdict.detail;
      EXPECT_TRUE(verdict.sealed);
      EXPECT_EQ(verdict.sealed_kid, sealing_key(which).kid());
      ASSERT_TRUE(verdict.holder.has_value());
      EXPECT_EQ(verdict.holder->age, card(name).profile["holder"]["age"]);
      EXPECT_EQ(verdict.algorithm, card(name).algorithm);
    }
  }
}

// The PIN dialog of a sealed login tells the child "the chat learns at most your first name and
// your age": whatever the provider turned on, the verdict holds no more (docs/verifier.md §6).
TEST(Sealed, TheVerdictHoldsAtMostTheFirstNameAgeAndPseudonym) {
  VerifierConfig config = sealed_config();
  config.pseudonym_key = std::vector<std::uint8_t>(32, 0x5a);
  config.expose_first_name = true;
  config.expose_surname = true;
  config.expose_birth_date = true;
  config.expose_national_number = true;
  const Scenario s(config);
  const json& holder = card("kid-9").profile["holder"];
  const std::string pseudonym = make_pseudonym(std::vector<std::uint8_t>(32, 0x5a),
                                               holder["national_number"].get<std::string>());
  std::string nonce = s.issue();
  const Verdict verdict = s.verify(sealed(token_for(card("kid-9"), nonce), sealing_key(0)), nonce);
  ASSERT_TRUE(verdict.accepted()) << verdict.detail;
  EXPECT_EQ(verdict_to_json(verdict),
            (json{{"verdict", "accepted"},
                  {"holder",
                   {{"age", holder["age"]}, {"firstName", "Lotte"}, {"pseudonym", pseudonym}}}}));
  // The same card unsealed, same switches: everything turned on.
  const Verdict unsealed = s.verify_card(card("kid-9"));
  ASSERT_TRUE(unsealed.accepted()) << unsealed.detail;
  EXPECT_EQ(verdict_to_json(unsealed)["holder"],
            (json{{"age", holder["age"]},
                  {"firstName", "Lotte"},
                  {"surname", holder["surname"]},
                  {"birthDate", holder["birth_date"]},
                  {"nationalNumber", holder["national_number"]},
                  {"pseudonym", pseudonym}}));
  // Without the first name turned on, a sealed verdict holds the age and pseudonym only.
  config.expose_first_name = false;
  const Scenario without_name(config);
  nonce = without_name.issue();
  EXPECT_EQ(verdict_to_json(without_name.verify(
                sealed(token_for(card("kid-9"), nonce), sealing_key(0)), nonce))["holder"],
            (json{{"age", holder["age"]}, {"pseudonym", pseudonym}}));
}

TEST(Sealed, UnsealedTokensStillPassUnlessSealedOnesAreRequired) {
  const Verdict unsealed = Scenario(sealed_config()).verify_card(card("kid-9"));
  EXPECT_TRUE(unsealed.accepted()) << unsealed.detail;
  EXPECT_FALSE(unsealed.sealed);

  VerifierConfig config = sealed_config();
  config.require_sealed = true;
  const Scenario s(config);
  const Verdict refused = s.verify_card(card("kid-9"));
  EXPECT_EQ(reason_of(refused), Reason::token_not_sealed);
  EXPECT_FALSE(refused.holder.has_value());
  const std::string nonce = s.issue();
  EXPECT_TRUE(s.verify(sealed(token_for(card("kid-9"), nonce), sealing_key(0)), nonce).accepted());
}

TEST(Sealed, TamperedHeaderCiphertextOrTagIsSealInvalid) {
  for (const std::size_t part : {0U, 2U, 3U, 4U}) {
    SCOPED_TRACE(part);
    const Scenario s(sealed_config());
    const std::string nonce = s.issue();
    json envelope = json::parse(sealed(token_for(card("kid-9"), nonce), sealing_key(0)));
    std::string compact = envelope["jwe"];
    // The first character of the part: a different 6-bit value, still valid base64url.
    std::size_t at = 0;
    for (std::size_t dots = 0; dots < part; ++at) {
      dots += compact[at] == '.' ? 1U : 0U;
    }
    if (part == 0) {
      at = 10;  // inside the header, keeping it decodable only as garbage or another header
    }
    compact[at] = compact[at] == 'A' ? 'B' : 'A';
    envelope["jwe"] = compact;
    const Verdict verdict = s.verify(envelope.dump(), nonce);
    EXPECT_EQ(reason_of(verdict), Reason::seal_invalid) << verdict.detail;
    EXPECT_FALSE(verdict.holder.has_value());
  }
}

TEST(Sealed, WrongKeyUnknownKidAndMismatchedKids) {
  const Scenario s(sealed_config());
  const TestCard& kid = card("kid-9");
  // Sealed to another key that claims the current kid: does not decrypt.
  std::string nonce = s.issue();
  const jwe::PrivateKey impostor = jwe::PrivateKey::generate(jwe::Curve::p256, "chat-2026-12");
  Verdict verdict = s.verify(sealed(token_for(kid, nonce), impostor), nonce);
  EXPECT_EQ(reason_of(verdict), Reason::seal_invalid);
  EXPECT_EQ(verdict.detail,
            "the JWE does not decrypt: wrong key, or tampered header, IV, ciphertext or tag");
  // A kid the verifier never had.
  nonce = s.issue();
  verdict = s.verify(sealed(token_for(kid, nonce), sealing_key(2)), nonce);
  EXPECT_EQ(reason_of(verdict), Reason::seal_key_unknown);
  EXPECT_EQ(verdict.detail, "sealed to unknown key \"chat-2025-12\"");
  // The envelope names the current key, the JWE was made for the previous one.
  nonce = s.issue();
  verdict = s.verify(sealed(token_for(kid, nonce), sealing_key(1), "chat-2026-12"), nonce);
  EXPECT_EQ(reason_of(verdict), Reason::seal_invalid);
  EXPECT_EQ(verdict.detail, "the JWE header's kid is not the envelope's");
  // No verifier key at all.
  const Scenario plain;
  nonce = plain.issue();
  EXPECT_EQ(reason_of(plain.verify(sealed(token_for(kid, nonce), sealing_key(0)), nonce)),
            Reason::seal_key_unknown);
  // Envelope without jwe.
  nonce = s.issue();
  EXPECT_EQ(reason_of(s.verify(R"({"format":"saferchat-sealed:1","kid":"chat-2026-12"})", nonce)),
            Reason::seal_invalid);
}

TEST(Sealed, ReplayedSealedTokenIsRefusedByItsNonce) {
  const Scenario s(sealed_config());
  const std::string nonce = s.issue();
  const std::string token = sealed(token_for(card("kid-9"), nonce), sealing_key(0));
  EXPECT_TRUE(s.verify(token, nonce).accepted());
  const Verdict again = s.verify(token, nonce);
  EXPECT_EQ(reason_of(again), Reason::nonce_replayed);
  EXPECT_FALSE(again.holder.has_value());
}

TEST(Sealed, SealedTokenMovedToAnotherOriginFailsItsSignature) {
  // Both origins are served by this verifier: only the signature inside tells them apart.
  const Scenario s(sealed_config());
  const std::string nonce = s.issue();
  const std::string token = sealed(token_for(card("kid-9"), nonce), sealing_key(0));
  const Verdict moved = s.verify(token, nonce, "https://evil.example");
  EXPECT_EQ(reason_of(moved), Reason::signature_invalid);
  EXPECT_TRUE(moved.sealed);
  EXPECT_FALSE(moved.holder.has_value());
  // And to an origin this verifier does not serve.
  const std::string other = s.issue();
  EXPECT_EQ(reason_of(s.verify(sealed(token_for(card("kid-9"), other), sealing_key(0)), other,
                               "https://other.example")),
            Reason::origin_not_allowed);
}

TEST(Sealed, ThePlaintextIsCheckedLikeAnyToken) {
  const Scenario s(sealed_config());
  std::string nonce = s.issue();
  EXPECT_EQ(reason_of(s.verify(sealed("not json", sealing_key(0)), nonce)),
            Reason::token_malformed);
  nonce = s.issue();
  json token = json::parse(token_for(card("kid-9"), nonce));
  token["format"] = "saferchat-sealed:1";  // no sealing twice
  EXPECT_EQ(reason_of(s.verify(sealed(token.dump(), sealing_key(0)), nonce)),
            Reason::format_unsupported);
  nonce = s.issue();
  token = json::parse(token_for(card("kid-9"), nonce));
  token["padding"] = std::string(20'000, 'x');
  EXPECT_EQ(reason_of(s.verify(sealed(token.dump(), sealing_key(0)), nonce)),
            Reason::token_too_large);
}

TEST(Sealed, KeyConfigurationIsChecked) {
  VerifierConfig three = sealed_config();
  three.sealing_keys.push_back(sealing_key(2));
  EXPECT_THROW(Scenario{three}, std::invalid_argument);
  VerifierConfig same = test_config();
  same.sealing_keys = {sealing_key(0), sealing_key(0)};
  EXPECT_THROW(Scenario{same}, std::invalid_argument);
  VerifierConfig required = test_config();
  required.require_sealed = true;
  EXPECT_THROW(Scenario{required}, std::invalid_argument);
}

TEST(BadTokens, HugeNestedJsonIsMalformedNotACrash) {
  const Scenario s;
  const std::string nonce = s.issue();
  EXPECT_EQ(reason_of(s.verify(std::string(8000, '[') + std::string(8000, ']'), nonce)),
            Reason::token_malformed);
  EXPECT_EQ(reason_of(s.verify(std::string(1 << 20, ' '), s.issue())), Reason::token_too_large);
}

TEST(BadTokens, UnknownBirthDateWithoutPolicyIsAdmittedWithoutAge) {
  CertificateSpec spec;
  spec.serial_number = testing::national_number("150012", 184, true);  // month 00
  const IssuedCard issued = issue_under_test_ca(spec);
  const Scenario s;
  const std::string nonce = s.issue();
  const Verdict verdict = s.verify(
      testing::make_token(issued.der, issued.key.get(), TokenAlgorithm::es384, origin, nonce),
      nonce);
  ASSERT_TRUE(verdict.accepted()) << verdict.detail;
  EXPECT_FALSE(verdict.holder->age);
}

// ---------------------------------------------------------------------------------------------
// OCSP and CRL in detail
// ---------------------------------------------------------------------------------------------

TEST(Ocsp, GoodStatusFromARealResponderForBothGenerations) {
  for (const char* name : {"kid-9", "teen-14"}) {
    const OcspFixture responder(card(name), false);
    VerifierConfig config = test_config();
    config.revocation = ocsp_checker(responder.url());
    const Verdict verdict = Scenario(config).verify_card(card(name));
    EXPECT_TRUE(verdict.accepted()) << name << ": " << verdict.detail;
  }
}

TEST(Ocsp, RevokedIsRevokedWithTheResponderNamed) {
  const OcspFixture responder(card("teen-14"), true);
  VerifierConfig config = test_config();
  config.revocation = ocsp_checker(responder.url());
  const Verdict verdict = Scenario(config).verify_card(card("teen-14"));
  EXPECT_EQ(reason_of(verdict), Reason::certificate_revoked);
  EXPECT_NE(verdict.detail.find("keyCompromise"), std::string::npos) << verdict.detail;
  EXPECT_FALSE(verdict.holder);
}

TEST(Ocsp, ResponseSignedByAnUntrustedKeyIsUnavailable) {
  // The responder signs with the RSA citizen CA's key for the P-384 CA's certificates.
  const OcspFixture responder(card("kid-9"), false,
                              CaFiles{testing::pki_dir() / "citizen-ca-rsa.pem",
                                      testing::pki_dir() / "citizen-ca-rsa.key.pem"});
  VerifierConfig config = test_config();
  config.revocation = ocsp_checker(responder.url());
  const Verdict verdict = Scenario(config).verify_card(card("kid-9"));
  EXPECT_EQ(reason_of(verdict), Reason::revocation_unavailable);
  EXPECT_NE(verdict.detail.find("not trusted"), std::string::npos) << verdict.detail;
}

TEST(Ocsp, StaleResponseIsUnavailable) {
  const OcspFixture responder(card("kid-9"), false);
  VerifierConfig config = test_config();
  config.revocation = ocsp_checker(responder.url(), 60s);
  Scenario scenario(config);
  scenario.now += 1h;  // thisUpdate (the responder's now) is an hour old by our clock
  const Verdict verdict = scenario.verify_card(card("kid-9"));
  EXPECT_EQ(reason_of(verdict), Reason::revocation_unavailable);
  EXPECT_NE(verdict.detail.find("freshness"), std::string::npos) << verdict.detail;
}

TEST(Ocsp, ResponderDownIsUnavailable) {
  VerifierConfig config = test_config();
  config.revocation =
      ocsp_checker("http://127.0.0.1:" + std::to_string(testing::free_tcp_port()) + "/ocsp");
  const Verdict verdict = Scenario(config).verify_card(card("teen-14"));
  EXPECT_EQ(reason_of(verdict), Reason::revocation_unavailable);
  EXPECT_NE(verdict.detail.find("cannot connect to 127.0.0.1"), std::string::npos)
      << verdict.detail;
}

TEST(Ocsp, CertificateAiaUrlIsUsedWithoutOverride) {
  // The TEST cards name ocsp.eid-test.invalid: unreachable by design, so unavailable.
  VerifierConfig config = test_config();
  config.revocation = std::make_shared<revocation::OcspChecker>(revocation::OcspOptions{});
  const Verdict verdict = Scenario(config).verify_card(card("kid-9"));
  EXPECT_EQ(reason_of(verdict), Reason::revocation_unavailable);
  EXPECT_NE(verdict.detail.find("ocsp.eid-test.invalid"), std::string::npos) << verdict.detail;
}

TEST(Crl, NotListedIsGood) {
  const testing::TempDir dir("saferchat-crl");
  VerifierConfig config = test_config();
  config.revocation = crl_checker(make_crl(dir, card("kid-9"), false));
  const Verdict verdict = Scenario(config).verify_card(card("kid-9"));
  EXPECT_TRUE(verdict.accepted()) << verdict.detail;
}

TEST(Crl, ExpiredCrlIsUnavailable) {
  const testing::TempDir dir("saferchat-crl");
  VerifierConfig config = test_config();
  config.revocation = crl_checker(make_crl(dir, card("kid-9"), false, {}, 1));
  Scenario scenario(config);
  scenario.now += 3h;  // nextUpdate was an hour after thisUpdate; skew is 5 minutes
  const Verdict verdict = scenario.verify_card(card("kid-9"));
  EXPECT_EQ(reason_of(verdict), Reason::revocation_unavailable);
  EXPECT_NE(verdict.detail.find("nextUpdate"), std::string::npos) << verdict.detail;
}

TEST(Crl, CrlOfAnotherIssuerDoesNotCount) {
  const testing::TempDir dir("saferchat-crl");
  VerifierConfig config = test_config();
  config.revocation = crl_checker(make_crl(dir, card("teen-14"), false));  // the RSA CA's CRL
  const Verdict verdict = Scenario(config).verify_card(card("kid-9"));
  EXPECT_EQ(reason_of(verdict), Reason::revocation_unavailable);
}

TEST(Crl, FetchedOverHttpFromARealServer) {
  const testing::TempDir dir("saferchat-crl");
  // Served as DER, as CRL distribution points serve them (RFC 5280 §4.2.1.13).
  const fs::path pem = make_crl(dir, card("kid-9"), true);
  const fs::path served = dir / "public";
  fs::create_directory(served);
  ASSERT_EQ(testing::run_command({"openssl", "crl", "-in", pem.string(), "-outform", "DER", "-out",
                                  (served / "citizen.crl").string()})
                .first,
            0);
  const int port = testing::free_tcp_port();
  testing::ChildProcess server({"python3", "-m", "http.server", std::to_string(port), "--bind",
                                "127.0.0.1", "--directory", served.string()});
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/citizen.crl";
  revocation::CrlOptions options;
  options.fetch = true;
  options.url = url;
  VerifierConfig config = test_config();
  config.revocation = std::make_shared<revocation::CrlChecker>(options);
  const Scenario scenario(config);
  // The server needs a moment to listen; a refused fetch is not cached.
  Verdict verdict;
  for (int attempt = 0; attempt < 50; ++attempt) {
    verdict = scenario.verify_card(card("kid-9"));
    if (verdict.reason != Reason::revocation_unavailable) {
      break;
    }
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(verdict.reason, Reason::certificate_revoked) << verdict.detail;
}

// Several CRLs for one issuer (issue 15): every usable one is consulted, in any order.
std::shared_ptr<RevocationChecker> crl_files(const std::vector<fs::path>& files) {
  revocation::CrlOptions options;
  for (const fs::path& file : files) {
    options.files.push_back(file.string());
  }
  return std::make_shared<revocation::CrlChecker>(options);
}

Verdict verify_kid_with(std::shared_ptr<RevocationChecker> checker) {
  VerifierConfig config = test_config();
  config.revocation = std::move(checker);
  return Scenario(config).verify_card(card("kid-9"));
}

// A copy of `pem` as DER with the last byte of the signature flipped.
fs::path forge_crl(const testing::TempDir& dir, const fs::path& pem, const std::string& name) {
  const fs::path der = dir / (name + ".der");
  EXPECT_EQ(testing::run_command(
                {"openssl", "crl", "-in", pem.string(), "-outform", "DER", "-out", der.string()})
                .first,
            0);
  std::string bytes = testing::read_file(der);
  bytes.back() = static_cast<char>(bytes.back() ^ 0x01);
  testing::write_file(der, bytes);
  return der;
}

TEST(Crl, ARevokedCardIsRevokedWhicheverOtherCrlsAreConfigured) {
  const testing::TempDir dir("saferchat-crl");
  const TestCard& kid = card("kid-9");
  const fs::path base_revoked = make_crl(dir, kid, CrlSpec{.revoked = true, .name = "base"});
  const fs::path older_full_empty =
      make_crl(dir, kid, CrlSpec{.name = "older", .last_update = crl_time(-24h)});
  const fs::path stale_empty = make_crl(
      dir, kid,
      CrlSpec{.name = "stale", .last_update = crl_time(-48h), .next_update = crl_time(-24h)});
  const fs::path forged_empty = forge_crl(dir, make_crl(dir, kid, CrlSpec{.name = "f"}), "forged");
  const fs::path other_issuer = make_crl(dir, card("teen-14"), CrlSpec{.name = "rsa"});

  EXPECT_EQ(reason_of(verify_kid_with(crl_files({base_revoked}))), Reason::certificate_revoked);
  for (const fs::path& other : {older_full_empty, stale_empty, forged_empty, other_issuer}) {
    const Verdict before = verify_kid_with(crl_files({other, base_revoked}));
    EXPECT_EQ(reason_of(before), Reason::certificate_revoked) << other << ": " << before.detail;
    EXPECT_NE(before.detail.find("base.pem: serial number listed"), std::string::npos)
        << before.detail;
    const Verdict after = verify_kid_with(crl_files({base_revoked, other}));
    EXPECT_EQ(reason_of(after), Reason::certificate_revoked) << other << ": " << after.detail;
  }
  // A current full CRL that does not list the card is enough, with the others ignored.
  const Verdict good = verify_kid_with(crl_files({stale_empty, forged_empty, older_full_empty}));
  EXPECT_TRUE(good.accepted()) << good.detail;
}

TEST(Crl, AStaleOrForgedCrlNeverDecides) {
  const testing::TempDir dir("saferchat-crl");
  const TestCard& kid = card("kid-9");
  const fs::path stale_empty = make_crl(
      dir, kid,
      CrlSpec{.name = "stale", .last_update = crl_time(-48h), .next_update = crl_time(-24h)});
  const fs::path forged_empty = forge_crl(dir, make_crl(dir, kid, CrlSpec{.name = "f"}), "forged");
  const Verdict verdict = verify_kid_with(crl_files({stale_empty, forged_empty}));
  EXPECT_EQ(reason_of(verdict), Reason::revocation_unavailable);
  EXPECT_NE(verdict.detail.find("stale.pem: nextUpdate has passed"), std::string::npos)
      << verdict.detail;
  EXPECT_NE(verdict.detail.find("forged.der: signature does not verify"), std::string::npos)
      << verdict.detail;
}

TEST(Crl, DeltaAndPartialScopeCrlsAreAConfigurationError) {
  const testing::TempDir dir("saferchat-crl");
  const TestCard& kid = card("kid-9");
  const fs::path base_revoked = make_crl(dir, kid, CrlSpec{.revoked = true, .name = "base"});
  const fs::path delta_empty = make_crl(
      dir, kid, CrlSpec{.name = "delta", .extensions = "2.5.29.27 = critical, DER:02:01:01"});
  const fs::path only_ca = make_crl(
      dir, kid,
      CrlSpec{.name = "onlyca",
              .extensions = "issuingDistributionPoint = critical, @idp\n[ idp ]\nonlyCA = TRUE"});
  const fs::path one_point =
      make_crl(dir, kid,
               CrlSpec{.name = "point",
                       .extensions = "issuingDistributionPoint = critical, @idp\n[ idp ]\n"
                                     "fullname = URI:http://crl.eid-test.invalid/part1.crl"});
  const auto refusal = [](const std::vector<fs::path>& files) -> std::string {
    try {
      (void)crl_files(files);
    } catch (const std::invalid_argument& error) {
      return error.what();
    }
    return "accepted";
  };
  EXPECT_EQ(refusal({delta_empty, base_revoked}),
            "CRL file " + delta_empty.string() +
                ": a delta CRL (deltaCRLIndicator, RFC 5280 §5.2.4): delta CRLs are not "
                "supported, configure the issuer's full CRL");
  const std::string partial =
      ": a partial-scope CRL (issuingDistributionPoint, RFC 5280 §5.2.5): not supported, "
      "configure the issuer's full CRL";
  EXPECT_EQ(refusal({base_revoked, only_ca}), "CRL file " + only_ca.string() + partial);
  EXPECT_EQ(refusal({one_point}), "CRL file " + one_point.string() + partial);
  // onlyContainsUserCerts alone covers every end-entity certificate: complete for a card.
  const fs::path only_user = make_crl(
      dir, kid,
      CrlSpec{.revoked = true,
              .name = "onlyuser",
              .extensions = "issuingDistributionPoint = critical, @idp\n[ idp ]\nonlyuser = TRUE"});
  EXPECT_EQ(reason_of(verify_kid_with(crl_files({only_user}))), Reason::certificate_revoked);
}

// A local HTTP server for fetched CRLs, whose file the test replaces between logins.
class CrlServer {
 public:
  CrlServer() : port_(testing::free_tcp_port()) {
    fs::create_directory(served_);
    server_ = std::make_unique<testing::ChildProcess>(
        std::vector<std::string>{"python3", "-m", "http.server", std::to_string(port_), "--bind",
                                 "127.0.0.1", "--directory", served_.string()});
  }
  void serve(const fs::path& crl) const {
    ASSERT_EQ(testing::run_command({"openssl", "crl", "-in", crl.string(), "-inform",
                                    crl.extension() == ".der" ? "DER" : "PEM", "-outform", "DER",
                                    "-out", (served_ / "next.crl").string()})
                  .first,
              0);
    fs::rename(served_ / "next.crl", served_ / "citizen.crl");
  }
  void serve_bytes(const std::string& bytes) const {
    testing::write_file(served_ / "citizen.crl", bytes);
  }
  [[nodiscard]] std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/citizen.crl";
  }
  // Waits until the server answers (a refused fetch is not cached).
  void wait_until_listening() const {
    for (int attempt = 0; attempt < 100; ++attempt) {
      if (testing::run_command({"python3", "-c",
                                "import socket; socket.create_connection(('127.0.0.1', " +
                                    std::to_string(port_) + "), 1)"})
              .first == 0) {
        return;
      }
      std::this_thread::sleep_for(100ms);
    }
    FAIL() << "the CRL server does not listen";
  }

 private:
  testing::TempDir dir_{"saferchat-crl-served"};
  fs::path served_ = dir_ / "public";
  int port_;
  std::unique_ptr<testing::ChildProcess> server_;
};

TEST(Crl, AFetchedCrlIsValidatedBeforeItIsCachedAndConsultedBesidesTheFiles) {
  const testing::TempDir dir("saferchat-crl");
  const TestCard& kid = card("kid-9");
  const CrlServer server;
  server.serve(forge_crl(dir, make_crl(dir, kid, CrlSpec{.name = "f"}), "forged"));
  server.wait_until_listening();
  revocation::CrlOptions options;
  options.fetch = true;
  options.url = server.url();
  VerifierConfig config = test_config();
  config.revocation = std::make_shared<revocation::CrlChecker>(options);
  const Scenario scenario(config);

  Verdict verdict = scenario.verify_card(kid);
  EXPECT_EQ(reason_of(verdict), Reason::revocation_unavailable);
  EXPECT_NE(verdict.detail.find(server.url() + ": signature does not verify"), std::string::npos)
      << verdict.detail;
  // Not cached: the next login fetches again and finds the delta CRL, refused as well.
  server.serve(
      make_crl(dir, kid, CrlSpec{.name = "delta", .extensions = "2.5.29.27 = DER:02:01:01"}));
  verdict = scenario.verify_card(kid);
  EXPECT_EQ(reason_of(verdict), Reason::revocation_unavailable);
  EXPECT_NE(verdict.detail.find("a delta CRL"), std::string::npos) << verdict.detail;
  server.serve_bytes("not a CRL");  // refused by the HTTP client already (not ASN.1)
  EXPECT_EQ(reason_of(scenario.verify_card(kid)), Reason::revocation_unavailable);
  // Then a valid CRL listing the card: fetched, validated, revoked.
  server.serve(make_crl(dir, kid, CrlSpec{.revoked = true, .name = "base"}));
  EXPECT_EQ(reason_of(scenario.verify_card(kid)), Reason::certificate_revoked);

  // A file that does not list the card does not hide a fetched CRL that does.
  options.files = {make_crl(dir, kid, CrlSpec{.name = "empty"}).string()};
  config.revocation = std::make_shared<revocation::CrlChecker>(options);
  verdict = Scenario(config).verify_card(kid);
  EXPECT_EQ(reason_of(verdict), Reason::certificate_revoked);
  EXPECT_NE(verdict.detail.find(server.url() + ": serial number listed"), std::string::npos)
      << verdict.detail;
}

// Junk — a real certificate (readable from any card without a PIN) with a never-issued nonce, a
// foreign origin or an all-zero signature — is refused before any revocation fetch.
TEST(Revocation, JunkNeverCausesAFetch) {
  testing::SilentServer silent;
  VerifierConfig config = test_config();
  config.revocation = ocsp_checker(silent.url());
  const Scenario s(config);
  const TestCard& kid = card("kid-9");
  const std::string unissued = store::generate_nonce();
  EXPECT_EQ(reason_of(s.verify(token_for(kid, unissued), unissued)), Reason::nonce_unknown);
  std::string nonce = s.issue();
  EXPECT_EQ(reason_of(s.verify(token_for(kid, nonce, "https://other.example"), nonce,
                               "https://other.example")),
            Reason::origin_not_allowed);
  nonce = s.issue();
  json zero = json::parse(token_for(kid, nonce));
  zero["signature"] = std::string(128, 'A');  // 96 zero bytes: r = s = 0
  EXPECT_EQ(reason_of(s.verify(zero.dump(), nonce)), Reason::signature_invalid);
  EXPECT_EQ(silent.accepted(), 0);
  // A revoked card's junk is junk too: the nonce speaks first.
  const testing::TempDir dir("saferchat-crl");
  config.revocation = crl_checker(make_crl(dir, kid, true));
  EXPECT_EQ(reason_of(Scenario(config).verify(token_for(kid, unissued), unissued)),
            Reason::nonce_unknown);
}

// Two cards whose certificates name different OCSP responders (AIA): one responder accepts and
// says nothing. The login that needs it waits; a login that needs the other responder is
// answered meanwhile; once the silent one ran out of time it is not asked again for a while.
TEST(Revocation, ASilentResponderDelaysOnlyTheLoginsThatNeedIt) {
  testing::SilentServer silent;
  const testing::TempDir dir("saferchat-ocsp");
  const CaFiles ca = issuer_of(card("kid-9"));
  CertificateSpec stuck_spec;
  stuck_spec.serial_number = testing::national_number("150612", 184, true);
  stuck_spec.ocsp_url = silent.url();
  const IssuedCard stuck = issue_under_test_ca(stuck_spec);
  // The other card names a responder on a port chosen now, started once its index has the card.
  const int port = testing::free_tcp_port();
  CertificateSpec other_spec = stuck_spec;
  other_spec.ocsp_url = "http://127.0.0.1:" + std::to_string(port) + "/";
  const IssuedCard other = issue_under_test_ca(other_spec);
  testing::write_file(dir / "index.txt",
                      testing::index_line(parse_der_certificate(other.der).get(), false));
  const testing::OcspResponder responder(dir / "index.txt", ca.certificate, ca.certificate, ca.key,
                                         {"-port", std::to_string(port)});
  ASSERT_EQ(responder.url(), other_spec.ocsp_url);

  revocation::OcspOptions options;
  options.timeout = 20s;  // long enough to be surely still waiting while the other login runs
  VerifierConfig config = test_config();
  config.revocation = std::make_shared<revocation::OcspChecker>(options);
  const Scenario s(config);
  const auto login = [&s](const IssuedCard& holder) {
    const std::string nonce = s.issue();
    return s.verify(
        testing::make_token(holder.der, holder.key.get(), TokenAlgorithm::es384, origin, nonce),
        nonce);
  };
  std::atomic<bool> stuck_done{false};
  Verdict stuck_verdict;
  std::thread waiting([&] {
    stuck_verdict = login(stuck);
    stuck_done = true;
  });
  ASSERT_TRUE(silent.wait_for_connections(1));
  const Verdict answered = login(other);
  EXPECT_TRUE(answered.accepted()) << answered.detail;
  EXPECT_FALSE(stuck_done);  // still waiting on the silent responder
  silent.close();            // it hangs up: the waiting login ends
  waiting.join();
  EXPECT_EQ(reason_of(stuck_verdict), Reason::revocation_unavailable);

  // A responder that ran out of time rests: the next login that needs it is told at once.
  testing::SilentServer silent_again;
  CertificateSpec again_spec = stuck_spec;
  again_spec.ocsp_url = silent_again.url();
  const IssuedCard again = issue_under_test_ca(again_spec);
  options.timeout = 1s;
  config.revocation = std::make_shared<revocation::OcspChecker>(options);
  const Scenario short_wait(config);
  const auto short_login = [&short_wait, &again] {
    const std::string nonce = short_wait.issue();
    return short_wait.verify(
        testing::make_token(again.der, again.key.get(), TokenAlgorithm::es384, origin, nonce),
        nonce);
  };
  const Verdict timed_out = short_login();
  EXPECT_EQ(reason_of(timed_out), Reason::revocation_unavailable);
  const Verdict resting = short_login();
  EXPECT_EQ(reason_of(resting), Reason::revocation_unavailable);
  EXPECT_NE(resting.detail.find("127.0.0.1:" + std::to_string(silent_again.port()) +
                                " did not answer in time lately"),
            std::string::npos)
      << resting.detail;
  EXPECT_EQ(silent_again.accepted(), 1);
}

TEST(Revocation, CrlIsTheFallbackWhenOcspIsDown) {
  const testing::TempDir dir("saferchat-crl");
  VerifierConfig config = test_config();
  config.revocation = std::make_shared<revocation::FirstAnswerChecker>(
      std::vector<std::shared_ptr<RevocationChecker>>{
          ocsp_checker("http://127.0.0.1:" + std::to_string(testing::free_tcp_port()) + "/"),
          crl_checker(make_crl(dir, card("kid-9"), true))});
  const Verdict verdict = Scenario(config).verify_card(card("kid-9"));
  EXPECT_EQ(reason_of(verdict), Reason::certificate_revoked);
}

// ---------------------------------------------------------------------------------------------
// saferchat-verify
// ---------------------------------------------------------------------------------------------

class VerifyCli : public ::testing::Test {
 protected:
  void SetUp() override {
    nonce_ = store::generate_nonce();
    token_path_ = dir_ / "token.json";
    testing::write_file(token_path_, token_for(card("kid-9"), nonce_));
  }

  std::pair<int, std::string> run(std::vector<std::string> extra, const std::string& input = {},
                                  bool test_pki = true) {
    std::vector<std::string> argv{SAFERCHAT_VERIFY_PATH, "--origin", origin, "--nonce", nonce_};
    if (test_pki) {
      argv.insert(argv.end(),
                  {"--trust-anchors", (testing::pki_dir() / "trust-anchors.pem").string(),
                   "--intermediates", (testing::pki_dir() / "citizen-ca-p384.pem").string(),
                   "--intermediates", (testing::pki_dir() / "citizen-ca-rsa.pem").string()});
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    return testing::run_command(argv, input);
  }

  testing::TempDir dir_{"saferchat-verify-cli"};
  std::string nonce_;
  fs::path token_path_;
};

TEST_F(VerifyCli, AcceptedTokenPrintsTheHolderAndExitsZero) {
  const auto [status, output] = run({"--token", token_path_.string()});
  EXPECT_EQ(status, 0);
  EXPECT_EQ(json::parse(output), json::parse(R"({"verdict":"accepted","holder":{"age":9}})"));
}

TEST_F(VerifyCli, TokenFromStandardInput) {
  const auto [status, output] = run({}, testing::read_file(token_path_));
  EXPECT_EQ(status, 0);
  EXPECT_EQ(json::parse(output)["verdict"], "accepted");
}

TEST_F(VerifyCli, RejectionPrintsReasonCategoryAndExitsOne) {
  const auto [status, output] = run({"--token", token_path_.string(), "--min-age", "10"});
  EXPECT_EQ(status, 1);
  // The shape saferchatd answers with (docs/verifier.md §3).
  EXPECT_EQ(json::parse(output),
            json::parse(R"({"verdict":"rejected","reason":"AGE_TOO_LOW","category":"too_young",
                            "message":"The holder is younger than this room's minimum age."})"));
}

TEST_F(VerifyCli, ShippedBelgianRootsAreTheDefault) {
  const auto [status, output] = run({"--token", token_path_.string(), "--detail"}, {}, false);
  EXPECT_EQ(status, 1);
  const json verdict = json::parse(output);
  EXPECT_EQ(verdict["reason"], "CHAIN_UNTRUSTED");
  EXPECT_EQ(verdict["category"], "not_a_belgian_card");
  EXPECT_TRUE(verdict.contains("detail"));
}

TEST_F(VerifyCli, NationalNumberAndPseudonymOnlyWhenAsked) {
  const std::string key(32, 'k');
  testing::write_file(dir_ / "key", key);
  const auto [status, output] =
      run({"--token", token_path_.string(), "--pseudonym-key", (dir_ / "key").string(),
           "--show-national-number", "--show-birth-date", "--show-first-name", "--show-surname"});
  EXPECT_EQ(status, 0);
  const json holder = json::parse(output)["holder"];
  const json& profile = card("kid-9").profile["holder"];
  EXPECT_EQ(holder["firstName"], "Lotte");
  EXPECT_EQ(holder["surname"], profile["surname"]);
  EXPECT_EQ(holder["nationalNumber"], profile["national_number"]);
  EXPECT_EQ(holder["birthDate"], profile["birth_date"]);
  EXPECT_EQ(holder["pseudonym"],
            make_pseudonym(testing::bytes_of(key), profile["national_number"].get<std::string>()));
  // Without the switches, none of it.
  const auto [plain_status, plain] = run({"--token", token_path_.string()});
  EXPECT_EQ(plain.find(profile["national_number"].get<std::string>()), std::string::npos);
  EXPECT_EQ(plain.find("birthDate"), std::string::npos);
}

TEST_F(VerifyCli, NowOptionMovesTheClock) {
  const auto [status, output] = run({"--token", token_path_.string(), "--now", "2000-01-01"});
  EXPECT_EQ(status, 1);
  EXPECT_EQ(json::parse(output)["reason"], "CERTIFICATE_NOT_YET_VALID");
}

TEST_F(VerifyCli, WrongOriginOrNonce) {
  const auto [status, output] = run({"--token", token_path_.string(), "--allowed-origin", origin,
                                     "--allowed-origin", "https://other.example"});
  EXPECT_EQ(status, 0) << output;
  std::vector<std::string> argv{SAFERCHAT_VERIFY_PATH,
                                "--origin",
                                "https://other.example",
                                "--nonce",
                                nonce_,
                                "--token",
                                token_path_.string(),
                                "--trust-anchors",
                                (testing::pki_dir() / "trust-anchors.pem").string(),
                                "--intermediates",
                                (testing::pki_dir() / "citizen-ca-p384.pem").string()};
  const auto [other_status, other] = testing::run_command(argv);
  EXPECT_EQ(other_status, 1);
  EXPECT_EQ(json::parse(other)["reason"], "SIGNATURE_INVALID");
}

TEST_F(VerifyCli, RevocationOptions) {
  const OcspFixture responder(card("kid-9"), true);
  const auto [status, output] =
      run({"--token", token_path_.string(), "--ocsp-url", responder.url()});
  EXPECT_EQ(status, 1);
  EXPECT_EQ(json::parse(output)["reason"], "CERTIFICATE_REVOKED");
  const testing::TempDir crl_dir("saferchat-crl");
  const fs::path crl = make_crl(crl_dir, card("kid-9"), false);
  const auto [crl_status, crl_output] =
      run({"--token", token_path_.string(), "--crl", crl.string()});
  EXPECT_EQ(crl_status, 0) << crl_output;
}

TEST_F(VerifyCli, UsageErrorsExitTwo) {
  EXPECT_EQ(testing::run_command({SAFERCHAT_VERIFY_PATH, "--origin", origin}).first, 2);
  EXPECT_EQ(run({"--token", (dir_ / "absent.json").string()}).first, 2);
  EXPECT_EQ(run({"--bogus"}).first, 2);
  testing::write_file(dir_ / "short-key", "too short");
  EXPECT_EQ(run({"--token", token_path_.string(), "--pseudonym-key", (dir_ / "short-key").string()})
                .first,
            2);
  testing::write_file(dir_ / "not.pem", "hello");
  EXPECT_EQ(run({"--token", token_path_.string(), "--trust-anchors", (dir_ / "not.pem").string()},
                {}, false)
                .first,
            2);
  EXPECT_EQ(run({"--token", token_path_.string(), "--crl", (dir_ / "not.pem").string()}).first, 2);
  const auto [help_status, help] = testing::run_command({SAFERCHAT_VERIFY_PATH, "--help"});
  EXPECT_EQ(help_status, 0);
  EXPECT_NE(help.find("--min-age"), std::string::npos);
}

}  // namespace
}  // namespace saferchat::verify
