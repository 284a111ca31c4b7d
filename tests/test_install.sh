#!/usr/bin/env bash
# The installed package works for a project outside this tree, both ways a user
# would consume it:
#   1. cmake --install the build into a temporary prefix, then move the prefix
#      (an install must not depend on where it was first put);
#   2. tests/consumer/ configured with -DCMAKE_PREFIX_PATH=<prefix>:
#      find_package(lingrad) and lingrad::lingrad; build it, run it;
#   3. the same program built with
#      cc $(pkg-config --static --cflags --libs lingrad) and run.
# The consumer trains, reads the topology and checks lg_version(), so a package
# that forgets OpenMP, hwloc or libm fails to configure, link or run here.
#
#   test_install.sh build=DIR src=DIR cc=COMPILER version=X.Y.Z libdir=DIR \
#                   [generator=NAME] [cflags=FLAGS] [ldflags=FLAGS] [pkg_config=PATH]
#                   [mpiexec=PATH]
#
# With mpiexec (a build with the MPI layer), the install must also hold it, and
# find_package(lingrad COMPONENTS mpi) must give a program that runs on 2 ranks.
#
# Arguments are key=value because CTest (before CMake 3.31) drops empty ones.
# cflags and ldflags are the build's own (sanitizers): objects built with
# -fsanitize=address need a program linked with it.
set -u
build="" src="" cc="" version="" libdir="" generator="" cflags="" ldflags="" pkg_config=pkg-config mpiexec=""
for arg in "$@"; do
  case $arg in
    build=* | src=* | cc=* | version=* | libdir=* | generator=* | cflags=* | ldflags=* | pkg_config=* | mpiexec=*)
      printf -v "${arg%%=*}" '%s' "${arg#*=}" ;;
    *) echo "test_install.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done
for v in build src cc version libdir; do
  [ -n "${!v}" ] || { echo "test_install.sh: missing $v=..." >&2; exit 2; }
done
tmp=$(mktemp -d /tmp/lingrad-test-install-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }
# run LOG command...: quiet on success, the log's tail on failure.
run() {
  local log=$1; shift
  "$@" >"$tmp/$log" 2>&1 && return 0
  local rc=$?
  echo "--- $* (exit status $rc), end of $tmp/$log:" >&2
  tail -n 25 "$tmp/$log" >&2
  return $rc
}

# ---- 1. install, then move the tree ---------------------------------------------
run install.log cmake --install "$build" --prefix "$tmp/staged" || { fail "cmake --install"; exit 1; }
mv "$tmp/staged" "$tmp/prefix"
prefix=$tmp/prefix
for f in "$libdir/liblingrad.a" include/lingrad.h include/lingrad_version.h bin/lingrad \
         "$libdir/cmake/lingrad/lingradConfig.cmake" "$libdir/cmake/lingrad/lingradConfigVersion.cmake" \
         "$libdir/cmake/lingrad/lingradTargets.cmake" "$libdir/pkgconfig/lingrad.pc"; do
  [ -f "$prefix/$f" ] || fail "not installed: $f"
done
if [ -n "$mpiexec" ]; then
  for f in "$libdir/liblingrad_mpi.a" include/lingrad_mpi.h bin/lingrad-mpi \
           "$libdir/cmake/lingrad/lingradMpiTargets.cmake"; do
    [ -f "$prefix/$f" ] || fail "not installed: $f"
  done
fi
# Nothing installed may point back into the build or source tree, or at the
# staging prefix: the package would work here and nowhere else.
leaks=$(grep -lF -e "$build" -e "$src" -e "$tmp/staged" -r "$prefix/include" "$prefix/$libdir/cmake" \
        "$prefix/$libdir/pkgconfig" 2>/dev/null)
[ -z "$leaks" ] || fail "installed files name the build, source or staging tree: $leaks"
out=$("$prefix/bin/lingrad" --version 2>&1)
[ "$out" = "lingrad $version" ] || fail "installed bin/lingrad --version printed '$out', want 'lingrad $version'"

# The version file follows the ABI policy: while MAJOR is 0 find_package(lingrad
# X.Y) accepts only X.Y.*; from 1.0, any X.*.
IFS=. read -r major minor patch <<<"$version"
compatible() { # compatible WANT: "1" if the installed package satisfies find_package(lingrad WANT)
  local w=$1 wmaj wmin
  IFS=. read -r wmaj wmin _ <<<"$w"
  cmake -DPACKAGE_FIND_VERSION="$w" -DPACKAGE_FIND_VERSION_MAJOR="$wmaj" \
        -DPACKAGE_FIND_VERSION_MINOR="${wmin:-0}" -DPACKAGE_FIND_VERSION_PATCH=0 \
        -DF="$prefix/$libdir/cmake/lingrad/lingradConfigVersion.cmake" -P "$tmp/compatible.cmake" 2>&1
}
printf '%s\n' 'include("${F}")' 'if(PACKAGE_VERSION_COMPATIBLE)' 'message(1)' 'else()' 'message(0)' \
  'endif()' >"$tmp/compatible.cmake"
want_version=$major.$minor
[ "$(compatible "$want_version")" = 1 ] || fail "the package refuses find_package(lingrad $want_version)"
[ "$(compatible "$major.$((minor + 1))")" != 1 ] || fail "the package accepts a newer MINOR, $major.$((minor + 1))"
if [ "$major" = 0 ] && [ "$minor" -gt 0 ]; then
  [ "$(compatible "0.$((minor - 1))")" != 1 ] ||
    fail "MAJOR is 0 but the package accepts an older MINOR, 0.$((minor - 1)) (SameMinorVersion)"
fi

# ---- 2. find_package(lingrad) ------------------------------------------------------
gen=()
[ -n "$generator" ] && gen=(-G "$generator")
if run configure.log cmake -S "$src/tests/consumer" -B "$tmp/consumer-cmake" "${gen[@]}" \
     -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$cflags" \
     -DCMAKE_EXE_LINKER_FLAGS="$ldflags" -DLG_WANT_VERSION="$want_version" \
     -DLG_WANT_MPI="$([ -n "$mpiexec" ] && echo ON || echo OFF)"; then
  # The package found must be the one just installed, not one elsewhere on the system.
  found=$(sed -n 's/^lingrad_DIR:PATH=//p' "$tmp/consumer-cmake/CMakeCache.txt")
  [ "$found" = "$prefix/$libdir/cmake/lingrad" ] || fail "find_package(lingrad) found '$found', not the install in $prefix"
  if run build.log cmake --build "$tmp/consumer-cmake"; then
    run run-cmake.log "$tmp/consumer-cmake/consumer" || fail "the consumer built by CMake failed"
    cat "$tmp/run-cmake.log"
    if [ -n "$mpiexec" ]; then
      OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
        OMPI_MCA_btl_vader_single_copy_mechanism=none \
        run run-mpi.log timeout 120 "$mpiexec" -np 2 "$tmp/consumer-cmake/mpi_consumer" ||
        fail "the MPI consumer (find_package(lingrad COMPONENTS mpi)) failed on 2 ranks"
      grep '^mpi_consumer' "$tmp/run-mpi.log"
    fi
  else
    fail "building the consumer against lingrad::lingrad"
  fi
else
  fail "configuring the consumer with find_package(lingrad)"
fi

# ---- 3. pkg-config --static -----------------------------------------------------------
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
if pcflags=$("$pkg_config" --static --cflags --libs lingrad 2>"$tmp/pkg-config.err"); then
  pcdir=$("$pkg_config" --variable=pcfiledir lingrad)
  [ "$pcdir" = "$prefix/$libdir/pkgconfig" ] || fail "pkg-config found lingrad.pc in '$pcdir', not in $prefix"
  pcversion=$("$pkg_config" --modversion lingrad)
  [ "$pcversion" = "$version" ] || fail "lingrad.pc says version $pcversion, want $version"
  echo "pkg-config --static --cflags --libs lingrad: $pcflags"
  # Word splitting is wanted: these are compiler flags.
  # shellcheck disable=SC2086
  if run cc.log "$cc" -std=c17 -Wall -Wextra -Wpedantic -Werror $cflags "$src/tests/consumer/consumer.c" \
       $pcflags $ldflags -o "$tmp/consumer-pc"; then
    run run-pc.log "$tmp/consumer-pc" || fail "the consumer built with pkg-config failed"
    cat "$tmp/run-pc.log"
  else
    hint=""
    grep -q 'cannot find -ludev' "$tmp/cc.log" && hint=" (hwloc.pc asks for -ludev when static: apt-get install libudev-dev)"
    fail "building the consumer with pkg-config --static$hint"
  fi
else
  cat "$tmp/pkg-config.err" >&2
  fail "$pkg_config --static --cflags --libs lingrad"
fi

if [ "$failures" -ne 0 ]; then echo "test_install: $failures failure(s)" >&2; exit 1; fi
echo "test_install: installed lingrad $version is consumed by find_package and by pkg-config"
