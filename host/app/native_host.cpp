// SPDX-License-Identifier: Apache-2.0
#include "app/native_host.hpp"

#include <chrono>
#include <cstdlib>
#include <string>

#include "app/card_queue.hpp"
#include "app/reply_writer.hpp"
#include "app/request_log.hpp"
#include "protocol/frame.hpp"
#include "protocol/reply.hpp"
#include "transport/fd_stream.hpp"
#include "wire/version.hpp"

namespace saferchat {
namespace {

std::string describe_caller(const std::optional<Caller>& caller) {
  if (!caller) {
    return "unidentified";
  }
  return std::string(browser_family_name(caller->family)) + ":" + caller->extension_id;
}

}  // namespace

ExitStatus run_native_host(NativeHostIo io, const std::optional<Caller>& caller,
                           const CallerAllowList& allow_list, const RequestOptions& options,
                           const Dispatcher& dispatcher, RequestRegistry& registry,
                           const Logger& log, const std::function<void()>& after_ready) {
  try {
    if (!caller || !allow_list.allows(*caller)) {
      log.write(LogLevel::warn, "refused caller " + describe_caller(caller));
      write_frame(io.out_fd, error_reply({}, ErrorCode::caller_not_allowed));
      return ExitStatus::refused;
    }
    log.write(LogLevel::debug, "started by " + describe_caller(caller));
    write_frame(io.out_fd, ready_message(host_version));
    if (after_ready) {
      after_ready();
    }

    ReplyWriter writer(io.out_fd, log);
    CardQueue card_queue(dispatcher, registry, writer, log);
    // The browser closed the port (or sent `quit`): stop every request, closing its dialog.
    // A card operation that does not end within the grace time (an APDU to a slow card) is
    // left behind: the process exits anyway.
    const auto stop_all = [&card_queue, &log](ExitStatus status) {
      if (!card_queue.stop(exit_grace)) {
        log.write(LogLevel::warn, "a card operation did not stop in time; exiting anyway");
        std::_Exit(static_cast<int>(status));
      }
      return status;
    };

    FdSource input(io.in_fd);
    FrameReader reader(input);
    for (;;) {
      FrameEvent event = reader.next();
      const auto started = std::chrono::steady_clock::now();
      if (std::holds_alternative<EndOfInput>(event)) {
        log.write(LogLevel::debug, "input closed, exiting");
        return stop_all(writer.lost() ? ExitStatus::stream_lost : ExitStatus::ok);
      }
      if (writer.lost()) {
        return stop_all(ExitStatus::stream_lost);
      }
      if (const auto* bad = std::get_if<FrameError>(&event)) {
        log.write(LogLevel::warn, "frame rejected result=" + std::string(code_name(bad->code)) +
                                      " detail=\"" + bad->detail + "\"");
        writer.send(error_reply({}, bad->code), {});
        if (bad->stream_lost) {
          return stop_all(ExitStatus::stream_lost);
        }
        continue;
      }

      auto& payload = std::get<Frame>(event).payload;
      RequestEnvelope envelope;
      std::string result = "OK";
      std::string detail;
      bool stop = false;
      try {
        Request request = parse_request(payload, options, envelope);
        if (is_card_command(*envelope.command)) {
          // Answered by the queue when its turn comes; logged there.
          card_queue.submit(std::move(request), payload.size());
          continue;
        }
        Cancellation not_cancellable;
        const CommandOutcome outcome = dispatcher.dispatch(request, not_cancellable);
        stop = outcome.stop_after_reply;
        if (stop) {
          // `quit`: requests in flight end first (their replies are not sent).
          static_cast<void>(card_queue.stop(exit_grace));
        }
        writer.send(success_reply(envelope, outcome.result), envelope);
        if (outcome.after_reply) {
          outcome.after_reply();
        }
      } catch (const Error& e) {
        result = code_name(e.code());
        detail = e.detail();
        writer.send(error_reply(envelope, e.code()), envelope);
      }
      log_request(log, envelope, payload.size(), result, detail,
                  std::chrono::steady_clock::now() - started);
      if (stop) {
        return writer.lost() ? ExitStatus::stream_lost : ExitStatus::ok;
      }
    }
  } catch (const IoError& e) {
    log.write(LogLevel::warn, std::string("stream lost: ") + e.what());
    return ExitStatus::stream_lost;
  } catch (const std::exception& e) {
    log.write(LogLevel::error, std::string("internal error: ") + e.what());
    try {
      write_frame(io.out_fd, error_reply({}, ErrorCode::internal));
    } catch (const std::exception&) {
      // The output is gone as well; the exit status says enough.
    }
    return ExitStatus::internal_error;
  }
}

}  // namespace saferchat
