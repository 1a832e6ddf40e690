// clang-format off
#include <windows.h>  // first: the other Windows headers need its types
#include <fcntl.h>
#include <io.h>
#include <process.h>
#include <shlobj.h>
#include <sys/stat.h>
#include <winsmcrd.h>
// clang-format on

#include <algorithm>
#include <array>
#include <climits>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <system_error>

#include "platform/platform.hpp"
#include "platform/windows/wide.hpp"

namespace saferchat::platform {

std::wstring to_wide(std::string_view utf8) {
  if (utf8.empty()) {
    return {};
  }
  const int size =
      MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  std::wstring wide(static_cast<std::size_t>(size > 0 ? size : 0), L'\0');
  static_cast<void>(MultiByteToWideChar(CP_UTF8, 0, utf8.data(), static_cast<int>(utf8.size()),
                                        wide.data(), size));
  return wide;
}

std::string to_utf8(std::wstring_view wide) {
  if (wide.empty()) {
    return {};
  }
  const int size = WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()),
                                       nullptr, 0, nullptr, nullptr);
  std::string utf8(static_cast<std::size_t>(size > 0 ? size : 0), '\0');
  static_cast<void>(WideCharToMultiByte(CP_UTF8, 0, wide.data(), static_cast<int>(wide.size()),
                                        utf8.data(), size, nullptr, nullptr));
  return utf8;
}

void wipe(void* data, std::size_t size) noexcept { SecureZeroMemory(data, size); }

void prepare_stdio() noexcept {
  // The C runtime opens them in text mode: CR LF translation and Ctrl-Z as end of input would
  // corrupt the frames' length prefixes (docs/protocol.md §2). Fails only for a closed fd.
  static_cast<void>(_setmode(_fileno(stdin), _O_BINARY));
  static_cast<void>(_setmode(_fileno(stdout), _O_BINARY));
}

std::ptrdiff_t read_fd(int fd, void* data, std::size_t size) noexcept {
  // A closed pipe (ERROR_BROKEN_PIPE) reads as 0, end of input, in the C runtime.
  return _read(fd, data, static_cast<unsigned>(std::min<std::size_t>(size, INT_MAX)));
}

std::ptrdiff_t write_fd(int fd, const void* data, std::size_t size) noexcept {
  return _write(fd, data, static_cast<unsigned>(std::min<std::size_t>(size, INT_MAX)));
}

std::string state_dir() {
  // The user's local (not roaming) application data: C:\Users\<name>\AppData\Local. The name
  // may be anything Unicode (Zoë): wide calls throughout.
  const wchar_t* local = _wgetenv(L"LOCALAPPDATA");
  std::wstring base = local != nullptr ? std::wstring(local) : std::wstring();
  if (base.empty()) {
    PWSTR known = nullptr;
    if (SHGetKnownFolderPath(FOLDERID_LocalAppData, 0, nullptr, &known) == S_OK) {
      base = known;
    }
    CoTaskMemFree(known);  // also when the call failed (documented)
  }
  return base.empty() ? std::string() : to_utf8(base) + "\\SaferChat";
}

char path_separator() noexcept { return '\\'; }

int open_log_file(const std::string& path, std::size_t rotate_above) noexcept {
  try {
    const std::filesystem::path file(to_wide(path));
    std::error_code error;
    // The folders inherit %LOCALAPPDATA%'s ACL: the user's own.
    std::filesystem::create_directories(file.parent_path(), error);
    if (const auto size = std::filesystem::file_size(file, error); !error && size > rotate_above) {
      // Keep one previous generation; a failed rename only means the file keeps growing.
      std::filesystem::rename(file, file.native() + L".1", error);
    }
    return _wopen(file.c_str(), _O_WRONLY | _O_CREAT | _O_APPEND | _O_BINARY | _O_NOINHERIT,
                  _S_IREAD | _S_IWRITE);
  } catch (...) {
    return -1;  // out of memory
  }
}

std::string os_language() {
  // "nl-BE" → "nl_BE", the form choose_language() reads from LANG.
  std::array<wchar_t, LOCALE_NAME_MAX_LENGTH> name{};
  if (LCIDToLocaleName(MAKELCID(GetUserDefaultUILanguage(), SORT_DEFAULT), name.data(),
                       static_cast<int>(name.size()), 0) == 0) {
    return {};
  }
  std::string locale = to_utf8(name.data());
  for (char& c : locale) {
    c = c == '-' ? '_' : c;
  }
  return locale;
}

int process_id() noexcept { return _getpid(); }

std::uint32_t scard_ctl_code(std::uint32_t function) noexcept {
  return static_cast<std::uint32_t>(SCARD_CTL_CODE(function));
}

std::tm utc_time(std::time_t seconds) noexcept {
  std::tm utc{};
  static_cast<void>(gmtime_s(&utc, &seconds));
  return utc;
}

}  // namespace saferchat::platform
