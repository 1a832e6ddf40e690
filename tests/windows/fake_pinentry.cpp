// SPDX-License-Identifier: Apache-2.0
// A scripted stand-in for saferchat-pinentry.exe in windows_pin_dialog_test (the real dialog is
// tested on its own): speaks the Assuan subset, answers GETPIN from the environment, and
// appends its command line and every line it got to a log.
//   SAFERCHAT_FAKE_PINENTRY_LOG  the log file (UTF-8 lines: "argv <args>", then each command)
//   SAFERCHAT_FAKE_PINENTRY_PIN  digits to answer with; "cancel" for ERR 83886179; "hang" to
//                                never answer GETPIN
// clang-format off
#include <windows.h>
#include <shellapi.h>
#include <fcntl.h>
#include <io.h>
// clang-format on

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

namespace {

std::string utf8(const wchar_t* wide) {
  const int size = WideCharToMultiByte(CP_UTF8, 0, wide, -1, nullptr, 0, nullptr, nullptr);
  std::string out(static_cast<std::size_t>(size > 0 ? size - 1 : 0), '\0');
  WideCharToMultiByte(CP_UTF8, 0, wide, -1, out.data(), size, nullptr, nullptr);
  return out;
}

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? std::string() : std::string(value);
}

}  // namespace

int main() {
  // Binary, as the PIN dialog must be: text mode would end lines with CR LF.
  static_cast<void>(_setmode(_fileno(stdin), _O_BINARY));
  static_cast<void>(_setmode(_fileno(stdout), _O_BINARY));
  std::ofstream log(env("SAFERCHAT_FAKE_PINENTRY_LOG"), std::ios::app | std::ios::binary);
  int argc = 0;
  wchar_t** argv = CommandLineToArgvW(GetCommandLineW(), &argc);
  log << "argv";
  for (int i = 1; i < argc; ++i) {
    log << " " << utf8(argv[i]);
  }
  log << "\n" << std::flush;
  const std::string pin = env("SAFERCHAT_FAKE_PINENTRY_PIN");
  std::cout << "OK Pleased to meet you\n" << std::flush;
  std::string line;
  while (std::getline(std::cin, line)) {
    log << line << "\n" << std::flush;
    if (line == "GETPIN") {
      if (pin == "hang") {
        Sleep(INFINITE);
      }
      if (pin == "cancel") {
        std::cout << "ERR 83886179 Operation cancelled <Pinentry>\n" << std::flush;
        continue;
      }
      std::cout << "D " << pin << "\nOK\n" << std::flush;
    } else if (line == "BYE") {
      std::cout << "OK closing connection\n" << std::flush;
      return 0;
    } else {
      std::cout << "OK\n" << std::flush;
    }
  }
  return 0;
}
