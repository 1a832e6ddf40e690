// SPDX-License-Identifier: Apache-2.0
// saferchat-test-token CARD_DIR ORIGIN NONCE [SEAL_KEY_SET]: prints, on one line, the token the
// test card in CARD_DIR would give for ORIGIN and NONCE (docs/protocol.md §4.3). With
// SEAL_KEY_SET (the JSON text a site serves at /.well-known/saferchat-seal-key), the token sealed
// to its first key as the host does (docs/protocol.md §4.4). Stands in for the browser,
// extension, host and card in the checks of the Node.js and Python examples (tests only).
#include <exception>
#include <iostream>

#include "service/support/test_token.hpp"
#include "wire/jwe.hpp"

int main(int argc, char** argv) {
  if (argc != 4 && argc != 5) {
    std::cerr << "usage: saferchat-test-token CARD_DIR ORIGIN NONCE [SEAL_KEY_SET]\n";
    return 2;
  }
  try {
    const saferchat::testing::TestCard card(argv[1]);
    const nlohmann::json token = card.token(argv[2], argv[3]);
    if (argc == 4) {
      std::cout << token.dump() << "\n";
      return 0;
    }
    const nlohmann::json key = nlohmann::json::parse(argv[4]).at("keys").at(0);
    const auto recipient = saferchat::jwe::PublicJwk::from_json(key);
    std::cout << nlohmann::json{{"format", "saferchat-sealed:1"},
                                {"kid", key.at("kid")},
                                {"jwe", saferchat::jwe::seal(recipient, token.dump())}}
                     .dump()
              << "\n";
  } catch (const std::exception& e) {
    std::cerr << "saferchat-test-token: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
