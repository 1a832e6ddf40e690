// SPDX-License-Identifier: Apache-2.0
// The virtual card's applet in process (no pcscd, no sockets): time per APDU for a 256-byte
// READ BINARY and for a signature, per applet version. Usage: virtual_card_bench CARDS_DIR
// (CARDS_DIR/cards/<profile> from virtual-card/profiles/make_test_cards.sh; default profiles
// kid-9 for applet 1.8 and teen-14 for applet 1.7).
#include <iostream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "vcard/belpic_applet.hpp"
#include "vcard/card_profile.hpp"

namespace {

std::string cards_dir;

std::vector<std::uint8_t> hex(std::initializer_list<int> bytes) {
  std::vector<std::uint8_t> out;
  for (const int b : bytes) {
    out.push_back(static_cast<std::uint8_t>(b));
  }
  return out;
}

saferchat::vcard::BelpicApplet applet_for(const std::string& profile) {
  return saferchat::vcard::BelpicApplet(
      saferchat::vcard::load_card_profile(cards_dir + "/cards/" + profile));
}

void read_binary_256(benchmark::State& state, const std::string& profile) {
  auto applet = applet_for(profile);
  // SELECT DF00/5038 by path, then READ BINARY 256 bytes at offset 0.
  static_cast<void>(applet.transmit(hex({0x00, 0xA4, 0x08, 0x0C, 0x04, 0xDF, 0x00, 0x50, 0x38})));
  const auto read = hex({0x00, 0xB0, 0x00, 0x00, 0x00});
  for (auto _ : state) {
    benchmark::DoNotOptimize(applet.transmit(read));
  }
}

void sign(benchmark::State& state, const std::string& profile, const std::string& pin,
          int algorithm, std::size_t hash_size) {
  auto applet = applet_for(profile);
  std::vector<std::uint8_t> verify = hex({0x00, 0x20, 0x00, 0x01, 0x08});
  std::vector<std::uint8_t> block(8, 0xFF);
  block[0] = static_cast<std::uint8_t>(0x20U | pin.size());
  for (std::size_t i = 0; i < pin.size(); ++i) {
    const auto nibble = static_cast<std::uint8_t>(pin[i] - '0');
    block[1 + i / 2] = i % 2 == 0 ? static_cast<std::uint8_t>((nibble << 4U) | 0x0FU)
                                  : static_cast<std::uint8_t>((block[1 + i / 2] & 0xF0U) | nibble);
  }
  verify.insert(verify.end(), block.begin(), block.end());
  static_cast<void>(applet.transmit(verify));
  static_cast<void>(
      applet.transmit(hex({0x00, 0x22, 0x41, 0xB6, 0x05, 0x04, 0x80, algorithm, 0x84, 0x82})));
  std::vector<std::uint8_t> pso = hex({0x00, 0x2A, 0x9E, 0x9A, static_cast<int>(hash_size)});
  pso.insert(pso.end(), hash_size, 0x55);
  for (auto _ : state) {
    benchmark::DoNotOptimize(applet.transmit(pso));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: virtual_card_bench CARDS_DIR [benchmark flags]\n";
    return 2;
  }
  cards_dir = argv[1];
  benchmark::RegisterBenchmark("applet18_read_binary_256", read_binary_256, "kid-9");
  benchmark::RegisterBenchmark("applet17_read_binary_256", read_binary_256, "teen-14");
  benchmark::RegisterBenchmark("applet18_pso_es384", sign, "kid-9", "1234", 0x02, 48)
      ->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("applet17_pso_rs256", sign, "teen-14", "123456", 0x08, 32)
      ->Unit(benchmark::kMicrosecond);
  argv[1] = argv[0];
  int remaining = argc - 1;
  benchmark::Initialize(&remaining, argv + 1);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
