#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The long fuzzing campaign (README "Fuzzing"), separate from the test command, which fuzzes each
# target for seconds only.
#
#   bash scripts/fuzz.sh [--minutes N] [--jobs J] [TARGET...]
#
# Builds the fuzz targets (preset `fuzz-campaign`: clang-14, ASan + UBSan as the test command's
# `asan-ubsan` build, but optimised, -O1 as OSS-Fuzz builds, and the fuzz targets only), then
# fuzzes every target (or the named ones) for N minutes each (default 10), J at a time (default:
# one per core). Each target starts from its committed corpus; afterwards the inputs it found
# that add coverage are merged back into the committed corpus, minimised (libFuzzer -merge=1,
# new edges only), ready to commit. A crash stops that target: its input is kept in
# build/fuzz-campaign/campaign/TARGET/ and listed. Prints one line per target: executions,
# executions per second, coverage (edges, features), corpus entries added, crashes. Exits 1 if
# any target crashed.
set -uo pipefail

cd "$(dirname "$0")/.."
minutes=10
jobs=$(nproc)
targets=()
while (($#)); do
  case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h | --help) sed -n '2,16p' "$0"; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ "$minutes" =~ ^[0-9]+([.][0-9]+)?$ ]] || { echo "fuzz.sh: --minutes takes a number" >&2; exit 2; }
seconds=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')

build=build/fuzz-campaign
cmake --preset fuzz-campaign >/dev/null && cmake --build --preset fuzz-campaign -j "$jobs" || exit 1

declare -A program corpus
while IFS=$'\t' read -r name path dir; do
  program[$name]=$path
  corpus[$name]=$dir
done <"$build/fuzzers.tsv"
if ((${#targets[@]} == 0)); then
  mapfile -t targets < <(cut -f1 "$build/fuzzers.tsv")
fi
for name in "${targets[@]}"; do
  [[ -n "${program[$name]:-}" ]] || { echo "fuzz.sh: no fuzz target $name" >&2; exit 2; }
done

campaign=$build/campaign
# One target: fuzz into a scratch folder (the committed corpus is read, not written), then merge
# what adds coverage back into the committed corpus.
fuzz_one() {
  local name=$1 work=$campaign/$1
  rm -rf "$work"
  mkdir -p "$work/new"
  "${program[$name]}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$work/" "$work/new" "${corpus[$name]}" \
    >"$work/fuzz.log" 2>&1
  echo $? >"$work/status"
  local before
  before=$(find "${corpus[$name]}" -type f | wc -l)
  # Only inputs that reach new edges (not merely new hit counts) join the committed corpus, which
  # keeps it small.
  "${program[$name]}" -merge=1 -use_counters=0 -use_value_profile=0 -timeout=10 \
    -rss_limit_mb=2048 -artifact_prefix="$work/merge-" "${corpus[$name]}" "$work/new" \
    >"$work/merge.log" 2>&1
  echo $(($(find "${corpus[$name]}" -type f | wc -l) - before)) >"$work/added"
}

echo "fuzzing ${#targets[@]} targets for $minutes min each, $jobs at a time"
running=0
for name in "${targets[@]}"; do
  fuzz_one "$name" &
  running=$((running + 1))
  if ((running >= jobs)); then
    wait -n
    running=$((running - 1))
  fi
done
wait

crashed=0
printf '\n%-26s %12s %9s %8s %8s %6s %8s\n' target executions exec/s edges features added crashes
for name in "${targets[@]}"; do
  work=$campaign/$name
  log=$work/fuzz.log
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
  edges=$(sed -nE 's/.* cov: ([0-9]+).*/\1/p' <<<"$last")
  features=$(sed -nE 's/.* ft: ([0-9]+).*/\1/p' <<<"$last")
  crashes=$(find "$work" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
    -o -name 'oom-*' \) | wc -l)
  printf '%-26s %12s %9s %8s %8s %6s %8s\n' "$name" "${runs:-?}" "${rate:-?}" "${edges:-?}" \
    "${features:-?}" "$(cat "$work/added" 2>/dev/null || echo '?')" "$crashes"
  if ((crashes > 0)) || [[ "$(cat "$work/status")" != 0 ]]; then
    crashed=1
    find "$work" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
      -o -name 'oom-*' \) -printf '  %p\n'
    grep -m 3 -E 'ERROR: |SUMMARY: ' "$log" | sed 's/^/  /'
  fi
done
((crashed == 0))
