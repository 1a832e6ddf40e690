// SPDX-License-Identifier: Apache-2.0
// saferchat-test-token CARD_DIR ORIGIN NONCE: prints, on one line, the token the test card in
// CARD_DIR would give for ORIGIN and NONCE (docs/protocol.md §4.3). Stands in for the browser,
// extension, host and card in the checks of the Node.js and Python examples (tests only).
#include <exception>
#include <iostream>

#include "service/support/test_token.hpp"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: saferchat-test-token CARD_DIR ORIGIN NONCE\n";
    return 2;
  }
  try {
    const saferchat::testing::TestCard card(argv[1]);
    std::cout << card.token(argv[2], argv[3]).dump() << "\n";
  } catch (const std::exception& e) {
    std::cerr << "saferchat-test-token: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
