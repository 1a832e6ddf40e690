# SPDX-License-Identifier: Apache-2.0
# The chat provider's side on its own: configures this source tree with SAFERCHAT_BUILD_HOST=OFF
# into BINARY_DIR, builds everything there (the server, the demo and their tests),
# checks that nothing of the child's side was configured (no pcsc-lite, no host, no virtual card)
# and runs that build's unit tests.
#
# cmake -DSOURCE_DIR=... -DBINARY_DIR=... -DCXX_COMPILER=... -DBUILD_TYPE=...
#       [-DBUILD_TYPE_FLAGS=...] -DHARDENING=ON|OFF -DWERROR=ON|OFF -P build_server_alone.cmake
# BINARY_DIR sits at the same depth as the main build folder, and BUILD_TYPE_FLAGS are the main
# build's flags for BUILD_TYPE (the ci preset's "-O2 -g1 -DNDEBUG", not CMake's default "-O2 -g"),
# so that ccache (base_dir = the source folder, build folder not hashed) finds the main build's
# objects: the build costs little.
foreach(var SOURCE_DIR BINARY_DIR CXX_COMPILER BUILD_TYPE HARDENING WERROR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "${var} is not set")
  endif()
endforeach()

function(run what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "${what} failed (${status})")
  endif()
endfunction()

set(build_type_flags)
if(DEFINED BUILD_TYPE_FLAGS)
  string(TOUPPER "${BUILD_TYPE}" build_type)
  set(build_type_flags "-DCMAKE_CXX_FLAGS_${build_type}=${BUILD_TYPE_FLAGS}")
endif()
run("configure with SAFERCHAT_BUILD_HOST=OFF"
    "${CMAKE_COMMAND}" -S "${SOURCE_DIR}" -B "${BINARY_DIR}" -G Ninja
    "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}" "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}" ${build_type_flags}
    -DSAFERCHAT_BUILD_HOST=OFF -DSAFERCHAT_BUILD_TESTS=ON -DSAFERCHAT_BUILD_BENCH=OFF
    "-DSAFERCHAT_HARDENING=${HARDENING}" "-DSAFERCHAT_WARNINGS_AS_ERRORS=${WERROR}")

# Nothing of the child's side: pcsc-lite not even looked for, none of its programs known.
file(STRINGS "${BINARY_DIR}/CMakeCache.txt" pcsc_entries REGEX "^PCSC_")
if(pcsc_entries)
  message(FATAL_ERROR "pcsc-lite was looked for with SAFERCHAT_BUILD_HOST=OFF: ${pcsc_entries}")
endif()
execute_process(COMMAND "${CMAKE_COMMAND}" --build "${BINARY_DIR}" --target help
                OUTPUT_VARIABLE targets RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "listing the targets failed (${status})")
endif()
foreach(target saferchat-host saferchat-virtual-card saferchat-pcsc-env scripted-pinentry)
  if(targets MATCHES "(^|\n)${target}:")
    message(FATAL_ERROR "${target} is configured with SAFERCHAT_BUILD_HOST=OFF")
  endif()
endforeach()
foreach(target saferchat-verify saferchatd saferchat-demo-chat)
  if(NOT targets MATCHES "(^|\n)${target}:")
    message(FATAL_ERROR "${target} is missing with SAFERCHAT_BUILD_HOST=OFF")
  endif()
endforeach()

run("build with SAFERCHAT_BUILD_HOST=OFF" "${CMAKE_COMMAND}" --build "${BINARY_DIR}" --parallel 2)
run("unit tests with SAFERCHAT_BUILD_HOST=OFF"
    "${CMAKE_CTEST_COMMAND}" --test-dir "${BINARY_DIR}" -L unit --output-on-failure)
