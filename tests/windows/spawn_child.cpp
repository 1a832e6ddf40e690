// SPDX-License-Identifier: Apache-2.0
// A small Windows program for child_process_test (not the PIN dialog): what it was started
// with, as it sees it.
//   spawn-child echo            each line of standard input back as "got <line>", then "eof"
//   spawn-child args ARG...     each argument (CommandLineToArgvW) as UTF-8, one per line
//   spawn-child set-event VALUE SetEvent on the handle VALUE (decimal): "set" or "failed"
//   spawn-child std             "stdin <type> stdout <type> stderr <type>" (GetFileType, or none)
//   spawn-child wait            "ready", then waits forever
// clang-format off
#include <windows.h>
#include <shellapi.h>
#include <fcntl.h>
#include <io.h>
// clang-format on

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

namespace {

std::string utf8(const wchar_t* wide) {
  const int size = WideCharToMultiByte(CP_UTF8, 0, wide, -1, nullptr, 0, nullptr, nullptr);
  std::string out(static_cast<std::size_t>(size > 0 ? size - 1 : 0), '\0');
  WideCharToMultiByte(CP_UTF8, 0, wide, -1, out.data(), size, nullptr, nullptr);
  return out;
}

const char* type_of(DWORD which) {
  const HANDLE handle = GetStdHandle(which);
  if (handle == nullptr || handle == INVALID_HANDLE_VALUE) {
    return "none";
  }
  switch (GetFileType(handle)) {
    case FILE_TYPE_PIPE:
      return "pipe";
    case FILE_TYPE_CHAR:
      return "char";
    case FILE_TYPE_DISK:
      return "disk";
    default:
      return "unknown";
  }
}

}  // namespace

int main() {
  // Binary, as the PIN dialog must be: text mode would end lines with CR LF.
  static_cast<void>(_setmode(_fileno(stdin), _O_BINARY));
  static_cast<void>(_setmode(_fileno(stdout), _O_BINARY));
  int argc = 0;
  wchar_t** argv = CommandLineToArgvW(GetCommandLineW(), &argc);
  if (argv == nullptr || argc < 2) {
    return 2;
  }
  const std::string mode = utf8(argv[1]);
  if (mode == "echo") {
    std::string line;
    while (std::getline(std::cin, line)) {
      std::cout << "got " << line << "\n" << std::flush;
    }
    std::cout << "eof\n" << std::flush;
    return 0;
  }
  if (mode == "args") {
    for (int i = 2; i < argc; ++i) {
      std::cout << utf8(argv[i]) << "\n";
    }
    std::cout << std::flush;
    return 0;
  }
  if (mode == "set-event" && argc == 3) {
    // An event of the parent's that was not inherited is no handle here (or another object).
    const auto value =
        static_cast<std::uintptr_t>(std::strtoull(utf8(argv[2]).c_str(), nullptr, 10));
    const bool set = SetEvent(reinterpret_cast<HANDLE>(value)) != 0;
    std::cout << (set ? "set" : "failed") << "\n" << std::flush;
    return 0;
  }
  if (mode == "std") {
    std::cout << "stdin " << type_of(STD_INPUT_HANDLE) << " stdout " << type_of(STD_OUTPUT_HANDLE)
              << " stderr " << type_of(STD_ERROR_HANDLE) << "\n"
              << std::flush;
    return 0;
  }
  if (mode == "wait") {
    std::cout << "ready\n" << std::flush;
    Sleep(INFINITE);
  }
  return 2;
}
