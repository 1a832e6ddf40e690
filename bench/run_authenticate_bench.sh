#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# authenticate, end to end without the human, for every profile with a key: host start, card
# I/O, PIN dialog (scripted-pinentry) and crypto; APDUs first time and repeat; peak RSS.
# Usage: bench/run_authenticate_bench.sh [BUILD_DIR] [RUNS] (default build/ci, 20; build first)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/ci}
runs=${2:-20}
cards="$build/test-cards"
[[ -d "$cards/cards" ]] || bash virtual-card/profiles/make_test_cards.sh "$cards" >/dev/null
for profile in kid-9 teen-14 adult; do
  pin=$(sed -n 's/.*"pin": *"\([0-9]*\)".*/\1/p' "$cards/cards/$profile/profile.json")
  for delay in 0 "${SAFERCHAT_REAL_PACE_MS:-15}"; do
    echo "== profile $profile, virtual card delay ${delay} ms per APDU"
    "$build/tools/pcsc-env/saferchat-pcsc-env" --profile "$cards/cards/$profile" \
      --delay-ms "$delay" -- "$build/bench/authenticate_bench" "$build/host/saferchat-host" \
      "$build/tests/tools/scripted-pinentry" "$pin" "$runs" | grep -v -E '^(PCSCLITE|SAFERCHAT|ready)'
  done
done
