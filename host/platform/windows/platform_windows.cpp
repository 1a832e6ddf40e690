// SPDX-License-Identifier: Apache-2.0
// clang-format off
#include <windows.h>  // first: the other Windows headers need its types
#include <fcntl.h>
#include <io.h>
#include <process.h>
#include <shellapi.h>
#include <shlobj.h>
#include <sys/stat.h>
#include <winsmcrd.h>
// clang-format on

#include <algorithm>
#include <array>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <system_error>

#include "platform/platform.hpp"
#include "platform/windows/wide.hpp"

namespace saferchat::platform {
namespace {

// The Win32 handle behind a C runtime descriptor: _get_osfhandle gives it as an intptr_t, so the
// integer-to-pointer cast is the API's.
HANDLE os_handle(int fd) noexcept {
  return reinterpret_cast<HANDLE>(_get_osfhandle(fd));  // NOLINT(performance-no-int-to-ptr)
}

}  // namespace

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

std::optional<std::string> to_utf8_exact(std::wstring_view wide) {
  if (wide.empty()) {
    return std::string();
  }
  // WC_ERR_INVALID_CHARS: an unpaired surrogate fails (ERROR_NO_UNICODE_TRANSLATION).
  const int size = WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, wide.data(),
                                       static_cast<int>(wide.size()), nullptr, 0, nullptr, nullptr);
  if (size <= 0) {
    return std::nullopt;
  }
  std::string utf8(static_cast<std::size_t>(size), '\0');
  if (WideCharToMultiByte(CP_UTF8, WC_ERR_INVALID_CHARS, wide.data(), static_cast<int>(wide.size()),
                          utf8.data(), size, nullptr, nullptr) != size) {
    return std::nullopt;
  }
  return utf8;
}

std::optional<std::vector<std::string>> utf8_arguments(int argc, const wchar_t* const* argv) {
  std::vector<std::string> arguments;
  for (int i = 1; i < argc; ++i) {
    std::optional<std::string> argument = to_utf8_exact(argv[i]);
    if (!argument) {
      return std::nullopt;
    }
    arguments.push_back(std::move(*argument));
  }
  return arguments;
}

std::optional<std::string> environment_variable(const char* name) {
  const std::wstring wide_name = to_wide(name);
  // The process's own environment block (the one children inherit), in UTF-16. The size
  // counts the terminating null; 0 with ERROR_ENVVAR_NOT_FOUND means not set, 0 otherwise an
  // empty value. Another thread may grow the value between the calls: ask again.
  std::wstring value(64, L'\0');
  for (;;) {
    SetLastError(ERROR_SUCCESS);
    const DWORD length =
        GetEnvironmentVariableW(wide_name.c_str(), value.data(), static_cast<DWORD>(value.size()));
    if (length == 0) {
      if (GetLastError() == ERROR_ENVVAR_NOT_FOUND) {
        return std::nullopt;
      }
      return std::string();
    }
    if (length < value.size()) {
      value.resize(length);
      return to_utf8_exact(value);
    }
    value.resize(length);  // too small: `length` is the size needed, null included
  }
}

std::optional<std::vector<std::string>> command_line_arguments(int /*argc*/, char** /*argv*/) {
  int count = 0;
  wchar_t** wide = CommandLineToArgvW(GetCommandLineW(), &count);
  if (wide == nullptr) {
    return std::nullopt;
  }
  std::optional<std::vector<std::string>> arguments = utf8_arguments(count, wide);
  LocalFree(static_cast<HLOCAL>(wide));
  return arguments;
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
  // WriteFile on the descriptor's handle (binary mode: the C runtime would add nothing), so
  // that the Win32 error is ours to read: a pipe whose reader went away fails with
  // ERROR_NO_DATA ("the pipe is being closed"), ERROR_BROKEN_PIPE or (Wine, over a Unix pipe)
  // ERROR_PIPE_NOT_CONNECTED, which the C runtime reports as EINVAL; it is POSIX's EPIPE: the
  // browser is gone.
  const auto handle = os_handle(fd);
  if (handle == INVALID_HANDLE_VALUE) {
    errno = EBADF;
    return -1;
  }
  DWORD written = 0;
  if (WriteFile(handle, data, static_cast<DWORD>(std::min<std::size_t>(size, INT_MAX)), &written,
                nullptr) == 0) {
    const DWORD error = GetLastError();
    errno =
        error == ERROR_NO_DATA || error == ERROR_BROKEN_PIPE || error == ERROR_PIPE_NOT_CONNECTED
            ? EPIPE
            : EIO;
    return -1;
  }
  return static_cast<std::ptrdiff_t>(written);
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

namespace {

// Why the folder or file at `path` is not safe to write a log into ("" when it is, or when a
// file does not exist yet): a reparse point (a symbolic link or junction another program made)
// could point the log at a file of ours elsewhere.
std::string unsafe(const std::wstring& path, const std::string& what, bool folder) {
  const DWORD attributes = GetFileAttributesW(path.c_str());
  if (attributes == INVALID_FILE_ATTRIBUTES) {
    return folder ? "cannot use " + what : std::string();
  }
  if ((attributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
    return what + " is a link (a reparse point)";
  }
  if (folder != ((attributes & FILE_ATTRIBUTE_DIRECTORY) != 0)) {
    return what + (folder ? " is not a folder" : " is not a regular file");
  }
  return {};
}

}  // namespace

LogFile open_log_file(const std::string& path, std::size_t rotate_above) {
  const std::filesystem::path file(to_wide(path));
  std::error_code error;
  // The folders inherit %LOCALAPPDATA%'s ACL: the user's own (with SYSTEM and Administrators).
  std::filesystem::create_directories(file.parent_path(), error);
  if (std::string why = unsafe(file.parent_path().native(),
                               "the folder " + to_utf8(file.parent_path().native()), true);
      !why.empty()) {
    return {-1, why};
  }
  if (std::string why = unsafe(file.native(), path, false); !why.empty()) {
    return {-1, why};
  }
  if (const auto size = std::filesystem::file_size(file, error); !error && size > rotate_above) {
    // Keep one previous generation; a failed rename only means the file keeps growing.
    std::filesystem::rename(file, file.native() + L".1", error);
  }
  // Not inherited by the PIN dialog or any other child (_O_NOINHERIT).
  const int fd = _wopen(file.c_str(), _O_WRONLY | _O_CREAT | _O_APPEND | _O_BINARY | _O_NOINHERIT,
                        _S_IREAD | _S_IWRITE);
  if (fd < 0) {
    return {-1, "cannot open " + path};
  }
  // The file just opened: a link made between the check above and the open is refused too.
  BY_HANDLE_FILE_INFORMATION info{};
  const auto handle = os_handle(fd);
  if (GetFileInformationByHandle(handle, &info) == 0 ||
      (info.dwFileAttributes & (FILE_ATTRIBUTE_REPARSE_POINT | FILE_ATTRIBUTE_DIRECTORY)) != 0) {
    _close(fd);
    return {-1, path + " is not a regular file"};
  }
  if (info.nNumberOfLinks != 1) {
    _close(fd);
    return {-1, path + " has other hard links"};
  }
  return {fd, {}};
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

std::filesystem::path self_path() {
  std::wstring name(MAX_PATH, L'\0');
  for (;;) {
    const DWORD length = GetModuleFileNameW(nullptr, name.data(), static_cast<DWORD>(name.size()));
    if (length == 0) {
      return {};
    }
    if (length < name.size()) {
      name.resize(length);
      return name;
    }
    name.resize(name.size() * 2);  // truncated: a longer path (\\?\ prefixed)
  }
}

bool is_program(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::is_regular_file(path, error);
}

std::vector<RegisteredManifest> registered_manifests(std::string_view host_name) {
  struct Browser {
    const char* name;
    const wchar_t* key;
  };
  constexpr std::array<Browser, 3> browsers{{
      {"Chrome", L"SOFTWARE\\Google\\Chrome\\NativeMessagingHosts\\"},
      {"Edge", L"SOFTWARE\\Microsoft\\Edge\\NativeMessagingHosts\\"},
      {"Firefox", L"SOFTWARE\\Mozilla\\NativeMessagingHosts\\"},
  }};
  std::vector<RegisteredManifest> found;
  for (const Browser& browser : browsers) {
    const std::wstring key = browser.key + to_wide(host_name);
    for (const bool system : {false, true}) {
      // The default value (nullptr name), a string; RRF_RT_REG_SZ refuses other types.
      DWORD bytes = 0;
      HKEY root = system ? HKEY_LOCAL_MACHINE : HKEY_CURRENT_USER;
      if (RegGetValueW(root, key.c_str(), nullptr, RRF_RT_REG_SZ, nullptr, nullptr, &bytes) !=
              ERROR_SUCCESS ||
          bytes < sizeof(wchar_t)) {
        continue;
      }
      std::wstring value(bytes / sizeof(wchar_t), L'\0');
      if (RegGetValueW(root, key.c_str(), nullptr, RRF_RT_REG_SZ, nullptr, value.data(), &bytes) !=
          ERROR_SUCCESS) {
        continue;
      }
      value.resize(wcsnlen(value.c_str(), value.size()));
      found.push_back({browser.name, system, std::filesystem::path(value)});
    }
  }
  return found;
}

std::uint32_t scard_ctl_code(std::uint32_t function) noexcept {
  return static_cast<std::uint32_t>(SCARD_CTL_CODE(function));
}

std::tm utc_time(std::time_t seconds) noexcept {
  std::tm utc{};
  static_cast<void>(gmtime_s(&utc, &seconds));
  return utc;
}

}  // namespace saferchat::platform
