#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Card benchmarks for every test profile: APDUs and bytes per operation and time per APDU
# through the real pcscd with the virtual card, its delay off and at a real card's pace.
# Usage: bench/run_card_bench.sh [BUILD_DIR] (default build/ci; build it first)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/ci}
cards="$build/test-cards"
# A real BELPIC card over a USB reader: roughly 10-20 ms per short APDU (T=0 at 9600-115200
# baud plus the card's processing); 15 ms is the pace used here.
real_pace_ms=${SAFERCHAT_REAL_PACE_MS:-15}
[[ -d "$cards/cards" ]] || bash virtual-card/profiles/make_test_cards.sh "$cards" >/dev/null
for profile in kid-9 teen-14 adult expired; do
  for delay in 0 "$real_pace_ms"; do
    echo "== profile $profile, virtual card delay ${delay} ms per APDU"
    "$build/tools/pcsc-env/saferchat-pcsc-env" --profile "$cards/cards/$profile" \
      --delay-ms "$delay" -- "$build/bench/card_bench" "$cards/cards/$profile" \
      --benchmark_counters_tabular=true 2>/dev/null | grep -E '^(Benchmark|per_apdu|read_|authentication)'
  done
done
