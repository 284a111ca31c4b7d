#!/usr/bin/env bash
# The libraries export exactly the public API, no more and no less:
#   - liblingrad.so: every dynamic symbol it defines starts with lg_, and the set
#     is exactly the functions include/lingrad.h declares with LG_API (a public
#     function left hidden, or an internal one leaked, fails); its SONAME follows
#     the ABI policy: liblingrad.so.MAJOR.MINOR while MAJOR is 0, then .MAJOR;
#   - liblingrad.a: its objects give default visibility to exactly the same set
#     (everything else is hidden, as the .so's objects are: the same objects);
#   - liblingrad_mpi.a, where MPI was built: exactly lingrad_mpi.h's LG_API set.
#
#   test_symbols.sh src=DIR version=X.Y.Z static=PATH [shared=PATH] [mpi=PATH]
#                   [nm=PATH] [readelf=PATH]
set -u
src="" version="" static="" shared="" mpi="" nm=nm readelf=readelf
for arg in "$@"; do
  case $arg in
    src=* | version=* | static=* | shared=* | mpi=* | nm=* | readelf=*)
      printf -v "${arg%%=*}" '%s' "${arg#*=}" ;;
    *) echo "test_symbols.sh: unknown argument '$arg'" >&2; exit 2 ;;
  esac
done
for v in src version static; do
  [ -n "${!v}" ] || { echo "test_symbols.sh: missing $v=..." >&2; exit 2; }
done
[ -n "$nm" ] || nm=nm
[ -n "$readelf" ] || readelf=readelf
tmp=$(mktemp -d /tmp/lingrad-test-symbols-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
export LC_ALL=C
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# declared HEADER: the names of the functions HEADER declares with LG_API, one a
# line, sorted. Comments are dropped first; a declaration may span lines: the
# name is the identifier just before the first "(" after LG_API.
declared() {
  sed -e 's://.*$::' "$1" | awk '
    { text = text $0 "\n" }
    END {
      while ((i = index(text, "/*")) > 0) {          # drop /* ... */ comments
        rest = substr(text, i + 2); j = index(rest, "*/")
        text = substr(text, 1, i - 1) " " (j ? substr(rest, j + 2) : "")
      }
      n = split(text, lines, "\n")
      for (k = 1; k <= n; k++) {
        if (lines[k] ~ /^[ \t]*#/) continue           # the #define LG_API lines
        if (!pending && lines[k] !~ /(^|[^A-Za-z0-9_])LG_API([^A-Za-z0-9_]|$)/) continue
        decl = pending ? decl " " lines[k] : lines[k]; pending = 1
        if (index(decl, "(") == 0) continue
        head = substr(decl, 1, index(decl, "(") - 1)
        sub(/[ \t]+$/, "", head)
        if (match(head, /[A-Za-z_][A-Za-z0-9_]*$/)) print substr(head, RSTART, RLENGTH)
        pending = 0; decl = ""
      }
    }' | sort -u
}

# compare WHAT EXPECTED-FILE GOT-FILE: the two sets must be equal.
compare() {
  local what=$1 want=$2 got=$3 d
  d=$(comm -23 "$want" "$got" | tr '\n' ' ')
  [ -z "$d" ] || fail "$what: declared with LG_API but not exported: $d"
  d=$(comm -13 "$want" "$got" | tr '\n' ' ')
  [ -z "$d" ] || fail "$what: exported but not declared with LG_API (an internal leaked?): $d"
}

# default_visible ARCHIVE: the global symbols its objects define with default
# visibility (readelf -s: Ndx not UND, Bind GLOBAL or WEAK, Vis DEFAULT).
default_visible() {
  "$readelf" -sW "$1" | awk '$5 ~ /^(GLOBAL|WEAK)$/ && $6 == "DEFAULT" && $7 != "UND" && $8 != "" {print $8}' | sort -u
}

declared "$src/include/lingrad.h" >"$tmp/api"
count=$(wc -l <"$tmp/api")
[ "$count" -gt 20 ] || fail "only $count LG_API functions found in include/lingrad.h: is the parser right?"
grep -v '^lg_' "$tmp/api" | sed 's/^/FAIL: lingrad.h declares a function without the lg_ prefix: /' >&2

if [ -n "$shared" ]; then
  if [ -f "$shared" ]; then
    "$nm" -D --defined-only "$shared" | awk 'NF >= 3 {print $3}' | sed 's/@.*//' | sort -u >"$tmp/so"
    bad=$(grep -v '^lg_' "$tmp/so" | tr '\n' ' ')
    [ -z "$bad" ] || fail "$(basename "$shared") exports symbols without the lg_ prefix: $bad"
    compare "$(basename "$shared")" "$tmp/api" "$tmp/so"
    IFS=. read -r major minor _ <<<"$version"
    if [ "$major" = 0 ]; then want_soname=liblingrad.so.$major.$minor; else want_soname=liblingrad.so.$major; fi
    soname=$("$readelf" -dW "$shared" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
    [ "$soname" = "$want_soname" ] || fail "SONAME is '$soname', want '$want_soname' (version $version)"
    echo "test_symbols: $(basename "$shared") exports the $(wc -l <"$tmp/so") functions of lingrad.h, SONAME $soname"
  else
    fail "no shared library at $shared"
  fi
fi

default_visible "$static" >"$tmp/a"
compare "$(basename "$static") (default visibility)" "$tmp/api" "$tmp/a"
echo "test_symbols: $(basename "$static") gives default visibility to the $(wc -l <"$tmp/a") functions of lingrad.h only"

if [ -n "$mpi" ]; then
  declared "$src/include/lingrad_mpi.h" >"$tmp/mpi_api"
  [ -s "$tmp/mpi_api" ] || fail "no LG_API functions found in include/lingrad_mpi.h"
  default_visible "$mpi" >"$tmp/mpi"
  compare "$(basename "$mpi") (default visibility)" "$tmp/mpi_api" "$tmp/mpi"
  echo "test_symbols: $(basename "$mpi") gives default visibility to the $(wc -l <"$tmp/mpi") functions of lingrad_mpi.h only"
fi

if [ "$failures" -ne 0 ]; then echo "test_symbols: $failures failure(s)" >&2; exit 1; fi
