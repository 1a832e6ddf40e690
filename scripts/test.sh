#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The one command that runs every test of Safer Chat (README "Run all tests"):
#   1. installs what is missing (scripts/bootstrap.sh)
#   2. checks formatting (clang-format) of every C++ file
#   3. builds the `ci` preset: optimised, hardened, warnings as errors (ccache: a second run, or
#      a fresh clone in another folder, compiles only what changed)
#   4. starts three jobs in the background, at low priority: the `windows` build (mingw-w64,
#      nice 5), the `asan-ubsan` build (clang-14, ASan + UBSan: the unit tests and the fuzz
#      targets, on libraries compiled once for both; nice 10), which then starts the fuzz
#      targets (nice 10): each replays its corpus, then fuzzes for SAFERCHAT_FUZZ_SECONDS
#      (default 10) seconds (the long campaign is scripts/fuzz.sh); and clang-tidy over the code
#      that ships (host/, wire/, server/; nice 15, as nothing waits on it; files whose
#      preprocessed source, flags and .clang-tidy are unchanged since a clean check are not
#      checked again, scripts/clang_tidy_cached.py)
#   5. runs the unit, integration, browser (Chromium and Firefox), installer and package, server
#      and demo tests (ctest): they wait on pcscd, browsers and processes, the background jobs
#      use the CPU they leave
#   6. runs the Windows build's tests under Wine (they use the `ci` build's programs and TEST
#      cards, so after step 5)
#   7. runs the unit tests again under ASan + UBSan
#   8. waits for the fuzz targets and clang-tidy
# Prints each stage's wall-clock and CPU time (background jobs on their own indented lines: their
# wall-clock overlaps the tests'), a "N passed, N failed" line; exits non-zero on any
# failure. Set SAFERCHAT_SKIP_STAGES="tidy windows asan fuzz" (for example) to skip stages locally.
set -uo pipefail

cd "$(dirname "$0")/.."
root=$(pwd)
jobs=$(nproc)
fuzz_seconds=${SAFERCHAT_FUZZ_SECONDS:-10}
skip=" ${SAFERCHAT_SKIP_STAGES:-} "
logs="$root/build/test-logs"
passed=0
failed=0
failures=()
started=$(date +%s)

# Stage times: wall clock, and CPU (user + system) of the commands the stage ran, which shows
# the cost of a stage even when other work shares the machine.
stage_names=()
stage_walls=()
stage_cpus=()
stage_name=""
stage_start=0
stage_cpu_start=0
# Sets cpu_now to the CPU seconds used so far by this shell's finished children: bash's `times`
# (second line), run in this shell, not in a $(...) subshell, which would count its own only.
cpu_now=0
read_cpu() {
  times >"$logs/.times"
  cpu_now=$(seconds_of_times "$logs/.times")
}
seconds_of_times() {
  awk 'NR == 2 { s = 0; for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); s += t[1] * 60 + t[2] }
                 printf "%d", s + 0.5 }' "$1"
}
end_stage() {
  [[ -n "$stage_name" ]] || return 0
  read_cpu
  stage_names+=("$stage_name")
  stage_walls+=($(($(date +%s) - stage_start)))
  stage_cpus+=($((cpu_now - stage_cpu_start)))
  stage_name=""
}
stage() {
  end_stage
  printf '\n=== %s (%ss)\n' "$1" "$(($(date +%s) - started))"
  stage_name=$1
  stage_start=$(date +%s)
  read_cpu
  stage_cpu_start=$cpu_now
}
# Records a stage that ran in the background (its times are in the file it wrote).
background_stage() {
  local name=$1 file=$2 wall=0 cpu=0
  [[ -f "$file" ]] || return 0  # not started (skipped, or a failed build)
  read -r wall cpu <"$file"
  stage_names+=("$name")
  stage_walls+=("$wall")
  stage_cpus+=("$cpu")
}
skipped() { [[ "$skip" == *" $1 "* ]] && echo "(skipped: SAFERCHAT_SKIP_STAGES)"; }
fail_stage() {
  failures+=("$1")
  failed=$((failed + 1))
}

# Runs ctest with the given arguments, adds its counts to the totals.
run_ctest() {
  local name=$1
  shift
  ctest "$@" 2>&1 | tee "$logs/ctest-$name.log"
  count_ctest "$name" "${PIPESTATUS[0]}"
}
# Adds the counts of ctest's log ctest-NAME.log (its exit status STATUS) to the totals.
count_ctest() {
  local name=$1 status=$2
  local log="$logs/ctest-$name.log"
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

mkdir -p "$logs"
rm -f "$logs"/*.time "$logs"/*.status "$logs"/*.pid  # a background job's files from an earlier run
stage "bootstrap"
bash scripts/bootstrap.sh || { echo "bootstrap failed" >&2; exit 1; }

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

# Background jobs (the Windows build, clang-tidy, the sanitizer build and the fuzzers) at low
# priority while the tests below run: background_job NAME NICENESS COMMAND... writes the output
# to NAME.log, 0 or 1 to NAME.status and "<wall s> <cpu s>" to NAME.time in the logs folder. A
# job is not this shell's child (it is started from a subshell that exits at once), so its CPU
# never lands in the foreground stages' CPU column (bash's `times` counts every child it
# reaped): it has its own line in the summary. The whole run is bound by CPU (README, "The test
# command's time"): the tests leave CPU idle while they wait, and the jobs fill it.
background_job() {
  local name=$1 niceness=$2
  shift 2
  rm -f "$logs/$name".{log,status,time,pid}
  (
    (
      echo "$BASHPID" >"$logs/$name.pid"
      begin=$(date +%s)
      renice -n "$niceness" -p "$BASHPID" >/dev/null
      status=0
      "$@" >"$logs/$name.log" 2>&1 || status=1
      echo "$status" >"$logs/$name.status"
      times >"$logs/.times-$name"
      echo "$(($(date +%s) - begin)) $(seconds_of_times "$logs/.times-$name")" >"$logs/.time-$name"
      mv "$logs/.time-$name" "$logs/$name.time"
    ) </dev/null >/dev/null 2>&1 &
  )
}
# Waits until a background job has ended (or was killed); sets job_status (0: it passed).
wait_job() {
  local pid=""
  until [[ -f "$logs/$1.time" ]]; do
    [[ -n "$pid" ]] || pid=$(cat "$logs/$1.pid" 2>/dev/null)
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null && [[ ! -f "$logs/$1.time" ]]; then
      echo "$1: the background job ended without its times (killed?)" >&2
      break
    fi
    sleep 2
  done
  job_status=$(cat "$logs/$1.status" 2>/dev/null || echo 1)
}

# The Windows build (mingw-w64): configured here (a few seconds), built in the background at the
# highest of the jobs' priorities, since its tests come first after the `ci` tests. ccache
# (cmake/saferchat_options.cmake) makes a warm rebuild cheap.
windows_configured=0
if [[ -z "$(skipped windows)" ]]; then
  if cmake --preset windows >"$logs/configure-windows.log"; then
    windows_configured=1
    background_job build-windows 5 cmake --build --preset windows -j "$jobs"
  else
    fail_stage configure-windows
  fi
fi

# clang-tidy over the code that ships: the host and its PIN dialog (host/), the token format and
# crypto both sides share (wire/) and the chat provider's verifier and service (server/). Not the
# demo, the virtual card or the test tools (demo/, virtual-card/, tools/): they are compiled with
# warnings as errors by g++ and clang and run under ASan + UBSan, and checking them cost about
# 300 CPU s of a cold run (README, "The test command's time"). Then the files only the Windows
# build compiles (the Windows platform folder and PIN dialog program, the CNG crypto), with the
# same .clang-tidy and cache, clang targeting mingw-w64 with its headers (--mingw).
tidy_globs=('host/*.cpp' 'wire/*.cpp' 'server/*.cpp')
run_tidy() {
  local tidy_files status=0
  mapfile -t tidy_files < <(git ls-files -co --exclude-standard "${tidy_globs[@]}")
  python3 scripts/clang_tidy_cached.py -p build/ci -j "$jobs" "${tidy_files[@]}" || status=1
  if ((windows_configured)); then
    python3 scripts/clang_tidy_cached.py -p build/windows --mingw --skip-compiled-by build/ci \
      -j "$jobs" "${tidy_files[@]}" || status=1
  fi
  return "$status"
}
tidy_job=""
if [[ -z "$(skipped tidy)" ]] && ((ci_built)); then
  background_job clang-tidy 15 run_tidy
  tidy_job=1
fi

# One sanitizer build (the asan-ubsan preset) for both stages that need one: the unit tests
# under ASan + UBSan and the fuzz targets. Once built, it starts the fuzz targets' corpus
# replays and short runs (ctest --preset fuzz) as a job of their own: each target fuzzes for
# SAFERCHAT_FUZZ_SECONDS of wall-clock beside the tests.
build_asan_and_fuzz() {
  local targets=()
  [[ -n "$(skipped asan)" ]] || targets+=(saferchat_unit_tests)
  [[ -n "$(skipped fuzz)" ]] || targets+=(saferchat_fuzzers)
  ((${#targets[@]})) || return 0
  cmake --preset asan-ubsan -DSAFERCHAT_FUZZ_SECONDS="$fuzz_seconds" &&
    cmake --build build/asan-ubsan -j "$jobs" --target "${targets[@]}" || return 1
  [[ -n "$(skipped fuzz)" ]] || background_job ctest-fuzz 10 ctest --preset fuzz -j "$jobs"
}
background_job build-sanitizers 10 build_asan_and_fuzz

stage "unit + integration tests"
((ci_built)) && run_ctest ci --preset ci -j "$jobs" --timeout 300

stage "Windows tests under Wine"
if ((windows_configured)); then
  wait_job build-windows
  if [[ "$job_status" == 0 ]]; then
    # Unit tests of the pure layers and the platform and crypto seams, the PIN dialog's process
    # and conversation, and the host-process table tests, which drive saferchat-host.exe from
    # the ci build's host_process_test, and windows.card_login: a login through a test-only
    # winscard.dll and the ci build's pcscd stack, bridge, verifier and TEST cards (made by the
    # ci tests) (tests/windows/CMakeLists.txt, docs/windows.md).
    # --repeat until-pass:2: once (2026-12-05), with the fuzzers busy beside it, a host under Wine
    # exited 1 within 39 ms without a word (windows.host_process_test's first case); it passed on
    # every rerun. A second try keeps such a start failure from failing the run; a test that fails
    # twice still fails it. To be found and removed (README, the test command's time).
    run_ctest windows --preset windows --timeout 300 --repeat until-pass:2
  else
    tail -n 40 "$logs/build-windows.log" >&2
    fail_stage build-windows
  fi
else
  echo "Windows: $(skipped windows || echo "not run: configure failed")"
fi

stage "unit tests under ASan + UBSan"
wait_job build-sanitizers
sanitizer_builds=$job_status
if [[ "$sanitizer_builds" != 0 ]]; then
  tail -n 40 "$logs/build-sanitizers.log" >&2
  fail_stage build-asan-fuzz
elif [[ -z "$(skipped asan)" ]]; then
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    run_ctest asan --preset asan-ubsan -j "$jobs" --timeout 300
fi

stage "waiting for the fuzzers (libFuzzer, ${fuzz_seconds}s per target)"
if [[ "$sanitizer_builds" == 0 ]] && [[ -z "$(skipped fuzz)" ]]; then
  wait_job ctest-fuzz
  cat "$logs/ctest-fuzz.log"
  count_ctest fuzz "$job_status"
fi

stage "waiting for clang-tidy"
if [[ -n "$tidy_job" ]]; then
  wait_job clang-tidy
  if [[ "$job_status" == 0 ]]; then
    # One line per run: the `ci` build's files, then the Windows build's.
    grep -E '^clang-tidy: [0-9]+ files clean' "$logs/clang-tidy.log"
    passed=$((passed + $(grep -cE '^clang-tidy: [0-9]+ files clean' "$logs/clang-tidy.log")))
  else
    grep -E 'error:|warning:|^clang-tidy:' "$logs/clang-tidy.log" | sort -u >&2
    fail_stage clang-tidy
  fi
else
  echo "clang-tidy: $(skipped tidy || echo "not run: build failed")"
fi

end_stage
background_stage "  Windows build (during the tests)" "$logs/build-windows.time"
background_stage "  clang-tidy (during the tests)" "$logs/clang-tidy.time"
background_stage "  asan-ubsan build (during the tests)" "$logs/build-sanitizers.time"
background_stage "  fuzzing (once the asan-ubsan build is done)" "$logs/ctest-fuzz.time"
printf '\n=== summary\n%-60s %7s %7s\n' "stage" "wall s" "cpu s"
cpu_total=0
for i in "${!stage_names[@]}"; do
  printf '%-60s %7s %7s\n' "${stage_names[$i]}" "${stage_walls[$i]}" "${stage_cpus[$i]}"
  cpu_total=$((cpu_total + stage_cpus[i]))
done
echo "(indented lines: background jobs, overlapping the stages above; CPU of all: $cpu_total s)"
echo "took $(($(date +%s) - started)) s"
((${#failures[@]} == 0)) || echo "failed stages: ${failures[*]}"
echo "$passed passed, $failed failed"
((failed == 0))
