#!/usr/bin/env bash
# The lingrad program: the tutorial's output, and one clear error line with a
# non-zero exit for every bad input.
#
#   test_cli.sh path/to/lingrad [EMULATOR ARGS...]
#
# With an emulator (make cpus: qemu-x86_64 -cpu qemu64), every run of the program
# goes through it, so the same checks hold on a CPU model this machine is not.
set -u
bin=${1:?usage: test_cli.sh path/to/lingrad [EMULATOR ARGS...]}
shift
tmp=$(mktemp -d /tmp/lingrad-test-cli-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if [ $# -gt 0 ]; then
  { printf '#!/bin/sh\nexec'; printf ' %q' "$@" "$bin"; printf ' "$@"\n'; } >"$tmp/lingrad-emulated"
  chmod +x "$tmp/lingrad-emulated"
  bin="$tmp/lingrad-emulated"
  echo "test_cli: every run goes through: $*"
fi
failures=0

fail() { echo "FAIL: $*" >&2; failures=$((failures + 1)); }

# expect_error CODE "description" args...: exit status CODE (2: bad command line,
# 1: the work failed), exactly one line on stderr, starting with "lingrad: error: ".
expect_error() {
  local want=$1 what=$2; shift 2
  "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  local lines; lines=$(wc -l <"$tmp/err")
  if [ "$rc" -ge 128 ]; then fail "$what: crashed (status $rc) for: $*"; return; fi
  if [ "$rc" -ne "$want" ]; then fail "$what: exit status $rc, want $want, for: $* ($(cat "$tmp/err"))"; return; fi
  if [ "$lines" -ne 1 ] || ! grep -q '^lingrad: error: ' "$tmp/err"; then
    fail "$what: want one 'lingrad: error:' line, got: $(cat "$tmp/err")"; return
  fi
  # One row of the bad-input table (docs/hardening.md, results/hardening/).
  echo "ok  $what | ${*//$tmp/\$TMP} | exit $rc | $(sed "s#$tmp#\$TMP#g" "$tmp/err")"
}

csv() { printf "$2" >"$tmp/$1"; echo "$tmp/$1"; }

# ---- bad input ----------------------------------------------------------------
expect_error 2 "no command"
expect_error 2 "unknown command" frobnicate
expect_error 2 "unknown option" train --frobnicate 1
expect_error 2 "stray argument" train 100
expect_error 2 "missing value" train --lr
expect_error 2 "not a number" train --lr abc
expect_error 2 "trailing junk" train --lr 0.1x
expect_error 2 "empty value" train --lr=
expect_error 2 "given twice" train --lr 0.1 --lr 0.2
expect_error 2 "lr zero" train --lr 0
expect_error 2 "lr negative" train --lr -0.1
expect_error 2 "lr nan" train --lr nan
expect_error 2 "lr inf" train --lr inf
expect_error 2 "tol inf" train --tol inf
expect_error 2 "init-w nan" train --init-w nan
expect_error 2 "w inf" gen --w inf --out "$tmp/never.csv"
expect_error 2 "noise nan" train --noise nan
grep -q 'not a finite number' "$tmp/err" || fail "--noise nan is not reported as non-finite: $(cat "$tmp/err")"
expect_error 2 "size zero" train --size 0
expect_error 2 "size negative" train --size -5
expect_error 2 "size fractional" train --size 2.5
expect_error 2 "size not a number" train --size ten
expect_error 2 "size overflows" train --size 99999999999999999999999
expect_error 1 "size too large for memory" train --size 1e15
expect_error 1 "size too large for memory (gen)" gen --size 1e15 --out "$tmp/big.csv"
expect_error 2 "noise negative" train --noise -0.01
expect_error 2 "epochs negative" train --epochs -1
expect_error 2 "epochs fractional" train --epochs 1.5
expect_error 2 "tol negative" train --tol -1
expect_error 2 "every negative" train --every -1
expect_error 2 "seed negative" train --seed -1
expect_error 2 "bad dtype" train --dtype f16
expect_error 2 "bad mode" train --mode lazy
# The error lists the modes, as the library's one list (info --modes) has them.
want_modes=$("$bin" info --modes | paste -sd, - | sed 's/,/, /g')
grep -qxF "lingrad: error: --mode: 'lazy' is not one of $want_modes" "$tmp/err" ||
  fail "bad mode does not list the modes ($want_modes): $(cat "$tmp/err")"
expect_error 2 "mode in another case" train --mode FUSED
expect_error 2 "unknown isa" train --isa sse9
expect_error 2 "flag with value" train --timing=yes
expect_error 2 "data with size" train --data x.csv --size 10
expect_error 1 "diverges" train --lr 10 --every 0
expect_error 1 "csv missing" train --data "$tmp/none.csv"
expect_error 1 "csv empty" train --data "$(csv empty.csv '')"
expect_error 1 "csv header only" train --data "$(csv header.csv 'x,y\n')"
expect_error 1 "csv bad header" train --data "$(csv badhdr.csv 'a,b\n1,2\n')"
expect_error 1 "csv not a number" train --data "$(csv nan1.csv 'x,y\n1,2\n1,two\n')"
expect_error 1 "csv nan" train --data "$(csv nan2.csv 'x,y\n1,nan\n')"
expect_error 1 "csv inf" train --data "$(csv inf.csv 'x,y\n-inf,1\n')"
expect_error 1 "csv three columns" train --data "$(csv cols.csv 'x,y\n1,2,3\n')"
expect_error 1 "csv ragged line" train --data "$(csv ragged.csv 'x,y\n1,2\n3\n4,5\n')"
# Numbers are decimal only, as Python's float() and numpy read them (src/data/csv.c).
expect_error 1 "csv hex float 0x1p3" train --data "$(csv hex.csv 'x,y\n1,2\n0x1p3,1\n')"
grep -q "hex.csv:3: x value '0x1p3' is hexadecimal" "$tmp/err" || fail "hex float: $(cat "$tmp/err")"
expect_error 1 "csv nan(123)" train --data "$(csv nanchars.csv 'x,y\n1,nan(123)\n')"
expect_error 1 "csv underscores 1_000" train --data "$(csv under.csv 'x,y\n1_000,1\n')"
expect_error 1 "csv vertical tab before a number '1,\\v2'" train --data "$(csv vt.csv 'x,y\n1,\v2\n')"
# f32 takes what rounds to a finite float: below FLT_MAX + half an ulp (2^128 - 2^103).
expect_error 1 "csv f32 3.40282357e38 rounds to infinity" train --dtype f32 --data "$(csv f32inf.csv 'x,y\n3.40282357e38,1\n')"
grep -q 'rounds to infinity' "$tmp/err" || fail "f32 overflow: $(cat "$tmp/err")"
expect_error 1 "csv f32 3.4028235e38 is read as FLT_MAX, then the loss overflows" train --dtype f32 --every 0 \
  --data "$(csv f32max.csv 'x,y\n3.4028235e38,1\n0,1\n')"
grep -q 'initial loss' "$tmp/err" || fail "3.4028235e38 (FLT_MAX) is not read as f32: $(cat "$tmp/err")"
expect_error 1 "csv is a directory" train --data "$tmp"
expect_error 2 "gen without --out" gen
expect_error 1 "gen to a missing directory" gen --out "$tmp/no/such/dir.csv"
expect_error 2 "history to a missing directory" train --every 0 --history "$tmp/no/such/h.csv"
expect_error 2 "info with arguments" info --verbose
expect_error 2 "info --modes with arguments" info --modes --verbose
grep -q "(got '--verbose')" "$tmp/err" || fail "info --modes --verbose names the wrong argument: $(cat "$tmp/err")"
expect_error 2 "unknown command with --help" frobnicate --help
expect_error 2 "history is a directory" train --history "$tmp"
expect_error 2 "plot prefix ends in /" train --plot "$tmp/"
expect_error 2 "plot into a missing directory" train --plot "$tmp/no/such/p"
expect_error 2 "lr underflows" train --lr 1e-400
expect_error 2 "f32 init out of range" train --dtype f32 --init-w 1e39
expect_error 2 "f32 init rounds to infinity" train --dtype f32 --init-w 3.40282357e38
expect_error 1 "f32 init rounds to FLT_MAX: accepted, then overflows" train --dtype f32 --init-w 3.4028235e38 --every 0
grep -q 'initial loss' "$tmp/err" || fail "--init-w 3.4028235e38 was not read as FLT_MAX: $(cat "$tmp/err")"
expect_error 2 "hexadecimal number" train --lr 0x1p-3
grep -q 'hexadecimal' "$tmp/err" || fail "a hex --lr is not called hexadecimal: $(cat "$tmp/err")"
expect_error 1 "f32 data out of range" gen --dtype f32 --w 1e39 --out "$tmp/never.csv"
expect_error 1 "initial loss overflows" train --dtype f32 --w 1e30 --every 0
grep -q 'initial loss' "$tmp/err" || fail "an overflowing start is blamed on the learning rate"
expect_error 1 "diverges and history cannot be written" train --lr 10 --every 0 --history /proc/lingrad-h.csv
"$bin" train --every 0 >/dev/full 2>"$tmp/err"; rc=$?
{ [ "$rc" -eq 1 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ]; } || fail "writing to a full stdout: status $rc, $(cat "$tmp/err")"
echo "ok  stdout is full -> $(cat "$tmp/err")"
printf '#!/bin/sh\nfor i in 1 2 3 4 5; do echo "Traceback line $i" >&2; done\nexit 1\n' >"$tmp/noisy-python"
chmod +x "$tmp/noisy-python"
LINGRAD_PYTHON="$tmp/noisy-python" expect_error 1 "plot script fails noisily" train --every 0 --plot "$tmp/p"
grep -q 'Traceback line 5' "$tmp/err" || fail "the plot failure does not quote the script's last line"
expect_error 1 "csv NUL byte" train --data "$(csv nul.csv 'x,y\n1,2\n3\0,4\n')"
expect_error 1 "csv line too long" train --data "$(head -c 10000 /dev/zero | tr '\0' 1 | { printf 'x,y\n'; cat; } >"$tmp/long.csv"; echo "$tmp/long.csv")"
expect_error 1 "csv binary file" train --data /dev/zero
expect_error 1 "csv CR inside a line" train --data "$(csv cr.csv 'x,y\n1\r,2\n')"
expect_error 1 "csv blank header" train --data "$(csv blankhdr.csv '   \n1,2\n')"
printf '#!/bin/sh\nexit 3\n' >"$tmp/fake-python"; chmod +x "$tmp/fake-python"
LINGRAD_PYTHON="$tmp/fake-python" expect_error 1 "plot without matplotlib" train --every 0 --plot "$tmp/p"
grep -q 'python3-matplotlib' "$tmp/err" || fail "the matplotlib error does not name the package"
LINGRAD_PYTHON="$tmp/no-such-python" expect_error 1 "plot without python" train --every 0 --plot "$tmp/p"

# The line number of a CSV defect is reported.
"$bin" train --data "$tmp/ragged.csv" 2>"$tmp/err" >/dev/null
grep -q 'ragged.csv:3:' "$tmp/err" || fail "ragged CSV error does not name line 3: $(cat "$tmp/err")"

# ---- limits: memory, sizes, streams ----------------------------------------------
# The allocation limit is applied to lingrad alone, through a one-line wrapper.
# Sanitizer runtimes reserve terabytes of address space and cannot start under
# it, so those builds skip these cases.
printf '#!/bin/sh\nulimit -v 400000 && exec "$@"\n' >"$tmp/limited"; chmod +x "$tmp/limited"
limited() { local want=$1 what=$2 real=$bin; shift 2; bin="$tmp/limited"; expect_error "$want" "$what" "$real" "$@"; bin=$real; }
if "$tmp/limited" "$bin" info >/dev/null 2>&1; then
  limited 1 "train beyond ulimit -v" train --size 100000000 --every 0
  grep -q 'out of memory' "$tmp/err" || fail "ulimit -v: no 'out of memory' in: $(cat "$tmp/err")"
  limited 1 "gen beyond ulimit -v" gen --size 100000000 --out "$tmp/never.csv"
  [ ! -e "$tmp/never.csv" ] || fail "a failed gen left a file behind"
  # A CSV stream longer than memory allows: the reader stops at the row it reached.
  limited 1 "csv stream larger than memory" train --every 0 --data <(echo x,y; yes 0.5,1)
  grep -q 'out of memory after [0-9]* rows' "$tmp/err" || fail "endless stream: $(cat "$tmp/err")"
else
  echo "skip: ulimit -v cases (this build's runtime cannot start under ulimit -v)"
fi
expect_error 1 "size is SIZE_MAX" train --size 18446744073709551615
expect_error 2 "size is SIZE_MAX + 1" train --size 18446744073709551616
expect_error 1 "size overflows bytes (2^61)" train --size 2305843009213693952
expect_error 2 "epochs is LONG_MAX + 1" train --epochs 9223372036854775808
# One line of 100 MB without a newline fails at once, without reading it all.
expect_error 1 "csv 100 MB line" train --data <(echo x,y; head -c 100000000 /dev/zero | tr '\0' 1)
grep -q ':2: line is longer than 4096 bytes' "$tmp/err" || fail "long line: $(cat "$tmp/err")"
# A 64 GiB sparse file (more than this kind of machine's memory): rejected at its
# first line of NULs, without reading on.
printf 'x,y\n0.5,1\n' >"$tmp/sparse.csv"
if truncate -s 64G "$tmp/sparse.csv" 2>/dev/null; then
  expect_error 1 "csv 64 GiB sparse file" train --data "$tmp/sparse.csv"
else
  echo "skip: this file system refuses a 64 GiB sparse file"
fi
rm -f "$tmp/sparse.csv"
# Subnormal values are accepted (how lingrad computes with them: docs/numerics.md).
printf 'x,y\n1e-310,2e-310\n0.5,1\n0.25,0.75\n' >"$tmp/subnormal.csv"
"$bin" train --data "$tmp/subnormal.csv" --every 0 >/dev/null 2>"$tmp/err" || fail "subnormal CSV rejected: $(cat "$tmp/err")"

# ---- good runs ------------------------------------------------------------------
out=$("$bin" train) || fail "default train failed"
last=$(printf '%s\n' "$out" | tail -n 1)
rule=$(printf '%s\n' "$out" | tail -n 2 | head -n 1)
[ "$rule" = "------------------------------------------------------------" ] || fail "no rule of 60 dashes"
printf '%s\n' "$out" | head -n 1 | grep -Eq '^000 w = -?[0-9]+\.[0-9]{5}, b = -?[0-9]+\.[0-9]{5} loss = [0-9]+\.[0-9]{5}$' \
  || fail "first line is not in the tutorial's format: $(printf '%s\n' "$out" | head -n 1)"
printf '%s\n' "$out" | sed '$d' | sed '$d' | awk '{ if ($1 % 5 != 0) exit 1 }' || fail "progress lines not every 5 epochs"
epoch=$(echo "$last" | awk '{print $1}')
"$bin" train --history "$tmp/h.csv" --every 0 >/dev/null || fail "train --history failed"
rows=$(($(wc -l <"$tmp/h.csv") - 1))
[ "$(head -n 1 "$tmp/h.csv")" = "epoch,loss,w,b" ] || fail "history header"
[ "$rows" -eq "$((10#$epoch))" ] || fail "history has $rows rows, want $epoch (updates before the early stop)"
awk -F, 'NR > 1 && $2 >= 5e-5 { ok = 1 } END { exit !ok }' "$tmp/h.csv" || fail "history losses"
# Stopping before epoch 500 means the loss fell below 5e-5 (the C tests check the
# value itself); at 5 decimals it prints as at most 0.00005.
loss=$(echo "$last" | sed 's/.*loss = //')
awk -v l="$loss" 'BEGIN { exit !(l <= 0.00005) }' || fail "final loss $loss is above 5e-5"
[ "$((10#$epoch))" -lt 499 ] || fail "default run did not stop early"
echo "ok  default run: $last"

# Long run: within 0.01 of the truth.
last=$("$bin" train --tol 0 --epochs 5000 --every 0 | tail -n 1)
echo "$last" | awk '{ w = $4 + 0; b = $7 + 0; exit !(w > 0.29 && w < 0.31 && b > 0.49 && b < 0.51) }' \
  || fail "5000-epoch run is not near w=0.3, b=0.5: $last"
echo "ok  5000 epochs: $last"

# gen then train on the file gives the same run as the generated data.
"$bin" gen --out "$tmp/d.csv" || fail "gen failed"
a=$("$bin" train --every 0 | tail -n 1)
b=$("$bin" train --every 0 --data "$tmp/d.csv" | tail -n 1)
[ "$a" = "$b" ] || fail "train on gen's CSV differs: '$a' vs '$b'"
"$bin" gen --dtype f32 --size 7 --out "$tmp/d32.csv" || fail "gen f32 failed"
[ "$(wc -l <"$tmp/d32.csv")" -eq 8 ] || fail "gen --size 7 did not write 7 rows"
"$bin" train --dtype f32 --mode eager --data "$tmp/d32.csv" --every 0 >/dev/null || fail "train f32 eager on CSV failed"
"$bin" --version | grep -q '^lingrad [0-9]' || fail "--version"
# A FIFO (like /dev/null or a pipe) is written in place, never replaced by a file.
mkfifo "$tmp/fifo"
cat "$tmp/fifo" >"$tmp/from-fifo" &
"$bin" gen --size 5 --out "$tmp/fifo" || fail "gen into a FIFO"
wait
[ -p "$tmp/fifo" ] || fail "the FIFO was replaced by a regular file"
[ "$(wc -l <"$tmp/from-fifo")" -eq 6 ] || fail "the FIFO's reader did not get the CSV"

# ---- Ctrl-C and SIGTERM: stop after the epoch, keep the history, say so ---------------
for sig in INT TERM; do
  # Progress, not time, decides when to signal (an emulated CPU is 100x slower):
  # stdout to a file is block-buffered, so its first bytes mean ~90 epochs ran.
  "$bin" train --size 100000 --epochs 100000000 --tol 0 --every 1 --history "$tmp/h-$sig.csv" \
    >"$tmp/out-$sig" 2>"$tmp/err-$sig" &
  pid=$!
  for _ in $(seq 1200); do [ -s "$tmp/out-$sig" ] && break; sleep 0.1; done
  kill -"$sig" "$pid"
  wait "$pid"
  rc=$?
  want=$([ "$sig" = INT ] && echo 130 || echo 143)
  [ "$rc" -eq "$want" ] || fail "SIG$sig: exit status $rc, want $want"
  [ "$(wc -l <"$tmp/err-$sig")" -eq 1 ] && grep -q "^lingrad: error: interrupted by SIG$sig after epoch" "$tmp/err-$sig" ||
    fail "SIG$sig: want one 'interrupted' line, got: $(cat "$tmp/err-$sig")"
  rows=$(($(wc -l <"$tmp/h-$sig.csv") - 1))
  [ "$rows" -gt 10 ] || fail "SIG$sig: history has only $rows rows"
  tail -n 1 "$tmp/h-$sig.csv" | grep -Eq '^[0-9]+,[^,]+,[^,]+,[^,]+$' || fail "SIG$sig: truncated history"
  tail -n 1 "$tmp/out-$sig" | grep -q ' loss = ' || fail "SIG$sig: no final line on stdout"
  ls "$tmp" | grep -q 'tmp-' && fail "SIG$sig: a temporary file was left behind"
  echo "ok  SIG$sig -> $(cat "$tmp/err-$sig") ($rows epochs in the history)"
done

# ---- threads --------------------------------------------------------------------
expect_error 2 "threads zero" train --threads 0
expect_error 2 "threads negative" train --threads -2
expect_error 2 "threads not a number" gen --threads many --out "$tmp/never.csv"
LINGRAD_THREADS=0 expect_error 1 "LINGRAD_THREADS zero" train --every 0
LINGRAD_THREADS=two expect_error 1 "LINGRAD_THREADS not a number" gen --out "$tmp/never.csv"
LINGRAD_THREADS=two "$bin" train --every 0 --threads 2 >/dev/null 2>&1 || fail "--threads does not override LINGRAD_THREADS"
LINGRAD_THREADS=two "$bin" gen --threads 2 --out "$tmp/g_env.csv" >/dev/null 2>&1 || fail "gen --threads does not override LINGRAD_THREADS"
# Any thread count gives the same bytes: data, and training.
"$bin" gen --size 300000 --threads 1 --out "$tmp/g1.csv" && "$bin" gen --size 300000 --threads 3 --out "$tmp/g3.csv" ||
  fail "gen --threads"
cmp -s "$tmp/g1.csv" "$tmp/g3.csv" || fail "gen output differs between 1 and 3 threads"
"$bin" train --size 300000 --tol 0 --epochs 30 --every 0 --threads 1 --history "$tmp/t1.csv" >/dev/null &&
  "$bin" train --size 300000 --tol 0 --epochs 30 --every 0 --threads 3 --history "$tmp/t3.csv" >/dev/null ||
  fail "train --threads"
cmp -s "$tmp/t1.csv" "$tmp/t3.csv" || fail "training history differs between 1 and 3 threads"
# --timing says the threads' start apart from the epochs, and only where a team ran;
# a run too short for a team to pay back its start (one epoch: none left to gain
# on) starts none, and says so.
"$bin" train --size 300000 --tol 0 --epochs 1 --every 0 --threads 2 --timing >/dev/null 2>"$tmp/t1.err" ||
  fail "train --timing --threads 2"
grep -Eq '^lingrad: 1 epochs in [0-9.]+ s: .*2 threads; no team: it would not pay back its start\)$' "$tmp/t1.err" ||
  fail "--timing: a 1-epoch run does not say it started no team: $(cat "$tmp/t1.err")"
"$bin" train --size 1000 --tol 0 --epochs 3 --every 0 --threads 2 --timing >/dev/null 2>"$tmp/t0.err" ||
  fail "train --timing --threads 2 --size 1000"
grep -Eq '2 threads; no team: n is below the grain, as lingrad info states it\)$' "$tmp/t0.err" ||
  fail "--timing: a run below the grain does not say so: $(cat "$tmp/t0.err")"
"$bin" train --size 300000 --tol 0 --epochs 3 --every 0 --threads 2 --threads-now --timing >/dev/null 2>"$tmp/t2.err" ||
  fail "train --timing --threads 2 --threads-now"
# (a team that measured a hand-off too slow for n, on a busy machine, ends at once and says so)
grep -Eq '^lingrad: 3 epochs in [0-9.]+ s: .*2 threads(; no team: at the hand-off it measured, calls of n are too small to split)?\); starting the threads once: [0-9.]+ s$' "$tmp/t2.err" ||
  fail "--timing with 2 threads does not say the threads' start apart: $(cat "$tmp/t2.err")"
"$bin" train --size 300000 --tol 0 --epochs 3 --every 0 --threads 1 --timing >/dev/null 2>"$tmp/t1.err" ||
  fail "train --timing --threads 1"
grep -q 'starting the threads' "$tmp/t1.err" && fail "--timing with 1 thread speaks of starting threads: $(cat "$tmp/t1.err")"
# info --modes: names alone, one per line, nothing on stderr, and the same list
# in the same order as info's modes line, --help and what train accepts.
"$bin" info --modes >"$tmp/modes" 2>"$tmp/modes.err" || fail "info --modes failed"
[ -s "$tmp/modes" ] && [ ! -s "$tmp/modes.err" ] || fail "info --modes: no names, or stderr: $(cat "$tmp/modes.err")"
grep -qvE '^[a-z0-9]+$' "$tmp/modes" && fail "info --modes prints more than names: $(cat "$tmp/modes")"
grep -qx fused "$tmp/modes" || fail "info --modes lacks fused: $(cat "$tmp/modes")"
info_modes=$("$bin" info | sed -n 's/^modes: *//p' | sed 's/ (train --mode.*//; s/ (default)//g; s/, /,/g')
[ "$info_modes" = "$(paste -sd, "$tmp/modes")" ] || fail "info's modes line ($info_modes) differs from info --modes"
"$bin" --help | grep -qF -- "[--mode $(paste -sd'|' "$tmp/modes")]" || fail "--help's --mode differs from info --modes"
[ "$("$bin" --help | sed -n '/^Modes (--mode):/,$p' | awk 'NR > 1 { print $1 }')" = "$(cat "$tmp/modes")" ] ||
  fail "--help's Modes list differs from info --modes"
while read -r mode; do
  "$bin" train --mode "$mode" --size 20 --epochs 2 --every 0 >/dev/null || fail "train --mode $mode (from info --modes) failed"
done <"$tmp/modes"
LINGRAD_ISA=bogus "$bin" info --modes >/dev/null 2>&1 || fail "info --modes depends on the kernel table"
echo "ok  info --modes: $(paste -sd' ' "$tmp/modes"), as info, --help and train have them"
"$bin" info | grep -q '^topology: ' || fail "info shows no topology"
"$bin" info | grep -q '^pinning: ' || fail "info shows no pinning"
# the grain of the chosen table, and the scalar table's is lower (its kernels are slower)
"$bin" info | grep -Eq "^grain:    threads from [0-9]+ elements a call in a training run's team \(from [0-9]+ at the least\), [0-9]+ otherwise \(a fork\): where half a call's work \([a-z0-9]+ at [0-9.]+ G elements/s, measured now\) takes [0-9.]+ hand-offs" ||
  fail "info shows no grain line: $("$bin" info 2>&1 | grep grain)"
# a team started by info: the hand-off it measured, and a grain no lower than the least
two=$(LINGRAD_THREADS=2 "$bin" info 2>/dev/null) # one process: one measured speed
probe=$(printf '%s\n' "$two" | sed -n 's/^ *a team of 2 started now measured a hand-off of [0-9.]* us: its calls split from \([0-9]*\) elements$/\1/p')
least=$(printf '%s\n' "$two" | sed -n 's/^grain:    .*team (from \([0-9]*\) at the least).*/\1/p')
[ -n "$probe" ] && [ -n "$least" ] && [ "$probe" -ge "$least" ] ||
  fail "info's team probe ($probe) is missing or below the least grain ($least)"
[ -z "$(LINGRAD_THREADS=1 "$bin" info 2>/dev/null | grep 'a team of')" ] || fail "info started a team with one thread"
"$bin" info | grep -Eq "^team:     a training run's starts once .* \(priced [0-9]+\.[0-9]{2} ms now, .*--threads-now: at once$" ||
  fail "info shows no team line: $("$bin" info 2>&1 | grep team)"
g_best=$("$bin" info 2>/dev/null | sed -n 's/^grain:    threads from \([0-9]*\) .*/\1/p')
g_scalar=$(LINGRAD_ISA=scalar "$bin" info 2>/dev/null | sed -n 's/^grain:    threads from \([0-9]*\) .*/\1/p')
[ "$g_scalar" -le "$g_best" ] || fail "the scalar table's grain ($g_scalar) is above the best table's ($g_best)"

# ---- kernel tables --------------------------------------------------------------
LINGRAD_ISA=bogus expect_error 1 "LINGRAD_ISA names no table" train --every 0
LINGRAD_ISA=bogus expect_error 1 "LINGRAD_ISA names no table (info)" info
LINGRAD_ISA=bogus "$bin" train --every 0 --isa scalar >/dev/null 2>&1 || fail "--isa does not override LINGRAD_ISA"
case "$(uname -m)" in
  x86_64) expect_error 2 "an ISA of another architecture" train --isa neon ;;
  aarch64) expect_error 2 "an ISA of another architecture" train --isa avx2 ;;
esac
# `info` lists the tables built in, "(not on this CPU)" after those this CPU
# cannot run. Both lists come from there, so nothing here assumes an ISA.
kernels=$("$bin" info | sed -n 's/^kernels: *//p')
runs=$(sed -E 's/[a-z0-9]+ \(not on this CPU\)//g' <<<"$kernels")
refused=$(grep -oE '[a-z0-9]+ \(not on this CPU\)' <<<"$kernels" | cut -d' ' -f1)
[[ " $runs " == *" scalar "* ]] || fail "info does not list scalar as runnable: $kernels"
echo "ok  kernels this CPU runs: $(echo $runs); refuses: ${refused:-none}"
# A table that is built in but not runnable is refused, by name, both ways.
for isa in $refused; do
  LINGRAD_ISA=$isa expect_error 1 "LINGRAD_ISA=$isa on a CPU without it" train --every 0
  grep -q "LINGRAD_ISA=$isa: this CPU cannot run it" "$tmp/err" || fail "LINGRAD_ISA=$isa: $(cat "$tmp/err")"
  expect_error 2 "--isa $isa on a CPU without it" train --every 0 --isa "$isa"
  grep -q -- "--isa $isa: this CPU cannot run it (this CPU runs: scalar" "$tmp/err" || fail "--isa $isa: $(cat "$tmp/err")"
done
# Every table this CPU runs reproduces the scalar run: same early stop, w and b
# within 1e-9 (f64).
"$bin" train --every 0 --isa scalar --history "$tmp/h_scalar.csv" >/dev/null || fail "scalar run"
for isa in $runs; do
  LINGRAD_ISA=$isa "$bin" train --every 0 --history "$tmp/h_$isa.csv" >/dev/null || { fail "LINGRAD_ISA=$isa train failed"; continue; }
  [ "$(wc -l <"$tmp/h_$isa.csv")" -eq "$(wc -l <"$tmp/h_scalar.csv")" ] || fail "$isa stops at another epoch than scalar"
  paste -d, <(tail -n 1 "$tmp/h_scalar.csv") <(tail -n 1 "$tmp/h_$isa.csv") |
    awk -F, '{ dw = $3 - $7; db = $4 - $8; exit !(dw < 1e-9 && dw > -1e-9 && db < 1e-9 && db > -1e-9) }' ||
    fail "$isa ends more than 1e-9 away from scalar: $(tail -n 1 "$tmp/h_$isa.csv")"
  echo "ok  LINGRAD_ISA=$isa reproduces the scalar run: $(tail -n 1 "$tmp/h_$isa.csv")"
done
"$bin" train --data "$(csv plus.csv 'x,y\n+0.5, +1\n0.25,1e-320\n')" --every 0 >/dev/null || fail "'+1' and a denormal are valid numbers"
"$bin" train --epochs 2e9 --every 0 >/dev/null || fail "a huge --epochs with an early stop must not allocate it all"
"$bin" --help | grep -q 'lingrad train' || fail "--help"
"$bin" info | grep -q 'scalar' || fail "info does not list the scalar kernels"

if [ "$failures" -ne 0 ]; then echo "test_cli: $failures failure(s)" >&2; exit 1; fi
echo "test_cli: all checks passed"
