#include "app/native_host.hpp"

#include <chrono>
#include <cstdio>
#include <string>

#include "protocol/frame.hpp"
#include "protocol/reply.hpp"
#include "protocol/version.hpp"
#include "transport/fd_stream.hpp"
#include "transport/hangup_watch.hpp"

namespace saferchat {
namespace {

std::string describe_caller(const std::optional<Caller>& caller) {
  if (!caller) {
    return "unidentified";
  }
  return std::string(browser_family_name(caller->family)) + ":" + caller->extension_id;
}

std::string format_ms(std::chrono::steady_clock::duration elapsed) {
  std::array<char, 32> text{};
  const int n = std::snprintf(text.data(), text.size(), "%.3f",
                              std::chrono::duration<double, std::milli>(elapsed).count());
  return {text.data(), static_cast<std::size_t>(n)};
}

// Writes a reply; a reply too large for the browser is replaced by that error.
void send(int out_fd, const std::string& reply, const RequestEnvelope& envelope,
          const Logger& log) {
  try {
    write_frame(out_fd, reply);
  } catch (const Error& e) {
    log.write(LogLevel::error, e.detail());
    write_frame(out_fd, error_reply(envelope, e.code()));
  }
}

}  // namespace

ExitStatus run_native_host(NativeHostIo io, const std::optional<Caller>& caller,
                           const CallerAllowList& allow_list, const RequestOptions& options,
                           const Dispatcher& dispatcher, const Logger& log) {
  try {
    if (!caller || !allow_list.allows(*caller)) {
      log.write(LogLevel::warn, "refused caller " + describe_caller(caller));
      write_frame(io.out_fd, error_reply({}, ErrorCode::caller_not_allowed));
      return ExitStatus::refused;
    }
    log.write(LogLevel::debug, "started by " + describe_caller(caller));
    write_frame(io.out_fd, ready_message(host_version));

    FdSource input(io.in_fd);
    FrameReader reader(input);
    for (;;) {
      FrameEvent event = reader.next();
      const auto started = std::chrono::steady_clock::now();
      if (std::holds_alternative<EndOfInput>(event)) {
        log.write(LogLevel::debug, "input closed, exiting");
        return ExitStatus::ok;
      }
      if (const auto* bad = std::get_if<FrameError>(&event)) {
        log.write(LogLevel::warn, "frame rejected result=" + std::string(code_name(bad->code)) +
                                      " detail=\"" + bad->detail + "\"");
        send(io.out_fd, error_reply({}, bad->code), {}, log);
        if (bad->stream_lost) {
          return ExitStatus::stream_lost;
        }
        continue;
      }

      const auto& payload = std::get<Frame>(event).payload;
      RequestEnvelope envelope;
      std::string result = "OK";
      std::string detail;
      bool stop = false;
      try {
        const Request request = parse_request(payload, options, envelope);
        Cancellation cancellation;
        CommandOutcome outcome = [&] {
          // The browser may go away while a card command waits for the child: stop then.
          const HangupWatch watch(io.in_fd, [&cancellation] { cancellation.cancel(); });
          return dispatcher.dispatch(request, cancellation);
        }();
        stop = outcome.stop_after_reply;
        send(io.out_fd, success_reply(envelope, outcome.result), envelope, log);
      } catch (const Error& e) {
        result = code_name(e.code());
        detail = e.detail();
        send(io.out_fd, error_reply(envelope, e.code()), envelope, log);
      }
      std::string line = "request command=" +
                         std::string(envelope.command ? command_name(*envelope.command) : "-") +
                         " bytes=" + std::to_string(payload.size()) + " result=" + result +
                         " duration_ms=" + format_ms(std::chrono::steady_clock::now() - started);
      if (!detail.empty()) {
        line += " detail=\"" + detail + "\"";
      }
      log.write(result == "OK" ? LogLevel::info : LogLevel::warn, line);
      if (stop) {
        return ExitStatus::ok;
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
