#!/usr/bin/env bash
# lingrad-bench on the CPU it runs on (or emulates): it registers rows for the
# tables this CPU runs and no others, so a benchmark never executes an
# instruction the CPU lacks (under qemu that would be SIGILL).
#
#   test_bench_isas.sh path/to/lingrad-bench [EMULATOR ARGS...]
set -u
bench=${1:?usage: test_bench_isas.sh path/to/lingrad-bench [EMULATOR ARGS...]}
shift
out=$("$@" "$bench" --quick --benchmark_filter='kernel/fused_mse/f32/[a-z0-9]+/threads:1/n:2048/' \
  --benchmark_min_time=0.001 --benchmark_format=json 2>/dev/null)
rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: lingrad-bench exited $rc" >&2; exit 1; }
runs=$(sed -n 's/.*"lingrad_isa_available": "\([^"]*\)".*/\1/p' <<<"$out")
rows=$(grep -o '"name": "kernel/fused_mse/f32/[a-z0-9]*/' <<<"$out" | cut -d/ -f4 | sort -u | tr '\n' ' ')
want=$(tr ' ' '\n' <<<"$runs" | sort -u | tr '\n' ' ')
[ -n "$runs" ] || { echo "FAIL: no lingrad_isa_available in the context" >&2; exit 1; }
[ "$rows" = "$want" ] || { echo "FAIL: rows for tables '$rows', but this CPU runs '$want'" >&2; exit 1; }
echo "test_bench_isas: rows for exactly the tables this CPU runs: $runs"
