#!/usr/bin/env bash
# The demo command (README "Run the demo"). Today it builds the host, runs its self-check and
# a real native messaging exchange with it, then says plainly what is not built yet.
set -euo pipefail

cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" >/dev/null
host=build/release/host/saferchat-host
caller=chrome-extension://nmgdeinpncakphdmdpndhifioncieboe/

# Prints each framed message of the host's output on a line of its own.
print_messages() {
  local header length
  while header=$(head -c 4 | od -An -tu4 | tr -d ' ') && [[ -n "$header" ]]; do
    length=$header
    printf '  host → browser: %s\n' "$(head -c "$length")"
  done
}

# Frames a JSON text as the browser does: 4-byte little-endian length, then the bytes.
frame() {
  local n=${#1}
  printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((n & 255)) $((n >> 8 & 255)) \
    $((n >> 16 & 255)) $((n >> 24 & 255)))%s" "$1"
}

echo "== Safer Chat host self-check"
"$host" --self-check || true

echo
echo "== A browser session with the host, as the extension will run it"
requests=('{"command":"version","id":1}'
  '{"command":"authenticate","id":2,"arguments":{"challengeNonce":"not-a-nonce","origin":"https://chat.example"}}'
  '{"command":"authenticate","id":3,"arguments":{"challengeNonce":"MTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTI+/w==","origin":"https://evil.example/path"}}'
  '{"command":"quit","id":4}')
for request in "${requests[@]}"; do
  printf '  browser → host: %s\n' "$request"
done
for request in "${requests[@]}"; do frame "$request"; done |
  SAFERCHAT_LOG_FILE=- SAFERCHAT_LOG_LEVEL=off "$host" "$caller" | print_messages

echo
echo "== Not built yet"
echo "  The virtual ID card, the card reader layer, the PIN dialog, the browser extension and"
echo "  the demo chat room are still being built; this demo grows with them."
