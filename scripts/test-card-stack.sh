#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The TEST card stack for developing a chat site (docs/integration.md §6): a private pcscd with a
# virtual TEST card in its reader, the Safer Chat program registered for your browsers, and a
# PIN dialog that types the card's PIN by itself (or the real dialog with --real-dialog). Runs
# COMMAND (your browser, your test runner; default: a shell) in that environment and stops
# everything when it ends. TEST cards only: nothing here reads or touches a real card.
#
#   bash scripts/test-card-stack.sh [--build-dir DIR] [--card PROFILE] [--real-dialog]
#                                   [--browser B]... [--chromium-user-data-dir DIR]...
#                                   [-- COMMAND [ARGS...]]
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build_dir=build/ci
card=kid-9
real_dialog=0
browsers=()
user_data_dirs=()

usage() {
  cat <<'TEXT'
Usage: bash scripts/test-card-stack.sh [options] [-- COMMAND [ARGS...]]

Starts a private PC/SC service with a virtual TEST card, registers the built Safer Chat program
for your browsers (this user only) and runs COMMAND (default: $SHELL) with the environment a
browser needs: start your browser from it. Everything but the registration stops with COMMAND.

Options:
  --build-dir DIR  the CMake build folder (default: build/ci)
  --card PROFILE   the TEST card: kid-9 (default), teen-14, adult, kid-5-no-auth, expired,
                   blocked (virtual-card/profiles/README.md)
  --real-dialog    the real PIN dialog (pinentry) instead of one that types the PIN by itself
  --browser B      register for B: chrome, chromium, edge or firefox (repeatable; default all)
  --chromium-user-data-dir DIR
                   also register for a Chromium-family browser started with --user-data-dir=DIR
                   (Playwright's launchPersistentContext): it looks in DIR only (repeatable)
  --help           this text

In COMMAND's environment: PCSCLITE_CSOCK_NAME (the private PC/SC service), and unless
--real-dialog SAFERCHAT_PINENTRY and SCRIPTED_PINENTRY_SCRIPT (the scripted PIN dialog); the
Safer Chat program, started by the browser, inherits them.
TEXT
}

while (($#)); do
  case $1 in
    --build-dir) build_dir=$2; shift 2 ;;
    --card) card=$2; shift 2 ;;
    --real-dialog) real_dialog=1; shift ;;
    --browser) browsers+=("$2"); shift 2 ;;
    --chromium-user-data-dir) user_data_dirs+=("$2"); shift 2 ;;
    --help | -h) usage; exit 0 ;;
    --) shift; break ;;
    *) echo "test-card-stack: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
command=("$@")
((${#command[@]})) || command=("${SHELL:-bash}")
((${#browsers[@]})) || browsers=(chrome chromium edge firefox)

[[ $build_dir == /* ]] || build_dir="$root/$build_dir"
host="$build_dir/host/saferchat-host"
pcsc_env="$build_dir/tools/pcsc-env/saferchat-pcsc-env"
scripted_pinentry="$build_dir/tests/tools/scripted-pinentry"
for program in "$host" "$pcsc_env" "$scripted_pinentry"; do
  if [[ ! -x $program ]]; then
    echo "test-card-stack: $program is missing: build first (cmake --preset ci &&" \
      "cmake --build --preset ci --target saferchat-host saferchat-pcsc-env scripted-pinentry)" >&2
    exit 1
  fi
done

cards="$build_dir/test-cards"
if [[ ! -f "$cards/cards/$card/profile.json" ]]; then
  echo "test-card-stack: making the TEST cards in $cards" >&2
  bash "$root/virtual-card/profiles/make_test_cards.sh" "$cards" >/dev/null
fi
if [[ ! -f "$cards/cards/$card/profile.json" ]]; then
  echo "test-card-stack: no TEST card '$card' (see --help)" >&2
  exit 2
fi

browser_args=()
for browser in "${browsers[@]}"; do
  browser_args+=(--browser "$browser")
done
for dir in "${user_data_dirs[@]}"; do
  mkdir -p "$dir"
  browser_args+=(--chromium-user-data-dir "$dir")
done
bash "$root/installer/saferchat-install" install --user --host-binary "$host" "${browser_args[@]}" >&2

work=$(mktemp -d "${TMPDIR:-/tmp}/saferchat-stack-XXXXXX")
trap 'rm -rf "$work"' EXIT
env_args=()
if ((!real_dialog)); then
  pin=$(sed -nE 's/.*"pin": *"([0-9]+)".*/\1/p' "$cards/cards/$card/profile.json" | head -n 1)
  printf 'pin %s\n' "$pin" >"$work/pin-dialog"
  env_args+=("SAFERCHAT_PINENTRY=$scripted_pinentry" "SCRIPTED_PINENTRY_SCRIPT=$work/pin-dialog")
  echo "test-card-stack: TEST card $card; the PIN dialog types $pin by itself" >&2
else
  echo "test-card-stack: TEST card $card; type its PIN in the real dialog" \
    "(virtual-card/profiles/README.md)" >&2
fi

# saferchat-pcsc-env prints its variables and "ready", then runs COMMAND with them; it stops
# the PC/SC service and the card when COMMAND ends, and exits with COMMAND's status.
"$pcsc_env" --profile "$cards/cards/$card" -- env "${env_args[@]}" "${command[@]}"
