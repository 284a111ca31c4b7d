#!/usr/bin/env bash
# Graph mode's compiled sweeps as a user meets them through `lingrad train`:
# whatever happens to the compiler or the cache, the run is correct (the same
# history, bit for bit, as eager mode) and says in one line how it ran.
#
#   test_jit_train.sh path/to/lingrad
set -u
bin=${1:?usage: test_jit_train.sh path/to/lingrad}
tmp=$(mktemp -d /tmp/lingrad-test-jit-train-XXXXXX)
trap 'chmod -R u+w "$tmp" 2>/dev/null; rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# 3,000 points: two blocks, a partial tile; f32, where rounding shows first.
args=(train --dtype f32 --size 3000 --epochs 40 --tol 0 --every 0 --threads 2)
"$bin" "${args[@]}" --mode eager --history "$tmp/eager.csv" >/dev/null 2>&1 ||
  fail "eager run failed"

# run NAME EXPECT-HOW [ENV...] -- [ARGS...]: graph mode under ENV; the history
# must equal eager's; the --timing line must name EXPECT-HOW ("compiled",
# "interpreted: <text>"); a fallback the user did not ask for is one warning.
run() {
  local name=$1 how=$2; shift 2
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  env "${envs[@]}" timeout 120 "$bin" "${args[@]}" --mode graph --timing --history "$tmp/$name.csv" "$@" \
    >"$tmp/$name.out" 2>"$tmp/$name.err"
  local rc=$?
  [ $rc -eq 0 ] || { fail "$name: exit $rc: $(cat "$tmp/$name.err")"; return; }
  cmp -s "$tmp/eager.csv" "$tmp/$name.csv" || fail "$name: the history differs from eager's"
  grep -q "us/epoch (n=3000, f32, graph ($how" "$tmp/$name.err" ||
    fail "$name: expected 'graph ($how' in: $(grep us/epoch "$tmp/$name.err")"
  local warnings; warnings=$(grep -c '^lingrad: warning: graph mode ran its sweeps interpreted' "$tmp/$name.err")
  case $how in
    compiled* | "interpreted: LINGRAD_JIT=0" | "interpreted: turned off"*) [ "$warnings" -eq 0 ] ||
      fail "$name: warned about a fallback it asked for or did not have" ;;
    *) [ "$warnings" -eq 1 ] || fail "$name: expected one warning line, got $warnings" ;;
  esac
  echo "$name: $(grep -o 'graph ([^)]*)*' "$tmp/$name.err" | head -1)"
}

cache="$tmp/cache"
run cold "compiled" LINGRAD_CACHE_DIR="$cache" --
ls "$cache"/*.so >/dev/null 2>&1 || fail "cold: no object in the cache"
ls "$cache"/*.c >/dev/null 2>&1 || fail "cold: no source beside the object"
run warm "compiled, from the cache" LINGRAD_CACHE_DIR="$cache" --
run interpret "interpreted: turned off" LINGRAD_CACHE_DIR="$cache" -- --interpret
run jit-off "interpreted: LINGRAD_JIT=0" LINGRAD_JIT=0 LINGRAD_CACHE_DIR="$cache" --
run no-compiler "interpreted: compiler '/nonexistent' not found" \
  LINGRAD_CC=/nonexistent LINGRAD_CACHE_DIR="$tmp/cache-none" --

# A compiler that fails, and one that hangs, each with a fresh cache.
printf '#!/bin/sh\necho "fake-cc: error: no" >&2\nexit 1\n' >"$tmp/bad-cc"
printf '#!/bin/sh\nsleep 30\n' >"$tmp/slow-cc"
chmod +x "$tmp/bad-cc" "$tmp/slow-cc"
run failing-compiler "interpreted: compiler $tmp/bad-cc failed (exit 1): fake-cc: error: no" \
  LINGRAD_CC="$tmp/bad-cc" LINGRAD_CACHE_DIR="$tmp/cache-bad" --
run hanging-compiler "interpreted: compiler $tmp/slow-cc timed out after 1 s" \
  LINGRAD_CC="$tmp/slow-cc" LINGRAD_JIT_TIMEOUT=1 LINGRAD_CACHE_DIR="$tmp/cache-slow" --

# An unsafe cache directory is never used.
mkdir -p "$tmp/open" && chmod 777 "$tmp/open"
run open-cache "interpreted: cache directory $tmp/open is writable by others" \
  LINGRAD_CACHE_DIR="$tmp/open" --
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
  mkdir -p "$tmp/foreign" && chmod 700 "$tmp/foreign" && chown nobody "$tmp/foreign"
  run foreign-cache "interpreted: cache directory $tmp/foreign is owned by uid" \
    LINGRAD_CACHE_DIR="$tmp/foreign" --
else
  echo "foreign-cache: skipped (needs root to give a directory away)"
fi

# A damaged object in a good cache: detected, rebuilt, and the run is right.
for so in "$cache"/*.so; do
  truncate -s $(($(stat -c %s "$so") / 2)) "$so"
done
run truncated "compiled" LINGRAD_CACHE_DIR="$cache" --
# An object that is a symbolic link is not loaded through; it is rebuilt.
for so in "$cache"/*.so; do
  cp "$so" "$tmp/elsewhere.so" && ln -sf "$tmp/elsewhere.so" "$so"
done
run symlink "compiled" LINGRAD_CACHE_DIR="$cache" --
for so in "$cache"/*.so; do
  [ -L "$so" ] && fail "symlink: the link is still in the cache"
done

# Two processes compiling the same plan at once both succeed.
both="$tmp/cache-both"
for r in a b; do
  LINGRAD_CACHE_DIR="$both" "$bin" "${args[@]}" --mode graph --timing --history "$tmp/race-$r.csv" \
    >/dev/null 2>"$tmp/race-$r.err" &
done
wait
for r in a b; do
  cmp -s "$tmp/eager.csv" "$tmp/race-$r.csv" || fail "race-$r: the history differs from eager's"
  grep -q "graph (compiled" "$tmp/race-$r.err" || fail "race-$r: not compiled: $(cat "$tmp/race-$r.err")"
done
ls "$both" | grep -q '^tmp-' && fail "race: temporary files left in the cache"

if [ "$failures" -ne 0 ]; then echo "test_jit_train: $failures failure(s)" >&2; exit 1; fi
echo "test_jit_train: every run had eager's history and said how it ran"
