// SPDX-License-Identifier: Apache-2.0
#include "commands/card_commands.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <exception>
#include <thread>

#include "card/belpic_card.hpp"
#include "transport/pcsc.hpp"
#include "wire/error.hpp"
#include "wire/jwe.hpp"
#include "wire/token.hpp"
#include "wire/version.hpp"

namespace saferchat {
namespace {

using Clock = std::chrono::steady_clock;

// Everything one card request needs; cancellation (the browser went away) closes the dialog
// and interrupts any PC/SC wait.
class CardRequest {
 public:
  CardRequest(const CardCommandSettings& settings, Cancellation& cancellation, std::string origin,
              const std::optional<std::string>& lang, std::chrono::seconds timeout)
      : settings_(settings),
        cancellation_(cancellation),
        dialog_(settings.make_dialog()),
        origin_(std::move(origin)),
        language_(choose_language(lang.value_or(""),
                                  {settings.lc_all, settings.lc_messages, settings.lang})),
        deadline_(Clock::now() + timeout) {
    if (settings_.watcher != nullptr) {
      settings_.watcher->ensure_running();
    }
    first_look();
    cancellation_.on_cancel([this] {
      dialog_->close();
      context_->cancel();
    });
  }
  CardRequest(const CardRequest&) = delete;
  CardRequest& operator=(const CardRequest&) = delete;
  CardRequest(CardRequest&&) = delete;
  CardRequest& operator=(CardRequest&&) = delete;
  ~CardRequest() { cancellation_.clear(); }

  void throw_if_cancelled() const {
    if (cancellation_.cancelled()) {
      throw Error(ErrorCode::user_cancelled, "request cancelled: the browser went away");
    }
  }

  // Waits until exactly one reader holds a card, telling the child to insert it (or to keep
  // only their own when there are several). Returns that reader.
  ReaderState wait_for_one_card() {
    for (bool first = true;; first = false) {
      throw_if_cancelled();
      const std::vector<ReaderState> readers = first ? first_readers_ : context_->reader_states();
      std::vector<ReaderState> with_card;
      std::copy_if(readers.begin(), readers.end(), std::back_inserter(with_card),
                   [](const ReaderState& r) { return r.card_present; });
      if (with_card.size() == 1) {
        return with_card.front();
      }
      DialogMessage message;
      message.kind = with_card.empty() ? MessageKind::insert_card : MessageKind::several_cards;
      message.origin = origin_;
      message.language = language_;
      // One dialog for as long as the situation lasts: it ends when exactly one card is in,
      // or when "none" turns into "several" (or back), which needs the other message.
      show_while(
          [&] {
            std::vector<ReaderState> current = readers;
            for (;;) {
              if (!context_->wait_for_change(current, deadline_)) {
                return false;
              }
              current = context_->reader_states();
              const auto cards = std::count_if(current.begin(), current.end(),
                                               [](const ReaderState& r) { return r.card_present; });
              if (cards == 1 || (cards == 0) != with_card.empty()) {
                return true;
              }
            }
          },
          message);
    }
  }

  // Shows `message` while `wait` blocks; the first to finish ends the other.
  // Returns when `wait` saw a change; throws the dialog's error (the child pressed Stop,
  // time ran out) or user_timeout.
  void show_while(const std::function<bool()>& wait, const DialogMessage& message) {
    std::exception_ptr dialog_error;
    std::atomic<bool> dialog_ended{false};
    std::thread ui([&] {
      try {
        dialog_->show_message(message, deadline_);
      } catch (...) {
        dialog_error = std::current_exception();
      }
      dialog_ended = true;
      context_->cancel();
    });
    bool changed = false;
    std::exception_ptr wait_error;
    try {
      changed = wait();
    } catch (...) {
      wait_error = std::current_exception();
    }
    // close() only ends a dialog already on screen: repeat until the thread is out.
    while (!dialog_ended.load()) {
      dialog_->close();
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ui.join();
    throw_if_cancelled();
    if (changed) {
      return;
    }
    if (dialog_error) {
      std::rethrow_exception(dialog_error);
    }
    if (wait_error) {
      std::rethrow_exception(wait_error);
    }
    throw Error(ErrorCode::user_timeout, "no card before the deadline");
  }

  // The card blocked: say so (until the child presses OK or time runs out), then fail.
  [[noreturn]] void report_blocked(const Error& error) {
    DialogMessage message;
    message.kind = MessageKind::card_blocked;
    message.origin = origin_;
    message.language = language_;
    try {
      dialog_->show_message(message, deadline_);
    } catch (const Error&) {
      // OK, closing or the deadline all end the message; the answer is the same.
    }
    throw Error(ErrorCode::pin_blocked, std::string(error.detail()));
  }

  // A card that cannot log in (no authentication certificate, not a BELPIC card, held by
  // another program): tell the child why (until OK, closing or the deadline), then let the
  // error go on. The page gets one code for all of them from the extension
  // (docs/protocol.md §8.5 rule 7); the reply and the log keep which.
  void report_card_problem(const Error& error) {
    const std::optional<CardProblem> problem = card_problem_of(error.code());
    if (!problem || cancellation_.cancelled()) {
      return;
    }
    DialogMessage message;
    message.kind = MessageKind::card_not_usable;
    message.origin = origin_;
    message.language = language_;
    message.problem = *problem;
    try {
      dialog_->show_message(message, deadline_);
    } catch (const Error&) {
      // OK, closing, the deadline or a dialog that failed: the answer is the card's error.
    }
  }

  [[nodiscard]] const PcscContext& context() const { return *context_; }
  [[nodiscard]] const std::shared_ptr<const PcscContext>& shared_context() const {
    return context_;
  }
  PinDialog& dialog() { return *dialog_; }
  [[nodiscard]] const std::string& origin() const { return origin_; }
  [[nodiscard]] Language language() const { return language_; }
  [[nodiscard]] Clock::time_point deadline() const { return deadline_; }

 private:
  // The kept context, checked by the request's first look at the readers: after pcscd
  // restarted, that fails once with pcsc_unavailable and a new context takes over.
  void first_look() {
    SharedPcscContext::Lease lease =
        settings_.contexts != nullptr
            ? settings_.contexts->get()
            : SharedPcscContext::Lease{std::make_shared<const PcscContext>(), false};
    try {
      first_readers_ = lease.context->reader_states();
    } catch (const Error& e) {
      if (e.code() != ErrorCode::pcsc_unavailable || !lease.reused) {
        throw;
      }
      settings_.contexts->discard(lease.context);
      lease = settings_.contexts->get();
      first_readers_ = lease.context->reader_states();
    }
    context_ = std::move(lease.context);
  }

  const CardCommandSettings& settings_;
  Cancellation& cancellation_;
  std::shared_ptr<const PcscContext> context_;
  std::vector<ReaderState> first_readers_;
  std::unique_ptr<PinDialog> dialog_;
  std::string origin_;
  Language language_;
  Clock::time_point deadline_;
};

// The card's facts for one request, and the insertion they belong to.
struct RequestCard {
  CardFacts facts;
  std::uint32_t insertion = 0;
  bool read_ahead = false;
};

// Before connecting: pcsc-lite makes SCardConnect wait in 100 ms steps while another
// handle (the watcher's) holds a transaction, so the read ahead is awaited first.
std::optional<RequestCard> read_ahead_card(const CardCommandSettings& settings,
                                           const ReaderState& reader) {
  if (settings.cache == nullptr) {
    return std::nullopt;
  }
  // A read in progress for this insertion takes milliseconds (about 100 ms at a real card's
  // pace): waiting for it is cheaper than reading again beside it.
  const std::uint32_t insertion = insertion_of(reader);
  auto cached =
      settings.cache->find(reader.name, insertion, Clock::now() + std::chrono::seconds(3));
  if (!cached || cached->atr != reader.atr) {
    return std::nullopt;
  }
  return RequestCard{std::move(cached->facts), insertion, true};
}

// The card's facts for this request: those read ahead (no APDU), else read now and kept
// for the next request.
RequestCard obtain_card(const CardCommandSettings& settings, const ReaderState& reader,
                        std::optional<RequestCard> read_ahead, PcscCard& connection) {
  if (read_ahead) {
    return std::move(*read_ahead);
  }
  const std::uint32_t insertion = insertion_of(reader);
  CardTransaction transaction = connection.begin_transaction();
  CardFacts facts = read_card_facts(transaction, connection.atr());
  if (settings.cache != nullptr) {
    settings.cache->put({reader.name, insertion, connection.atr(), facts});
  }
  return {std::move(facts), insertion, false};
}

// Seconds left until `deadline`, as a PIN pad reader's entry timeout (1..255).
std::uint8_t reader_timeout(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::seconds>(deadline - Clock::now());
  return static_cast<std::uint8_t>(std::clamp<std::int64_t>(left.count(), 1, 255));
}

// Where an authentication's time goes (logged at debug level, read by bench/).
struct Timing {
  Clock::time_point started = Clock::now();
  Clock::duration dialog{};
  Clock::duration crypto{};
  Clock::duration seal{};  // part of crypto: the JWE of a sealed token
  bool sealed = false;
  Clock::duration card_io_before_reply{};
  Clock::time_point replied;  // the token is ready
};

double milliseconds(Clock::duration duration) {
  return std::chrono::duration<double, std::milli>(duration).count();
}

// One login's card state. It lives until after the reply (CommandOutcome::after_reply), so
// that LOG OFF and closing the connection do not delay the token; whatever ends it, a verified
// PIN is logged off first.
struct Login {
  Login(const CardCommandSettings& settings, Cancellation& cancellation,
        const AuthenticateArguments& args)
      : request(settings, cancellation, args.origin, args.lang, args.timeout) {}
  Login(const Login&) = delete;
  Login& operator=(const Login&) = delete;
  Login(Login&&) = delete;
  Login& operator=(Login&&) = delete;
  ~Login() { static_cast<void>(log_off()); }

  // LOG OFF, once, if the PIN was verified. False when the card did not take it (refused, or
  // gone): then the transaction ends and the connection closes with SCARD_RESET_CARD, so that
  // the PIN does not stay verified for other programs.
  bool log_off() noexcept {
    if (!pin_verified || !transaction || !card) {
      return true;
    }
    pin_verified = false;
    try {
      card->facts.card.log_off(*transaction);
      return true;
    } catch (const Error&) {
      if (connection) {
        connection->reset_when_done();
      }
      return false;
    }
  }

  [[nodiscard]] bool card_gone() const { return removal && removal->gone(); }

  // Connects to the request's card: the connection a finished login kept (no round trip to
  // pcscd, and it can only reach the card it was made for), else a new one.
  PcscCard& connect(const CardCommandSettings& settings, const ReaderState& reader) {
    if (settings.contexts != nullptr) {
      connection =
          settings.contexts->take_card(request.shared_context(), reader.name, insertion_of(reader));
    }
    kept_connection = connection != nullptr;
    if (connection) {
      connection->reset_counters();  // this login's APDUs and I/O only
    } else {
      connection = std::make_unique<PcscCard>(request.context(), reader.name);
    }
    return *connection;
  }

  // After LOG OFF: the connection stays for the next login on this card.
  void keep_connection(const CardCommandSettings& settings) {
    transaction.reset();
    if (settings.contexts != nullptr && card) {
      settings.contexts->keep_card(request.shared_context(), std::move(connection),
                                   card->insertion);
    }
  }

  Timing timing;
  CardRequest request;
  std::optional<RequestCard> card;
  std::unique_ptr<PcscCard> connection;
  bool kept_connection = false;                // taken from an earlier login
  std::optional<CardTransaction> transaction;  // ends before the connection closes
  std::unique_ptr<CardWatcher::Subscription> removal;
  bool pin_verified = false;
};

// After a verified PIN: the signature over the token digest, checked against the certificate
// that goes into the token.
CommandOutcome sign(Login& login, const AuthenticateArguments& args) {
  const CardFacts& facts = login.card->facts;
  const SignatureAlgorithm algorithm = facts.card.variant().authentication;
  auto crypto_started = Clock::now();
  const Bytes digest = token_digest(algorithm, args.origin, args.challenge_nonce);
  login.timing.crypto += Clock::now() - crypto_started;
  const Bytes signature = facts.card.sign_with_authentication_key(*login.transaction, digest);
  crypto_started = Clock::now();
  // The certificate must be this card's: a swapped card's signature does not verify with it.
  if (!facts.certificate_key || !facts.certificate_key->verifies(algorithm, digest, signature)) {
    throw Error(ErrorCode::card_removed,
                "the signature does not match the certificate read earlier: card swapped");
  }
  CommandOutcome outcome;
  outcome.result = make_token(facts.certificate, algorithm, signature, host_version);
  if (args.seal_key) {
    // docs/protocol.md §4.4: the token, encrypted to the site's verification service.
    const auto seal_started = Clock::now();
    outcome.result = {{"format", "saferchat-sealed:1"},
                      {"kid", args.seal_key->kid()},
                      {"jwe", jwe::seal(*args.seal_key, outcome.result.dump())}};
    login.timing.seal = Clock::now() - seal_started;
    login.timing.sealed = true;
  }
  login.timing.crypto += Clock::now() - crypto_started;
  return outcome;
}

void log_timing(const CardCommandSettings& settings, const Login& login, bool logged_off) {
  if (settings.log == nullptr || !settings.log->enabled(LogLevel::debug)) {
    return;
  }
  const Timing& timing = login.timing;
  const PcscCard& connection = *login.connection;
  std::array<char, 360> line{};
  const int length = std::snprintf(
      line.data(), line.size(),
      "authenticate apdus=%zu bytes_sent=%zu bytes_received=%zu total_ms=%.3f card_io_ms=%.3f "
      "dialog_ms=%.3f crypto_ms=%.3f sealed=%d seal_ms=%.3f read_ahead=%d kept_connection=%d "
      "after_reply_ms=%.3f logged_off=%d",
      connection.apdu_count(), connection.bytes_sent(), connection.bytes_received(),
      milliseconds(timing.replied - timing.started), milliseconds(timing.card_io_before_reply),
      milliseconds(timing.dialog), milliseconds(timing.crypto), timing.sealed ? 1 : 0,
      milliseconds(timing.seal), login.card->read_ahead ? 1 : 0, login.kept_connection ? 1 : 0,
      milliseconds(Clock::now() - timing.replied), logged_off ? 1 : 0);
  settings.log->write(LogLevel::debug,
                      std::string_view(line.data(), static_cast<std::size_t>(length)));
}

}  // namespace

CommandHandler make_get_certificate_command(std::shared_ptr<const CardCommandSettings> settings) {
  return [settings = std::move(settings)](const Request& request, Cancellation& cancellation) {
    const auto& args = std::get<GetCertificateArguments>(request.arguments);
    CardRequest card_request(*settings, cancellation, args.origin, args.lang, args.timeout);
    const ReaderState reader = card_request.wait_for_one_card();
    std::optional<RequestCard> read_ahead = read_ahead_card(*settings, reader);
    PcscCard connection(card_request.context(), reader.name);
    const CardFacts facts = obtain_card(*settings, reader, std::move(read_ahead), connection).facts;
    // Tries change under other programs too: asked afresh (one APDU).
    const int tries = [&] {
      CardTransaction transaction = connection.begin_transaction();
      return facts.card.pin_tries_left(transaction);
    }();
    CommandOutcome outcome;
    outcome.result = {
        {"certificate", base64_encode(facts.certificate)},
        {"algorithm", jwa_name(facts.card.variant().authentication)},
        {"appletVersion", facts.card.variant().name},
        {"pinTriesLeft", tries},
    };
    return outcome;
  };
}

namespace {

CommandOutcome authenticate(const std::shared_ptr<const CardCommandSettings>& settings,
                            const std::shared_ptr<Login>& login,
                            const AuthenticateArguments& args) {
  CardRequest& card_request = login->request;
  // What the site learns, as the dialog tells it: the token sealed or not (§4.3, §4.4).
  const Disclosure disclosure = disclosure_for(args.seal_key.has_value());
  const ReaderState reader = card_request.wait_for_one_card();
  std::optional<RequestCard> read_ahead = read_ahead_card(*settings, reader);
  PcscCard& connection = login->connect(*settings, reader);
  // Certificate first: a card without one fails before the child types anything.
  RequestCard& request_card =
      login->card.emplace(obtain_card(*settings, reader, std::move(read_ahead), connection));
  const CardFacts& facts = request_card.facts;
  if (facts.pin_tries_left == 0) {
    card_request.report_blocked(Error(ErrorCode::pin_blocked, "no PIN tries left"));
  }

  // A card pulled out while the dialog is open closes the dialog (the watcher sees it go).
  if (settings->watcher != nullptr) {
    login->removal = settings->watcher->on_card_gone(
        reader.name, request_card.insertion, [&card_request] { card_request.dialog().close(); });
  }
  std::optional<int> tries_after_wrong_pin;
  for (;;) {
    login->transaction.reset();
    // Without a PIN pad, the PIN dialog first (no transaction is held while the child types).
    SecureBytes pin;
    if (!facts.pin_pad) {
      if (login->card_gone()) {
        throw Error(ErrorCode::card_removed, "card pulled out before the PIN dialog");
      }
      const auto dialog_started = Clock::now();
      try {
        pin = card_request.dialog().ask_pin({card_request.origin(), card_request.language(),
                                             tries_after_wrong_pin, card_request.deadline(),
                                             disclosure});
        login->timing.dialog += Clock::now() - dialog_started;
      } catch (const Error&) {
        if (login->card_gone()) {
          throw Error(ErrorCode::card_removed, "card pulled out while the PIN dialog was open");
        }
        card_request.throw_if_cancelled();
        throw;
      }
      card_request.throw_if_cancelled();
    }
    // VERIFY, signature and LOG OFF in one transaction: no other program can use the
    // verified PIN in between, and the PIN state is dropped before the card is let go.
    CardTransaction& transaction = login->transaction.emplace(connection);
    // A kept connection reaches only its own card (pcsc-lite answers SCARD_W_REMOVED_CARD
    // once it left); a new one was made after the facts' insertion was seen, so the card
    // may have been swapped in between: the reader's count now says, or (macOS, no count)
    // the card's serial number.
    const auto in_reader =
        login->kept_connection
            ? std::optional<CardInReader>(CardInReader{request_card.insertion, true})
            : check_card_in_reader(card_request.context(), reader.name, transaction,
                                   connection.atr(), facts, request_card.insertion);
    if (!in_reader) {
      throw Error(ErrorCode::card_removed, "the card went before VERIFY");
    }
    if (!in_reader->same_card) {
      // Another card than the one read (swapped just before the request reached it): its
      // own facts, read now in this transaction, so the token can only be this card's.
      const std::uint32_t insertion = in_reader->insertion;
      request_card.facts = read_card_facts(transaction, connection.atr());
      request_card.insertion = insertion;
      request_card.read_ahead = false;
      if (settings->cache != nullptr) {
        settings->cache->put({reader.name, insertion, connection.atr(), request_card.facts});
      }
      if (facts.pin_tries_left == 0) {
        card_request.report_blocked(Error(ErrorCode::pin_blocked, "no PIN tries left"));
      }
    }
    try {
      if (facts.pin_pad) {
        // The child types on the reader; the dialog only says so.
        DialogMessage message;
        message.kind = MessageKind::pin_pad;
        message.origin = card_request.origin();
        message.language = card_request.language();
        message.tries_left = tries_after_wrong_pin;
        message.disclosure = disclosure;
        card_request.show_while(
            [&] {
              facts.card.verify_pin_on_pin_pad(transaction, *facts.pin_pad,
                                               reader_timeout(card_request.deadline()));
              return true;
            },
            message);
      } else {
        facts.card.verify_pin(
            transaction, belpic::make_pin_block(
                             std::span(reinterpret_cast<const char*>(pin.data()), pin.size())));
      }
    } catch (const Error& e) {
      if (e.code() == ErrorCode::pin_wrong) {
        tries_after_wrong_pin = e.tries_left();
        if (settings->cache != nullptr && e.tries_left()) {
          settings->cache->set_pin_tries(reader.name, request_card.insertion, *e.tries_left());
        }
        continue;
      }
      if (e.code() == ErrorCode::pin_blocked) {
        if (settings->cache != nullptr) {
          settings->cache->set_pin_tries(reader.name, request_card.insertion, 0);
        }
        card_request.report_blocked(e);
      }
      throw;
    }
    login->pin_verified = true;
    CommandOutcome outcome = sign(*login, args);
    login->timing.replied = Clock::now();
    login->timing.card_io_before_reply = connection.io_time();
    // LOG OFF once the token is on its way; the transaction holds the card until then.
    outcome.after_reply = [login, settings] {
      const bool logged_off = login->log_off();
      log_timing(*settings, *login, logged_off);
      if (logged_off) {
        login->keep_connection(*settings);
      }
    };
    return outcome;
  }
}

}  // namespace

CommandHandler make_authenticate_command(std::shared_ptr<const CardCommandSettings> settings) {
  return [settings = std::move(settings)](const Request& request, Cancellation& cancellation) {
    const auto& args = std::get<AuthenticateArguments>(request.arguments);
    auto login = std::make_shared<Login>(*settings, cancellation, args);
    try {
      return authenticate(settings, login, args);
    } catch (const Error& e) {
      if (card_problem_of(e.code()) && !login->pin_verified) {
        login->transaction.reset();  // the card is not held while the child reads
      }
      login->request.report_card_problem(e);
      throw;
    }
  };
}

}  // namespace saferchat
