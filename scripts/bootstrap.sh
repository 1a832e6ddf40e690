#!/usr/bin/env bash
# Installs every Debian 12 package that building, testing and the demo need. Idempotent: when
# everything is present it only checks (well under a second). Run as root, or with sudo.
set -euo pipefail

packages=(
  # build
  g++ cmake ninja-build pkg-config git
  nlohmann-json3-dev libboost-dev libssl-dev openssl libpcsclite-dev
  # tests, analysis, fuzzing, benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev clang-14 libclang-rt-14-dev clang-format
  clang-tidy
  # PC/SC stack and the virtual card's reader driver
  pcscd vsmartcard-vpcd pcsc-tools
  # isolated PC/SC environments (user + network namespaces) and test tooling
  util-linux iproute2 xxd python3
  # the PIN dialog, and its test under a virtual X display
  pinentry-gtk2 xvfb xdotool imagemagick
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [[ "$status" == installed ]] || missing+=("$package")
done

if ((${#missing[@]} == 0)); then
  echo "bootstrap: all ${#packages[@]} packages present"
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
echo "bootstrap: done"
