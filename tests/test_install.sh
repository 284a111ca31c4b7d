#!/usr/bin/env bash
# The installed package works for a project outside this tree, both ways a user
# would consume it, linked with each library:
#   1. cmake --install the build into a temporary prefix, then move the prefix
#      (an install must not depend on where it was first put); the installed
#      bin/lingrad runs from there (it holds the static library);
#   2. tests/consumer/ configured with -DCMAKE_PREFIX_PATH=<prefix>:
#      find_package(lingrad) and lingrad::lingrad; build it, run it: with
#      -DBUILD_SHARED_LIBS=ON and with COMPONENTS shared it must need
#      liblingrad.so.<SOVERSION> (readelf NEEDED) found in the prefix (ldd), and
#      without BUILD_SHARED_LIBS or with COMPONENTS static it must not;
#   3. the same program built with cc $(pkg-config --cflags --libs lingrad)
#      (the .so: no --static; run with LD_LIBRARY_PATH, as a user without
#      RPATH would), and with cc $(pkg-config --static --cflags --libs lingrad)
#      against the prefix without its .so (a static-only install, LINGRAD_SHARED=OFF:
#      where both are installed the linker takes the .so for -llingrad).
# The consumer trains, reads the topology and checks lg_version(), so a package
# that forgets OpenMP, hwloc or libm fails to configure, link or run here.
#
#   test_install.sh build=DIR src=DIR cc=COMPILER version=X.Y.Z libdir=DIR \
#                   [generator=NAME] [cflags=FLAGS] [ldflags=FLAGS] [pkg_config=PATH]
#                   [mpiexec=PATH] [shared=0|1] [cli=0|1]
#
# shared=1 (the default): the build has liblingrad.so (LINGRAD_SHARED); cli=1
# (the default): it has the lingrad program (LINGRAD_CLI).
#
# With mpiexec (a build with the MPI layer), the install must also hold it, and
# find_package(lingrad COMPONENTS mpi) must give a program that runs on 2 ranks.
#
# Arguments are key=value because CTest (before CMake 3.31) drops empty ones.
# cflags and ldflags are the build's own (sanitizers): objects built with
# -fsanitize=address need a program linked with it.
set -u
build="" src="" cc="" version="" libdir="" generator="" cflags="" ldflags="" pkg_config=pkg-config mpiexec=""
shared=1 cli=1
for arg in "$@"; do
  case $arg in
    build=* | src=* | cc=* | version=* | libdir=* | generator=* | cflags=* | ldflags=* | pkg_config=* | mpiexec=* | shared=* | cli=*)
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
IFS=. read -r major minor patch <<<"$version"
# The ABI policy (lingrad.h): while MAJOR is 0 each MINOR may break the ABI.
if [ "$major" = 0 ]; then soversion=$major.$minor; else soversion=$major; fi
want=("$libdir/liblingrad.a" include/lingrad.h include/lingrad_version.h
      "$libdir/cmake/lingrad/lingradConfig.cmake" "$libdir/cmake/lingrad/lingradConfigVersion.cmake"
      "$libdir/cmake/lingrad/lingradStaticTargets.cmake" "$libdir/pkgconfig/lingrad.pc")
[ "$cli" = 1 ] && want+=(bin/lingrad)
[ "$shared" = 1 ] && want+=("$libdir/liblingrad.so" "$libdir/liblingrad.so.$soversion"
                            "$libdir/liblingrad.so.$version" "$libdir/cmake/lingrad/lingradSharedTargets.cmake")
if [ -n "$mpiexec" ]; then
  want+=("$libdir/liblingrad_mpi.a" include/lingrad_mpi.h "$libdir/cmake/lingrad/lingradMpiTargets.cmake")
  [ "$cli" = 1 ] && want+=(bin/lingrad-mpi)
fi
for f in "${want[@]}"; do
  [ -f "$prefix/$f" ] || fail "not installed: $f"
done
if [ "$shared" = 1 ]; then
  [ "$(readlink "$prefix/$libdir/liblingrad.so")" = "liblingrad.so.$soversion" ] ||
    fail "$libdir/liblingrad.so links to '$(readlink "$prefix/$libdir/liblingrad.so")', want liblingrad.so.$soversion"
  # The build tree's RUNPATH (clang's libomp directory, say) is not installed.
  rpath=$(readelf -dW "$prefix/$libdir/liblingrad.so" | grep -E '\((RPATH|RUNPATH)\)')
  [ -z "$rpath" ] || fail "the installed liblingrad.so carries an RPATH/RUNPATH: $rpath"
else
  [ ! -e "$prefix/$libdir/liblingrad.so" ] || fail "liblingrad.so installed by a build without LINGRAD_SHARED"
fi
# needs_so BINARY: does it need liblingrad.so.<SOVERSION> (DT_NEEDED)?
needs_so() { readelf -dW "$1" | grep -q "(NEEDED).*\[liblingrad\.so\.$soversion\]"; }
# check_linked WHAT BINARY shared|static: linked as it should be.
check_linked() {
  if [ "$3" = shared ]; then
    needs_so "$2" || fail "$1 does not need liblingrad.so.$soversion: $(readelf -dW "$2" | grep NEEDED | tr -s ' ')"
  else
    ! readelf -dW "$2" | grep -q '(NEEDED).*liblingrad' || fail "$1 needs liblingrad.so but should be static"
  fi
}
# Nothing installed may point back into the build or source tree, or at the
# staging prefix: the package would work here and nowhere else.
leaks=$(grep -lF -e "$build" -e "$src" -e "$tmp/staged" -r "$prefix/include" "$prefix/$libdir/cmake" \
        "$prefix/$libdir/pkgconfig" 2>/dev/null)
[ -z "$leaks" ] || fail "installed files name the build, source or staging tree: $leaks"
if [ "$cli" = 1 ]; then
  out=$("$prefix/bin/lingrad" --version 2>&1)
  [ "$out" = "lingrad $version" ] || fail "installed bin/lingrad --version printed '$out', want 'lingrad $version'"
  check_linked "the installed bin/lingrad" "$prefix/bin/lingrad" static
fi

# The version file follows the ABI policy: while MAJOR is 0 find_package(lingrad
# X.Y) accepts only X.Y.*; from 1.0, any X.*.
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
# consumer_cmake NAME shared|static [CMAKE-ARGS...]: configure, build and run the
# consumer in $tmp/NAME; it must be linked with the library named.
consumer_cmake() {
  local name=$1 kind=$2 dir=$tmp/$1 mpi=OFF
  shift 2
  [ -n "$mpiexec" ] && [ "$name" = cmake-static ] && mpi=ON
  if ! run "configure-$name.log" cmake -S "$src/tests/consumer" -B "$dir" "${gen[@]}" \
       -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_C_COMPILER="$cc" -DCMAKE_C_FLAGS="$cflags" \
       -DCMAKE_EXE_LINKER_FLAGS="$ldflags" -DLG_WANT_VERSION="$want_version" -DLG_WANT_MPI="$mpi" "$@"; then
    fail "configuring the consumer with find_package(lingrad) ($name: $*)"
    return
  fi
  # The package found must be the one just installed, not one elsewhere on the system.
  local found
  found=$(sed -n 's/^lingrad_DIR:PATH=//p' "$dir/CMakeCache.txt")
  [ "$found" = "$prefix/$libdir/cmake/lingrad" ] || fail "find_package(lingrad) found '$found', not the install in $prefix"
  grep -q "lingrad::lingrad is the $kind library" "$tmp/configure-$name.log" ||
    fail "$name ($*): lingrad::lingrad is not the $kind library: $(grep 'lingrad::lingrad is' "$tmp/configure-$name.log")"
  if ! run "build-$name.log" cmake --build "$dir"; then
    fail "building the consumer against lingrad::lingrad ($name: $*)"
    return
  fi
  check_linked "the consumer ($name: $*)" "$dir/consumer" "$kind"
  if [ "$kind" = shared ]; then # found through the RUNPATH CMake gives it, in the moved prefix
    ldd "$dir/consumer" | grep -qF "liblingrad.so.$soversion => $prefix/$libdir/" ||
      fail "the consumer ($name) does not load liblingrad.so from $prefix: $(ldd "$dir/consumer" | grep lingrad)"
  fi
  run "run-$name.log" "$dir/consumer" || fail "the consumer built by CMake ($name: $*) failed"
  echo "$name: $(cat "$tmp/run-$name.log")"
  if [ "$mpi" = ON ]; then
    OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1 \
      OMPI_MCA_btl_vader_single_copy_mechanism=none \
      run run-mpi.log timeout 120 "$mpiexec" -np 2 "$dir/mpi_consumer" ||
      fail "the MPI consumer (find_package(lingrad COMPONENTS mpi)) failed on 2 ranks"
    grep '^mpi_consumer' "$tmp/run-mpi.log"
  fi
}
consumer_cmake cmake-static static
if [ "$shared" = 1 ]; then
  consumer_cmake cmake-shared shared -DBUILD_SHARED_LIBS=ON
  consumer_cmake cmake-comp-shared shared -DLG_COMPONENTS=shared
  consumer_cmake cmake-comp-static static -DLG_COMPONENTS=static -DBUILD_SHARED_LIBS=ON
fi

# ---- 3. pkg-config ---------------------------------------------------------------------
# consumer_pc NAME shared|static PREFIX [--static]: build the consumer with
# pkg-config's flags for the lingrad.pc in PREFIX, check how it is linked, run it.
consumer_pc() {
  local name=$1 kind=$2 pre=$3 static=${4:-} flags
  local PKG_CONFIG_PATH="$pre/$libdir/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
  export PKG_CONFIG_PATH
  if ! flags=$("$pkg_config" $static --cflags --libs lingrad 2>"$tmp/pkg-config.err"); then
    cat "$tmp/pkg-config.err" >&2
    fail "$pkg_config $static --cflags --libs lingrad"
    return
  fi
  local pcdir pcversion
  pcdir=$("$pkg_config" --variable=pcfiledir lingrad)
  [ "$pcdir" = "$pre/$libdir/pkgconfig" ] || fail "pkg-config found lingrad.pc in '$pcdir', not in $pre"
  pcversion=$("$pkg_config" --modversion lingrad)
  [ "$pcversion" = "$version" ] || fail "lingrad.pc says version $pcversion, want $version"
  echo "pkg-config $static --cflags --libs lingrad: $flags"
  # Word splitting is wanted: these are compiler flags.
  # shellcheck disable=SC2086
  if ! run "cc-$name.log" "$cc" -std=c17 -Wall -Wextra -Wpedantic -Werror $cflags "$src/tests/consumer/consumer.c" \
       $flags $ldflags -o "$tmp/consumer-$name"; then
    local hint=""
    grep -q 'cannot find -ludev' "$tmp/cc-$name.log" && hint=" (hwloc.pc asks for -ludev when static: apt-get install libudev-dev)"
    fail "building the consumer with pkg-config $static$hint"
    return
  fi
  check_linked "the consumer built with pkg-config $static" "$tmp/consumer-$name" "$kind"
  if [ "$kind" = shared ]; then
    # No RPATH: the loader finds the moved prefix's library as a user's program
    # would, through LD_LIBRARY_PATH.
    LD_LIBRARY_PATH="$pre/$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd "$tmp/consumer-$name" |
      grep -qF "liblingrad.so.$soversion => $pre/$libdir/" || fail "the pkg-config consumer does not load $pre's liblingrad.so"
    LD_LIBRARY_PATH="$pre/$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" run "run-$name.log" "$tmp/consumer-$name" ||
      fail "the consumer built with pkg-config $static failed"
  else
    run "run-$name.log" "$tmp/consumer-$name" || fail "the consumer built with pkg-config $static failed"
  fi
  echo "$name: $(cat "$tmp/run-$name.log")"
}
if [ "$shared" = 1 ]; then
  consumer_pc pc-shared shared "$prefix"
  # A static-only install is this one without the .so (what LINGRAD_SHARED=OFF installs).
  cp -a "$prefix" "$tmp/static-prefix"
  rm -f "$tmp/static-prefix/$libdir"/liblingrad.so*
  consumer_pc pc-static static "$tmp/static-prefix" --static
else
  consumer_pc pc-static static "$prefix" --static
fi

if [ "$failures" -ne 0 ]; then echo "test_install: $failures failure(s)" >&2; exit 1; fi
echo "test_install: installed lingrad $version is consumed by find_package and by pkg-config$([ "$shared" = 1 ] && echo ", shared and static")"
