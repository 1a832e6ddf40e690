# SPDX-License-Identifier: Apache-2.0
# Compiler settings shared by every Safer Chat target. Targets opt in with
# saferchat_target_defaults(<target>), so warnings stay PRIVATE to our own code.

# Compiler cache: ccache when installed (scripts/bootstrap.sh installs it). base_dir is the
# source folder and the build folder is not hashed, so a fresh clone in another folder hits the
# cache that an earlier clone filled (the test command runs again in a fraction of the time).
find_program(SAFERCHAT_CCACHE ccache)
if(SAFERCHAT_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env CCACHE_BASEDIR=${PROJECT_SOURCE_DIR} CCACHE_NOHASHDIR=1
      CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      ${SAFERCHAT_CCACHE})
endif()

add_library(saferchat_build_flags INTERFACE)
add_library(saferchat::build_flags ALIAS saferchat_build_flags)

target_compile_options(
  saferchat_build_flags
  INTERFACE -Wall
            -Wextra
            -Wpedantic
            -Wconversion
            -Wsign-conversion
            -Wshadow
            -Wnon-virtual-dtor
            -Wold-style-cast
            -Wcast-align
            -Woverloaded-virtual
            -Wnull-dereference
            -Wformat=2
            -Wimplicit-fallthrough)
if(SAFERCHAT_WARNINGS_AS_ERRORS)
  target_compile_options(saferchat_build_flags INTERFACE -Werror)
endif()

if(SAFERCHAT_HARDENING)
  target_compile_definitions(saferchat_build_flags INTERFACE _FORTIFY_SOURCE=3 _GLIBCXX_ASSERTIONS)
  target_compile_options(saferchat_build_flags INTERFACE -fstack-protector-strong
                                                         -fstack-clash-protection -fcf-protection)
  target_link_options(saferchat_build_flags INTERFACE -Wl,-z,relro -Wl,-z,now -Wl,-z,noexecstack)
  set(CMAKE_POSITION_INDEPENDENT_CODE ON)
  include(CheckPIESupported)
  check_pie_supported()
endif()

# ASan + UBSan (SAFERCHAT_SANITIZE), and coverage for libFuzzer (SAFERCHAT_BUILD_FUZZ): applied
# globally so that GoogleTest and every library agree on the runtime. The asan-ubsan preset has
# both: its libraries are compiled once for the unit tests and the fuzz targets (the coverage
# hooks are the sanitizer runtime's no-ops in the unit tests); fuzz targets link
# -fsanitize=fuzzer themselves (tests/fuzz).
if(SAFERCHAT_SANITIZE OR SAFERCHAT_BUILD_FUZZ)
  set(saferchat_sanitizers address,undefined)
  if(SAFERCHAT_BUILD_FUZZ)
    set(saferchat_sanitizers fuzzer-no-link,${saferchat_sanitizers})
  endif()
  add_compile_options(-fsanitize=${saferchat_sanitizers} -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

function(saferchat_target_defaults target)
  target_link_libraries(${target} PRIVATE saferchat::build_flags)
endfunction()

include(saferchat_unity)
