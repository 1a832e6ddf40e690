#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The soak (bench/README.md, "Soak"): LOGINS logins over one warm host (virtual card kid-9 behind
# a private pcscd, scripted-pinentry), then VERIFICATIONS challenge + verify pairs through
# saferchatd with Redis. Prints the resident sets and descriptors as they go.
# Usage: bench/soak/run_soak.sh [--build-dir DIR] [--logins N] [--verifications N]
#        (defaults build/ci, 10000, 100000; build the host_soak and saferchatd_soak targets first)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=build/ci
logins=10000
verifications=100000
while (($#)); do
  case $1 in
    --build-dir) build=$2; shift 2 ;;
    --logins) logins=$2; shift 2 ;;
    --verifications) verifications=$2; shift 2 ;;
    *) echo "run_soak.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
cards="$build/test-cards"
[[ -d "$cards/cards" ]] || bash virtual-card/profiles/make_test_cards.sh "$cards" >/dev/null
if ((logins > 0)); then
  echo "== host: $logins logins over one connection (kid-9, scripted PIN dialog)"
  pin=$(sed -n 's/.*"pin": *"\([0-9]*\)".*/\1/p' "$cards/cards/kid-9/profile.json")
  "$build/tools/pcsc-env/saferchat-pcsc-env" --profile "$cards/cards/kid-9" -- \
    "$build/bench/soak/host_soak" "$build/host/saferchat-host" \
    "$build/tests/tools/scripted-pinentry" "$pin" "$logins" $((logins >= 10000 ? 1000 : (logins + 9) / 10)) |
    grep -v -E '^(PCSCLITE|SAFERCHAT|ready)'
fi
if ((verifications > 0)); then
  echo "== saferchatd + Redis: $verifications challenge + verify pairs over one connection"
  "$build/bench/soak/saferchatd_soak" "$verifications" $((verifications >= 100000 ? 10000 : (verifications + 9) / 10))
fi
