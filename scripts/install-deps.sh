#!/usr/bin/env bash
# Installs (as root) or names (otherwise) the Debian/Ubuntu packages lingrad needs.
#
#   scripts/install-deps.sh lib     cmake, make, a C compiler, pkg-config; hwloc optional:
#                                     the library alone (make lib, make install)
#   scripts/install-deps.sh build   + hwloc, g++ and libbenchmark-dev: required
#   scripts/install-deps.sh test    + python3-matplotlib, python3-numpy and OpenMPI for
#                                     the plot, numpy and MPI tests (optional: without
#                                     them those tests are skipped, or not built)
#   scripts/install-deps.sh bench   + g++, libbenchmark-dev, matplotlib; python3-torch
#                                     optional (the PyTorch comparison is skipped)
#   scripts/install-deps.sh ci      + clang, for the second-compiler build
#   scripts/install-deps.sh neon    + the AArch64 cross compiler and qemu-user
#   scripts/install-deps.sh cpus    + qemu-user, for the CPU-model matrix (make cpus)
#   scripts/install-deps.sh check   + valgrind and compare.py, for make bench-check
#   scripts/install-deps.sh fuzz    + clang, its sanitizer runtimes and libomp, for
#                                     make fuzz and make tsan
#
# Exits 0 when everything required is present afterwards, 1 otherwise, always
# with one line per problem saying exactly what to run.
set -euo pipefail

level=${1:-build}
# libudev-dev: hwloc.pc lists -ludev for static links, so a program built with
# pkg-config --static --libs lingrad (tests/test_install.sh) needs it.
required=(cmake make gcc libc6-dev pkg-config)
optional=()
# Every level but lib builds everything (make): the benchmark suite (C++) and hwloc.
[ "$level" = lib ] || required+=(g++ libhwloc-dev hwloc libbenchmark-dev libudev-dev)
case "$level" in
  lib) optional+=(libhwloc-dev) ;;
  build) ;;
  test) optional+=(python3-matplotlib python3-numpy python3-pytest valgrind openmpi-bin libopenmpi-dev) ;;
  bench) required+=(g++ libbenchmark-dev python3-matplotlib) optional+=(python3-torch) ;;
  fuzz) required+=(clang libclang-rt-14-dev libomp-dev) ;;
  check) required+=(g++ libbenchmark-dev valgrind libbenchmark-tools python3-scipy python3-pytest) ;;
  ci) required+=(clang libomp-dev python3-matplotlib) ;;
  neon) required+=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user) ;;
  cpus) required+=(qemu-user) ;;
  *) echo "install-deps.sh: unknown level '$level' (lib, build, test, bench, check, fuzz, ci, neon or cpus)" >&2; exit 2 ;;
esac

say() { echo "install-deps: $*" >&2; }

if ! command -v dpkg-query >/dev/null 2>&1; then
  # Not Debian-like: check the commands and let the build report the rest.
  for c in cmake cc; do
    command -v "$c" >/dev/null 2>&1 || { say "'$c' is missing; install it with your package manager"; exit 1; }
  done
  exit 0
fi

missing() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"
  done
}

mapfile -t need < <(missing "${required[@]}" ${optional[@]+"${optional[@]}"})
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  say "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}"; } >/tmp/lingrad-apt.log 2>&1; then
    say "apt-get failed; see /tmp/lingrad-apt.log"
  fi
  mapfile -t need < <(missing "${required[@]}" ${optional[@]+"${optional[@]}"})
  [ ${#need[@]} -eq 0 ] && exit 0
fi

mapfile -t need_req < <(missing "${required[@]}")
mapfile -t need_opt < <(missing ${optional[@]+"${optional[@]}"})
if [ ${#need_opt[@]} -gt 0 ]; then
  say "optional packages missing (some tests will be skipped): sudo apt-get install -y ${need_opt[*]}"
fi
if [ ${#need_req[@]} -gt 0 ]; then
  say "required packages missing: run 'sudo apt-get install -y ${need_req[*]}' (or run this as root)"
  exit 1
fi
exit 0
