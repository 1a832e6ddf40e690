// SPDX-License-Identifier: Apache-2.0
// The PC/SC transport (transport/pcsc.cpp) against a fake PC/SC (support/fake_pcsc.hpp) behaving
// as Windows, pcsc-lite or macOS does: the service stopping with the last reader, reader
// arrival through \\?PnP?\Notification, the event counter in the upper 16 bits, and the
// card-swap check where there is no counter. Also built as a Windows program (tests/windows)
// and run under Wine: LONG and DWORD have other sizes there, and Win32 codes are mapped.
#include "transport/pcsc.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "commands/card_cache.hpp"
#include "commands/card_commands.hpp"
#include "support/fake_pcsc.hpp"
#include "transport/pcsc_probe.hpp"

namespace saferchat {
namespace {

using fake::FakePcsc;
using fake::FakePlatform;
using std::chrono::steady_clock;

const std::vector<std::uint8_t> belpic_atr{0x3B, 0x98, 0x13, 0x40, 0x0A, 0xA5, 0x03,
                                           0x01, 0x01, 0x01, 0xAD, 0x13, 0x11};

Deadline in(std::chrono::milliseconds wait) { return steady_clock::now() + wait; }

std::vector<std::string> names_of(const std::vector<ReaderState>& states) {
  std::vector<std::string> names;
  for (const ReaderState& state : states) {
    names.push_back(state.name);
  }
  return names;
}

ErrorCode code_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::internal;  // nothing thrown: no test expects that
}

// Windows, no reader plugged in: the service does not run, SCardEstablishContext answers
// SCARD_E_NO_SERVICE. That is "no reader" (the child is asked for the card, the page may get
// ERR_SAFERCHAT_NO_READER), not a broken PC/SC.
TEST(PcscWindows, NoServiceWithoutReadersIsNoReader) {
  FakePcsc fake(FakePlatform::windows);
  const PcscContext context(fake);
  EXPECT_FALSE(context.live());
  EXPECT_EQ(context.readers(), std::vector<std::string>{});
  EXPECT_TRUE(context.reader_states().empty());
  EXPECT_EQ(context.reader_state("Reader 0"), std::nullopt);
  EXPECT_EQ(code_of([&] { const PcscCard card(context, "Reader 0"); }), ErrorCode::no_reader);
  EXPECT_EQ(code_of([&] { check_scard(fake, static_cast<LONG>(SCARD_E_NO_SERVICE), "x"); }),
            ErrorCode::no_reader);
  EXPECT_EQ(code_of([&] { check_scard(fake, static_cast<LONG>(SCARD_E_SERVICE_STOPPED), "x"); }),
            ErrorCode::no_reader);
  const PcscStatus status = probe_pcsc_with(fake);
  EXPECT_TRUE(status.reachable);
  EXPECT_EQ(status.reader_count, 0U);
  EXPECT_EQ(status.detail, "SCARD_E_NO_SERVICE");
  // Nothing comes: the wait ends at its deadline, without an error.
  EXPECT_FALSE(context.wait_for_change({}, in(std::chrono::milliseconds(20))));
}

// pcscd never stops: SCARD_E_NO_SERVICE there is a PC/SC that does not answer.
TEST(PcscLite, NoServiceIsPcscUnavailable) {
  FakePcsc fake(FakePlatform::pcsc_lite);
  EXPECT_EQ(code_of([&] { check_scard(fake, static_cast<LONG>(SCARD_E_NO_SERVICE), "x"); }),
            ErrorCode::pcsc_unavailable);
  const PcscContext context(fake);
  EXPECT_TRUE(context.live());
  EXPECT_TRUE(context.reader_states().empty());  // SCARD_E_NO_READERS_AVAILABLE
}

// The last reader unplugged during a wait stops the service: the wait ends, the context is
// let go; the next reader starts the service again and a new context is made.
TEST(PcscWindows, ServiceStopsMidSessionAndContextIsMadeAgainWhenReaderComes) {
  FakePcsc fake(FakePlatform::windows);
  fake.plug_reader("Reader 0");
  const PcscContext context(fake);
  ASSERT_TRUE(context.live());
  const std::vector<ReaderState> known = context.reader_states();
  ASSERT_EQ(names_of(known), std::vector<std::string>{"Reader 0"});

  std::jthread unplug([&] {
    fake.wait_until_waiting(1);
    fake.unplug_reader("Reader 0");
  });
  const bool changed = context.wait_for_change(known, in(std::chrono::seconds(30)));
  unplug.join();
  EXPECT_TRUE(changed);
  EXPECT_FALSE(fake.service_running());
  EXPECT_TRUE(context.reader_states().empty());
  EXPECT_FALSE(context.live());

  std::jthread plug([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    fake.plug_reader("Reader 1");
  });
  const bool came = context.wait_for_change({}, in(std::chrono::seconds(30)));
  plug.join();
  EXPECT_TRUE(came);
  EXPECT_TRUE(context.live());
  EXPECT_EQ(fake.contexts_established(), 2);
  EXPECT_EQ(names_of(context.reader_states()), std::vector<std::string>{"Reader 1"});
}

// The context kept between requests: dead once the service stopped, made again by get().
TEST(PcscWindows, SharedContextIsMadeAgainAfterTheServiceStopped) {
  FakePcsc fake(FakePlatform::windows);
  fake.plug_reader("Reader 0");
  SharedPcscContext shared(fake);
  const SharedPcscContext::Lease first = shared.get();
  EXPECT_FALSE(first.reused);
  EXPECT_TRUE(shared.get().reused);
  fake.unplug_reader("Reader 0");
  fake.plug_reader("Reader 0");  // the service runs again: the old context is not valid there
  const SharedPcscContext::Lease again = shared.get();
  EXPECT_FALSE(again.reused);
  EXPECT_NE(again.context, first.context);
  EXPECT_EQ(names_of(again.context->reader_states()), std::vector<std::string>{"Reader 0"});
}

// A wait for the service to come back ends with cancel() (the browser went away).
TEST(PcscWindows, CancelEndsAWaitForTheService) {
  FakePcsc fake(FakePlatform::windows);
  const PcscContext context(fake);
  std::atomic<bool> done{false};
  std::jthread canceller([&] {
    while (!done) {  // as SCardCancel, only a wait in progress ends
      context.cancel();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  const ErrorCode code =
      code_of([&] { static_cast<void>(context.wait_for_change({}, in(std::chrono::hours(1)))); });
  done = true;
  canceller.join();
  EXPECT_EQ(code, ErrorCode::card_communication);
}

class PcscNotification : public ::testing::TestWithParam<FakePlatform> {};

// A reader plugged in wakes a wait for readers: through the pseudo reader where there is one
// (its count of readers in the upper 16 bits changes), by listing readers again on macOS.
TEST_P(PcscNotification, ReaderArrivalWakesTheWait) {
  FakePcsc fake(GetParam());
  fake.plug_reader("Reader 0");
  const PcscContext context(fake);
  const std::vector<ReaderState> known = context.reader_states();
  ASSERT_EQ(known.size(), 1U);
  std::jthread plug([&] {
    fake.wait_until_waiting(1);
    fake.plug_reader("Reader 1");
  });
  const bool changed = context.wait_for_change(known, in(std::chrono::seconds(30)));
  plug.join();
  EXPECT_TRUE(changed);
  EXPECT_EQ(names_of(context.reader_states()), (std::vector<std::string>{"Reader 0", "Reader 1"}));
  EXPECT_EQ(fake.pnp_waits(), GetParam() == FakePlatform::macos ? 0 : 1);
}

INSTANTIATE_TEST_SUITE_P(Platforms, PcscNotification,
                         ::testing::Values(FakePlatform::windows, FakePlatform::pcsc_lite,
                                           FakePlatform::macos));

class PcscCounter : public ::testing::TestWithParam<FakePlatform> {};

// A card pulled out and put back while nobody looked: same state bits (present, same ATR);
// only the counter in the upper 16 bits shows it. macOS has none: the wait sees nothing.
TEST_P(PcscCounter, RemovalAndReinsertionShowOnlyInTheCounter) {
  FakePcsc fake(GetParam());
  fake.plug_reader("Reader 0");
  fake.insert_card("Reader 0", fake::belpic_like_card(belpic_atr, 0x01));
  const PcscContext context(fake);
  const std::vector<ReaderState> before = context.reader_states();
  ASSERT_EQ(before.size(), 1U);
  ASSERT_TRUE(before[0].card_present);

  fake.remove_card("Reader 0");
  fake.insert_card("Reader 0", fake::belpic_like_card(belpic_atr, 0x01));
  const bool counted = GetParam() != FakePlatform::macos;
  EXPECT_EQ(context.wait_for_change(before, in(std::chrono::milliseconds(counted ? 30000 : 50))),
            counted);
  const std::optional<ReaderState> after = context.reader_state("Reader 0");
  ASSERT_TRUE(after);
  EXPECT_TRUE(after->card_present);
  EXPECT_EQ(after->atr, before[0].atr);
  EXPECT_EQ(after->pcsc_state & 0xFFFFU & ~static_cast<DWORD>(SCARD_STATE_CHANGED),
            before[0].pcsc_state & 0xFFFFU & ~static_cast<DWORD>(SCARD_STATE_CHANGED));
  EXPECT_EQ(insertion_of(*after), counted ? insertion_of(before[0]) + 2 : 0U);
}

INSTANTIATE_TEST_SUITE_P(Platforms, PcscCounter,
                         ::testing::Values(FakePlatform::windows, FakePlatform::pcsc_lite,
                                           FakePlatform::macos));

class PcscSwapGuard : public ::testing::TestWithParam<FakePlatform> {};

// The facts read from one card, then another card (same ATR) in the reader before VERIFY: the
// check before VERIFY must see it. pcsc-lite and Windows: the counter, no APDU spent; macOS:
// the counter stays 0, the card's serial number differs. The same card put back passes on macOS
// (it is the card read) and is a new insertion elsewhere.
TEST_P(PcscSwapGuard, AnotherCardBeforeVerifyIsSeen) {
  FakePcsc fake(GetParam());
  const bool counted = GetParam() != FakePlatform::macos;
  fake.plug_reader("Reader 0");
  fake.insert_card("Reader 0", fake::belpic_like_card(belpic_atr, 0xA1));
  const PcscContext context(fake);
  const ReaderState read = context.reader_states().at(0);
  std::optional<CardFacts> facts;
  {
    PcscCard first(context, read.name);
    CardTransaction transaction = first.begin_transaction();
    facts.emplace(CardFacts{BelpicCard::identify(transaction, first.atr()), {}, 3, {}, {}});
  }
  ASSERT_EQ(facts->card.card_data().serial[0], 0xA1);

  fake.remove_card("Reader 0");
  fake.insert_card("Reader 0", fake::belpic_like_card(belpic_atr, 0xB2));
  {
    PcscCard second(context, read.name);
    CardTransaction transaction = second.begin_transaction();
    const std::optional<CardInReader> swapped = check_card_in_reader(
        context, read.name, transaction, second.atr(), *facts, insertion_of(read));
    ASSERT_TRUE(swapped);
    EXPECT_FALSE(swapped->same_card);
    EXPECT_EQ(swapped->insertion, counted ? insertion_of(read) + 2 : 0U);
    EXPECT_EQ(second.apdu_count(), counted ? 0U : 2U);  // SELECT, GET CARD DATA
  }

  fake.remove_card("Reader 0");
  fake.insert_card("Reader 0", fake::belpic_like_card(belpic_atr, 0xA1));
  {
    PcscCard third(context, read.name);
    CardTransaction transaction = third.begin_transaction();
    const std::optional<CardInReader> back = check_card_in_reader(
        context, read.name, transaction, third.atr(), *facts, insertion_of(read));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->same_card, !counted);
  }

  fake.remove_card("Reader 0");
  {
    const std::optional<ReaderState> empty = context.reader_state(read.name);
    ASSERT_TRUE(empty);
    EXPECT_FALSE(empty->card_present);
  }
}

INSTANTIATE_TEST_SUITE_P(Platforms, PcscSwapGuard,
                         ::testing::Values(FakePlatform::windows, FakePlatform::pcsc_lite,
                                           FakePlatform::macos));

// A card pulled out under a connection: SCARD_W_REMOVED_CARD is card_removed.
TEST(PcscCard, RemovedCardIsCardRemoved) {
  FakePcsc fake(FakePlatform::windows);
  fake.plug_reader("Reader 0");
  fake.insert_card("Reader 0", fake::belpic_like_card(belpic_atr, 0x01));
  const PcscContext context(fake);
  PcscCard card(context, "Reader 0");
  EXPECT_EQ(card.atr(), belpic_atr);
  fake.remove_card("Reader 0");
  EXPECT_EQ(code_of([&] { CardTransaction transaction = card.begin_transaction(); }),
            ErrorCode::card_removed);
}

// The codes the browser sees for PC/SC results, with the platform's LONG (32 bits on Windows,
// where the SCARD_E_* values are negative; 64 on Linux).
TEST(PcscErrors, ResultsMapToStableCodes) {
  EXPECT_EQ(scard_name(static_cast<LONG>(SCARD_E_NO_SERVICE)), "SCARD_E_NO_SERVICE");
  EXPECT_EQ(scard_name(static_cast<LONG>(SCARD_W_REMOVED_CARD)), "SCARD_W_REMOVED_CARD");
  EXPECT_EQ(scard_error_code(static_cast<LONG>(SCARD_W_REMOVED_CARD)), ErrorCode::card_removed);
  EXPECT_EQ(scard_error_code(static_cast<LONG>(SCARD_E_NO_SMARTCARD)), ErrorCode::no_card);
  EXPECT_EQ(scard_error_code(static_cast<LONG>(SCARD_E_NO_READERS_AVAILABLE)),
            ErrorCode::no_reader);
  EXPECT_EQ(scard_error_code(static_cast<LONG>(SCARD_E_SHARING_VIOLATION)), ErrorCode::card_busy);
  EXPECT_EQ(scard_name(static_cast<LONG>(0x8010FFFFU)), "SCARD_0x8010FFFF");
  EXPECT_EQ(scard_error_code(static_cast<LONG>(0x8010FFFFU)), ErrorCode::card_communication);
#if defined(_WIN32)
  // The service stopped with the last reader: no reader.
  EXPECT_EQ(scard_error_code(static_cast<LONG>(SCARD_E_NO_SERVICE)), ErrorCode::no_reader);
  EXPECT_EQ(scard_error_code(static_cast<LONG>(SCARD_E_SERVICE_STOPPED)), ErrorCode::no_reader);
  // Plain Win32 errors winscard passes on from the service and the reader driver.
  EXPECT_EQ(scard_name(ERROR_BROKEN_PIPE), "ERROR_BROKEN_PIPE");
  EXPECT_EQ(scard_error_code(ERROR_BROKEN_PIPE), ErrorCode::pcsc_unavailable);
  EXPECT_EQ(scard_error_code(ERROR_INVALID_HANDLE), ErrorCode::card_removed);
  EXPECT_EQ(scard_error_code(ERROR_NOT_ENOUGH_MEMORY), ErrorCode::internal);
  EXPECT_EQ(scard_error_code(ERROR_INVALID_PARAMETER), ErrorCode::internal);
  EXPECT_EQ(scard_error_code(ERROR_INVALID_FUNCTION), ErrorCode::card_communication);
  EXPECT_EQ(scard_error_code(ERROR_NOT_SUPPORTED), ErrorCode::card_communication);
  EXPECT_EQ(scard_error_code(ERROR_SEM_TIMEOUT), ErrorCode::card_communication);
  EXPECT_EQ(sizeof(LONG), 4U);
#else
  EXPECT_EQ(scard_error_code(static_cast<LONG>(SCARD_E_NO_SERVICE)), ErrorCode::pcsc_unavailable);
  EXPECT_EQ(scard_error_code(static_cast<LONG>(SCARD_E_SERVICE_STOPPED)),
            ErrorCode::pcsc_unavailable);
#endif
}

// What the child was shown, by a dialog that shows messages until closed or the deadline.
struct ShownMessages {
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<MessageKind> kinds;
  bool closed = false;
};

class RecordingDialog final : public PinDialog {
 public:
  explicit RecordingDialog(std::shared_ptr<ShownMessages> shown) : shown_(std::move(shown)) {}
  SecureBytes ask_pin(const PinPrompt& /*prompt*/) override {
    throw Error(ErrorCode::user_cancelled, "no PIN asked in these tests");
  }
  void show_message(const DialogMessage& message, steady_clock::time_point deadline) override {
    std::unique_lock lock(shown_->mutex);
    shown_->kinds.push_back(message.kind);
    shown_->closed = false;
    shown_->changed.notify_all();
    if (!shown_->changed.wait_until(lock, deadline, [&] { return shown_->closed; })) {
      throw Error(ErrorCode::user_timeout, "the deadline passed");
    }
  }
  void close() noexcept override {
    const std::lock_guard lock(shown_->mutex);
    shown_->closed = true;
    shown_->changed.notify_all();
  }

 private:
  std::shared_ptr<ShownMessages> shown_;
};

Request certificate_request(std::chrono::seconds timeout) {
  Request request;
  request.arguments = GetCertificateArguments{"https://chat.example", "en", timeout};
  return request;
}

std::shared_ptr<const CardCommandSettings> settings_with(
    SharedPcscContext& contexts, const std::shared_ptr<ShownMessages>& shown) {
  auto settings = std::make_shared<CardCommandSettings>();
  settings->make_dialog = [shown] { return std::make_unique<RecordingDialog>(shown); };
  settings->contexts = &contexts;
  return settings;
}

// Windows without a reader: the request asks the child for the card (as with pcscd and no
// reader), not a PC/SC error; nothing comes, so the dialog's deadline ends it.
TEST(PcscWindowsRequest, NoReaderAsksForTheCard) {
  FakePcsc fake(FakePlatform::windows);
  SharedPcscContext contexts(fake);
  const auto shown = std::make_shared<ShownMessages>();
  const CommandHandler handler = make_get_certificate_command(settings_with(contexts, shown));
  Cancellation request_cancellation;
  EXPECT_EQ(code_of([&] {
              static_cast<void>(
                  handler(certificate_request(std::chrono::seconds(1)), request_cancellation));
            }),
            ErrorCode::user_timeout);
  EXPECT_EQ(shown->kinds, std::vector<MessageKind>{MessageKind::insert_card});
}

// The last reader unplugged while the child is asked for the card stops the service; another
// reader with the card starts it again: a new context, the card read, one dialog all along.
TEST(PcscWindowsRequest, ServiceStopsAndComesBackWhileAskingForTheCard) {
  FakePcsc fake(FakePlatform::windows);
  fake.plug_reader("Reader 0");
  SharedPcscContext contexts(fake);
  const auto shown = std::make_shared<ShownMessages>();
  const CommandHandler handler = make_get_certificate_command(settings_with(contexts, shown));
  Cancellation request_cancellation;
  std::jthread child([&] {
    {
      std::unique_lock lock(shown->mutex);
      shown->changed.wait(lock, [&] { return !shown->kinds.empty(); });
    }
    fake.wait_until_waiting(1);
    fake.unplug_reader("Reader 0");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    fake.plug_reader("Reader 1");
    fake.insert_card("Reader 1", fake::belpic_like_card(belpic_atr, 0xA1));
  });
  const CommandOutcome outcome =
      handler(certificate_request(std::chrono::seconds(60)), request_cancellation);
  child.join();
  EXPECT_EQ(outcome.result.at("certificate"), "MAMCAaE=");  // 30 03 02 01 A1
  EXPECT_EQ(outcome.result.at("appletVersion"), "1.8");
  EXPECT_EQ(outcome.result.at("pinTriesLeft"), 3);
  EXPECT_EQ(shown->kinds, std::vector<MessageKind>{MessageKind::insert_card});
  EXPECT_EQ(fake.contexts_established(), 2);
}

}  // namespace
}  // namespace saferchat
