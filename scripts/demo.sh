#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The demo command (README "Set up"): a child joins the demo chat with their ID card.
#
#   bash scripts/demo.sh [--profile P] [--room R] [--lang L] [--keep]
#
# It installs what is missing (scripts/bootstrap.sh), builds the release preset, then starts,
# each on this machine only and all removed on exit:
#   * a private pcscd with the virtual card of a TEST profile (saferchat-pcsc-env),
#   * saferchatd, the verifier, trusting the TEST PKI only,
#   * saferchat-demo-chat, the chat site, on https://localhost:PORT with a certificate made
#     for this run (Chromium is told to accept that one certificate, nothing else),
#   * Chromium with a temporary profile, the Safer Chat extension loaded and the native host
#     installed for it by the project's installer (installer/saferchat-install).
# With a display ($DISPLAY) the browser opens on the chat and the real PIN dialog (pinentry)
# asks for the PIN (the test card's PIN is printed). Without one, the whole join runs headless
# with a scripted PIN (scripted-pinentry) through playwright-core: each step and the outcome
# are printed, and a screenshot saved in build/demo/ (room.png, or refusal.png).
#
# Options:
#   --profile P   the test card: kid-9 (default), teen-14, adult, kid-5-no-auth, expired, blocked
#   --room R      kids (6-11, default), teens (12-15) or everyone (6-15)
#   --lang L      nl, fr, de or en (default: en; the page has a switcher)
#   --keep        keep everything running for manual use (prints the URLs); Ctrl-C stops it
#   --headless    run the scripted join even when a display is there
#   --child C     headless: what the scripted child does in the PIN dialog: pin (default: types
#                 the right PIN), cancel, timeout, wrong-pin (a wrong PIN three times),
#                 remove-card (pulls the card out while the dialog is open)
#   --without W   leave out the extension or the host, to see what the child is told
# For tests (tests/demo): --build-dir DIR uses the programs already built in DIR (no
# bootstrap, no build); --out DIR puts the screenshots there; --expect accepted|refused:<id>
# and --expect-text TEXT make the run fail when the outcome differs.
set -euo pipefail

cd "$(dirname "$0")/.."

profile=kid-9
room=kids
lang=en
keep=0
headless=0
build_dir=""
out=build/demo
expect=()
child=pin
without=""
usage() { sed -n '2,31p' "$0" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case $1 in
    --profile) profile=$2; shift 2 ;;
    --room) room=$2; shift 2 ;;
    --lang) lang=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --headless) headless=1; shift ;;
    --child) child=$2; shift 2 ;;
    --without) without=$2; shift 2 ;;
    --build-dir) build_dir=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --expect | --expect-text) expect+=("$1" "$2"); shift 2 ;;
    --help | -h) usage; exit 0 ;;
    *) echo "demo.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
case $profile in kid-9 | teen-14 | adult | kid-5-no-auth | expired | blocked) ;; *)
  echo "demo.sh: --profile must be kid-9, teen-14, adult, kid-5-no-auth, expired or blocked" >&2
  exit 2 ;;
esac
case $room in kids | teens | everyone) ;; *)
  echo "demo.sh: --room must be kids, teens or everyone" >&2; exit 2 ;;
esac
case $lang in nl | fr | de | en) ;; *)
  echo "demo.sh: --lang must be nl, fr, de or en" >&2; exit 2 ;;
esac
case $child in pin | cancel | timeout | wrong-pin | remove-card) ;; *)
  echo "demo.sh: --child must be pin, cancel, timeout, wrong-pin or remove-card" >&2; exit 2 ;;
esac
case $without in "" | extension | host) ;; *)
  echo "demo.sh: --without must be extension or host" >&2; exit 2 ;;
esac
[[ -z ${DISPLAY:-} ]] && headless=1

# -- Install and build ------------------------------------------------------------------------
if [[ -z $build_dir ]]; then
  bash scripts/bootstrap.sh
  build_dir=build/release
  echo "== Building (release preset)"
  cmake --preset release >/dev/null
  cmake --build --preset release -j "$(nproc)" --target saferchat-host saferchat-pcsc-env \
    saferchat-virtual-card scripted-pinentry saferchatd saferchat-demo-chat >/dev/null
fi
build_dir=$(cd "$build_dir" && pwd)
host=$build_dir/host/saferchat-host
pcsc_env=$build_dir/tools/pcsc-env/saferchat-pcsc-env
scripted_pinentry=$build_dir/tests/tools/scripted-pinentry
saferchatd=$build_dir/server/service/saferchatd
demo_chat=$build_dir/demo/saferchat-demo-chat
virtual_card=$build_dir/virtual-card/saferchat-virtual-card
cards=$build_dir/test-cards
extension=$build_dir/extension
for program in "$host" "$pcsc_env" "$scripted_pinentry" "$saferchatd" "$demo_chat"; do
  [[ -x $program ]] || { echo "demo.sh: $program is not built" >&2; exit 1; }
done
if [[ ! -f $cards/cards/$profile/profile.json ]]; then
  echo "== Generating TEST card profiles (fictitious people, test keys) in $cards"
  bash virtual-card/profiles/make_test_cards.sh "$cards" >/dev/null
fi
if [[ ! -f $extension/chromium/manifest.json || ! -f $extension/page-api/saferchat.mjs ]]; then
  echo "== Building the extension and the page API"
  node extension/build.mjs --out "$extension" >/dev/null
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)

# -- Everything runs from a temporary folder, removed on exit --------------------------------
work=$(mktemp -d "${TMPDIR:-/tmp}/saferchat-demo-XXXXXX")
pids=()
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  echo "== Stopping everything (servers, card, temporary profile and host install are removed)"
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Waits until FILE has a line matching PATTERN (a program's "ready"), or fails after 30 s or
# when PID exits first.
wait_for_line() {
  local file=$1 pattern=$2 pid=$3 what=$4 i
  for ((i = 0; i < 300; i++)); do
    grep -q -- "$pattern" "$file" 2>/dev/null && return 0
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "demo.sh: $what stopped:" >&2
      sed 's/^/  /' "$file" >&2
      exit 1
    fi
    sleep 0.1
  done
  echo "demo.sh: $what did not start in 30 s:" >&2
  sed 's/^/  /' "$file" >&2
  exit 1
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

holder=$(python3 -c 'import json, sys; h = json.load(open(sys.argv[1]))["holder"]
print("%s %s, %s years old" % (h["given_names"], h["surname"], h["age"]))' \
  "$cards/cards/$profile/profile.json")
pin=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["pin"])' \
  "$cards/cards/$profile/profile.json")

echo "== Starting a private pcscd with the virtual card: $profile ($holder; TEST card)"
"$pcsc_env" --profile "$cards/cards/$profile" >"$work/pcsc.out" 2>&1 &
pids+=($!)
wait_for_line "$work/pcsc.out" '^ready$' $! "saferchat-pcsc-env"
pcsc_socket=$(sed -n 's/^PCSCLITE_CSOCK_NAME=//p' "$work/pcsc.out")
card_control=$(sed -n 's/^SAFERCHAT_CARD_CONTROL=//p' "$work/pcsc.out")

# The chat's https certificate, made for this run. Chromium accepts exactly this key
# (--ignore-certificate-errors-spki-list: base64 SHA-256 of the SubjectPublicKeyInfo).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -keyout "$work/chat.key" -out "$work/chat.crt" -subj /CN=localhost \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" 2>/dev/null
spki=$(openssl x509 -in "$work/chat.crt" -pubkey -noout | openssl pkey -pubin -outform der |
  openssl dgst -sha256 -binary | base64)
chat_port=$(free_port)
origin=https://localhost:$chat_port

echo "== Starting saferchatd (trusts the TEST PKI only; origin $origin)"
head -c 32 /dev/urandom >"$work/pseudonym.key"
chmod 600 "$work/pseudonym.key"
cat >"$work/saferchatd.json" <<EOF
{
  "listen": "127.0.0.1:0",
  "threads": 2,
  "trustAnchors": ["$cards/pki/trust-anchors.pem"],
  "intermediates": ["$cards/pki/citizen-ca-rsa.pem", "$cards/pki/citizen-ca-p384.pem"],
  "allowedOrigins": ["$origin"],
  "nonceTtlSeconds": 300,
  "store": {"type": "memory"},
  "revocation": {"mode": "none"},
  "pseudonymKeyFile": "pseudonym.key",
  "revealBirthDate": false,
  "revealNationalNumber": false
}
EOF
"$saferchatd" --config "$work/saferchatd.json" --port-file "$work/saferchatd.port" \
  >"$work/saferchatd.out" 2>&1 &
pids+=($!)
wait_for_line "$work/saferchatd.out" 'listening on' $! "saferchatd"
saferchatd_url=http://127.0.0.1:$(cat "$work/saferchatd.port")

echo "== Starting the demo chat on $origin"
"$demo_chat" --cert "$work/chat.crt" --key "$work/chat.key" --port "$chat_port" \
  --origin "$origin" --saferchatd "$saferchatd_url" --page-api-dir "$extension/page-api" \
  >"$work/chat.out" 2>"$work/chat.log" &
pids+=($!)
wait_for_line "$work/chat.out" '^ready$' $! "saferchat-demo-chat"

export HOME=$work/home
unset XDG_CONFIG_HOME CHROME_CONFIG_HOME
mkdir -p "$HOME" "$work/chromium"
if [[ $without == host ]]; then
  echo "== NOT installing the native host (--without host)"
else
  echo "== Installing the native host for a temporary Chromium profile (installer/saferchat-install)"
  installer/saferchat-install install --user --host-binary "$host" --browser chromium \
    --chromium-user-data-dir "$work/chromium" | sed 's/^/  /'
fi

# What the browser passes on to the host it starts.
export PCSCLITE_CSOCK_NAME=$pcsc_socket
export SAFERCHAT_LOG_FILE=$work/host.log
# What the scripted child does in the PIN dialog (scripted-pinentry's script).
case $child in
  pin) printf 'pin %s\n' "$pin" ;;
  cancel) printf 'cancel\n' ;;
  timeout) printf 'timeout\n' ;;
  wrong-pin) printf 'pin %s\n' 9876 9876 9876 ;;
  remove-card) printf 'hang\n' ;;
esac >"$work/pin-script"

show_logs() {
  echo "  saferchatd: $work/saferchatd.out, demo chat: $work/chat.log, host: $work/host.log"
}

if ((headless)); then
  echo "== The child joins the ${room} room (headless Chromium; the PIN dialog answered by" \
    "scripted-pinentry: $child)"
  export SAFERCHAT_PINENTRY=$scripted_pinentry
  export SCRIPTED_PINENTRY_SCRIPT=$work/pin-script
  export SCRIPTED_PINENTRY_STATE=$work/pin-state
  export SCRIPTED_PINENTRY_LOG=$work/dialog.log
  if [[ $child == remove-card ]]; then
    # Once the PIN dialog asks, the card is pulled out of the reader.
    (
      for ((i = 0; i < 1200; i++)); do
        grep -q '"GETPIN"' "$work/dialog.log" 2>/dev/null && break
        sleep 0.1
      done
      "$virtual_card" --control "$card_control" --send remove >/dev/null
    ) &
    pids+=($!)
  fi
  join_args=()
  [[ $without == extension ]] && join_args+=(--without-extension)
  status=0
  node demo/browser/join.mjs --url "$origin" --room "$room" --lang "$lang" \
    --extension-dir "$extension/chromium" --user-data-dir "$work/chromium" --spki "$spki" \
    --out "$out" --pinentry-log "$work/dialog.log" "${join_args[@]}" \
    "${expect[@]}" || status=$?
  if ((status != 0)); then
    echo "demo.sh: the join did not go as expected; logs:" >&2
    sed 's/^/  chat | /' "$work/chat.log" >&2
    tail -n 20 "$work/host.log" 2>/dev/null | sed 's/^/  host | /' >&2 || true
    exit "$status"
  fi
  echo "  The chat's log (moderators see the pseudonyms; the room never does):"
  sed -n 's/^saferchat-demo-chat: \(admit\|join\|message\|leave\)/    \1/p' "$work/chat.log"
else
  echo "== Opening Chromium on $origin (the PIN dialog is the real one; this card's PIN: $pin)"
  export SAFERCHAT_PINENTRY=${SAFERCHAT_PINENTRY:-$(command -v pinentry-gtk-2 || command -v pinentry)}
  browser_args=(--user-data-dir="$work/chromium" --no-first-run --disable-sync
    --ignore-certificate-errors-spki-list="$spki")
  [[ $without == extension ]] ||
    browser_args+=(--disable-extensions-except="$extension/chromium"
      --load-extension="$extension/chromium")
  # Chromium refuses to run as root with its sandbox (the README runs the demo as root).
  ((EUID != 0)) || browser_args+=(--no-sandbox)
  /usr/bin/chromium "${browser_args[@]}" "$origin/?room=$room&lang=$lang" \
    >"$work/chromium.log" 2>&1 &
  pids+=($!)
  echo "  Close the browser to stop$( ((keep)) && echo ' (then Ctrl-C to stop the servers)')."
  status=0
  wait "${pids[-1]}" || status=$?
  if ((status != 0)); then
    echo "demo.sh: Chromium ended with status $status:" >&2
    tail -n 20 "$work/chromium.log" | sed 's/^/  /' >&2
  fi
fi

if ((keep)); then
  echo
  echo "== Running until Ctrl-C"
  echo "  Demo chat:   $origin/?room=$room&lang=$lang"
  echo "  saferchatd:  $saferchatd_url/healthz"
  echo "  PC/SC:       PCSCLITE_CSOCK_NAME=$pcsc_socket (card $profile, PIN $pin)"
  echo "  A Chromium with the extension and the host, that accepts the chat's certificate:"
  echo "    HOME=$HOME PCSCLITE_CSOCK_NAME=$pcsc_socket \\"
  echo "    SAFERCHAT_PINENTRY=$(command -v pinentry-gtk-2 || command -v pinentry) \\"
  echo "    chromium --user-data-dir=$work/chromium$( ((EUID != 0)) || echo ' --no-sandbox') \\"
  echo "      --ignore-certificate-errors-spki-list=$spki \\"
  echo "      --load-extension=$extension/chromium '$origin/'"
  show_logs
  while :; do
    sleep 3600 &
    pids+=($!)
    wait $! || true
  done
fi
