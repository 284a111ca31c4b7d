#!/usr/bin/env bash
# The library-only build needs only cmake, make, a C compiler and pkg-config:
# `make lib` and `make install PREFIX=...` are run from SOURCE_DIR into a
# temporary build tree, with CMake pointed away from everything else (no C++
# compiler: CMAKE_CXX_COMPILER=/nonexistent; find_package(benchmark) and
# find_package(MPI) disabled), so a configure that reaches for any of them
# fails here. Then tests/test_install.sh consumes what was built: find_package
# and pkg-config, shared and static. Two variants:
#   hwloc  hwloc on, both libraries (the default make lib);
#   plain  LIB_HWLOC=OFF and LINGRAD_SHARED=OFF: a static-only install.
#
#   test_lib_only.sh src=DIR cc=COMPILER version=X.Y.Z libdir=DIR [pkg_config=PATH]
#                    [variants="hwloc plain"]
set -u
src="" cc="" version="" libdir="" pkg_config=pkg-config variants="hwloc plain"
for arg in "$@"; do
  case $arg in
    src=* | cc=* | version=* | libdir=* | pkg_config=* | variants=*)
      printf -v "${arg%%=*}" '%s' "${arg#*=}" ;;
    *) echo "test_lib_only.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done
for v in src cc version libdir; do
  [ -n "${!v}" ] || { echo "test_lib_only.sh: missing $v=..." >&2; exit 2; }
done
[ -n "$pkg_config" ] || pkg_config=pkg-config
tmp=$(mktemp -d /tmp/lingrad-test-lib-only-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# Run from make test, make's jobserver would leak into this make.
unset MAKEFLAGS MFLAGS MAKELEVEL
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

away="-DCMAKE_C_COMPILER=$cc -DCMAKE_CXX_COMPILER=/nonexistent"
away+=" -DCMAKE_DISABLE_FIND_PACKAGE_benchmark=ON -DCMAKE_DISABLE_FIND_PACKAGE_MPI=ON"
for variant in $variants; do
  case $variant in
    hwloc) hwloc=ON shared=1 extra="" ;;
    plain) hwloc=OFF shared=0 extra="-DLINGRAD_SHARED=OFF" ;;
    *) echo "test_lib_only.sh: unknown variant '$variant'" >&2; exit 2 ;;
  esac
  b=$tmp/build-$variant
  if ! make -C "$src" --no-print-directory install JOBS=2 LIB_BUILD="$b" LIB_HWLOC=$hwloc \
       LIB_CMAKE_ARGS="$away $extra -DCMAKE_INSTALL_LIBDIR=$libdir" PREFIX="$tmp/prefix-$variant" \
       >"$tmp/make-$variant.log" 2>&1; then
    tail -n 25 "$tmp/make-$variant.log" >&2
    fail "$variant: make lib / make install"
    continue
  fi
  # Only the libraries: no program, benchmark or test was built.
  built=$(find "$b" -maxdepth 1 -type f -perm -u+x -printf '%f\n' | grep -v '^liblingrad\.so' | tr '\n' ' ')
  [ -z "$built" ] || fail "$variant: make lib built programs too: $built"
  grep -q '^CMAKE_CXX_COMPILER_ID\b' "$b/CMakeCache.txt" 2>/dev/null && fail "$variant: C++ was enabled"
  [ -f "$tmp/prefix-$variant/$libdir/liblingrad.a" ] && [ -f "$tmp/prefix-$variant/include/lingrad.h" ] &&
    [ -f "$tmp/prefix-$variant/$libdir/pkgconfig/lingrad.pc" ] &&
    [ -f "$tmp/prefix-$variant/$libdir/cmake/lingrad/lingradConfig.cmake" ] ||
    fail "$variant: make install PREFIX=... did not install the library, header, lingrad.pc and CMake package"
  if [ "$shared" = 1 ]; then
    [ -f "$tmp/prefix-$variant/$libdir/liblingrad.so" ] || fail "$variant: make install did not install liblingrad.so"
  fi
  echo "== $variant (LINGRAD_HWLOC=$hwloc${extra:+ $extra}): the consumer against its install"
  bash "$src/tests/test_install.sh" build="$b" src="$src" cc="$cc" version="$version" libdir="$libdir" \
    pkg_config="$pkg_config" shared=$shared cli=0 || fail "$variant: test_install.sh on the library-only build"
done

if [ "$failures" -ne 0 ]; then echo "test_lib_only: $failures failure(s)" >&2; exit 1; fi
echo "test_lib_only: make lib and make install need only cmake, make, a C compiler and pkg-config ($variants)"
