#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# saferchatd under concurrent load (bench/README.md, "saferchatd"): both stores, each scenario
# for a few seconds, at a few connection counts.
# Usage: bench/service/run_saferchatd_bench.sh [BUILD_DIR] [SECONDS] (default build/ci, 5;
# build the saferchatd_bench target first)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build/ci}
seconds=${2:-5}
cards="$build/test-cards"
[[ -d "$cards/cards" ]] || bash virtual-card/profiles/make_test_cards.sh "$cards" >/dev/null
for connections in 1 16 64; do
  "$build/bench/service/saferchatd_bench" --connections "$connections" --seconds "$seconds"
done
