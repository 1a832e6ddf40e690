// SPDX-License-Identifier: Apache-2.0
// A test helper run under Wine beside saferchat-pinentry.exe: it reads the dialog back as the
// child's screen reader would (the window and its standard controls, their texts as UTF-8),
// stands in for the browser's window (an owner for --parent-wid) and puts text on the
// clipboard. Commands on standard input, one per line; every answer ends with a line ".".
//
//   dump <title>    waits (20 s at most) for a visible dialog with that title (and 5 s more for
//                   it to become the foreground window), then prints
//                   window<TAB>hwnd<TAB>owner<TAB>foreground(0|1)<TAB>DPI<TAB>client width
//                   <TAB>title and one line per
//                   control: control<TAB>id<TAB>class<TAB>visible<TAB>checked<TAB>
//                   password char<TAB>style<TAB>text ("none" when it does not come)
//   gone <title>    waits (20 s at most) until no visible window has that title: gone|present
//   owner           makes a visible window "Browser stand-in"; prints its handle (decimal)
//   clip <text>     puts <text> on the clipboard: ok|failed
//
// Texts are escaped: \ as \\, LF as \n, CR as \r, TAB as \t.
// clang-format off
#include <windows.h>
// clang-format on

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "platform/windows/wide.hpp"

namespace {

using saferchat::platform::to_utf8;
using saferchat::platform::to_wide;

HANDLE output = GetStdHandle(STD_OUTPUT_HANDLE);

void print(const std::string& text) {
  DWORD written = 0;
  WriteFile(output, text.data(), static_cast<DWORD>(text.size()), &written, nullptr);
}

std::string escaped(const std::wstring& text) {
  std::string out;
  for (const char c : to_utf8(text)) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::wstring text_of(HWND window) {
  std::wstring text(static_cast<std::size_t>(GetWindowTextLengthW(window)) + 1, L'\0');
  text.resize(
      static_cast<std::size_t>(GetWindowTextW(window, text.data(), static_cast<int>(text.size()))));
  return text;
}

std::string number(HWND window) { return std::to_string(reinterpret_cast<std::uintptr_t>(window)); }

HWND find_visible(const std::wstring& title) {
  HWND found = FindWindowW(L"#32770", title.c_str());
  return found != nullptr && IsWindowVisible(found) != FALSE ? found : nullptr;
}

HWND wait_for(const std::wstring& title, bool present) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (;;) {
    HWND found = find_visible(title);
    if ((found != nullptr) == present || std::chrono::steady_clock::now() >= until) {
      return found;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

BOOL CALLBACK print_control(HWND control, LPARAM /*unused*/) {
  std::array<wchar_t, 64> class_name{};
  GetClassNameW(control, class_name.data(), static_cast<int>(class_name.size()));
  const std::wstring name(class_name.data());
  const bool is_edit = _wcsicmp(name.c_str(), L"Edit") == 0;
  const bool is_button = _wcsicmp(name.c_str(), L"Button") == 0;
  const auto style = static_cast<std::uint32_t>(GetWindowLongPtrW(control, GWL_STYLE));
  std::array<char, 16> style_text{};
  wsprintfA(style_text.data(), "%08lx", static_cast<unsigned long>(style));
  print("control\t" + std::to_string(GetDlgCtrlID(control)) + "\t" + to_utf8(name) + "\t" +
        (IsWindowVisible(control) != FALSE ? "1" : "0") + "\t" +
        (is_button ? std::to_string(SendMessageW(control, BM_GETCHECK, 0, 0)) : "-") + "\t" +
        (is_edit ? std::to_string(SendMessageW(control, EM_GETPASSWORDCHAR, 0, 0)) : "-") + "\t" +
        style_text.data() + "\t" +
        // A password field does not give its text to other processes: nothing to read there.
        (is_edit ? std::string() : escaped(text_of(control))) + "\n");
  return TRUE;
}

LRESULT CALLBACK owner_procedure(HWND window, UINT message, WPARAM wparam, LPARAM lparam) {
  return DefWindowProcW(window, message, wparam, lparam);
}

// The browser stand-in lives on its own thread with its own message loop.
HWND make_owner() {
  HWND made = nullptr;
  HANDLE ready = CreateEventW(nullptr, TRUE, FALSE, nullptr);
  std::thread([&made, ready] {
    WNDCLASSEXW window_class{};
    window_class.cbSize = sizeof(window_class);
    window_class.lpfnWndProc = owner_procedure;
    window_class.hInstance = GetModuleHandleW(nullptr);
    window_class.hbrBackground = GetSysColorBrush(COLOR_APPWORKSPACE);
    window_class.lpszClassName = L"SaferChatBrowserStandIn";
    RegisterClassExW(&window_class);
    made = CreateWindowExW(0, window_class.lpszClassName, L"Browser stand-in",
                           WS_OVERLAPPEDWINDOW | WS_VISIBLE, 40, 40, 900, 600, nullptr, nullptr,
                           window_class.hInstance, nullptr);
    SetEvent(ready);
    MSG message{};
    while (GetMessageW(&message, nullptr, 0, 0) > 0) {
      TranslateMessage(&message);
      DispatchMessageW(&message);
    }
  }).detach();
  WaitForSingleObject(ready, 10000);
  CloseHandle(ready);
  return made;
}

bool put_on_clipboard(const std::wstring& text) {
  if (OpenClipboard(nullptr) == FALSE) {
    return false;
  }
  EmptyClipboard();
  const std::size_t size = (text.size() + 1) * sizeof(wchar_t);
  HGLOBAL memory = GlobalAlloc(GMEM_MOVEABLE, size);
  bool done = false;
  if (memory != nullptr) {
    std::memcpy(GlobalLock(memory), text.c_str(), size);
    GlobalUnlock(memory);
    done = SetClipboardData(CF_UNICODETEXT, memory) != nullptr;
  }
  CloseClipboard();
  return done;
}

}  // namespace

int wmain() {
  HANDLE input = GetStdHandle(STD_INPUT_HANDLE);
  std::string line;
  for (;;) {
    char c = 0;
    DWORD count = 0;
    if (ReadFile(input, &c, 1, &count, nullptr) == FALSE || count == 0) {
      return 0;
    }
    if (c != '\n') {
      line += c;
      continue;
    }
    const std::size_t space = line.find(' ');
    const std::string command = line.substr(0, space);
    const std::wstring argument =
        space == std::string::npos ? std::wstring() : to_wide(line.substr(space + 1));
    line.clear();
    if (command == "dump") {
      HWND dialog = wait_for(argument, true);
      if (dialog == nullptr) {
        print("none\n");
      } else {
        // The dialog shows itself, then asks to be the foreground window: give it a moment.
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (GetForegroundWindow() != dialog && std::chrono::steady_clock::now() < until) {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        RECT client{};
        GetClientRect(dialog, &client);
        print("window\t" + number(dialog) + "\t" + number(GetWindow(dialog, GW_OWNER)) + "\t" +
              (GetForegroundWindow() == dialog ? "1" : "0") + "\t" +
              std::to_string(GetDpiForWindow(dialog)) + "\t" + std::to_string(client.right) + "\t" +
              escaped(text_of(dialog)) + "\n");
        EnumChildWindows(dialog, print_control, 0);
      }
    } else if (command == "gone") {
      print(wait_for(argument, false) == nullptr ? "gone\n" : "present\n");
    } else if (command == "owner") {
      print(number(make_owner()) + "\n");
    } else if (command == "clip") {
      print(put_on_clipboard(argument) ? "ok\n" : "failed\n");
    } else {
      print("unknown command\n");
    }
    print(".\n");
  }
}
