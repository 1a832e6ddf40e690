// SPDX-License-Identifier: Apache-2.0
// The Verifier against a PKI made in the test (no files, no network): accepted tokens for every
// algorithm, the nonce consumed on every attempt, the order of checks, the holder and privacy
// switches, the chain caches, and a failing store.
#include <gtest/gtest.h>

#include "server/support/server_test_support.hpp"
#include "store/memory_nonce_store.hpp"
#include "verify/national_number.hpp"
#include "verify/verifier.hpp"

namespace saferchat::verify {
namespace {

using namespace std::chrono_literals;
using testing::CertificateSpec;
using testing::issue_certificate;

const std::string origin = "https://kids.chat.example";

struct Pki {
  EvpPkeyPtr root_key = testing::generate_key("P-384");
  X509Ptr root;
  EvpPkeyPtr ca_key = testing::generate_key("P-384");
  X509Ptr ca;
  Pki() {
    CertificateSpec root_spec;
    root_spec.common_name = "Unit Root";
    root_spec.key_usage = "critical, keyCertSign, cRLSign";
    root_spec.extended_key_usage = "";
    root_spec.basic_constraints = "critical, CA:TRUE";
    root_spec.not_before = std::chrono::system_clock::now() - 24h * 3650;
    root_spec.not_after = std::chrono::system_clock::now() + 24h * 3650;
    root = issue_certificate(root_spec, root_key.get(), nullptr, root_key.get());
    CertificateSpec ca_spec = root_spec;
    ca_spec.common_name = "Unit Citizen CA";
    ca_spec.basic_constraints = "critical, CA:TRUE, pathlen:0";
    ca = issue_certificate(ca_spec, ca_key.get(), root.get(), root_key.get());
  }
};

// Born 9 years and 8 days before today (Brussels date): 9 years old whatever day the test runs.
std::chrono::year_month_day nine_year_old_birth_date() {
  using namespace std::chrono;  // NOLINT(google-build-using-namespace)
  const year_month_day shifted{sys_days{brussels_date(system_clock::now())} - days{8}};
  year_month_day birth{shifted.year() - years{9}, shifted.month(), shifted.day()};
  if (!birth.ok()) {
    birth = year_month_day{sys_days{birth.year() / birth.month() / last} + days{1}};
  }
  return birth;
}

std::string nine_year_old_number() {
  const auto birth = nine_year_old_birth_date();
  const auto two_digits = [](unsigned value) {
    return std::string{static_cast<char>('0' + value / 10 % 10),
                       static_cast<char>('0' + value % 10)};
  };
  return testing::national_number(
      two_digits(static_cast<unsigned>(static_cast<int>(birth.year()))) +
          two_digits(static_cast<unsigned>(birth.month())) +
          two_digits(static_cast<unsigned>(birth.day())),
      184, true);
}

const Pki& pki() {
  static const Pki instance;
  return instance;
}

struct Leaf {
  EvpPkeyPtr key;
  std::vector<std::uint8_t> der;
};

Leaf make_leaf(const std::string& key_kind, CertificateSpec spec = {}) {
  if (spec.serial_number.empty()) {
    spec.serial_number = nine_year_old_number();
  }
  Leaf leaf{testing::generate_key(key_kind), {}};
  const X509Ptr certificate =
      issue_certificate(spec, leaf.key.get(), pki().ca.get(), pki().ca_key.get());
  leaf.der = certificate_der(certificate.get());
  return leaf;
}

class VerifierUnit : public ::testing::Test {
 protected:
  void make_verifier(VerifierConfig config = {}) {
    if (config.allowed_origins.empty()) {
      config.allowed_origins = {origin, "https://other.chat.example"};
    }
    config.trust_anchors_pem = testing::to_pem(pki().root.get());
    config.intermediates_pem = testing::to_pem(pki().ca.get());
    store_ = std::make_shared<store::MemoryNonceStore>();
    verifier_ = std::make_unique<Verifier>(std::move(config), store_, [this] { return now_; });
  }

  Reason reason_of(const Verdict& verdict) {
    EXPECT_TRUE(verdict.reason.has_value()) << "accepted";
    return verdict.reason.value_or(Reason::internal_error);
  }

  std::chrono::system_clock::time_point now_ = std::chrono::system_clock::now();
  std::shared_ptr<store::MemoryNonceStore> store_;
  std::unique_ptr<Verifier> verifier_;
};

TEST_F(VerifierUnit, AcceptsEveryAlgorithmWithItsKey) {
  make_verifier();
  const std::vector<std::pair<TokenAlgorithm, std::string>> cases{
      {TokenAlgorithm::es256, "P-256"},   {TokenAlgorithm::es384, "P-384"},
      {TokenAlgorithm::es512, "P-521"},   {TokenAlgorithm::rs256, "RSA2048"},
      {TokenAlgorithm::rs384, "RSA2048"}, {TokenAlgorithm::rs512, "RSA2048"},
      {TokenAlgorithm::ps256, "RSA2048"}, {TokenAlgorithm::ps384, "RSA2048"},
      {TokenAlgorithm::ps512, "RSA2048"}};
  for (const auto& [algorithm, kind] : cases) {
    const Leaf leaf = make_leaf(kind);
    const Challenge challenge = verifier_->issue_challenge();
    const Verdict verdict = verifier_->verify(
        testing::make_token(leaf.der, leaf.key.get(), algorithm, origin, challenge.nonce), origin,
        challenge.nonce);
    EXPECT_TRUE(verdict.accepted()) << jwa_name(algorithm) << ": " << verdict.detail;
    EXPECT_EQ(verdict.algorithm, algorithm);
  }
}

TEST_F(VerifierUnit, HolderIsMinimalByDefault) {
  make_verifier();
  CertificateSpec spec;
  spec.given_names = "Lotte Marie";
  spec.surname = "Testkind";
  const Leaf leaf = make_leaf("P-384", spec);
  const Challenge challenge = verifier_->issue_challenge();
  const Verdict verdict = verifier_->verify(
      testing::make_token(leaf.der, leaf.key.get(), TokenAlgorithm::es384, origin, challenge.nonce),
      origin, challenge.nonce);
  ASSERT_TRUE(verdict.accepted()) << verdict.detail;
  ASSERT_TRUE(verdict.holder);
  EXPECT_EQ(verdict.holder->age, 9);
  EXPECT_FALSE(verdict.holder->first_name);
  EXPECT_FALSE(verdict.holder->surname);
  EXPECT_FALSE(verdict.holder->national_number);
  EXPECT_FALSE(verdict.holder->birth_date);
  EXPECT_FALSE(verdict.holder->pseudonym);
  const nlohmann::json answer = verdict_to_json(verdict);
  EXPECT_EQ(answer, nlohmann::json::parse(R"({"verdict":"accepted","holder":{"age":9}})"));
  EXPECT_EQ(verdict.app_version, "https://saferchat.be/host/0.1.0");
}

TEST_F(VerifierUnit, PseudonymNamesNationalNumberAndBirthDateOnRequest) {
  VerifierConfig config;
  config.pseudonym_key = std::vector<std::uint8_t>(32, 7);
  config.expose_first_name = true;
  config.expose_surname = true;
  config.expose_national_number = true;
  config.expose_birth_date = true;
  make_verifier(std::move(config));
  CertificateSpec spec;
  spec.given_names = "Jean-Pierre Luc";
  spec.surname = "Testkind";
  const Leaf leaf = make_leaf("P-384", spec);
  const Challenge challenge = verifier_->issue_challenge();
  const Verdict verdict = verifier_->verify(
      testing::make_token(leaf.der, leaf.key.get(), TokenAlgorithm::es384, origin, challenge.nonce),
      origin, challenge.nonce);
  ASSERT_TRUE(verdict.accepted()) << verdict.detail;
  const std::string number = nine_year_old_number();
  EXPECT_EQ(verdict.holder->national_number, number);
  EXPECT_EQ(verdict.holder->pseudonym, make_pseudonym(std::vector<std::uint8_t>(32, 7), number));
  EXPECT_EQ(verdict.holder->birth_date, nine_year_old_birth_date());
  const nlohmann::json answer = verdict_to_json(verdict);
  EXPECT_EQ(answer["holder"]["nationalNumber"], number);
  EXPECT_EQ(answer["holder"]["birthDate"], format_date(nine_year_old_birth_date()));
  EXPECT_EQ(answer["holder"]["pseudonym"].get<std::string>().size(), 43U);
  EXPECT_EQ(answer["holder"]["firstName"], "Jean-Pierre");
  EXPECT_EQ(answer["holder"]["surname"], "Testkind");
  EXPECT_EQ(answer["holder"].size(), 6U);
}

TEST_F(VerifierUnit, ARefusalCarriesNoHolderData) {
  VerifierConfig config;
  config.pseudonym_key = std::vector<std::uint8_t>(32, 7);
  config.expose_first_name = true;
  config.expose_surname = true;
  config.expose_national_number = true;
  config.expose_birth_date = true;
  config.age_policy = {.min_age = 10, .max_age = std::nullopt};
  make_verifier(std::move(config));
  const Leaf leaf = make_leaf("P-384");
  const Challenge challenge = verifier_->issue_challenge();
  const Verdict verdict = verifier_->verify(
      testing::make_token(leaf.der, leaf.key.get(), TokenAlgorithm::es384, origin, challenge.nonce),
      origin, challenge.nonce);
  EXPECT_EQ(reason_of(verdict), Reason::age_too_low);
  EXPECT_FALSE(verdict.holder);
  EXPECT_EQ(verdict_to_json(verdict),
            nlohmann::json::parse(R"({"verdict":"rejected","reason":"AGE_TOO_LOW",
            "category":"too_young","message":"The holder is younger than this room's minimum age."})"));
  // An invalid national number: no names either.
  CertificateSpec bad_number;
  bad_number.serial_number = "12345678901";
  const Leaf odd = make_leaf("P-384", bad_number);
  const Challenge second = verifier_->issue_challenge();
  const Verdict invalid = verifier_->verify(
      testing::make_token(odd.der, odd.key.get(), TokenAlgorithm::es384, origin, second.nonce),
      origin, second.nonce);
  EXPECT_EQ(reason_of(invalid), Reason::national_number_invalid);
  EXPECT_FALSE(invalid.holder);
  EXPECT_FALSE(verdict_to_json(invalid).contains("holder"));
}

TEST(FirstGivenName, TheFirstOfTheNames) {
  EXPECT_EQ(first_given_name("Lotte Marie"), "Lotte");
  EXPECT_EQ(first_given_name("Jean-Pierre Luc"), "Jean-Pierre");
  EXPECT_EQ(first_given_name("  Léa  "), "Léa");
  EXPECT_EQ(first_given_name("Anna"), "Anna");
  EXPECT_EQ(first_given_name(""), "");
  EXPECT_EQ(first_given_name("   "), "");
}

TEST(Pseudonym, KnownAnswerAndKeySeparation) {
  std::vector<std::uint8_t> key(32);
  for (std::size_t i = 0; i < key.size(); ++i) {
    key[i] = static_cast<std::uint8_t>(i);
  }
  // base64url(HMAC-SHA256(00 01 … 1f, "98082100029")), computed independently (Python hmac).
  EXPECT_EQ(make_pseudonym(key, "98082100029"), "KOUwiesqzAqBYW_-XXhdt0bcuWjblSrH7s1SOhmyixY");
  std::vector<std::uint8_t> other = key;
  other[0] ^= 1;
  EXPECT_NE(make_pseudonym(other, "98082100029"), make_pseudonym(key, "98082100029"));
  EXPECT_NE(make_pseudonym(key, "17073003384"), make_pseudonym(key, "98082100029"));
  EXPECT_THROW((void)make_pseudonym(std::vector<std::uint8_t>(31, 1), "98082100029"),
               std::invalid_argument);
}

TEST_F(VerifierUnit, SessionIdsUpToTheOneLimitOf128Bytes) {
  make_verifier();
  EXPECT_EQ(max_session_bytes, 128U);
  const std::string longest(max_session_bytes, 's');
  const Challenge challenge = verifier_->issue_challenge(longest);
  EXPECT_EQ(store_->take(challenge.nonce, now_).session_id, longest);
  EXPECT_THROW((void)verifier_->issue_challenge(longest + "s"), std::invalid_argument);
}

TEST_F(VerifierUnit, NonceIsConsumedEvenWhenTheTokenIsBad) {
  make_verifier();
  const Leaf leaf = make_leaf("P-384");
  const Challenge challenge = verifier_->issue_challenge();
  EXPECT_EQ(reason_of(verifier_->verify("{", origin, challenge.nonce)), Reason::token_malformed);
  const Verdict second = verifier_->verify(
      testing::make_token(leaf.der, leaf.key.get(), TokenAlgorithm::es384, origin, challenge.nonce),
      origin, challenge.nonce);
  EXPECT_EQ(reason_of(second), Reason::nonce_replayed);
  EXPECT_TRUE(second.holder == std::nullopt);  // never authenticated
}

TEST_F(VerifierUnit, NonceExpiresAfterItsLifetime) {
  make_verifier();
  const Leaf leaf = make_leaf("P-384");
  const Challenge challenge = verifier_->issue_challenge();
  EXPECT_EQ(challenge.expires_at, now_ + 300s);
  EXPECT_EQ(challenge.nonce.size(), 44U);
  const std::string token =
      testing::make_token(leaf.der, leaf.key.get(), TokenAlgorithm::es384, origin, challenge.nonce);
  now_ += 300s;
  EXPECT_EQ(reason_of(verifier_->verify(token, origin, challenge.nonce)), Reason::nonce_expired);
}

TEST_F(VerifierUnit, SessionBindingIsEnforced) {
  make_verifier();
  const Leaf leaf = make_leaf("P-384");
  const Challenge bound = verifier_->issue_challenge("browser-session-1");
  const auto token = [&](const Challenge& challenge) {
    return testing::make_token(leaf.der, leaf.key.get(), TokenAlgorithm::es384, origin,
                               challenge.nonce);
  };
  EXPECT_EQ(reason_of(verifier_->verify(token(bound), origin, bound.nonce, "browser-session-2")),
            Reason::session_mismatch);
  // Consumed by the mismatching attempt.
  EXPECT_EQ(reason_of(verifier_->verify(token(bound), origin, bound.nonce, "browser-session-1")),
            Reason::nonce_replayed);
  const Challenge bound2 = verifier_->issue_challenge("browser-session-1");
  EXPECT_EQ(reason_of(verifier_->verify(token(bound2), origin, bound2.nonce)),
            Reason::session_mismatch);
  const Challenge bound3 = verifier_->issue_challenge("browser-session-1");
  EXPECT_TRUE(
      verifier_->verify(token(bound3), origin, bound3.nonce, "browser-session-1").accepted());
  const Challenge unbound = verifier_->issue_challenge();
  EXPECT_TRUE(verifier_->verify(token(unbound), origin, unbound.nonce, "any").accepted());
}

TEST_F(VerifierUnit, MalformedNonceIsUnknownWithoutAStoreLookup) {
  make_verifier();
  const Leaf leaf = make_leaf("P-384");
  for (const std::string& nonce : {std::string("short"), std::string(129, 'A'),
                                   std::string(44, '*'), std::string(43, 'A') + "==="}) {
    EXPECT_EQ(reason_of(verifier_->verify(testing::make_token(leaf.der, leaf.key.get(),
                                                              TokenAlgorithm::es384, origin, nonce),
                                          origin, nonce)),
              Reason::nonce_unknown);
  }
  EXPECT_EQ(store_->size(now_), 0U);
}

TEST_F(VerifierUnit, FirstFailingCheckInOrderIsTheReason) {
  make_verifier();
  // An expired certificate, a wrong origin and an unknown nonce: validity comes first.
  CertificateSpec expired;
  expired.not_before = now_ - 24h * 400;
  expired.not_after = now_ - 24h;
  const Leaf old = make_leaf("P-384", expired);
  const std::string nonce = store::generate_nonce();
  EXPECT_EQ(reason_of(verifier_->verify(
                testing::make_token(old.der, old.key.get(), TokenAlgorithm::es384, origin, nonce),
                "http://x", nonce)),
            Reason::certificate_expired);
  // A good certificate, an invalid origin and an unknown nonce: the origin comes first.
  const Leaf leaf = make_leaf("P-384");
  EXPECT_EQ(reason_of(verifier_->verify(
                testing::make_token(leaf.der, leaf.key.get(), TokenAlgorithm::es384, origin, nonce),
                "http://x", nonce)),
            Reason::origin_invalid);
  // Unknown nonce before a bad signature.
  EXPECT_EQ(
      reason_of(verifier_->verify(testing::make_token(leaf.der, leaf.key.get(),
                                                      TokenAlgorithm::es384, "https://a.b", nonce),
                                  origin, nonce)),
      Reason::nonce_unknown);
}

TEST_F(VerifierUnit, VerifyTakenNonceSkipsTheStore) {
  make_verifier();
  const Leaf leaf = make_leaf("P-384");
  const std::string nonce = store::generate_nonce();
  const std::string token =
      testing::make_token(leaf.der, leaf.key.get(), TokenAlgorithm::es384, origin, nonce);
  EXPECT_TRUE(verifier_->verify_taken_nonce(token, origin, nonce).accepted());
  EXPECT_EQ(reason_of(verifier_->verify_taken_nonce(token, origin, store::generate_nonce())),
            Reason::signature_invalid);
}

TEST_F(VerifierUnit, ChainCachesGiveTheSameAnswers) {
  for (const bool cache : {false, true}) {
    VerifierConfig config;
    config.cache_intermediates = cache;
    config.cache_leaf_chains = cache;
    make_verifier(std::move(config));
    const Leaf first = make_leaf("P-384");
    const Leaf second = make_leaf("P-384");
    for (const Leaf* leaf : {&first, &first, &second}) {
      const Challenge challenge = verifier_->issue_challenge();
      EXPECT_TRUE(verifier_
                      ->verify(testing::make_token(leaf->der, leaf->key.get(),
                                                   TokenAlgorithm::es384, origin, challenge.nonce),
                               origin, challenge.nonce)
                      .accepted());
    }
    const Verifier::CacheStats stats = verifier_->cache_stats();
    if (cache) {
      // First leaf: its issuer verified once (one full verification of the CA), then the leaf
      // against it; again: the leaf cache; second leaf: the cached issuer.
      EXPECT_EQ(stats.full_verifications, 1U);
      EXPECT_EQ(stats.issuer_hits, 2U);
      EXPECT_EQ(stats.leaf_hits, 1U);
    } else {
      EXPECT_EQ(stats.full_verifications, 3U);
      EXPECT_EQ(stats.issuer_hits + stats.leaf_hits, 0U);
    }
  }
}

TEST_F(VerifierUnit, CachedChainStillChecksTime) {
  make_verifier();
  CertificateSpec spec;
  spec.not_before = now_ - 24h;
  spec.not_after = now_ + 24h;
  const Leaf leaf = make_leaf("P-384", spec);
  const auto attempt = [&] {
    const Challenge challenge = verifier_->issue_challenge();
    return verifier_->verify(testing::make_token(leaf.der, leaf.key.get(), TokenAlgorithm::es384,
                                                 origin, challenge.nonce),
                             origin, challenge.nonce);
  };
  EXPECT_TRUE(attempt().accepted());
  now_ += 48h;
  EXPECT_EQ(reason_of(attempt()), Reason::certificate_expired);
}

TEST_F(VerifierUnit, ForgedLeafUnderTheCachedIssuerIsUntrusted) {
  make_verifier();
  const Leaf good = make_leaf("P-384");
  const Challenge warm = verifier_->issue_challenge();
  ASSERT_TRUE(verifier_
                  ->verify(testing::make_token(good.der, good.key.get(), TokenAlgorithm::es384,
                                               origin, warm.nonce),
                           origin, warm.nonce)
                  .accepted());
  // Same issuer name, signed by an impostor key: the issuer cache must not vouch for it.
  const EvpPkeyPtr impostor = testing::generate_key("P-384");
  const EvpPkeyPtr key = testing::generate_key("P-384");
  CertificateSpec spec;
  spec.serial_number = nine_year_old_number();
  const X509Ptr forged = issue_certificate(spec, key.get(), pki().ca.get(), impostor.get());
  const Challenge challenge = verifier_->issue_challenge();
  const Verdict verdict =
      verifier_->verify(testing::make_token(certificate_der(forged.get()), key.get(),
                                            TokenAlgorithm::es384, origin, challenge.nonce),
                        origin, challenge.nonce);
  EXPECT_EQ(reason_of(verdict), Reason::chain_untrusted);
}

class FailingStore final : public store::NonceStore {
 public:
  bool put(std::string_view, std::string_view, std::string_view, store::TimePoint,
           store::TimePoint) override {
    throw store::StoreUnavailable("down");
  }
  store::TakeResult take(std::string_view, store::TimePoint) override {
    throw store::StoreUnavailable("down");
  }
};

TEST_F(VerifierUnit, StoreFailureIsStoreUnavailable) {
  VerifierConfig config;
  config.allowed_origins = {origin};
  config.trust_anchors_pem = testing::to_pem(pki().root.get());
  config.intermediates_pem = testing::to_pem(pki().ca.get());
  const Verifier verifier(config, std::make_shared<FailingStore>(), [this] { return now_; });
  EXPECT_THROW((void)verifier.issue_challenge(), store::StoreUnavailable);
  const Leaf leaf = make_leaf("P-384");
  const std::string nonce = store::generate_nonce();
  EXPECT_EQ(reason_of(verifier.verify(
                testing::make_token(leaf.der, leaf.key.get(), TokenAlgorithm::es384, origin, nonce),
                origin, nonce)),
            Reason::store_unavailable);
}

TEST(VerifierConfigCheck, BadConfigurationsAreRefused) {
  const auto store = std::make_shared<store::MemoryNonceStore>();
  VerifierConfig good;
  good.allowed_origins = {origin};
  good.trust_anchors_pem = testing::to_pem(pki().root.get());
  EXPECT_NO_THROW(Verifier(good, store));
  const auto refused = [&](auto change) {
    VerifierConfig config = good;
    change(config);
    EXPECT_THROW(Verifier(config, store), std::invalid_argument);
  };
  refused([](VerifierConfig& c) { c.allowed_origins.clear(); });
  refused([](VerifierConfig& c) { c.allowed_origins = {"https://Kids.example"}; });
  refused([](VerifierConfig& c) { c.allowed_origins = {"http://localhost:8080"}; });
  refused([](VerifierConfig& c) { c.trust_anchors_pem.clear(); });
  refused([](VerifierConfig& c) {
    c.trust_anchors_pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
  });
  refused([](VerifierConfig& c) { c.pseudonym_key = std::vector<std::uint8_t>(16, 1); });
  refused([](VerifierConfig& c) { c.age_policy = {12, 9}; });
  refused([](VerifierConfig& c) { c.nonce_bytes = 16; });
  EXPECT_THROW(Verifier(good, nullptr), std::invalid_argument);
  VerifierConfig localhost = good;
  localhost.allowed_origins = {"http://localhost:8080"};
  localhost.allow_http_localhost = true;
  EXPECT_NO_THROW(Verifier(localhost, store));
}

}  // namespace
}  // namespace saferchat::verify
