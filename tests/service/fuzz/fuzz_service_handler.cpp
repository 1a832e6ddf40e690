// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: saferchatd's whole request handling (server/service/app/service_handler.cpp)
// in process, without sockets: routing, Content-Type, body decoding, the room, the verifier (the
// TEST PKI of tests/fuzz/test_pki.hpp, a fixed clock, an in-memory nonce store emptied per input
// and holding the nonce the committed tokens signed), the age policy, the response and the access
// log line. Input: "METHOD\nTARGET\nCONTENT-TYPE\nBODY" (missing lines are empty), as the HTTP
// transport hands a parsed request to the handler. Invariants: nothing escapes handle(); no input
// yields 500 (an internal error); every body is a JSON object, also for the same request again
// (its nonce used by then).
#include <fcntl.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz/fresh_nonce_store.hpp"
#include "fuzz/test_pki.hpp"
#include "service/app/access_log.hpp"
#include "service/app/service_handler.hpp"
#include "store/memory_nonce_store.hpp"
#include "verify/verifier.hpp"

namespace {

namespace service = saferchat::service;
namespace verify = saferchat::verify;

// The nonce of the committed tokens (tests/fuzz/corpus/fuzz_verify_token).
constexpr std::string_view nonce = "c2FmZXJjaGF0LWZ1enotbm9uY2UtMDEyMzQ1Njc4OWE=";

void require(bool condition) {
  if (!condition) {
    std::abort();
  }
}

std::chrono::system_clock::time_point fixed_now() {
  using namespace std::chrono;  // NOLINT(google-build-using-namespace)
  return sys_days{year{2026} / June / 1} + hours{12};
}

service::ServiceConfig service_config() {
  service::ServiceConfig config;
  config.allowed_origins = {"https://kids.chat.example"};
  config.rooms = {{"kids", service::RoomPolicy{6, 11}}, {"teens", service::RoomPolicy{12, 15}}};
  config.nonce_ttl = std::chrono::seconds(120);
  return config;
}

std::string_view next_line(std::string_view& rest) {
  const std::size_t end = rest.find('\n');
  const std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
  return line;
}

using FreshStore = saferchat::fuzz::FreshNonceStore;

service::ServiceHandler make_handler(const std::shared_ptr<FreshStore>& store,
                                     const service::AccessLog& log) {
  verify::VerifierConfig config;
  config.allowed_origins = {"https://kids.chat.example"};
  config.trust_anchors_pem = saferchat::fuzz::test_roots_pem;
  config.intermediates_pem = saferchat::fuzz::test_intermediates_pem;
  config.nonce_ttl = std::chrono::seconds(120);
  return {service_config(),
          std::make_shared<const verify::Verifier>(std::move(config), store, fixed_now), [] {},
          log};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  service::HttpRequest request;
  request.method = next_line(rest);
  request.target = next_line(rest);
  request.content_type = next_line(rest);
  request.body = rest;

  static const service::AccessLog log(::open("/dev/null", O_WRONLY | O_CLOEXEC));
  static const auto store = std::make_shared<FreshStore>();
  static service::ServiceHandler handler = make_handler(store, log);
  store->reset();
  require(store->put(nonce, "s-1", fixed_now() + std::chrono::minutes{2}, fixed_now()));

  const service::HttpResponse response = handler.handle(request);
  require(response.status != 500);
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  require(body.is_object());
  handler.exchanged({request.method, request.target, response.status, response.reason,
                     response.detail, std::chrono::microseconds{1}, request.target});

  // The same request again: the nonce is used now, the answer is still well formed.
  const service::ApiResponse again = handler.respond(request);
  require(again.status != 500 && nlohmann::json::parse(again.body, nullptr, false).is_object());
  return 0;
}
