// SPDX-License-Identifier: Apache-2.0
// scripted-pinentry: speaks Assuan on stdin/stdout as pinentry does, but answers GETPIN,
// CONFIRM and MESSAGE from a script instead of a person, and records every command it gets.
//
// SCRIPTED_PINENTRY_SCRIPT names the script: one line per GETPIN/CONFIRM/MESSAGE, in order:
//   pin <digits>     D <digits>, OK (any text: the dialog checks the format itself)
//   ok               OK (CONFIRM's button)
//   cancel           ERR 83886179 Operation cancelled
//   timeout          ERR 83886142 Timeout
//   crash            writes half a data line, then exits with status 3 mid-protocol
//   hang             never answers again (until killed)
//   garbage          answers with a line that is not Assuan
//   wait <ms> <one of the above>
// Blank lines and lines starting with '#' are skipped; with the script used up, the dialog
// is cancelled. SCRIPTED_PINENTRY_STATE (optional) names a file that carries the position in
// the script from one pinentry process to the next.
//
// SCRIPTED_PINENTRY_LOG names a file that gets one JSON object per line: {"event":"start",
// "pid":…,"args":[…]} first (args: the command line after the program), then
// {"command":"SETDESC","argument":"<decoded text>"} for every command, and
// {"command":"GETPIN","action":"pin"} for scripted answers. The PIN typed is never written there.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "ui/assuan.hpp"
#include "wire/error.hpp"

namespace {

using nlohmann::json;

class Log {
 public:
  Log() {
    if (const char* path = std::getenv("SCRIPTED_PINENTRY_LOG")) {
      fd_ = ::open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    }
  }
  Log(const Log&) = delete;
  Log& operator=(const Log&) = delete;
  Log(Log&&) = delete;
  Log& operator=(Log&&) = delete;
  ~Log() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  // One line per call, written at once: a test may read the log while we still run.
  void write(const json& entry) const {
    if (fd_ < 0) {
      return;
    }
    const std::string line = entry.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
    if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
      std::_Exit(2);  // a test that cannot see what happened must not pass
    }
  }

 private:
  int fd_ = -1;
};

void put(std::string_view text) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(STDOUT_FILENO, text.data() + done, text.size() - done);
    if (n <= 0) {
      std::_Exit(1);  // the dialog went away
    }
    done += static_cast<std::size_t>(n);
  }
}

std::vector<std::string> read_script() {
  std::vector<std::string> steps;
  const char* path = std::getenv("SCRIPTED_PINENTRY_SCRIPT");
  if (path == nullptr) {
    return steps;
  }
  std::ifstream file(path);
  for (std::string line; std::getline(file, line);) {
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    if (!line.empty() && line[0] != '#') {
      steps.push_back(line);
    }
  }
  return steps;
}

// Plays one scripted step as the answer to `command`.
void answer(const std::string& step, const std::string& command, const Log& log) {
  std::istringstream words(step);
  std::string action;
  words >> action;
  if (action == "wait") {
    int ms = 0;
    words >> ms;
    std::string rest;
    std::getline(words >> std::ws, rest);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    answer(rest, command, log);
    return;
  }
  log.write({{"command", command}, {"action", action}});
  if (action == "pin") {
    std::string pin;
    words >> pin;
    const saferchat::SecureBytes lines = saferchat::assuan_data_lines(std::span<const std::uint8_t>(
        reinterpret_cast<const std::uint8_t*>(pin.data()), pin.size()));
    put(std::string_view(reinterpret_cast<const char*>(lines.data()), lines.size()));
    put("OK\n");
  } else if (action == "ok") {
    put("OK\n");
  } else if (action == "cancel") {
    put("ERR 83886179 Operation cancelled <Pinentry>\n");
  } else if (action == "timeout") {
    put("S ERROR scripted.timeout 83886142 \nERR 83886142 Timeout <Pinentry>\n");
  } else if (action == "crash") {
    put("D 12");
    std::_Exit(3);
  } else if (action == "hang") {
    for (;;) {
      ::pause();
    }
  } else if (action == "garbage") {
    put("HELLO this is not Assuan\n");
  } else {
    put("ERR 83886083 scripted-pinentry: bad script step\n");
  }
}

}  // namespace

int main(int argc, char** argv) {
  const Log log;
  log.write({{"event", "start"},
             {"pid", ::getpid()},
             {"args", std::vector<std::string>(argv + 1, argv + argc)}});
  const std::vector<std::string> script = read_script();
  // With SCRIPTED_PINENTRY_STATE, the script goes on across processes (the host starts one
  // dialog process per question): the file holds how many steps were used.
  const char* state_path = std::getenv("SCRIPTED_PINENTRY_STATE");
  std::size_t next_step = 0;
  if (state_path != nullptr) {
    std::ifstream state(state_path);
    state >> next_step;
  }
  const auto take_step = [&]() -> std::string {
    if (next_step >= script.size()) {
      return "cancel";
    }
    const std::string step = script[next_step++];
    if (state_path != nullptr) {
      std::ofstream(state_path, std::ios::trunc) << next_step << "\n";
    }
    return step;
  };
  put("OK Pleased to meet you\n");
  std::string line;
  for (int c = 0; (c = std::getchar()) != EOF;) {
    if (c != '\n') {
      line.push_back(static_cast<char>(c));
      continue;
    }
    const std::size_t space = line.find(' ');
    const std::string command = line.substr(0, space);
    json entry = {{"command", command}};
    if (space != std::string::npos) {
      try {
        entry["argument"] = saferchat::assuan_unescape(line.substr(space + 1));
      } catch (const saferchat::Error&) {
        entry["argument_raw"] = line.substr(space + 1);
      }
    }
    line.clear();
    if (command == "GETPIN" || command == "CONFIRM" || command == "MESSAGE") {
      log.write(entry);
      answer(take_step(), command, log);
    } else if (command == "BYE") {
      log.write(entry);
      put("OK closing connection\n");
      return 0;
    } else if (command == "GETINFO") {
      log.write(entry);
      const std::string what = entry.value("argument", "");
      put(what == "pid"       ? "D " + std::to_string(::getpid()) + "\nOK\n"
          : what == "flavor"  ? std::string("D scripted\nOK\n")
          : what == "version" ? std::string("D 1.2.1\nOK\n")
                              : std::string("ERR 83886360 Unknown GETINFO\n"));
    } else {
      log.write(entry);
      put("OK\n");
    }
  }
  log.write({{"event", "eof"}});
  return 0;
}
