// SPDX-License-Identifier: Apache-2.0
#include "commands/dispatcher.hpp"

#include <atomic>
#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "commands/basic_commands.hpp"
#include "protocol/reply.hpp"
#include "wire/error.hpp"
#include "wire/version.hpp"

namespace saferchat {
namespace {

Cancellation cancellation;  // never triggered in these tests

Request request_for(Command command) {
  RequestEnvelope envelope;
  envelope.command = command;
  if (command == Command::authenticate) {
    return {envelope, AuthenticateArguments{}};
  }
  if (command == Command::get_certificate) {
    return {envelope, GetCertificateArguments{}};
  }
  return {envelope,
          command == Command::quit ? Arguments{QuitArguments{}} : Arguments{VersionArguments{}}};
}

TEST(Dispatcher, CommandWithoutHandlerIsNotAvailable) {
  Dispatcher dispatcher;
  dispatcher.add(Command::quit, make_quit_command());
  for (const Command command : {Command::get_certificate, Command::authenticate}) {
    try {
      static_cast<void>(dispatcher.dispatch(request_for(command), cancellation));
      FAIL() << "dispatched " << command_name(command);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::command_not_available);
      EXPECT_EQ(e.detail(), "no handler for " + std::string(command_name(command)));
    }
  }
}

TEST(Dispatcher, QuitStopsAfterAnEmptyResult) {
  Dispatcher dispatcher;
  dispatcher.add(Command::quit, make_quit_command());
  const CommandOutcome outcome = dispatcher.dispatch(request_for(Command::quit), cancellation);
  EXPECT_TRUE(outcome.stop_after_reply);
  EXPECT_EQ(outcome.result, nlohmann::json::object());
}

TEST(VersionCommand, ReportsVersionsCallerServedCommandsAndPcsc) {
  Dispatcher dispatcher;
  int probes = 0;
  dispatcher.add(
      Command::version,
      make_version_command(dispatcher, Caller{BrowserFamily::firefox, "a@b.c"}, [&probes] {
        ++probes;
        return PcscStatus{true, 2, ""};
      }));
  dispatcher.add(Command::quit, make_quit_command());
  const CommandOutcome outcome = dispatcher.dispatch(request_for(Command::version), cancellation);
  EXPECT_FALSE(outcome.stop_after_reply);
  EXPECT_EQ(probes, 1);
  const nlohmann::json expected = {
      {"hostVersion", host_version},
      {"protocolVersion", 2},
      {"commands", {"version", "quit"}},
      {"pcsc", {{"reachable", true}, {"readerCount", 2}}},
      {"caller", {{"browser", "firefox"}, {"extensionId", "a@b.c"}}},
  };
  EXPECT_EQ(outcome.result, expected);
}

TEST(Replies, ShapesOfReadySuccessAndError) {
  EXPECT_EQ(ready_message("1.2.3"),
            R"({"event":"ready","hostVersion":"1.2.3","protocolVersion":2})");
  RequestEnvelope envelope;
  envelope.id = 9;
  envelope.command = Command::version;
  EXPECT_EQ(success_reply(envelope, {{"a", 1}}),
            R"({"command":"version","id":9,"result":{"a":1}})");
  EXPECT_EQ(
      error_reply({}, ErrorCode::invalid_json),
      R"({"error":{"code":"ERR_SAFERCHAT_INVALID_JSON","message":"The message is not valid JSON."}})");
}

TEST(Cancellation, CallbacksRunOnceAndAtOnceWhenAlreadyCancelled) {
  Cancellation cancel;
  int calls = 0;
  cancel.on_cancel([&] { ++calls; });
  EXPECT_FALSE(cancel.cancelled());
  cancel.cancel();
  cancel.cancel();
  EXPECT_TRUE(cancel.cancelled());
  EXPECT_EQ(calls, 1);
  cancel.on_cancel([&] { calls += 10; });
  EXPECT_EQ(calls, 11);
}

TEST(Cancellation, ClearWaitsForACallbackThatIsRunning) {
  Cancellation cancel;
  std::atomic<bool> entered{false};
  std::atomic<bool> finished{false};
  std::atomic<bool> release{false};
  cancel.on_cancel([&] {
    entered = true;
    while (!release) {
      std::this_thread::yield();
    }
    finished = true;
  });
  std::thread canceller([&] { cancel.cancel(); });
  while (!entered) {
    std::this_thread::yield();
  }
  std::atomic<bool> cleared{false};
  std::thread clearer([&] {
    cancel.clear();
    // The objects the callback touches may go now: it has finished.
    EXPECT_TRUE(finished.load());
    cleared = true;
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_FALSE(cleared.load());  // still inside the callback
  release = true;
  clearer.join();
  canceller.join();
  EXPECT_TRUE(cleared.load());
}

TEST(Cancellation, ClearedCallbacksDoNotRun) {
  Cancellation cancel;
  int calls = 0;
  cancel.on_cancel([&] { ++calls; });
  cancel.clear();
  cancel.cancel();
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace saferchat
