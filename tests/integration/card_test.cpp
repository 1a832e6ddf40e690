// The card path for real: this process's PC/SC layer and BELPIC driver, talking through a
// private pcscd (vpcd driver) to the virtual card, for every test profile and failure.
// Every signature is verified with OpenSSL against the certificate read from the card.
#include <PCSC/winscard.h>
#include <openssl/rand.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <regex>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "card/belpic_card.hpp"
#include "support/openssl_verify.hpp"
#include "support/pcsc_environment.hpp"
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
  // 1 GET CARD DATA, 1 SELECT, the READ BINARYs, VERIFY, MSE SET, PSO + GET RESPONSE, LOG OFF.
  const std::size_t reads = (certificate.size() + 255) / 256;
  EXPECT_EQ(connection.apdu_count(), 1 + 1 + reads + 1 + 1 + 2 + 1);

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

TEST_F(CardFailures, UnknownCardByItsAtr) {
  // The same card with the ATR of another kind of card (a JavaCard with a generic ATR).
  const Profile original("kid-9");
  const fs::path dir =
      fs::temp_directory_path() / ("saferchat-other-card-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const auto& entry : fs::directory_iterator(original.dir)) {
    fs::copy_file(entry.path(), dir / entry.path().filename(),
                  fs::copy_options::overwrite_existing);
  }
  nlohmann::json json = original.json;
  json["atr"] = "3B8F8001804F0CA000000306030001000000006A";
  std::ofstream(dir / "profile.json") << json.dump();
  start_in(dir);
  const auto connection = connect();
  CardTransaction transaction = connection->begin_transaction();
  Error error(ErrorCode::internal, "");
  EXPECT_EQ(
      code_of([&] { static_cast<void>(BelpicCard::identify(transaction, connection->atr())); },
              &error),
      ErrorCode::unknown_card);
  EXPECT_EQ(error.detail(), "ATR of 20 bytes is not a BELPIC card's");
  fs::remove_all(dir);
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
  EXPECT_EQ(listed, two_cards);
}

}  // namespace
}  // namespace saferchat
