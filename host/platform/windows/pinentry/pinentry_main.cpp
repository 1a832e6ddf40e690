// SPDX-License-Identifier: Apache-2.0
// saferchat-pinentry.exe: the Windows PIN dialog. A GUI program that speaks pinentry's Assuan
// subset (assuan_server.hpp) over its standard input and output, started by the host with
// pipes, as pinentry-gtk2 is on Linux.
//
//   saferchat-pinentry.exe [--parent-wid <decimal HWND>]
//
// Threads: a reader thread turns standard input into lines and posts them to a message-only
// window; the UI thread answers them and runs the dialog (a modeless dialog made in memory,
// standard controls only, so that Narrator and the keyboard work as in any Windows dialog).
// End of input (the host or the browser went away) closes the dialog and ends the program.
// The PIN is only ever in the edit control, a wiped buffer and the reply; never logged.
// clang-format off
#include <windows.h>  // first: the other Windows headers need its types
#include <commctrl.h>
#include <shellapi.h>
// clang-format on

#include <algorithm>
#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "platform/platform.hpp"
#include "platform/windows/pinentry/assuan_server.hpp"
#include "platform/windows/wide.hpp"
#include "ui/assuan.hpp"

namespace saferchat::pinentry {
namespace {

// Control identifiers; creation order is the tab order and the order Narrator reads.
constexpr int id_description = 100;
constexpr int id_error = 101;
constexpr int id_prompt = 102;
constexpr int id_pin = 103;
constexpr int id_show_pin = 104;
constexpr UINT msg_line = WM_APP + 1;          // lParam: Line*, owned by the receiver
constexpr UINT msg_end_of_input = WM_APP + 2;  // standard input closed or failed
constexpr UINT_PTR timeout_timer = 1;
constexpr int max_pin_digits = 12;            // a BELPIC PIN has 4 to 12 digits
constexpr wchar_t hidden_character = 0x25CF;  // ●

struct Line {
  std::string text;
  bool too_long = false;
};

// Layout in 96-DPI pixels, scaled to the window's DPI.
constexpr int margin = 16;
constexpr int content_width = 420;
constexpr int gap = 10;
constexpr int pin_width = 150;
constexpr int button_min_width = 88;

bool is_ascii_digit(wchar_t c) noexcept { return c >= L'0' && c <= L'9'; }

// pinentry's button texts: '_' marks the access key ('&' for Windows), "__" is a '_', and a
// '&' of the text shows as one.
std::wstring button_text(const std::string& utf8) {
  const std::wstring text = platform::to_wide(utf8);
  std::wstring out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == L'_' && i + 1 < text.size() && text[i + 1] == L'_') {
      out += L'_';
      ++i;
    } else if (text[i] == L'_') {
      out += L'&';
    } else if (text[i] == L'&') {
      out += L"&&";
    } else {
      out += text[i];
    }
  }
  return out;
}

bool write_all(HANDLE output, const void* data, std::size_t size) noexcept {
  const auto* bytes = static_cast<const std::uint8_t*>(data);
  while (size > 0) {
    DWORD written = 0;
    const auto chunk = static_cast<DWORD>(std::min<std::size_t>(size, 1U << 20U));
    if (WriteFile(output, bytes, chunk, &written, nullptr) == FALSE || written == 0) {
      return false;
    }
    bytes += written;
    size -= written;
  }
  return true;
}

class Program;
Program* program = nullptr;  // the one instance, for the window procedures

class Program {
 public:
  Program(HINSTANCE instance, HWND parent) : instance_(instance), parent_(parent) {}

  int run();

  // The message-only window's procedure: lines and end of input from the reader thread.
  LRESULT on_reader_message(UINT message, LPARAM lparam);
  INT_PTR on_dialog_message(HWND dialog, UINT message, WPARAM wparam, LPARAM lparam);
  HWND dialog() const noexcept { return dialog_; }

 private:
  void read_input() noexcept;
  void process_lines();
  void open_dialog(const DialogRequest& request);
  void create_controls(HWND dialog);
  void layout(const RECT* suggested = nullptr);
  void bring_to_front() const;
  void finish(DialogOutcome outcome);
  void wipe_pin_field() const;
  void toggle_show_pin() const;
  void send(std::string_view text);
  void quit();

  HINSTANCE instance_;
  HWND parent_;
  HWND reader_window_ = nullptr;
  HWND dialog_ = nullptr;
  HFONT font_ = nullptr;
  UINT dpi_ = USER_DEFAULT_SCREEN_DPI;
  HANDLE input_ = GetStdHandle(STD_INPUT_HANDLE);
  HANDLE output_ = GetStdHandle(STD_OUTPUT_HANDLE);
  AssuanServer server_;
  std::optional<DialogRequest> request_;     // the dialog on screen
  std::deque<std::unique_ptr<Line>> lines_;  // read, not yet answered
  bool ending_ = false;
  wchar_t hidden_char_ = hidden_character;
};

LRESULT CALLBACK reader_window_procedure(HWND window, UINT message, WPARAM wparam, LPARAM lparam) {
  if ((message == msg_line || message == msg_end_of_input) && program != nullptr) {
    return program->on_reader_message(message, lparam);
  }
  return DefWindowProcW(window, message, wparam, lparam);
}

INT_PTR CALLBACK dialog_procedure(HWND dialog, UINT message, WPARAM wparam, LPARAM lparam) {
  return program == nullptr ? FALSE : program->on_dialog_message(dialog, message, wparam, lparam);
}

// The PIN field: digits only, whatever way they come. ES_NUMBER refuses typed non-digits;
// this also refuses other scripts' digits, filters what is pasted, and never lets the PIN be
// copied or cut out (even while it is shown).
LRESULT CALLBACK pin_field_procedure(HWND field, UINT message, WPARAM wparam, LPARAM lparam,
                                     UINT_PTR /*id*/, DWORD_PTR /*data*/) {
  switch (message) {
    case WM_CHAR: {
      const auto c = static_cast<wchar_t>(wparam);
      if (c >= L' ' && !is_ascii_digit(c)) {
        MessageBeep(MB_OK);
        return 0;
      }
      break;
    }
    case WM_COPY:
    case WM_CUT:
      return 0;
    case WM_PASTE: {
      std::array<wchar_t, max_pin_digits + 1> digits{};
      std::size_t count = 0;
      if (OpenClipboard(field) != FALSE) {
        if (HANDLE data = GetClipboardData(CF_UNICODETEXT); data != nullptr) {
          if (const auto* text = static_cast<const wchar_t*>(GlobalLock(data)); text != nullptr) {
            for (; *text != L'\0' && count < max_pin_digits; ++text) {
              if (is_ascii_digit(*text)) {
                digits.at(count++) = *text;
              }
            }
            GlobalUnlock(data);
          }
        }
        CloseClipboard();
      }
      if (count > 0) {
        SendMessageW(field, EM_REPLACESEL, TRUE, reinterpret_cast<LPARAM>(digits.data()));
      } else {
        MessageBeep(MB_OK);
      }
      SecureZeroMemory(digits.data(), sizeof(digits));
      return 0;
    }
    default:
      break;
  }
  return DefSubclassProc(field, message, wparam, lparam);
}

void Program::read_input() noexcept {
  // Runs on its own thread; every line goes to the UI thread, then end of input.
  std::array<char, 4096> chunk{};
  auto line = std::make_unique<Line>();
  for (;;) {
    DWORD count = 0;
    if (ReadFile(input_, chunk.data(), static_cast<DWORD>(chunk.size()), &count, nullptr) ==
            FALSE ||
        count == 0) {
      break;  // ERROR_BROKEN_PIPE: the host closed our input
    }
    for (DWORD i = 0; i < count; ++i) {
      const char c = chunk.at(i);
      if (c != '\n') {
        if (line->text.size() + 1 >= assuan_max_line) {
          line->too_long = true;  // keep reading to its end, answer with an error
        } else {
          line->text.push_back(c);
        }
        continue;
      }
      // The UI thread owns the line once the message is posted (on_reader_message).
      Line* sent = line.release();
      if (PostMessageW(reader_window_, msg_line, 0, reinterpret_cast<LPARAM>(sent)) == FALSE) {
        delete sent;  // NOLINT(cppcoreguidelines-owning-memory): the UI thread is gone
        return;
      }
      // NOLINTNEXTLINE(clang-analyzer-cplusplus.NewDeleteLeaks): `sent` is the message's now
      line = std::make_unique<Line>();
    }
  }
  static_cast<void>(PostMessageW(reader_window_, msg_end_of_input, 0, 0));
}

LRESULT Program::on_reader_message(UINT message, LPARAM lparam) {
  if (message == msg_end_of_input) {
    // The host or the browser went away: nobody is left to answer.
    quit();
    return 0;
  }
  // NOLINTNEXTLINE(performance-no-int-to-ptr): the pointer the reader thread posted
  lines_.emplace_back(reinterpret_cast<Line*>(lparam));
  process_lines();
  return 0;
}

// Answers the lines read, up to the next dialog: lines that come while a dialog is open wait
// for it to finish, as they do in pinentry.
void Program::process_lines() {
  while (!ending_ && !request_ && !lines_.empty()) {
    const std::unique_ptr<Line> line = std::move(lines_.front());
    lines_.pop_front();
    AssuanServer::Step step = server_.handle(line->text, line->too_long);
    send(step.reply);
    if (step.bye) {
      quit();
      return;
    }
    if (step.dialog) {
      open_dialog(*step.dialog);
    }
  }
}

void Program::send(std::string_view text) {
  if (!text.empty() && !write_all(output_, text.data(), text.size())) {
    quit();  // the host stopped reading
  }
}

void Program::quit() {
  if (ending_) {
    return;
  }
  ending_ = true;
  if (dialog_ != nullptr) {
    wipe_pin_field();
    DestroyWindow(dialog_);
    dialog_ = nullptr;
  }
  PostQuitMessage(0);
}

// An empty dialog template: the controls are made in WM_INITDIALOG at the window's DPI.
// DLGTEMPLATE, then (all WORDs) no menu, the default class, an empty title.
struct EmptyDialogTemplate {
  DLGTEMPLATE header;
  std::array<WORD, 3> tail;
};

void Program::open_dialog(const DialogRequest& request) {
  request_ = request;
  // Alignment: DLGTEMPLATE must be DWORD aligned; a struct of it is.
  EmptyDialogTemplate layout_template{};
  layout_template.header.style =
      WS_POPUP | WS_CAPTION | WS_SYSMENU | DS_MODALFRAME | DS_NOIDLEMSG | DS_SETFOREGROUND;
  layout_template.header.dwExtendedStyle = WS_EX_DLGMODALFRAME | WS_EX_CONTROLPARENT;
  // The owner: --parent-wid, else OPTION parent-wid; none when it is not a window (any more).
  HWND owner = parent_;
  if (owner == nullptr && server_.parent_window() != 0) {
    // NOLINTNEXTLINE(performance-no-int-to-ptr): a window handle sent as a number
    owner = reinterpret_cast<HWND>(static_cast<std::uintptr_t>(server_.parent_window()));
  }
  // A minimised owner would hide the dialog with it: then the dialog stands alone.
  if (owner != nullptr && (IsWindow(owner) == FALSE || IsIconic(owner) != FALSE)) {
    owner = nullptr;
  }
  dialog_ =
      CreateDialogIndirectParamW(instance_, &layout_template.header, owner, dialog_procedure, 0);
  if (dialog_ == nullptr) {
    // No window could be made: the child saw nothing, so nothing was typed.
    request_.reset();
    const SecureBytes reply = server_.finish_dialog(DialogOutcome::cancelled, {});
    send({reinterpret_cast<const char*>(reply.data()), reply.size()});
    return;
  }
  ShowWindow(dialog_, SW_SHOW);
  bring_to_front();
}

void Program::create_controls(HWND dialog) {
  const DialogRequest& request = *request_;
  const bool asks_pin = request.kind == DialogKind::get_pin;
  const bool two_buttons =
      request.kind == DialogKind::get_pin || request.kind == DialogKind::confirm;
  SetWindowTextW(dialog, platform::to_wide(request.title.empty() ? "PIN" : request.title).c_str());
  const auto make = [this, dialog](const wchar_t* control_class, const std::wstring& text,
                                   DWORD style, int id, DWORD ex_style = 0) {
    // A child window's menu handle is its control identifier.
    // NOLINTNEXTLINE(performance-no-int-to-ptr)
    const auto menu = reinterpret_cast<HMENU>(static_cast<INT_PTR>(id));
    return CreateWindowExW(ex_style, control_class, text.c_str(), WS_CHILD | style, 0, 0, 0, 0,
                           dialog, menu, instance_, nullptr);
  };
  // Static texts: SS_NOPREFIX, so that a '&' in the child's text shows as it is.
  make(WC_STATICW, platform::to_wide(request.description), WS_VISIBLE | SS_LEFT | SS_NOPREFIX,
       id_description);
  make(WC_STATICW, platform::to_wide(request.error),
       (request.error.empty() ? 0U : WS_VISIBLE) | SS_LEFT | SS_NOPREFIX, id_error);
  // The label right before the field: Narrator names the field with it.
  make(WC_STATICW, platform::to_wide(request.prompt.empty() ? "PIN:" : request.prompt),
       (asks_pin ? WS_VISIBLE : 0U) | SS_LEFT | SS_NOPREFIX | SS_CENTERIMAGE, id_prompt);
  HWND field = make(WC_EDITW, L"",
                    (asks_pin ? WS_VISIBLE : 0U) | WS_TABSTOP | WS_BORDER | ES_PASSWORD |
                        ES_NUMBER | ES_AUTOHSCROLL,
                    id_pin, WS_EX_CLIENTEDGE);
  SendMessageW(field, EM_LIMITTEXT, max_pin_digits, 0);
  hidden_char_ = static_cast<wchar_t>(SendMessageW(field, EM_GETPASSWORDCHAR, 0, 0));
  if (hidden_char_ == 0) {
    hidden_char_ = hidden_character;
  }
  SetWindowSubclass(field, pin_field_procedure, 0, 0);
  make(WC_BUTTONW,
       platform::to_wide(request.show_pin.empty() ? "Show the PIN code" : request.show_pin),
       (asks_pin ? WS_VISIBLE : 0U) | WS_TABSTOP | BS_AUTOCHECKBOX, id_show_pin);
  make(WC_BUTTONW, button_text(request.ok.empty() ? "OK" : request.ok),
       WS_VISIBLE | WS_TABSTOP | BS_DEFPUSHBUTTON, IDOK);
  make(WC_BUTTONW, button_text(request.cancel.empty() ? "Cancel" : request.cancel),
       (two_buttons ? WS_VISIBLE : 0U) | WS_TABSTOP | BS_PUSHBUTTON, IDCANCEL);
  if (request.timeout_seconds > 0) {
    const auto milliseconds =
        std::min<std::uint64_t>(std::uint64_t{request.timeout_seconds} * 1000U, USER_TIMER_MAXIMUM);
    SetTimer(dialog, timeout_timer, static_cast<UINT>(milliseconds), nullptr);
  }
}

// Places the controls for the window's DPI, with the message font of that DPI (the user's
// text size included), and sizes the window around them: centred on the owner the first time,
// at Windows' `suggested` place when the DPI changed.
void Program::layout(const RECT* suggested) {
  dpi_ = GetDpiForWindow(dialog_);
  if (dpi_ == 0) {
    dpi_ = USER_DEFAULT_SCREEN_DPI;
  }
  const auto scale = [this](int value) { return MulDiv(value, static_cast<int>(dpi_), 96); };
  NONCLIENTMETRICSW metrics{};
  metrics.cbSize = sizeof(metrics);
  if (SystemParametersInfoForDpi(SPI_GETNONCLIENTMETRICS, sizeof(metrics), &metrics, 0, dpi_) ==
      FALSE) {
    SystemParametersInfoW(SPI_GETNONCLIENTMETRICS, sizeof(metrics), &metrics, 0);
  }
  // A little larger than the system's message font: the reader may be 9 years old.
  metrics.lfMessageFont.lfHeight = MulDiv(metrics.lfMessageFont.lfHeight, 5, 4);
  HFONT font = CreateFontIndirectW(&metrics.lfMessageFont);
  for (const int id : {id_description, id_error, id_prompt, id_pin, id_show_pin, IDOK, IDCANCEL}) {
    SendDlgItemMessageW(dialog_, id, WM_SETFONT, reinterpret_cast<WPARAM>(font), FALSE);
  }
  if (font_ != nullptr) {
    DeleteObject(font_);
  }
  font_ = font;

  HDC dc = GetDC(dialog_);
  HGDIOBJ old_font = SelectObject(dc, font_);
  TEXTMETRICW text_metrics{};
  GetTextMetricsW(dc, &text_metrics);
  const int line_height = text_metrics.tmHeight;
  const auto text_of = [this](int id) {
    HWND control = GetDlgItem(dialog_, id);
    std::wstring text(static_cast<std::size_t>(GetWindowTextLengthW(control)) + 1, L'\0');
    text.resize(static_cast<std::size_t>(
        GetWindowTextW(control, text.data(), static_cast<int>(text.size()))));
    return text;
  };
  const auto height_of = [dc, &text_of](int id, int width) {
    std::wstring text = text_of(id);
    RECT rect{0, 0, width, 0};
    DrawTextW(dc, text.c_str(), static_cast<int>(text.size()), &rect,
              DT_CALCRECT | DT_WORDBREAK | DT_NOPREFIX | DT_EDITCONTROL);
    return static_cast<int>(rect.bottom - rect.top);
  };
  const auto width_of = [dc, &text_of](int id) {
    std::wstring text = text_of(id);
    SIZE size{};
    GetTextExtentPoint32W(dc, text.c_str(), static_cast<int>(text.size()), &size);
    return static_cast<int>(size.cx);
  };
  const int left = scale(margin);
  const int width = scale(content_width);
  int y = scale(margin);
  const auto place = [this](int id, int x, int top, int w, int h) {
    SetWindowPos(GetDlgItem(dialog_, id), nullptr, x, top, w, h, SWP_NOZORDER | SWP_NOACTIVATE);
  };
  const int description_height = height_of(id_description, width);
  place(id_description, left, y, width, description_height);
  y += description_height + scale(gap);
  if (!request_->error.empty()) {
    const int error_height = height_of(id_error, width);
    place(id_error, left, y, width, error_height);
    y += error_height + scale(gap);
  }
  if (request_->kind == DialogKind::get_pin) {
    const int field_height = line_height + scale(10);
    const int prompt_width = width_of(id_prompt) + scale(4);
    place(id_prompt, left, y, prompt_width, field_height);
    const int field_left = left + prompt_width + scale(8);
    place(id_pin, field_left, y, scale(pin_width), field_height);
    y += field_height + scale(6);
    const int box_height = line_height + scale(6);
    place(id_show_pin, field_left, y, std::min(width_of(id_show_pin) + scale(28), width),
          box_height);
    y += box_height + scale(gap);
  }
  y += scale(gap);
  const int button_height = line_height + scale(14);
  const bool two_buttons =
      request_->kind == DialogKind::get_pin || request_->kind == DialogKind::confirm;
  const int ok_width = std::max(width_of(IDOK) + scale(32), scale(button_min_width));
  const int cancel_width = std::max(width_of(IDCANCEL) + scale(32), scale(button_min_width));
  int right = left + width;
  if (two_buttons) {
    place(IDCANCEL, right - cancel_width, y, cancel_width, button_height);
    right -= cancel_width + scale(8);
  }
  place(IDOK, right - ok_width, y, ok_width, button_height);
  y += button_height + scale(margin);
  SelectObject(dc, old_font);
  ReleaseDC(dialog_, dc);

  // The window around that client area, centred on the owner (the browser), else on the
  // monitor's work area.
  RECT frame{0, 0, left + width + scale(margin), y};
  const auto style = static_cast<DWORD>(GetWindowLongPtrW(dialog_, GWL_STYLE));
  const auto ex_style = static_cast<DWORD>(GetWindowLongPtrW(dialog_, GWL_EXSTYLE));
  AdjustWindowRectExForDpi(&frame, style, FALSE, ex_style, dpi_);
  const int frame_width = frame.right - frame.left;
  const int frame_height = frame.bottom - frame.top;
  if (suggested != nullptr) {
    SetWindowPos(dialog_, nullptr, suggested->left, suggested->top, frame_width, frame_height,
                 SWP_NOZORDER | SWP_NOACTIVATE);
    return;
  }
  HWND owner = GetWindow(dialog_, GW_OWNER);
  MONITORINFO monitor{};
  monitor.cbSize = sizeof(monitor);
  GetMonitorInfoW(MonitorFromWindow(owner != nullptr ? owner : dialog_, MONITOR_DEFAULTTOPRIMARY),
                  &monitor);
  RECT around = monitor.rcWork;
  if (owner != nullptr && IsIconic(owner) == FALSE) {
    GetWindowRect(owner, &around);
  }
  int x = (around.left + around.right - frame_width) / 2;
  int top = (around.top + around.bottom - frame_height) / 3;
  x = std::clamp(x, static_cast<int>(monitor.rcWork.left),
                 std::max(static_cast<int>(monitor.rcWork.left),
                          static_cast<int>(monitor.rcWork.right) - frame_width));
  top = std::clamp(top, static_cast<int>(monitor.rcWork.top),
                   std::max(static_cast<int>(monitor.rcWork.top),
                            static_cast<int>(monitor.rcWork.bottom) - frame_height));
  SetWindowPos(dialog_, nullptr, x, top, frame_width, frame_height, SWP_NOZORDER | SWP_NOACTIVATE);
}

// Above the browser: an owned window stays above its owner; SetForegroundWindow is allowed
// when the browser (the foreground) started us through the host, and Windows refuses it
// otherwise, so the taskbar button flashes instead (docs/windows.md: only a real PC shows
// which happens).
void Program::bring_to_front() const {
  SetWindowPos(dialog_, HWND_TOPMOST, 0, 0, 0, 0, SWP_NOMOVE | SWP_NOSIZE);
  SetWindowPos(dialog_, HWND_NOTOPMOST, 0, 0, 0, 0, SWP_NOMOVE | SWP_NOSIZE);
  if (SetForegroundWindow(dialog_) == FALSE || GetForegroundWindow() != dialog_) {
    HWND foreground = GetForegroundWindow();
    const DWORD foreground_thread =
        foreground == nullptr ? 0 : GetWindowThreadProcessId(foreground, nullptr);
    const DWORD own_thread = GetCurrentThreadId();
    if (foreground_thread != 0 && foreground_thread != own_thread &&
        AttachThreadInput(own_thread, foreground_thread, TRUE) != FALSE) {
      BringWindowToTop(dialog_);
      SetForegroundWindow(dialog_);
      AttachThreadInput(own_thread, foreground_thread, FALSE);
    }
  }
  if (GetForegroundWindow() != dialog_) {
    FLASHWINFO flash{};
    flash.cbSize = sizeof(flash);
    flash.hwnd = dialog_;
    flash.dwFlags = FLASHW_ALL | FLASHW_TIMERNOFG;
    FlashWindowEx(&flash);
  }
}

void Program::toggle_show_pin() const {
  const bool show = IsDlgButtonChecked(dialog_, id_show_pin) == BST_CHECKED;
  HWND field = GetDlgItem(dialog_, id_pin);
  SendMessageW(field, EM_SETPASSWORDCHAR, show ? 0 : hidden_char_, 0);
  InvalidateRect(field, nullptr, TRUE);
  SetFocus(field);
}

// Overwrites the field's text in place (the edit control reuses its buffer for a text of the
// same length), then empties it and its undo buffer.
void Program::wipe_pin_field() const {
  HWND field = GetDlgItem(dialog_, id_pin);
  if (field == nullptr) {
    return;
  }
  const int length = GetWindowTextLengthW(field);
  if (length > 0) {
    const std::wstring zeros(static_cast<std::size_t>(length), L'0');
    SetWindowTextW(field, zeros.c_str());
  }
  SetWindowTextW(field, L"");
  SendMessageW(field, EM_EMPTYUNDOBUFFER, 0, 0);
}

void Program::finish(DialogOutcome outcome) {
  if (!request_ || dialog_ == nullptr) {
    return;
  }
  KillTimer(dialog_, timeout_timer);
  SecureBytes pin;
  if (outcome == DialogOutcome::ok && request_->kind == DialogKind::get_pin) {
    std::array<wchar_t, max_pin_digits + 2> typed{};
    const auto length = static_cast<int>(
        GetDlgItemTextW(dialog_, id_pin, typed.data(), static_cast<int>(typed.size())));
    pin.reserve(max_pin_digits);
    for (int i = 0; i < length; ++i) {
      if (is_ascii_digit(typed.at(static_cast<std::size_t>(i)))) {
        pin.push_back(static_cast<std::uint8_t>(typed.at(static_cast<std::size_t>(i))));
      }
    }
    SecureZeroMemory(typed.data(), sizeof(typed));
  }
  wipe_pin_field();
  HWND closing = std::exchange(dialog_, nullptr);
  request_.reset();
  DestroyWindow(closing);
  const SecureBytes reply = server_.finish_dialog(outcome, pin);
  if (!write_all(output_, reply.data(), reply.size())) {
    quit();
    return;
  }
  process_lines();
}

INT_PTR Program::on_dialog_message(HWND dialog, UINT message, WPARAM wparam, LPARAM lparam) {
  switch (message) {
    case WM_INITDIALOG: {
      dialog_ = dialog;
      create_controls(dialog);
      layout();
      const int focus = request_->kind == DialogKind::get_pin ? id_pin : IDOK;
      SetFocus(GetDlgItem(dialog, focus));
      return FALSE;  // the focus is set
    }
    case WM_DPICHANGED: {
      // Moved to a monitor of another scale: a font and a layout for the new DPI.
      // NOLINTNEXTLINE(performance-no-int-to-ptr): the suggested rectangle
      layout(reinterpret_cast<const RECT*>(lparam));
      return TRUE;
    }
    case WM_CTLCOLORSTATIC:
      // NOLINTNEXTLINE(performance-no-int-to-ptr): the control
      if (GetDlgCtrlID(reinterpret_cast<HWND>(lparam)) == id_error) {
        // NOLINTNEXTLINE(performance-no-int-to-ptr): its device context
        auto dc = reinterpret_cast<HDC>(wparam);
        // Dark red: readable on the dialog's background; the system colour in high contrast.
        HIGHCONTRASTW contrast{};
        contrast.cbSize = sizeof(contrast);
        const bool high_contrast =
            SystemParametersInfoW(SPI_GETHIGHCONTRAST, sizeof(contrast), &contrast, 0) != FALSE &&
            (contrast.dwFlags & HCF_HIGHCONTRASTON) != 0;
        SetTextColor(dc, high_contrast ? GetSysColor(COLOR_WINDOWTEXT) : RGB(0xB0, 0x00, 0x20));
        SetBkMode(dc, TRANSPARENT);
        return reinterpret_cast<INT_PTR>(GetSysColorBrush(COLOR_BTNFACE));
      }
      return FALSE;
    case WM_TIMER:
      if (wparam == timeout_timer) {
        finish(DialogOutcome::timed_out);
        return TRUE;
      }
      return FALSE;
    case WM_COMMAND:
      switch (LOWORD(wparam)) {
        case IDOK:
          finish(DialogOutcome::ok);
          return TRUE;
        case IDCANCEL:  // Stop, Escape, the window's close box
          if (request_ && request_->kind == DialogKind::message) {
            finish(DialogOutcome::ok);  // a message has nothing to cancel
          } else {
            finish(DialogOutcome::cancelled);
          }
          return TRUE;
        case id_show_pin:
          if (HIWORD(wparam) == BN_CLICKED) {
            toggle_show_pin();
          }
          return TRUE;
        default:
          return FALSE;
      }
    case WM_DESTROY:
      if (font_ != nullptr) {
        DeleteObject(font_);
        font_ = nullptr;
      }
      return FALSE;
    default:
      return FALSE;
  }
}

int Program::run() {
  INITCOMMONCONTROLSEX controls{};
  controls.dwSize = sizeof(controls);
  controls.dwICC = ICC_STANDARD_CLASSES;
  InitCommonControlsEx(&controls);

  WNDCLASSEXW window_class{};
  window_class.cbSize = sizeof(window_class);
  window_class.lpfnWndProc = reader_window_procedure;
  window_class.hInstance = instance_;
  window_class.lpszClassName = L"SaferChatPinentryInput";
  if (RegisterClassExW(&window_class) == 0) {
    return 2;
  }
  reader_window_ = CreateWindowExW(0, window_class.lpszClassName, L"", 0, 0, 0, 0, 0, HWND_MESSAGE,
                                   nullptr, instance_, nullptr);
  if (reader_window_ == nullptr || input_ == nullptr || input_ == INVALID_HANDLE_VALUE ||
      output_ == nullptr || output_ == INVALID_HANDLE_VALUE) {
    return 2;
  }
  send(AssuanServer::greeting());
  std::thread reader([this] { read_input(); });
  reader.detach();  // blocked in ReadFile until input ends; the process ends without it

  MSG message{};
  while (GetMessageW(&message, nullptr, 0, 0) > 0) {
    if (dialog_ != nullptr && IsDialogMessageW(dialog_, &message) != FALSE) {
      continue;
    }
    TranslateMessage(&message);
    DispatchMessageW(&message);
  }
  return 0;
}

// --parent-wid <decimal HWND> or --parent-wid=<decimal HWND>: the owner window. Unknown
// options are refused: exit status 2.
std::optional<HWND> parse_arguments(int count, wchar_t** arguments) {
  HWND parent = nullptr;
  for (int i = 1; i < count; ++i) {
    const std::string argument = platform::to_utf8(arguments[i]);
    std::string value;
    if (argument == "--parent-wid" && i + 1 < count) {
      value = platform::to_utf8(arguments[++i]);
    } else if (argument.starts_with("--parent-wid=")) {
      value = argument.substr(std::string_view("--parent-wid=").size());
    } else {
      return std::nullopt;
    }
    const std::optional<std::uint64_t> handle = parse_window_handle(value);
    if (!handle) {
      return std::nullopt;
    }
    // NOLINTNEXTLINE(performance-no-int-to-ptr): a window handle passed as a number
    parent = reinterpret_cast<HWND>(static_cast<std::uintptr_t>(*handle));
  }
  return parent;
}

}  // namespace
}  // namespace saferchat::pinentry

int WINAPI wWinMain(HINSTANCE instance, HINSTANCE /*previous*/, PWSTR /*command_line*/,
                    int /*show*/) {
  using saferchat::pinentry::Program;
  int count = 0;
  wchar_t** arguments = CommandLineToArgvW(GetCommandLineW(), &count);
  const std::optional<HWND> parent = arguments == nullptr
                                         ? std::optional<HWND>(nullptr)
                                         : saferchat::pinentry::parse_arguments(count, arguments);
  LocalFree(arguments);
  if (!parent) {
    static constexpr std::string_view usage =
        "usage: saferchat-pinentry.exe [--parent-wid <decimal window handle>]\n";
    static_cast<void>(
        saferchat::pinentry::write_all(GetStdHandle(STD_ERROR_HANDLE), usage.data(), usage.size()));
    return 2;
  }
  Program instance_program(instance, *parent);
  saferchat::pinentry::program = &instance_program;
  const int status = instance_program.run();
  saferchat::pinentry::program = nullptr;
  // The reader thread may still be blocked in ReadFile: end the process, not just main.
  ExitProcess(static_cast<UINT>(status));
}
