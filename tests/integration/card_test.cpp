// SPDX-License-Identifier: Apache-2.0
// The card path for real: this process's PC/SC layer and BELPIC driver, talking through a
// private pcscd (vpcd driver) to the virtual card, for every test profile and failure.
// Every signature is verified with OpenSSL against the certificate read from the card.
#include <PCSC/winscard.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <regex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "card/belpic_card.hpp"
#include "support/fake_card_channel.hpp"
#include "support/openssl_verify.hpp"
#include "support/pcsc_environment.hpp"
#include "support/pkcs15_parser.hpp"
#include "transport/pcsc.hpp"
#include "transport/pcsc_probe.hpp"
#include "wire/error.hpp"

namespace saferchat {
namespace {

using testing::PcscEnvironment;
namespace fs = std::filesystem;

const fs::path cards_dir = SAFERCHAT_TEST_CARDS_DIR;

struct Profile {
  fs::path dir;
  nlohmann::json json;

  explicit Profile(const std::string& name) : dir(cards_dir / name) {
    std::ifstream file(dir / "profile.json");
    json = nlohmann::json::parse(file);
  }
  [[nodiscard]] Bytes file(const std::string& path) const {
    std::ifstream in(dir / json.at("files").at(path).get<std::string>(), std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  [[nodiscard]] std::string pin() const { return json.at("pin"); }
};

// A copy of a generated profile with its profile.json edited (another ATR, no applet, …),
// removed again at the end.
struct EditedProfile {
  fs::path dir;

  EditedProfile(const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
    static int count = 0;
    const Profile original(name);
    dir = fs::temp_directory_path() /
          ("saferchat-card-" + std::to_string(::getpid()) + "-" + std::to_string(++count));
    fs::create_directories(dir);
    for (const auto& entry : fs::directory_iterator(original.dir)) {
      fs::copy_file(entry.path(), dir / entry.path().filename(),
                    fs::copy_options::overwrite_existing);
    }
    nlohmann::json json = original.json;
    edit(json);
    std::ofstream(dir / "profile.json") << json.dump();
  }
  EditedProfile(const EditedProfile&) = delete;
  EditedProfile& operator=(const EditedProfile&) = delete;
  EditedProfile(EditedProfile&&) = delete;
  EditedProfile& operator=(EditedProfile&&) = delete;
  ~EditedProfile() {
    std::error_code ignored;
    fs::remove_all(dir, ignored);
  }
};

Bytes random_hash(std::size_t size) {
  Bytes hash(size);
  EXPECT_EQ(RAND_bytes(hash.data(), static_cast<int>(size)), 1);
  return hash;
}

ErrorCode code_of(const std::function<void()>& action, Error* out = nullptr) {
  try {
    action();
  } catch (const Error& e) {
    if (out != nullptr) {
      *out = e;
    }
    return e.code();
  }
  ADD_FAILURE() << "no error";
  return ErrorCode::internal;
}

// Runs a transaction's APDUs through `hook` after each exchange (to pull the card out at a
// chosen step).
class HookedChannel final : public CardChannel {
 public:
  HookedChannel(CardChannel& inner, std::function<void(std::size_t)> hook)
      : inner_(inner), hook_(std::move(hook)) {}
  ResponseApdu transmit(const CommandApdu& command) override {
    ResponseApdu response = inner_.transmit(command);
    hook_(++count_);
    return response;
  }

 private:
  CardChannel& inner_;
  std::function<void(std::size_t)> hook_;
  std::size_t count_ = 0;
};

class CardFailures : public ::testing::Test {
 protected:
  void start(const std::string& profile_name, std::vector<std::string> extra = {}) {
    profile_ = std::make_unique<Profile>(profile_name);
    start_in(profile_->dir, std::move(extra));
  }
  // A private PC/SC stack with the card of the profile folder `dir`.
  void start_in(const fs::path& dir, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"--profile", dir.string()};
    args.insert(args.end(), extra.begin(), extra.end());
    env_ = std::make_unique<PcscEnvironment>(args);
    context_ = std::make_unique<PcscContext>();
  }
  std::unique_ptr<PcscCard> connect() {
    const auto found =
        context_->wait_for_card(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    EXPECT_TRUE(found.has_value());
    return std::make_unique<PcscCard>(*context_, found->name);
  }
  [[nodiscard]] SecureBytes pin_block(std::string_view pin) const {
    return belpic::make_pin_block(std::span(pin.data(), pin.size()));
  }

  std::unique_ptr<Profile> profile_;
  std::unique_ptr<PcscEnvironment> env_;
  std::unique_ptr<PcscContext> context_;
};

class CardProfiles : public CardFailures, public ::testing::WithParamInterface<std::string> {};

// Certificate read, PIN, signature, LOG OFF: the full authentication sequence.
TEST_P(CardProfiles, AuthenticationSequenceGivesAVerifiedSignature) {
  start(GetParam());
  const Profile& profile = *profile_;
  const auto connected = connect();
  PcscCard& connection = *connected;
  CardTransaction channel = connection.begin_transaction();

  const BelpicCard card = BelpicCard::identify(channel, connection.atr());
  EXPECT_EQ(card.variant().name, profile.json.at("applet_version").get<std::string>());
  const Bytes certificate = card.read_authentication_certificate(channel);
  // The card's file may be padded; the certificate is exactly the DER element at its start.
  const Bytes file = profile.file("3F00DF005038");
  ASSERT_LE(certificate.size(), file.size());
  EXPECT_TRUE(std::equal(certificate.begin(), certificate.end(), file.begin()));

  const std::string pin = profile.pin();
  card.verify_pin(channel, belpic::make_pin_block(std::span(pin.data(), pin.size())));
  const Bytes hash = random_hash(card.variant().hash_size);
  const Bytes signature = card.sign_with_authentication_key(channel, hash);
  card.log_off(channel);
  EXPECT_TRUE(testing::verify_with_certificate(
      certificate, std::string(jwa_name(card.variant().authentication)), hash, signature));
  // SELECT AID, GET CARD DATA, SELECT, the READ BINARYs, VERIFY, MSE SET, PSO + GET RESPONSE,
  // LOG OFF.
  const std::size_t reads = (certificate.size() + 255) / 256;
  EXPECT_EQ(connection.apdu_count(), 1 + 1 + 1 + reads + 1 + 1 + 2 + 1);

  // After LOG OFF the key needs the PIN again (security status not satisfied, 6982).
  Error error(ErrorCode::internal, "");
  EXPECT_EQ(
      code_of([&] { static_cast<void>(card.sign_with_authentication_key(channel, hash)); }, &error),
      ErrorCode::card_error);
  EXPECT_EQ(error.detail(), "PSO COMPUTE DIGITAL SIGNATURE: SW 6982");
}

INSTANTIATE_TEST_SUITE_P(EveryProfileWithAKey, CardProfiles,
                         ::testing::Values("kid-9", "teen-14", "adult", "expired"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// Field ATRs: every 1.7-generation ATR the field has seen (eid-mw's mask), the 1.8 ATR, and
// an ATR no table knows in front of a working BELPIC applet. Each card is identified in
// SELECT AID + GET CARD DATA and logs in with a signature that verifies.
struct AtrCase {
  std::string name;
  std::string profile;
  std::string atr;
  std::string applet;
};

class FieldAtrs : public CardFailures, public ::testing::WithParamInterface<AtrCase> {};

TEST_P(FieldAtrs, AreAcceptedAndLogIn) {
  const AtrCase& param = GetParam();
  const EditedProfile edited(param.profile, [&](nlohmann::json& json) { json["atr"] = param.atr; });
  profile_ = std::make_unique<Profile>(param.profile);
  start_in(edited.dir);
  const auto connected = connect();
  PcscCard& connection = *connected;
  ASSERT_EQ(connection.atr(), testing::hex(param.atr));
  CardTransaction channel = connection.begin_transaction();
  const BelpicCard card = BelpicCard::identify(channel, connection.atr());
  EXPECT_EQ(card.variant().name, param.applet);
  EXPECT_EQ(connection.apdu_count(), 2U);  // SELECT AID, GET CARD DATA
  const Bytes certificate = card.read_authentication_certificate(channel);
  card.verify_pin(channel, pin_block(profile_->pin()));
  const Bytes hash = random_hash(card.variant().hash_size);
  const Bytes signature = card.sign_with_authentication_key(channel, hash);
  card.log_off(channel);
  EXPECT_TRUE(testing::verify_with_certificate(
      certificate, std::string(jwa_name(card.variant().authentication)), hash, signature));
}

INSTANTIATE_TEST_SUITE_P(
    Variants, FieldAtrs,
    ::testing::Values(AtrCase{"ta1_13_tc2_0a_11", "teen-14", "3B9813400AA503010101AD1311", "1.7"},
                      AtrCase{"ta1_94_tc2_0a_10", "teen-14", "3B9894400AA503010101AD1310", "1.7"},
                      AtrCase{"ta1_94_tc2_ff_10", "teen-14", "3B989440FFA503010101AD1310", "1.7"},
                      // The ATR of issue 12 (pcsc-tools: "Belgium Electronic eID card").
                      AtrCase{"ta1_30_tc2_0a_11", "teen-14", "3B9830400AA503010101AD1311", "1.7"},
                      AtrCase{"applet18", "kid-9", "3B7F96000080318065B085040120120FFF829000",
                              "1.8"},
                      // ATRs no table knows: T=0 only, and T=0 + T=1 (pcscd picks T=1).
                      AtrCase{"unknown_atr_t0_applet18", "kid-9", "3B021450", "1.8"},
                      AtrCase{"unknown_atr_t1_applet18", "kid-9",
                              "3B8F8001804F0CA000000306030001000000006A", "1.8"}),
    [](const auto& param_info) { return param_info.param.name; });

// The PKCS#15 structure under DF00 (content spec §5.3), read through pcscd and parsed with the
// tests' own reader: EF(ODF) points at the PrKDF, CDF and AODF; the CDF's authentication
// certificate file holds the certificate whose key the PrKDF's key reference signs with.
class Pkcs15 : public CardFailures, public ::testing::WithParamInterface<std::string> {};

belpic::FilePath file_path(const Bytes& path) {
  belpic::FilePath out{};
  EXPECT_EQ(path.size(), out.size());
  std::copy_n(path.begin(), std::min(path.size(), out.size()), out.begin());
  return out;
}

int public_key_bits(const Bytes& certificate) {
  const unsigned char* der = certificate.data();
  X509* x509 = d2i_X509(nullptr, &der, static_cast<long>(certificate.size()));
  if (x509 == nullptr) {
    return -1;
  }
  const int bits = EVP_PKEY_get_bits(X509_get0_pubkey(x509));
  X509_free(x509);
  return bits;
}

TEST_P(Pkcs15, FilesParseAndPointAtTheCertificateFilesAndKeys) {
  namespace p15 = testing::pkcs15;
  start(GetParam());
  const Profile& profile = *profile_;
  auto connection = connect();
  CardTransaction channel = connection->begin_transaction();
  const BelpicCard card = BelpicCard::identify(channel, connection->atr());
  const bool ec = card.variant().authentication == SignatureAlgorithm::es384;

  const p15::Odf odf = p15::parse_odf(card.read_file(channel, belpic::odf));
  EXPECT_EQ(odf.prkdf, testing::hex("3F00 DF00 5035"));
  EXPECT_EQ(odf.cdf, testing::hex("3F00 DF00 5037"));
  EXPECT_EQ(odf.aodf, testing::hex("3F00 DF00 5034"));

  const p15::TokenInfo info = p15::parse_token_info(card.read_file(channel, belpic::token_info));
  EXPECT_EQ(info.version, 0);
  EXPECT_EQ(info.serial, Bytes(card.card_data().serial.begin(), card.card_data().serial.end()));
  EXPECT_EQ(info.label, "BELPIC");

  const std::vector<p15::Pin> pins = p15::parse_aodf(card.read_file(channel, file_path(*odf.aodf)));
  ASSERT_EQ(pins.size(), 1U);
  EXPECT_EQ(pins[0].common.label, "Basic PIN");
  EXPECT_EQ(pins[0].reference, 1);  // VERIFY P2 = 01
  EXPECT_EQ(pins[0].min_length, 4);
  EXPECT_EQ(pins[0].stored_length, 8);
  EXPECT_EQ(pins[0].pad_char, Bytes{0xFF});
  EXPECT_EQ(pins[0].path, testing::hex("3F00"));

  const std::vector<p15::PrivateKeyEntry> keys =
      p15::parse_prkdf(card.read_file(channel, file_path(*odf.prkdf)));
  const std::vector<p15::CertificateEntry> certificates =
      p15::parse_cdf(card.read_file(channel, file_path(*odf.cdf)));
  const auto& key_files = profile.json.at("keys");
  // One entry per key the card holds (a Kids-ID under 6 has no authentication key).
  EXPECT_EQ(keys.size(),
            (key_files.contains("82") ? 1U : 0U) + (key_files.contains("83") ? 1U : 0U));
  for (const p15::PrivateKeyEntry& key : keys) {
    EXPECT_EQ(key.ec, ec);
    EXPECT_EQ(key.bits, ec ? 384 : 2048);
    EXPECT_EQ(key.path, testing::hex("3F00 DF00"));
    EXPECT_EQ(key.common.auth_id, pins[0].auth_id);  // protected by the PIN
  }
  // Every certificate entry names a file that holds a certificate; CA and Root are authorities.
  for (const p15::CertificateEntry& entry : certificates) {
    const auto certificate = card.read_certificate(channel, file_path(entry.path));
    ASSERT_TRUE(certificate.has_value()) << entry.common.label;
    EXPECT_EQ(entry.authority, entry.common.label == "CA" || entry.common.label == "Root");
  }
  const auto authentication_key =
      std::find_if(keys.begin(), keys.end(), [](const auto& k) { return k.key_reference == 0x82; });
  const auto authentication_certificate =
      std::find_if(certificates.begin(), certificates.end(), [&](const auto& c) {
        return authentication_key != keys.end() && c.id == authentication_key->id;
      });
  if (GetParam() == "kid-5-no-auth") {
    // No authentication certificate issued: the CDF starts with the CA (content spec §5.3.6).
    EXPECT_EQ(authentication_certificate, certificates.end());
    ASSERT_EQ(certificates.size(), 2U);
    EXPECT_EQ(certificates[0].common.label, "CA");
    return;
  }
  ASSERT_NE(authentication_key, keys.end());
  EXPECT_EQ(authentication_key->common.label, "Authentication");
  EXPECT_EQ(authentication_key->id, Bytes{0x02});
  ASSERT_NE(authentication_certificate, certificates.end());
  EXPECT_EQ(authentication_certificate->path, testing::hex("3F00 DF00 5038"));
  const Bytes certificate =
      card.read_certificate(channel, file_path(authentication_certificate->path)).value();
  const Bytes file = profile.file("3F00DF005038");
  EXPECT_TRUE(std::equal(certificate.begin(), certificate.end(), file.begin()));
  EXPECT_EQ(public_key_bits(certificate), authentication_key->bits);
  // The key the PrKDF names signs; the certificate the CDF names verifies it.
  ASSERT_EQ(authentication_key->key_reference, belpic::authentication_key);
  card.verify_pin(channel, pin_block(profile.pin()));
  const Bytes hash = random_hash(card.variant().hash_size);
  const Bytes signature = card.sign_with_authentication_key(channel, hash);
  card.log_off(channel);
  EXPECT_TRUE(testing::verify_with_certificate(
      certificate, std::string(jwa_name(card.variant().authentication)), hash, signature));
  if (key_files.contains("83")) {
    const auto signing = std::find_if(keys.begin(), keys.end(),
                                      [](const auto& k) { return k.key_reference == 0x83; });
    ASSERT_NE(signing, keys.end());
    const auto signing_certificate =
        std::find_if(certificates.begin(), certificates.end(),
                     [&](const auto& c) { return c.id == signing->id; });
    ASSERT_NE(signing_certificate, certificates.end());
    EXPECT_EQ(signing_certificate->path, testing::hex("3F00 DF00 5039"));
  }
}

INSTANTIATE_TEST_SUITE_P(Profiles, Pkcs15,
                         ::testing::Values("kid-9", "adult", "teen-14", "kid-5-no-auth"),
                         [](const auto& param_info) {
                           std::string name = param_info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST_F(CardFailures, WrongPinTwiceReportsTriesThenTheRightPinResetsThem) {
  start("kid-9");
  auto connection = connect();
  CardTransaction transaction = connection->begin_transaction();
  const BelpicCard card = BelpicCard::identify(transaction, connection->atr());
  EXPECT_EQ(card.pin_tries_left(transaction), 3);
  for (const int tries : {2, 1}) {
    Error error(ErrorCode::internal, "");
    EXPECT_EQ(code_of([&] { card.verify_pin(transaction, pin_block("9999")); }, &error),
              ErrorCode::pin_wrong);
    EXPECT_EQ(error.tries_left(), tries);
    EXPECT_EQ(card.pin_tries_left(transaction), tries);
  }
  card.verify_pin(transaction, pin_block(profile_->pin()));
  EXPECT_EQ(card.pin_tries_left(transaction), 3);
  card.log_off(transaction);
}

TEST_F(CardFailures, WrongPinOnApplet17UsesTheVerifyStatusQuery) {
  start("teen-14");
  auto connection = connect();
  CardTransaction transaction = connection->begin_transaction();
  const BelpicCard card = BelpicCard::identify(transaction, connection->atr());
  Error error(ErrorCode::internal, "");
  EXPECT_EQ(code_of([&] { card.verify_pin(transaction, pin_block("000000")); }, &error),
            ErrorCode::pin_wrong);
  EXPECT_EQ(error.tries_left(), 2);
  EXPECT_EQ(card.pin_tries_left(transaction), 2);  // the status query uses no try
  EXPECT_EQ(card.pin_tries_left(transaction), 2);
  card.verify_pin(transaction, pin_block(profile_->pin()));
}

TEST_F(CardFailures, BlockedPin) {
  start("blocked");
  auto connection = connect();
  CardTransaction transaction = connection->begin_transaction();
  const BelpicCard card = BelpicCard::identify(transaction, connection->atr());
  EXPECT_EQ(card.pin_tries_left(transaction), 0);
  EXPECT_EQ(code_of([&] { card.verify_pin(transaction, pin_block(profile_->pin())); }),
            ErrorCode::pin_blocked);
}

TEST_F(CardFailures, EmptyAuthenticationCertificate) {
  start("kid-5-no-auth");
  auto connection = connect();
  CardTransaction transaction = connection->begin_transaction();
  const BelpicCard card = BelpicCard::identify(transaction, connection->atr());
  EXPECT_EQ(code_of([&] { static_cast<void>(card.read_authentication_certificate(transaction)); }),
            ErrorCode::no_auth_certificate);
  // The signing certificate is never required, and a Kids-ID has none.
  EXPECT_FALSE(card.read_certificate(transaction, belpic::signing_certificate).has_value());
}

TEST_F(CardFailures, CardRemovedDuringARead) {
  start("adult");
  auto connection = connect();
  CardTransaction transaction = connection->begin_transaction();
  const BelpicCard card = BelpicCard::identify(transaction, connection->atr());
  HookedChannel pulled(transaction, [this](std::size_t exchanged) {
    if (exchanged == 2) {  // after SELECT and the first READ BINARY
      EXPECT_EQ(env_->card_control("remove").substr(0, 2), "ok");
    }
  });
  Error error(ErrorCode::internal, "");
  EXPECT_EQ(
      code_of([&] { static_cast<void>(card.read_authentication_certificate(pulled)); }, &error),
      ErrorCode::card_removed)
      << error.detail();
}

TEST_F(CardFailures, CardRemovedDuringSigning) {
  start("kid-9");
  auto connection = connect();
  CardTransaction transaction = connection->begin_transaction();
  const BelpicCard card = BelpicCard::identify(transaction, connection->atr());
  card.verify_pin(transaction, pin_block(profile_->pin()));
  HookedChannel pulled(transaction, [this](std::size_t exchanged) {
    if (exchanged == 1) {  // after MSE SET, before PSO
      EXPECT_EQ(env_->card_control("remove").substr(0, 2), "ok");
    }
  });
  EXPECT_EQ(
      code_of([&] { static_cast<void>(card.sign_with_authentication_key(pulled, Bytes(48))); }),
      ErrorCode::card_removed);
}

TEST_F(CardFailures, ReaderWithoutCardThenCardInsertedLate) {
  start("kid-9", {"--removed"});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  EXPECT_FALSE(context_->wait_for_card(deadline).has_value());  // SCardGetStatusChange timeout
  EXPECT_EQ(code_of([&] { PcscCard card(*context_, env_->reader()); }), ErrorCode::no_card);

  auto waiting = std::async(std::launch::async, [this] {
    return context_->wait_for_card(std::chrono::steady_clock::now() + std::chrono::seconds(10));
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(env_->card_control("insert").substr(0, 2), "ok");
  const auto found = waiting.get();
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->name, env_->reader());
  EXPECT_TRUE(is_belpic_atr(found->atr));
}

// What the host's kept card connection relies on (SharedPcscContext::take_card): once its card
// left the reader, a connection never reaches the card that came after it.
TEST_F(CardFailures, AConnectionEndsWithItsCardEvenWhenAnotherComesIn) {
  start("kid-9");
  const std::optional<ReaderState> before = context_->reader_state(env_->reader());
  ASSERT_TRUE(before.has_value());
  ASSERT_TRUE(before->card_present);
  PcscCard card(*context_, env_->reader());
  EXPECT_EQ(env_->card_control("swap " + (cards_dir / "teen-14").string()), "ok swapped");
  // Until pcscd has seen the other card come in (a later insertion count).
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::optional<ReaderState> after = context_->reader_state(env_->reader());
  while (after && (!after->card_present || after->pcsc_state >> 16U == before->pcsc_state >> 16U) &&
         std::chrono::steady_clock::now() < until) {
    static_cast<void>(context_->wait_for_change({*after}, until));
    after = context_->reader_state(env_->reader());
  }
  ASSERT_TRUE(after.has_value());
  ASSERT_TRUE(after->card_present);
  EXPECT_NE(after->pcsc_state >> 16U, before->pcsc_state >> 16U);
  Error error(ErrorCode::internal, "");
  EXPECT_EQ(code_of([&] { CardTransaction transaction = card.begin_transaction(); }, &error),
            ErrorCode::card_removed);
  EXPECT_EQ(error.detail(), "SCardBeginTransaction: SCARD_W_REMOVED_CARD");
  // A new connection reaches the new card.
  PcscCard fresh(*context_, env_->reader());
  EXPECT_EQ(fresh.atr(), after->atr);
  EXPECT_FALSE(context_->reader_state("no such reader").has_value());
}

// A card that is not BELPIC (no BELPIC applet, the generic ATR of a JavaCard): it gets the
// SELECT of the BELPIC AID and nothing else, counted by the card itself.
TEST_F(CardFailures, ANonBelpicCardGetsOnlyTheSelect) {
  const EditedProfile other("kid-9", [](nlohmann::json& json) {
    json["atr"] = "3B8F8001804F0CA000000306030001000000006A";
    json["applet"] = "none";
  });
  start_in(other.dir);
  const auto connection = connect();
  CardTransaction transaction = connection->begin_transaction();
  Error error(ErrorCode::internal, "");
  EXPECT_EQ(
      code_of([&] { static_cast<void>(BelpicCard::identify(transaction, connection->atr())); },
              &error),
      ErrorCode::unknown_card);
  EXPECT_EQ(error.detail(),
            "ATR of 20 bytes is not a BELPIC card's; SELECT of the BELPIC AID: SW 6A82");
  EXPECT_EQ(connection->apdu_count(), 1U);
  const std::string status = env_->card_control("status");
  EXPECT_NE(status.find(" apdu_count=1 "), std::string::npos) << status;
}

// The strict card refuses a case 1 command without P3 on T=0 (a real card would wait for the
// fifth header byte); the host's transport adds P3 = 00, as eid-mw and OpenSC do.
TEST_F(CardFailures, CaseOneCommandsCarryP3OnT0) {
  start("kid-9");
  PcscContext raw_context;
  DWORD protocol = 0;
  SCARDHANDLE raw = 0;
  ASSERT_EQ(SCardConnect(raw_context.handle(), env_->reader().c_str(), SCARD_SHARE_SHARED,
                         SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &raw, &protocol),
            SCARD_S_SUCCESS);
  EXPECT_EQ(protocol, static_cast<DWORD>(SCARD_PROTOCOL_T0));
  const auto send = [&](Bytes command) {
    std::array<BYTE, 258> answer{};
    DWORD length = answer.size();
    EXPECT_EQ(SCardTransmit(raw, SCARD_PCI_T0, command.data(), static_cast<DWORD>(command.size()),
                            nullptr, answer.data(), &length),
              SCARD_S_SUCCESS);
    return Bytes(answer.begin(), answer.begin() + length);
  };
  EXPECT_EQ(send({0x80, 0xE6, 0x00, 0x00}), (Bytes{0x67, 0x00}));        // LOG OFF, no P3
  EXPECT_EQ(send({0x00, 0x20, 0x00, 0x01}), (Bytes{0x67, 0x00}));        // VERIFY status
  EXPECT_EQ(send({0x80, 0xE6, 0x00, 0x00, 0x00}), (Bytes{0x90, 0x00}));  // with P3 = 00
  SCardDisconnect(raw, SCARD_LEAVE_CARD);
  // The driver's LOG OFF and (applet 1.7) VERIFY status go with P3 = 00 and are taken.
  auto connection = connect();
  CardTransaction transaction = connection->begin_transaction();
  const BelpicCard card = BelpicCard::identify(transaction, connection->atr());
  card.log_off(transaction);
}

// A 1.7 applet behind an unknown ATR (T=1 negotiated): GET CARD DATA's long form is refused,
// the short one answers; tries come from VERIFY status, a four-byte case 1 command on T=1.
TEST_F(CardFailures, UnknownAtrWithApplet17) {
  const EditedProfile edited("teen-14", [](nlohmann::json& json) {
    json["atr"] = "3B8F8001804F0CA000000306030001000000006A";
  });
  start_in(edited.dir);
  auto connection = connect();
  CardTransaction transaction = connection->begin_transaction();
  const BelpicCard card = BelpicCard::identify(transaction, connection->atr());
  EXPECT_EQ(card.variant().name, "1.7");
  EXPECT_EQ(connection->apdu_count(), 3U);  // SELECT AID, GET CARD DATA 6B00, GET CARD DATA
  EXPECT_EQ(card.pin_tries_when_identified(), std::nullopt);
  EXPECT_EQ(connection->protocol(), static_cast<DWORD>(SCARD_PROTOCOL_T1));
  EXPECT_EQ(card.pin_tries_left(transaction), 3);
}

TEST_F(CardFailures, ResetByAnotherProgramDropsThePinAndIsRecovered) {
  start("kid-9");
  auto connection = connect();
  const BelpicCard card = [&] {
    CardTransaction transaction = connection->begin_transaction();
    BelpicCard identified = BelpicCard::identify(transaction, connection->atr());
    identified.verify_pin(transaction, pin_block(profile_->pin()));
    return identified;
  }();
  {
    // Another program resets the card (as a middleware that reconnects with SCARD_RESET_CARD).
    PcscContext other_context;
    DWORD protocol = 0;
    SCARDHANDLE raw = 0;
    ASSERT_EQ(SCardConnect(other_context.handle(), connection->reader().c_str(), SCARD_SHARE_SHARED,
                           SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &raw, &protocol),
              SCARD_S_SUCCESS);
    ASSERT_EQ(SCardReconnect(raw, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                             SCARD_RESET_CARD, &protocol),
              SCARD_S_SUCCESS);
    SCardDisconnect(raw, SCARD_LEAVE_CARD);
  }
  // Our handle notices the reset when the next transaction begins, reconnects, and the PIN
  // state is gone: signing needs the PIN again.
  CardTransaction transaction = connection->begin_transaction();
  Error error(ErrorCode::internal, "");
  EXPECT_EQ(
      code_of([&] { static_cast<void>(card.sign_with_authentication_key(transaction, Bytes(48))); },
              &error),
      ErrorCode::card_error);
  EXPECT_EQ(error.detail(), "PSO COMPUTE DIGITAL SIGNATURE: SW 6982");
  card.verify_pin(transaction, pin_block(profile_->pin()));
  const Bytes hash = random_hash(48);
  const Bytes signature = card.sign_with_authentication_key(transaction, hash);
  EXPECT_TRUE(testing::verify_with_certificate(card.read_authentication_certificate(transaction),
                                               "ES384", hash, signature));
  card.log_off(transaction);
}

// The reader stack shows exactly the readers that exist: one reader with one card (vpcd's
// unused second slot is not a reader), two with --second-profile. One stack per test: the PC/SC
// client library keeps the first socket it used for the whole process.
TEST(PcscEnvReaders, OneCardOneReader) {
  const PcscEnvironment env({"--profile", (cards_dir / "kid-9").string()});
  EXPECT_EQ(probe_pcsc().reader_count, 1U);
}

TEST(PcscEnvReaders, TwoCardsTwoReaders) {
  const PcscEnvironment env({"--profile", (cards_dir / "kid-9").string(), "--second-profile",
                             (cards_dir / "teen-14").string()});
  EXPECT_EQ(probe_pcsc().reader_count, 2U);
}

TEST(PcscEnvReaders, NoCardOneReader) {
  const PcscEnvironment env({"--no-card"});
  EXPECT_EQ(probe_pcsc().reader_count, 1U);
}

std::set<std::string> names_of(const std::map<std::string, std::string>& variables) {
  std::set<std::string> names;
  for (const auto& [name, value] : variables) {
    names.insert(name);
  }
  return names;
}

// saferchat-pcsc-env prints what its --help lists, each only when it says so.
TEST(PcscEnvVariables, PrintsExactlyWhatItsHelpLists) {
  const std::set<std::string> always{"PCSCLITE_CSOCK_NAME", "SAFERCHAT_PCSC_DIR",
                                     "SAFERCHAT_PCSC_READER"};
  std::set<std::string> one_card = always;
  one_card.insert("SAFERCHAT_CARD_CONTROL");
  std::set<std::string> two_cards = one_card;
  two_cards.insert("SAFERCHAT_CARD2_CONTROL");

  const std::string kid = (cards_dir / "kid-9").string();
  const std::string teen = (cards_dir / "teen-14").string();
  EXPECT_EQ(names_of(PcscEnvironment({"--profile", kid}).variables()), one_card);
  EXPECT_EQ(names_of(PcscEnvironment({"--profile", kid, "--second-profile", teen}).variables()),
            two_cards);
  EXPECT_EQ(names_of(PcscEnvironment({"--no-card"}).variables()), always);

  // The help's "Printed on standard output" list: lines "  NAME=<...>".
  FILE* help = ::popen((std::string(SAFERCHAT_PCSC_ENV_PATH) + " --help").c_str(), "r");
  ASSERT_NE(help, nullptr);
  std::string text;
  std::array<char, 4096> buffer{};
  while (std::fgets(buffer.data(), buffer.size(), help) != nullptr) {
    text += buffer.data();
  }
  EXPECT_EQ(::pclose(help), 0);
  const std::string listed_part = text.substr(text.find("Printed on standard output"));
  std::set<std::string> listed;
  const std::regex line(R"((?:^|\n)  ([A-Z0-9_]+)=<)");
  for (auto it = std::sregex_iterator(listed_part.begin(), listed_part.end(), line);
       it != std::sregex_iterator(); ++it) {
    listed.insert((*it)[1].str());
  }
  // Everything printed with one or two cards, and the PIN pad reader's keypad (--pinpad).
  std::set<std::string> everything = two_cards;
  everything.insert("SAFERCHAT_KEYPAD_CONTROL");
  EXPECT_EQ(listed, everything);
  EXPECT_EQ(names_of(PcscEnvironment({"--profile", kid, "--pinpad"}).variables()), [&one_card] {
    std::set<std::string> with_keypad = one_card;
    with_keypad.insert("SAFERCHAT_KEYPAD_CONTROL");
    return with_keypad;
  }());
}

}  // namespace
}  // namespace saferchat
