#!/usr/bin/env bash
# expect_chosen.sh TABLE COMMAND...: COMMAND is `lingrad info` run as some CPU
# model (under qemu); it must succeed and choose TABLE as the best this CPU
# runs. This is what shows the emulator really presents that model.
set -u
want=${1:?usage: expect_chosen.sh TABLE COMMAND...}
shift
out=$("$@" info 2>&1) || { echo "$out"; echo "FAIL: lingrad info exited $?" >&2; exit 1; }
echo "$out"
grep -Eq "^chosen: +$want \(the best" <<<"$out" || { echo "FAIL: the chosen table is not $want" >&2; exit 1; }
echo "ok: this CPU model runs $want at best"
