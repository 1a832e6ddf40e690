# SPDX-License-Identifier: Apache-2.0
# Cross build for 64-bit Windows with Debian's mingw-w64, posix thread flavour (the default
# win32 flavour has no std::thread / std::mutex). Programs run here under Wine.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(saferchat_mingw x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${saferchat_mingw}-gcc-posix)
set(CMAKE_CXX_COMPILER ${saferchat_mingw}-g++-posix)
set(CMAKE_RC_COMPILER ${saferchat_mingw}-windres)
set(CMAKE_FIND_ROOT_PATH /usr/${saferchat_mingw})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
# One self-contained .exe each: no libstdc++/libgcc/winpthread DLLs to ship beside them.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
find_program(saferchat_wine NAMES wine wine64)
if(saferchat_wine)
  set(CMAKE_CROSSCOMPILING_EMULATOR ${saferchat_wine})
endif()
