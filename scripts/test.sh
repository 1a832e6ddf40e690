#!/usr/bin/env bash
# The one command that runs every test of Safer Chat (README "Run all tests"):
#   1. installs what is missing (scripts/bootstrap.sh)
#   2. checks formatting (clang-format) of every C++ file
#   3. builds the `ci` preset: optimised, hardened, warnings as errors
#   4. runs clang-tidy over the production code (host/, virtual-card/, tools/, server/, demo/)
#   5. runs the unit, integration, browser (Chromium and Firefox), installer and package, server
#      and demo tests, and the fuzz corpus replays (ctest)
#   6. builds the `windows` preset (mingw-w64) and runs its tests under Wine
#   7. builds the `asan-ubsan` preset and runs the unit tests again under ASan + UBSan
#   8. builds the `fuzz` preset (clang-14 + libFuzzer): replays each corpus, then fuzzes each
#      target for SAFERCHAT_FUZZ_SECONDS (default 30) seconds
# Prints one summary line per stage and a final "N passed, N failed" line; exits non-zero on
# any failure. Set SAFERCHAT_SKIP_STAGES="tidy fuzz" (for example) to skip stages locally.
set -uo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)
fuzz_seconds=${SAFERCHAT_FUZZ_SECONDS:-30}
skip=" ${SAFERCHAT_SKIP_STAGES:-} "
logs="$root/build/test-logs"
passed=0
failed=0
failures=()
started=$(date +%s)

stage() { printf '\n=== %s (%ss)\n' "$1" "$(($(date +%s) - started))"; }
skipped() { [[ "$skip" == *" $1 "* ]] && echo "(skipped: SAFERCHAT_SKIP_STAGES)"; }
fail_stage() {
  failures+=("$1")
  failed=$((failed + 1))
}

# Runs ctest with the given arguments, adds its counts to the totals.
run_ctest() {
  local name=$1
  shift
  local log="$logs/ctest-$name.log"
  ctest "$@" 2>&1 | tee "$log"
  local status=${PIPESTATUS[0]}
  local line total bad
  line=$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1)
  if [[ -z "$line" ]]; then
    echo "ctest ($name) ran no test or did not finish" >&2
    fail_stage "ctest-$name"
    return
  fi
  total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
  bad=$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$line")
  passed=$((passed + total - bad))
  failed=$((failed + bad))
  if ((status != 0)) && ((bad == 0)); then
    fail_stage "ctest-$name"
  fi
  ((bad == 0)) || failures+=("ctest-$name")
}

stage "bootstrap"
bash scripts/bootstrap.sh || { echo "bootstrap failed" >&2; exit 1; }
mkdir -p "$logs"

stage "format (clang-format)"
mapfile -t cxx_files < <(git ls-files -co --exclude-standard '*.cpp' '*.hpp' 2>/dev/null ||
  find host tests bench virtual-card tools server demo -name '*.[ch]pp')
if clang-format --dry-run --Werror "${cxx_files[@]}"; then
  echo "format: ${#cxx_files[@]} files clean"
  passed=$((passed + 1))
else
  echo "format: run clang-format -i on the files above" >&2
  fail_stage format
fi

stage "build (ci preset, -Werror)"
if cmake --preset ci >"$logs/configure-ci.log" && cmake --build --preset ci -j "$jobs"; then
  ci_built=1
else
  ci_built=0
  fail_stage build-ci
fi

stage "clang-tidy (host/, virtual-card/, tools/, server/, demo/)"
if [[ -z "$(skipped tidy)" ]] && ((ci_built)); then
  mapfile -t tidy_files < <(git ls-files -co --exclude-standard 'host/*.cpp' 'virtual-card/*.cpp' 'tools/*.cpp' \
    'server/*.cpp' 'demo/*.cpp')
  if printf '%s\n' "${tidy_files[@]}" |
    xargs -P "$jobs" -n 4 clang-tidy -p build/ci --quiet >"$logs/clang-tidy.log" 2>&1; then
    echo "clang-tidy: ${#tidy_files[@]} files clean"
    passed=$((passed + 1))
  else
    grep -E 'error:|warning:' "$logs/clang-tidy.log" | sort -u >&2
    fail_stage clang-tidy
  fi
else
  skipped tidy || echo "(not run: build failed)"
fi

stage "unit + integration tests"
((ci_built)) && run_ctest ci --preset ci -j "$jobs" --timeout 300

stage "Windows build (mingw-w64) and its tests under Wine"
if [[ -z "$(skipped windows)" ]]; then
  # The host and its unit tests (pure layers, platform and crypto seams) as Windows programs
  # under Wine (tests/windows/CMakeLists.txt, docs/windows.md).
  if cmake --preset windows >"$logs/configure-windows.log" &&
    cmake --build --preset windows -j "$jobs"; then
    run_ctest windows --preset windows --timeout 300
  else
    fail_stage build-windows
  fi
fi

stage "unit tests under ASan + UBSan"
if [[ -z "$(skipped asan)" ]]; then
  if cmake --preset asan-ubsan >"$logs/configure-asan.log" &&
    cmake --build --preset asan-ubsan -j "$jobs"; then
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
      run_ctest asan --preset asan-ubsan -j "$jobs" --timeout 300
  else
    fail_stage build-asan
  fi
fi

stage "fuzzing (clang-14 + libFuzzer, ${fuzz_seconds}s per target)"
if [[ -z "$(skipped fuzz)" ]]; then
  if cmake --preset fuzz -DSAFERCHAT_FUZZ_SECONDS="$fuzz_seconds" >"$logs/configure-fuzz.log" &&
    cmake --build --preset fuzz -j "$jobs"; then
    run_ctest fuzz --preset fuzz -j "$jobs"
  else
    fail_stage build-fuzz
  fi
fi

stage "summary"
echo "took $(($(date +%s) - started)) s"
((${#failures[@]} == 0)) || echo "failed stages: ${failures[*]}"
echo "$passed passed, $failed failed"
((failed == 0))
