# SPDX-License-Identifier: Apache-2.0
# Dependencies of the Windows build (cmake/toolchain-mingw64.cmake). Debian has no mingw builds of
# OpenSSL or Boost, and the Windows host needs neither: the OS gives PC/SC (winscard) and crypto
# (CNG, wire/crypto_cng.cpp); the PIN dialog is started with CreateProcessW.
include_guard(GLOBAL)

# PC/SC: the system's winscard.dll (mingw-w64's import library and winscard.h).
add_library(saferchat_pcsc INTERFACE)
add_library(saferchat::pcsc ALIAS saferchat_pcsc)
target_link_libraries(saferchat_pcsc INTERFACE winscard)

# nlohmann/json is header only: its headers, and nothing else from the build machine's
# /usr/include, reach the cross compiler through a folder of their own in the build tree.
find_path(saferchat_nlohmann_dir nlohmann/json.hpp PATHS /usr/include NO_CMAKE_FIND_ROOT_PATH
          REQUIRED)
set(saferchat_third_party_include "${CMAKE_BINARY_DIR}/third-party/include")
file(MAKE_DIRECTORY "${saferchat_third_party_include}")
file(CREATE_LINK "${saferchat_nlohmann_dir}/nlohmann" "${saferchat_third_party_include}/nlohmann"
     SYMBOLIC)
add_library(nlohmann_json INTERFACE)
add_library(nlohmann_json::nlohmann_json ALIAS nlohmann_json)
target_include_directories(nlohmann_json SYSTEM INTERFACE "${saferchat_third_party_include}")

# GoogleTest and GoogleMock from Debian's sources, built by this cross compiler.
if(SAFERCHAT_BUILD_TESTS)
  set(saferchat_googletest_source /usr/src/googletest CACHE PATH "GoogleTest sources")
  set(INSTALL_GTEST OFF CACHE BOOL "" FORCE)
  set(BUILD_GMOCK ON CACHE BOOL "" FORCE)
  add_subdirectory("${saferchat_googletest_source}" "${CMAKE_BINARY_DIR}/googletest"
                   EXCLUDE_FROM_ALL SYSTEM)
  # googletest defines GTest::gtest, GTest::gmock and GTest::gtest_main itself.
endif()
