#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs every Debian 12 package that building, testing and the demo need. Idempotent: when
# everything is present it only checks (well under a second). Run as root, or with sudo.
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build pkg-config git
  nlohmann-json3-dev libboost-dev libssl-dev openssl libpcsclite-dev
  # the Public Suffix List the host's dialog names sites by (a generated source, every OS)
  publicsuffix
  # tests, analysis, fuzzing, benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev clang-format
  clang-tidy ccache
  # PC/SC stack and the virtual card's reader driver
  pcscd vsmartcard-vpcd pcsc-tools
  # isolated PC/SC environments (user + network namespaces) and test tooling
  util-linux iproute2 xxd python3
  # the PIN dialog, and its test under a virtual X display
  pinentry-gtk2 xvfb xdotool imagemagick
  # the chat provider's side: Redis nonce store (hiredis) and a real redis-server for its tests
  libhiredis-dev redis-server
  # browsers for the end-to-end tests and the demo; Node.js for the browser tooling
  chromium firefox-esr nodejs
  # the Windows build: mingw-w64 (posix threads), Wine to run its tests, MSI tools, signing
  g++-mingw-w64-x86-64-posix mingw-w64-x86-64-dev wine wine64 wixl msitools osslsigncode
  # the browsers in Dutch, French and German, for the extension's language tests
  chromium-l10n firefox-esr-l10n-nl firefox-esr-l10n-fr firefox-esr-l10n-de
  # packages: the extension's .zip/.xpi, the Debian package and its checks
  zip dpkg-dev file lintian shellcheck
)

# Node.js packages for the browser tooling (package-lock.json), installed when missing or stale.
install_node_modules() {
  local lock=package-lock.json stamp=node_modules/.package-lock.json
  cd "$(dirname "$0")/.."
  if [[ -f $stamp && ! $lock -nt $stamp ]]; then
    return 0
  fi
  echo "bootstrap: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
}

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [[ "$status" == installed ]] || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
  echo "bootstrap: all ${#packages[@]} packages present"
  install_node_modules
  exit 0
fi

echo "bootstrap: installing ${missing[*]}"
run_as_root=()
if ((EUID != 0)); then
  if command -v sudo >/dev/null; then
    run_as_root=(sudo)
  else
    echo "bootstrap: run as root (or install sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${run_as_root[@]}" apt-get update -qq
"${run_as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's own nodejs package comes without npm (NodeSource's includes it).
if ! command -v npm >/dev/null; then
  "${run_as_root[@]}" apt-get install -y -qq --no-install-recommends npm >/dev/null
fi
install_node_modules
echo "bootstrap: done"
