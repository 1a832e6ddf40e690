// SPDX-License-Identifier: Apache-2.0
// Paths of this build (the source folder, the programs under test, the test cards) for test
// programs. tests/CMakeLists.txt (saferchat_test_paths) defines each path macro, e.g.
// SAFERCHAT_HOST_PATH, as SAFERCHAT_BUILD_PATH(SAFERCHAT_HOST_PATH), and writes the values into
// one small generated source file per test program. The test sources, compiled once for every
// folder, hold no path of this machine: a fresh clone in another folder hits the compiler cache.
// This header is included in every test program's sources by the compiler (-include).
#pragma once

namespace saferchat::test {

// The value of a path macro of this test program; aborts if the program has no such path.
const char* build_path(const char* name);

}  // namespace saferchat::test

#define SAFERCHAT_BUILD_PATH(name) (::saferchat::test::build_path(#name))
