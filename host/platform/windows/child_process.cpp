// SPDX-License-Identifier: Apache-2.0
#include "platform/windows/child_process.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <limits>
#include <system_error>

namespace saferchat::platform {
namespace {

[[noreturn]] void fail(const char* what, DWORD error = GetLastError()) {
  throw std::system_error(static_cast<int>(error), std::system_category(), what);
}

void close_handle(HANDLE& handle) noexcept {
  if (handle != nullptr && handle != INVALID_HANDLE_VALUE) {
    CloseHandle(handle);
  }
  handle = nullptr;
}

struct Pipe {
  HANDLE ours = INVALID_HANDLE_VALUE;   // overlapped, not inherited
  HANDLE child = INVALID_HANDLE_VALUE;  // inheritable (through the handle list only)
};

// A one-instance named pipe (anonymous pipes cannot be overlapped). FILE_FLAG_FIRST_PIPE_INSTANCE
// refuses a name another program made first, and our own CreateFileW takes the only instance
// before the child starts, so no other program can connect to it.
Pipe make_pipe(bool child_reads) {
  static std::atomic<unsigned> counter{0};
  for (int attempt = 0; attempt < 16; ++attempt) {
    const std::wstring name = L"\\\\.\\pipe\\saferchat-" + std::to_wstring(GetCurrentProcessId()) +
                              L"-" + std::to_wstring(GetTickCount64()) + L"-" +
                              std::to_wstring(counter.fetch_add(1));
    const DWORD open_mode = (child_reads ? PIPE_ACCESS_OUTBOUND : PIPE_ACCESS_INBOUND) |
                            FILE_FLAG_OVERLAPPED | FILE_FLAG_FIRST_PIPE_INSTANCE;
    Pipe pipe;
    pipe.ours = CreateNamedPipeW(
        name.c_str(), open_mode,
        PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT | PIPE_REJECT_REMOTE_CLIENTS, 1, 4096, 4096,
        0, nullptr);
    if (pipe.ours == INVALID_HANDLE_VALUE) {
      const DWORD error = GetLastError();
      if (error == ERROR_ACCESS_DENIED || error == ERROR_PIPE_BUSY) {
        continue;  // the name is taken: try the next
      }
      fail("CreateNamedPipeW", error);
    }
    SECURITY_ATTRIBUTES inheritable{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    pipe.child = CreateFileW(name.c_str(), child_reads ? GENERIC_READ : GENERIC_WRITE, 0,
                             &inheritable, OPEN_EXISTING, 0, nullptr);
    if (pipe.child == INVALID_HANDLE_VALUE) {
      const DWORD error = GetLastError();
      CloseHandle(pipe.ours);
      fail("CreateFileW (pipe)", error);
    }
    return pipe;
  }
  fail("CreateNamedPipeW", ERROR_PIPE_BUSY);
}

bool needs_quotes(std::wstring_view argument) {
  return argument.empty() || argument.find_first_of(L" \t\n\v\"") != std::wstring_view::npos;
}

}  // namespace

std::wstring quote_argument(std::wstring_view argument) {
  if (!needs_quotes(argument)) {
    return std::wstring(argument);
  }
  // CommandLineToArgvW: 2n backslashes before a quote are n backslashes and the quote ends or
  // starts quoting; 2n+1 are n backslashes and a literal quote; other backslashes are literal.
  std::wstring out = L"\"";
  std::size_t backslashes = 0;
  for (const wchar_t c : argument) {
    if (c == L'\\') {
      ++backslashes;
      continue;
    }
    if (c == L'"') {
      out.append(backslashes * 2 + 1, L'\\');
    } else {
      out.append(backslashes, L'\\');
    }
    backslashes = 0;
    out += c;
  }
  out.append(backslashes * 2, L'\\');  // before the closing quote
  out += L'"';
  return out;
}

std::wstring command_line(const std::filesystem::path& program,
                          std::span<const std::wstring> arguments) {
  // The program name is read by other rules (no backslash escapes): a path has no quote in it,
  // so quoting it whole is exact.
  std::wstring line = L"\"" + program.native() + L"\"";
  for (const std::wstring& argument : arguments) {
    line += L' ';
    line += quote_argument(argument);
  }
  return line;
}

ChildProcess::ChildProcess(const std::filesystem::path& program,
                           std::span<const std::wstring> arguments) {
  try {
    event_ = CreateEventW(nullptr, TRUE, FALSE, nullptr);
    if (event_ == nullptr) {
      fail("CreateEventW");
    }
    job_ = CreateJobObjectW(nullptr, nullptr);
    if (job_ == nullptr) {
      fail("CreateJobObjectW");
    }
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
    limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (SetInformationJobObject(job_, JobObjectExtendedLimitInformation, &limits, sizeof(limits)) ==
        0) {
      fail("SetInformationJobObject");
    }
    Pipe input = make_pipe(true);
    to_child_ = input.ours;
    Pipe output = make_pipe(false);
    from_child_ = output.ours;

    std::array<HANDLE, 2> inherited{input.child, output.child};
    SIZE_T size = 0;
    InitializeProcThreadAttributeList(nullptr, 1, 0, &size);
    std::vector<unsigned char> buffer(size);
    auto* attributes = reinterpret_cast<LPPROC_THREAD_ATTRIBUTE_LIST>(buffer.data());
    const bool listed =
        InitializeProcThreadAttributeList(attributes, 1, 0, &size) != 0 &&
        UpdateProcThreadAttribute(attributes, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST,
                                  inherited.data(), sizeof(inherited), nullptr, nullptr) != 0;
    const DWORD list_error = GetLastError();
    STARTUPINFOEXW startup{};
    startup.StartupInfo.cb = sizeof(startup);
    startup.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    startup.StartupInfo.hStdInput = input.child;
    startup.StartupInfo.hStdOutput = output.child;
    startup.StartupInfo.hStdError = nullptr;  // none: nothing may mix into the output
    startup.lpAttributeList = attributes;
    std::wstring line = command_line(program, arguments);
    PROCESS_INFORMATION started{};
    // Suspended until it is in the job, so that not even its first instruction runs outside.
    const bool created =
        listed && CreateProcessW(program.c_str(), line.data(), nullptr, nullptr, TRUE,
                                 CREATE_SUSPENDED | CREATE_UNICODE_ENVIRONMENT |
                                     EXTENDED_STARTUPINFO_PRESENT | CREATE_NO_WINDOW,
                                 nullptr, nullptr, &startup.StartupInfo, &started) != 0;
    const DWORD create_error = GetLastError();
    if (listed) {
      DeleteProcThreadAttributeList(attributes);
    }
    CloseHandle(input.child);
    CloseHandle(output.child);
    if (!listed) {
      fail("UpdateProcThreadAttribute", list_error);
    }
    if (!created) {
      fail("CreateProcessW", create_error);
    }
    process_ = started.hProcess;
    id_ = started.dwProcessId;
    if (AssignProcessToJobObject(job_, process_) == 0) {
      const DWORD error = GetLastError();
      TerminateProcess(process_, 1);
      CloseHandle(started.hThread);
      fail("AssignProcessToJobObject", error);
    }
    ResumeThread(started.hThread);
    CloseHandle(started.hThread);
  } catch (...) {
    close_handle(to_child_);
    close_handle(from_child_);
    close_handle(process_);
    close_handle(job_);
    close_handle(event_);
    throw;
  }
}

ChildProcess::~ChildProcess() {
  close_handle(to_child_);
  close_handle(from_child_);
  close_handle(job_);  // JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE: the child goes with it
  close_handle(process_);
  close_handle(event_);
}

ChildProcess::Wait ChildProcess::finish(HANDLE handle, OVERLAPPED& overlapped, DWORD& transferred,
                                        std::uint64_t deadline, HANDLE wake) noexcept {
  const std::array<HANDLE, 2> handles{event_, wake};
  const DWORD count = wake != nullptr ? 2 : 1;
  const std::uint64_t now = GetTickCount64();
  const DWORD timeout = deadline == std::numeric_limits<std::uint64_t>::max()
                            ? INFINITE
                            : static_cast<DWORD>(std::min<std::uint64_t>(
                                  deadline > now ? deadline - now : 0, INFINITE - 1));
  const DWORD ready = WaitForMultipleObjects(count, handles.data(), FALSE, timeout);
  if (ready == WAIT_OBJECT_0) {
    return GetOverlappedResult(handle, &overlapped, &transferred, FALSE) != 0 ? Wait::done
                                                                              : Wait::end_of_file;
  }
  // Timed out or woken: cancel, and wait until the system is done with `overlapped`. The call
  // may have completed meanwhile; then what it moved counts.
  CancelIoEx(handle, &overlapped);
  if (GetOverlappedResult(handle, &overlapped, &transferred, TRUE) != 0) {
    return Wait::done;
  }
  return ready == WAIT_OBJECT_0 + 1 ? Wait::woken : Wait::timed_out;
}

ChildProcess::Wait ChildProcess::read(std::span<std::uint8_t> data, std::size_t& count,
                                      std::uint64_t deadline, HANDLE wake) {
  count = 0;
  if (from_child_ == nullptr || data.empty()) {
    return Wait::end_of_file;
  }
  OVERLAPPED overlapped{};
  overlapped.hEvent = event_;
  ResetEvent(event_);
  DWORD transferred = 0;
  const auto size = static_cast<DWORD>(std::min<std::size_t>(data.size(), 1U << 16));
  Wait result = Wait::done;
  if (ReadFile(from_child_, data.data(), size, &transferred, &overlapped) == 0) {
    if (GetLastError() != ERROR_IO_PENDING) {
      return Wait::end_of_file;  // ERROR_BROKEN_PIPE: the child closed its end
    }
    result = finish(from_child_, overlapped, transferred, deadline, wake);
  }
  if (result == Wait::done && transferred == 0) {
    return Wait::end_of_file;
  }
  count = transferred;
  return result;
}

ChildProcess::Wait ChildProcess::write(std::span<const std::uint8_t> data, std::uint64_t deadline,
                                       HANDLE wake) {
  while (!data.empty()) {
    if (to_child_ == nullptr) {
      return Wait::end_of_file;
    }
    OVERLAPPED overlapped{};
    overlapped.hEvent = event_;
    ResetEvent(event_);
    DWORD transferred = 0;
    const auto size = static_cast<DWORD>(std::min<std::size_t>(data.size(), 1U << 16));
    if (WriteFile(to_child_, data.data(), size, &transferred, &overlapped) == 0) {
      if (GetLastError() != ERROR_IO_PENDING) {
        return Wait::end_of_file;  // ERROR_NO_DATA / ERROR_BROKEN_PIPE: it closed its input
      }
      const Wait result = finish(to_child_, overlapped, transferred, deadline, wake);
      if (result != Wait::done) {
        return result;
      }
    }
    data = data.subspan(std::min<std::size_t>(transferred, data.size()));
  }
  return Wait::done;
}

void ChildProcess::close_input() noexcept { close_handle(to_child_); }

bool ChildProcess::wait_exit(std::uint64_t deadline) const noexcept {
  const std::uint64_t now = GetTickCount64();
  const DWORD timeout = deadline == std::numeric_limits<std::uint64_t>::max()
                            ? INFINITE
                            : static_cast<DWORD>(std::min<std::uint64_t>(
                                  deadline > now ? deadline - now : 0, INFINITE - 1));
  return WaitForSingleObject(process_, timeout) == WAIT_OBJECT_0;
}

void ChildProcess::kill() noexcept {
  TerminateJobObject(job_, 1);
  WaitForSingleObject(process_, INFINITE);
}

std::optional<unsigned long> ChildProcess::exit_code() const noexcept {
  DWORD code = 0;
  if (WaitForSingleObject(process_, 0) != WAIT_OBJECT_0 ||
      GetExitCodeProcess(process_, &code) == 0) {
    return std::nullopt;
  }
  return code;
}

}  // namespace saferchat::platform
