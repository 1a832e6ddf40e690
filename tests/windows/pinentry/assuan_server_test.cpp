// SPDX-License-Identifier: Apache-2.0
// The Windows PIN dialog's Assuan side on its own (host/platform/windows/pinentry/
// assuan_server.hpp): the exact lines each command gets, and the replies a dialog's outcome
// gives. The whole program under Wine and Xvfb is pinentry_dialog_test.py.
#include "platform/windows/pinentry/assuan_server.hpp"

#include <string>

#include <gtest/gtest.h>

namespace saferchat::pinentry {
namespace {

std::string text_of(const SecureBytes& bytes) { return {bytes.begin(), bytes.end()}; }

const std::uint8_t* digits(const char* text) {
  return reinterpret_cast<const std::uint8_t*>(text);  // NOLINT: test data
}

TEST(AssuanServer, GreetsAsPinentryDoes) {
  EXPECT_EQ(AssuanServer::greeting(), "OK Pleased to meet you\n");
}

TEST(AssuanServer, TextsAreDecodedAndGoToTheNextDialog) {
  AssuanServer server;
  EXPECT_EQ(server.handle("SETTITLE Safer Chat").reply, "OK\n");
  EXPECT_EQ(server.handle("SETDESC 100%25 s\xC3\xBBr%0AZo\xC3\xAB\r").reply, "OK\n");
  EXPECT_EQ(server.handle("setprompt Code PIN\xC2\xA0:").reply, "OK\n");
  EXPECT_EQ(server.handle("SETOK _OK").reply, "OK\n");
  EXPECT_EQ(server.handle("SETCANCEL Arr\xC3\xAAter").reply, "OK\n");
  EXPECT_EQ(server.handle("SETERROR Code PIN incorrect.").reply, "OK\n");
  EXPECT_EQ(server.handle("OPTION default-tt-visi=Afficher le code PIN").reply, "OK\n");
  EXPECT_EQ(server.handle("OPTION default-tt-hide=Masquer le code PIN").reply, "OK\n");
  EXPECT_EQ(server.handle("SETTIMEOUT 42").reply, "OK\n");
  const AssuanServer::Step step = server.handle("GETPIN");
  EXPECT_EQ(step.reply, "");
  ASSERT_TRUE(step.dialog.has_value());
  const DialogRequest& request = *step.dialog;
  EXPECT_EQ(request.kind, DialogKind::get_pin);
  EXPECT_EQ(request.title, "Safer Chat");
  EXPECT_EQ(request.description, "100% s\xC3\xBBr\nZo\xC3\xAB");
  EXPECT_EQ(request.prompt, "Code PIN\xC2\xA0:");
  EXPECT_EQ(request.ok, "_OK");
  EXPECT_EQ(request.cancel, "Arr\xC3\xAAter");
  EXPECT_EQ(request.error, "Code PIN incorrect.");
  EXPECT_EQ(request.show_pin, "Afficher le code PIN");
  EXPECT_EQ(request.hide_pin, "Masquer le code PIN");
  EXPECT_EQ(request.timeout_seconds, 42U);
  EXPECT_EQ(text_of(server.finish_dialog(DialogOutcome::ok, {digits("1234"), 4})), "D 1234\nOK\n");
  // The error line was for that dialog only; the other texts stay.
  const AssuanServer::Step again = server.handle("GETPIN");
  ASSERT_TRUE(again.dialog.has_value());
  EXPECT_EQ(again.dialog->error, "");
  EXPECT_EQ(again.dialog->title, "Safer Chat");
}

TEST(AssuanServer, OutcomesGivePinentrysReplies) {
  AssuanServer server;
  ASSERT_TRUE(server.handle("GETPIN").dialog);
  EXPECT_EQ(text_of(server.finish_dialog(DialogOutcome::cancelled, {})),
            "ERR 83886179 Operation cancelled <Pinentry>\n");
  ASSERT_TRUE(server.handle("GETPIN").dialog);
  EXPECT_EQ(text_of(server.finish_dialog(DialogOutcome::timed_out, {})),
            "ERR 83886142 Timeout <Pinentry>\n");
  // An empty field: OK without a data line, as pinentry answers.
  ASSERT_TRUE(server.handle("GETPIN").dialog);
  EXPECT_EQ(text_of(server.finish_dialog(DialogOutcome::ok, {})), "OK\n");
  // Data is percent-escaped.
  ASSERT_TRUE(server.handle("GETPIN").dialog);
  EXPECT_EQ(text_of(server.finish_dialog(DialogOutcome::ok, {digits("1%\n"), 3})),
            "D 1%25%0A\nOK\n");

  const AssuanServer::Step one = server.handle("CONFIRM --one-button");
  ASSERT_TRUE(one.dialog);
  EXPECT_EQ(one.dialog->kind, DialogKind::confirm_one_button);
  EXPECT_EQ(text_of(server.finish_dialog(DialogOutcome::ok, {digits("99"), 2})), "OK\n");
  const AssuanServer::Step two = server.handle("CONFIRM");
  ASSERT_TRUE(two.dialog);
  EXPECT_EQ(two.dialog->kind, DialogKind::confirm);
  EXPECT_EQ(text_of(server.finish_dialog(DialogOutcome::cancelled, {})),
            "ERR 83886179 Operation cancelled <Pinentry>\n");
  const AssuanServer::Step message = server.handle("MESSAGE");
  ASSERT_TRUE(message.dialog);
  EXPECT_EQ(message.dialog->kind, DialogKind::message);
}

TEST(AssuanServer, RefusesWhatItDoesNotDo) {
  AssuanServer server;
  EXPECT_EQ(server.handle("FROBNICATE").reply, "ERR 83886355 Unknown IPC command <Pinentry>\n");
  EXPECT_EQ(server.handle("SETREPEAT").reply, "ERR 83886149 Not implemented <Pinentry>\n");
  EXPECT_EQ(server.handle("OPTION no-such=1").reply, "ERR 83886254 Unknown option <Pinentry>\n");
  EXPECT_EQ(server.handle("SETDESC bad %G1").reply,
            "ERR 83886360 IPC parameter error <Pinentry>\n");
  EXPECT_EQ(server.handle("SETTIMEOUT -1").reply, "ERR 83886360 IPC parameter error <Pinentry>\n");
  EXPECT_EQ(server.handle("SETTIMEOUT").reply, "ERR 83886360 IPC parameter error <Pinentry>\n");
  EXPECT_EQ(server.handle("CONFIRM --two-buttons").reply,
            "ERR 83886360 IPC parameter error <Pinentry>\n");
  EXPECT_FALSE(server.handle("CONFIRM --two-buttons").dialog);
  EXPECT_EQ(server.handle("GETINFO secrets").reply,
            "ERR 83886360 IPC parameter error <Pinentry>\n");
  EXPECT_EQ(server.handle("SETDESC x", true).reply, "ERR 83886357 Line too long <Pinentry>\n");
  // Empty lines and comments get no answer.
  EXPECT_EQ(server.handle("").reply, "");
  EXPECT_EQ(server.handle("# a comment").reply, "");
}

TEST(AssuanServer, InfoOptionsResetAndBye) {
  AssuanServer server;
  EXPECT_EQ(server.handle("GETINFO flavor").reply, "D saferchat-win32\nOK\n");
  EXPECT_EQ(server.handle("GETINFO ttyinfo").reply, "D - - -\nOK\n");
  EXPECT_EQ(server.handle("OPTION lc-ctype=nl_BE.UTF-8").reply, "OK\n");
  EXPECT_EQ(server.handle("OPTION --ttyname=/dev/pts/1").reply, "OK\n");
  EXPECT_EQ(server.parent_window(), 0U);
  EXPECT_EQ(server.handle("OPTION parent-wid=65538").reply, "OK\n");
  EXPECT_EQ(server.parent_window(), 65538U);
  EXPECT_EQ(server.handle("OPTION parent-wid=0x10").reply,
            "ERR 83886360 IPC parameter error <Pinentry>\n");
  EXPECT_EQ(server.parent_window(), 65538U);
  EXPECT_EQ(server.handle("OPTION default-tt-visi=Show").reply, "OK\n");
  EXPECT_EQ(server.handle("SETTITLE Safer Chat").reply, "OK\n");
  EXPECT_EQ(server.handle("RESET").reply, "OK\n");
  const AssuanServer::Step step = server.handle("GETPIN");
  ASSERT_TRUE(step.dialog);
  EXPECT_EQ(step.dialog->title, "");         // RESET forgot the texts...
  EXPECT_EQ(step.dialog->show_pin, "Show");  // ...not the options
  static_cast<void>(server.finish_dialog(DialogOutcome::cancelled, {}));
  EXPECT_EQ(server.handle("NOP").reply, "OK\n");
  const AssuanServer::Step bye = server.handle("BYE");
  EXPECT_EQ(bye.reply, "OK closing connection\n");
  EXPECT_TRUE(bye.bye);
}

TEST(ParseWindowHandle, DecimalOnly) {
  EXPECT_EQ(parse_window_handle("0"), 0U);
  EXPECT_EQ(parse_window_handle("4294967298"), 4294967298U);
  EXPECT_FALSE(parse_window_handle(""));
  EXPECT_FALSE(parse_window_handle("12ab"));
  EXPECT_FALSE(parse_window_handle("-1"));
  EXPECT_FALSE(parse_window_handle(" 1"));
}

}  // namespace
}  // namespace saferchat::pinentry
