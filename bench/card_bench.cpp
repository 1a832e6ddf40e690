// SPDX-License-Identifier: Apache-2.0
// Card I/O through the real pcscd and the virtual card. Run inside a private PC/SC stack:
//   saferchat-pcsc-env --profile DIR [--delay-ms N] -- card_bench DIR
// (bench/run_card_bench.sh does this for every profile, with the card's delay off and at a
// real card's pace). Counters per operation: APDUs, bytes sent and received.
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>

#include <benchmark/benchmark.h>
#include <nlohmann/json.hpp>

#include "card/belpic_card.hpp"
#include "transport/pcsc.hpp"

namespace {

using saferchat::BelpicCard;
using saferchat::Bytes;
using saferchat::CardTransaction;
using saferchat::PcscCard;
using saferchat::PcscContext;

std::string profile_pin;

struct Connected {
  PcscContext context;
  std::optional<PcscCard> card;
  Connected() {
    const auto found =
        context.wait_for_card(std::chrono::steady_clock::now() + std::chrono::seconds(5));
    if (!found) {
      throw std::runtime_error("no card");
    }
    card.emplace(context, found->name);
  }
};

struct Counts {
  std::size_t apdus;
  std::size_t sent;
  std::size_t received;
};

Counts counts(const PcscCard& card) {
  return {card.apdu_count(), card.bytes_sent(), card.bytes_received()};
}

void report(benchmark::State& state, const PcscCard& card, const Counts& before) {
  const auto iterations = static_cast<double>(state.iterations());
  state.counters["apdus"] = static_cast<double>(card.apdu_count() - before.apdus) / iterations;
  state.counters["bytes_sent"] = static_cast<double>(card.bytes_sent() - before.sent) / iterations;
  state.counters["bytes_received"] =
      static_cast<double>(card.bytes_received() - before.received) / iterations;
}

// One APDU round trip (GET CARD DATA, 28 bytes) through pcscd and vpcd.
void per_apdu(benchmark::State& state) {
  Connected connected;
  CardTransaction transaction = connected.card->begin_transaction();
  const Counts before = counts(*connected.card);
  for (auto _ : state) {
    benchmark::DoNotOptimize(transaction.transmit(saferchat::belpic::get_card_data(false)));
  }
  report(state, *connected.card, before);
}
BENCHMARK(per_apdu)->Unit(benchmark::kMillisecond)->MinTime(0.5);

// Reading the authentication certificate (SELECT + READ BINARYs), card already identified.
void read_authentication_certificate(benchmark::State& state) {
  Connected connected;
  CardTransaction transaction = connected.card->begin_transaction();
  const BelpicCard card = BelpicCard::identify(transaction, connected.card->atr());
  const Counts before = counts(*connected.card);
  for (auto _ : state) {
    benchmark::DoNotOptimize(card.read_authentication_certificate(transaction));
  }
  report(state, *connected.card, before);
}
BENCHMARK(read_authentication_certificate)->Unit(benchmark::kMillisecond)->MinTime(0.5);

// The whole authentication sequence as the host will run it, from a fresh connection:
// GET CARD DATA, certificate, VERIFY, MSE SET, PSO (+ GET RESPONSE), LOG OFF.
void authentication_sequence(benchmark::State& state) {
  Connected connected;
  const Counts before = counts(*connected.card);
  for (auto _ : state) {
    CardTransaction transaction = connected.card->begin_transaction();
    const BelpicCard card = BelpicCard::identify(transaction, connected.card->atr());
    benchmark::DoNotOptimize(card.read_authentication_certificate(transaction));
    card.verify_pin(transaction, saferchat::belpic::make_pin_block(
                                     std::span(profile_pin.data(), profile_pin.size())));
    const Bytes hash(card.variant().hash_size, 0x42);
    benchmark::DoNotOptimize(card.sign_with_authentication_key(transaction, hash));
    card.log_off(transaction);
  }
  report(state, *connected.card, before);
}
BENCHMARK(authentication_sequence)->Unit(benchmark::kMillisecond)->MinTime(0.5);

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::getenv("PCSCLITE_CSOCK_NAME") == nullptr) {
    std::cerr << "usage: saferchat-pcsc-env --profile DIR -- card_bench DIR [benchmark flags]\n";
    return 2;
  }
  std::ifstream profile(std::string(argv[1]) + "/profile.json");
  profile_pin = nlohmann::json::parse(profile).at("pin").get<std::string>();
  argv[1] = argv[0];
  int remaining = argc - 1;
  benchmark::Initialize(&remaining, argv + 1);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
