// SPDX-License-Identifier: Apache-2.0
// libFuzzer target: saferchatd's decoders of untrusted bytes (server/service/api): the
// /v1/challenge and /v1/verify bodies, the request target and Content-Type, the configuration
// file, Redis URLs and listen addresses; and the error bodies built from what they throw. Only
// ApiError and ConfigError may escape a decoder.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "service/api/api_error.hpp"
#include "service/api/requests.hpp"
#include "service/api/responses.hpp"
#include "service/api/routes.hpp"
#include "service/api/service_config.hpp"

namespace {

template <typename Call>
void api_call(Call call) {
  try {
    call();
  } catch (const saferchat::service::ApiError& e) {
    static_cast<void>(saferchat::service::error_response(e));
  }
}

template <typename Call>
void config_call(Call call) {
  try {
    call();
  } catch (const saferchat::service::ConfigError&) {  // NOLINT(bugprone-empty-catch)
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace service = saferchat::service;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  api_call([&] { static_cast<void>(service::parse_challenge_request(input)); });
  api_call([&] {
    const service::VerifyRequest request = service::parse_verify_request(input);
    static_cast<void>(service::resolve_policy(request, {{"kids", service::RoomPolicy{6, 11}}}));
  });
  api_call([&] { static_cast<void>(service::route("POST", input)); });
  api_call([&] { service::check_json_content_type(input); });
  config_call([&] { static_cast<void>(service::parse_service_config(input, "/etc/saferchat")); });
  config_call([&] {
    service::RedisSettings settings;
    service::parse_redis_url(input, settings);
  });
  config_call([&] {
    std::string address;
    std::uint16_t port = 0;
    service::parse_listen_endpoint(input, "listen", address, port);
  });
  return 0;
}
