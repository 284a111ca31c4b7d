# Cross-compiling for AArch64 (NEON) on Debian/Ubuntu x86-64 hosts:
#   apt-get install gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user
# Tests run through qemu-aarch64 (CMAKE_CROSSCOMPILING_EMULATOR), so ctest works.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L /usr/aarch64-linux-gnu)
