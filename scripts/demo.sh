#!/usr/bin/env bash
# The demo command (README "Run the demo"). Today it builds the host and the virtual ID card,
# starts a private PC/SC stack with the virtual Kids-ID of a 9-year-old in its reader, runs
# the host's self-check (which reads the card) and a real native messaging exchange with the
# host, then says plainly what is not built yet.
# SAFERCHAT_DEMO_PROFILE picks another test card: kid-9, teen-14, adult, kid-5-no-auth,
# expired, blocked.
set -euo pipefail

cd "$(dirname "$0")/.."
host=build/release/host/saferchat-host
scripted_pinentry=build/release/tests/tools/scripted-pinentry
pcsc_env=build/release/tools/pcsc-env/saferchat-pcsc-env
caller=chrome-extension://nmgdeinpncakphdmdpndhifioncieboe/
cards=build/release/test-cards
profile=${SAFERCHAT_DEMO_PROFILE:-kid-9}

# Prints each framed message of the host's output on a line of its own.
print_messages() {
  local length
  while length=$(head -c 4 | od -An -tu4 | tr -d ' ') && [[ -n "$length" ]]; do
    printf '  host → browser: %s\n' "$(head -c "$length")"
  done
}

# Frames a JSON text as the browser does: 4-byte little-endian length, then the bytes.
frame() {
  local n=${#1}
  printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n & 255)) $((n >> 8 & 255)) \
    $((n >> 16 & 255)) $((n >> 24 & 255)))%s" "$1"
}

# The demo proper, run inside the private PC/SC stack (PCSCLITE_CSOCK_NAME is set).
inside() {
  echo
  echo "== Safer Chat host self-check (reads the virtual card: profile $profile, TEST ONLY)"
  "$host" --self-check || true

  echo
  echo "== A browser session with the host, as the extension will run it"
  local requests=('{"command":"version","id":1}'
    '{"command":"authenticate","id":2,"arguments":{"challengeNonce":"not-a-nonce","origin":"https://chat.example"}}'
    '{"command":"authenticate","id":3,"arguments":{"challengeNonce":"MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI+/w==","origin":"https://evil.example/path"}}'
    '{"command":"quit","id":4}')
  local request
  for request in "${requests[@]}"; do
    printf '  browser → host: %s\n' "$request"
  done
  for request in "${requests[@]}"; do frame "$request"; done |
    SAFERCHAT_LOG_LEVEL=off "$host" "$caller" | print_messages

  echo
  echo "== A chat site asks for a login: the host reads the card, asks for the PIN, signs"
  echo "   (the child is played by scripted-pinentry, which types the test card's PIN; on a"
  echo "   desktop the real PIN dialog, pinentry, shows the same texts)"
  local work pin
  work=$(mktemp -d)
  pin=$(sed -n 's/.*"pin": *"\([0-9]*\)".*/\1/p' "$cards/cards/$profile/profile.json")
  printf 'pin %s\n' "$pin" >"$work/script"
  local login='{"command":"authenticate","id":5,"arguments":{"challengeNonce":"MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI+/w==","origin":"https://kids.chat.example","lang":"nl"}}'
  printf '  browser → host: %s\n' "$login"
  # The browser keeps the port open until the reply comes: so does this pipeline.
  { frame "$login"; sleep 3; } |
    SAFERCHAT_LOG_LEVEL=off SAFERCHAT_PINENTRY="$scripted_pinentry" \
      SCRIPTED_PINENTRY_SCRIPT="$work/script" SCRIPTED_PINENTRY_LOG="$work/dialog.log" \
      "$host" "$caller" | print_messages
  echo "  what the PIN dialog showed the child (Dutch, as the page asked):"
  sed -n 's/.*"argument":"\([^"]*\)","command":"SETDESC".*/\1/p' "$work/dialog.log" |
    sed 's/\\n/\n/g' | sed 's/^/    | /'
  rm -rf "$work"

  echo
  echo "== Not built yet"
  echo "  The browser extension, the chat provider's verifier and the demo chat room are still"
  echo "  being built; this demo grows with them."
}

if [[ "${1:-}" == --inside ]]; then
  inside
  exit 0
fi

bash scripts/bootstrap.sh
echo "== Building (release preset)"
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" >/dev/null
if [[ ! -f "$cards/cards/$profile/profile.json" ]]; then
  echo "== Generating TEST card profiles (fictitious people, test keys) in $cards"
  bash virtual-card/profiles/make_test_cards.sh "$cards" >/dev/null
fi
echo "== Starting a private pcscd with the virtual card ($profile)"
"$pcsc_env" --profile "$cards/cards/$profile" -- bash "$0" --inside
