// SPDX-License-Identifier: Apache-2.0
// The Windows build's sealing code (wire/jwe.hpp over CNG) as a small program, for the cross
// test (tests/windows/jwe_cross_test.cpp) that opens what it makes with the Linux build's
// OpenSSL code. Test-only. Standard input and output in binary mode; one command:
//   epk          a fresh P-256 ephemeral key from CNG (BCryptGenerateKeyPair), its public JWK
//   seal-secret  reads {"kid","epk","z","plaintext"} ("z" base64url) and writes the compact JWE
//                made by jwe::seal_with_secret with an IV from BCryptGenRandom
//   seal         reads {"key","plaintext"} and writes jwe::seal(key, plaintext): the whole
//                sealing as the host does it (needs a bcrypt with ECDH key agreement)
// Errors: the JweError's sentence on standard error, exit status 1.
#include <fcntl.h>
#include <io.h>

#include <array>
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "wire/jwe.hpp"
#include "wire/jwe_primitives.hpp"

namespace {

using nlohmann::json;
namespace jwe = saferchat::jwe;

json read_input() {
  std::string text;
  std::array<char, 4096> chunk{};
  for (std::size_t n = 0; (n = std::fread(chunk.data(), 1, chunk.size(), stdin)) > 0;) {
    text.append(chunk.data(), n);
  }
  return json::parse(text);
}

int run(std::string_view command) {
  if (command == "epk") {
    json epk = jwe::PrivateKey::generate(jwe::Curve::p256, "ephemeral").public_jwk().to_json();
    for (const char* member : {"kid", "use", "alg"}) {
      epk.erase(member);
    }
    std::cout << epk.dump();
    return 0;
  }
  if (command == "seal-secret") {
    const json input = read_input();
    const auto z = jwe::base64url_decode(input.at("z").get<std::string>());
    if (!z) {
      std::cerr << "\"z\" is not base64url\n";
      return 2;
    }
    std::array<std::uint8_t, jwe::detail::iv_bytes> iv{};
    jwe::detail::random_bytes(iv);
    std::cout << jwe::seal_with_secret(input.at("kid").get<std::string>(), input.at("epk"), *z, iv,
                                       input.at("plaintext").get<std::string>());
    return 0;
  }
  if (command == "seal") {
    const json input = read_input();
    std::cout << jwe::seal(jwe::PublicJwk::from_json(input.at("key")),
                           input.at("plaintext").get<std::string>());
    return 0;
  }
  std::cerr << "usage: jwe-tool epk | seal-secret | seal\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  // Bytes as they are: no CR LF translation on standard input, output and error.
  static_cast<void>(_setmode(_fileno(stdin), _O_BINARY));
  static_cast<void>(_setmode(_fileno(stdout), _O_BINARY));
  static_cast<void>(_setmode(_fileno(stderr), _O_BINARY));
  if (argc != 2) {
    return run("");
  }
  try {
    return run(argv[1]);
  } catch (const jwe::JweError& e) {
    std::cerr << e.what() << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "bad input: " << e.what() << '\n';
    return 2;
  }
}
