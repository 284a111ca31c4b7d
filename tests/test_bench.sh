#!/usr/bin/env bash
# lingrad-bench runs, writes Google Benchmark JSON with lingrad's context and
# counters, and the report turns it into a summary. A smoke test: no timing is
# asserted, only that the numbers exist and are sane.
set -u
bench=${1:?usage: test_bench.sh path/to/lingrad-bench [python]}
python=${2:-/usr/bin/python3}
src=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d /tmp/lingrad-test-bench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bench" --quick --benchmark_filter='fused_mse/f32/scalar/threads:1/n:2048|(peer|direct)/fused_mse/f32/[a-z0-9_]+/threads:1/n:2048/|roofline_read/f32/.*/threads:1/n:2048|train/tutorial/(fused|graph)' \
  --benchmark_min_time=0.01 --benchmark_out="$tmp/lingrad.json" --benchmark_out_format=json >/dev/null ||
  fail "lingrad-bench exited non-zero"
"$bench" --no_such_flag >/dev/null 2>&1 && fail "an unknown flag was accepted"
# A filter that selects nothing (a typo in a CI script) fails with one line, when
# running and when listing; Google Benchmark alone exits 0 with no rows.
no_match() {
  local what=$1 want=$2; shift 2
  "$bench" --quick "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  { [ "$rc" -ne 0 ] && [ "$rc" -lt 128 ]; } || fail "$what: exit status $rc, want an error"
  [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "$what: want one line on stderr, got: $(cat "$tmp/err")"
  grep -q "^lingrad-bench: error: --benchmark_filter=$want" "$tmp/err" || fail "$what: $(cat "$tmp/err")"
  [ ! -s "$tmp/out" ] || fail "$what: printed on stdout: $(head -c 300 "$tmp/out")"
  echo "ok  $what: exit $rc, $(cat "$tmp/err")"
}
no_match "filter matching nothing" "'no_such_bench' matches no benchmark" --benchmark_filter=no_such_bench
no_match "listing with a filter matching nothing" "'no_such_bench' matches no benchmark" \
  --benchmark_filter=no_such_bench --benchmark_list_tests
no_match "filter that is not a regular expression" "'(' is not a valid regular expression" --benchmark_filter='('
"$python" - "$tmp/lingrad.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
ctx, rows = d["context"], {r["name"]: r for r in d["benchmarks"]}
for key in ("lingrad_version", "lingrad_git_sha", "lingrad_compiler", "lingrad_isa_chosen",
            "lingrad_topology", "lingrad_pinning", "lingrad_threads_default", "lingrad_env"):
    assert key in ctx, f"context lacks {key}"
fused = [r for n, r in rows.items() if n.startswith("kernel/fused_mse/f32/scalar/threads:1/n:2048")]
roof = [r for n, r in rows.items() if n.startswith("kernel/roofline_read/f32/")]
tut = [r for n, r in rows.items() if n.startswith(("train/tutorial/fused/f64/", "train/tutorial/graph/f64/"))]
assert fused and roof and tut, f"missing rows: {sorted(rows)}"
assert any("/graph/" in r["name"] for r in tut), f"no graph tutorial row: {sorted(rows)}"
f = fused[0]
assert f["items_per_second"] > 1e6 and abs(f["bytes_per_second"] / f["items_per_second"] - 8) < 1e-9, f
assert 0 < f["roofline_pct"] < 1000, f
assert all(r["epochs"] > 1 and r["epochs"] < 501 for r in tut), tut
# relative errors against the long-double reference: on the kernel rows and on
# every peer row (the data are fixed, so these bounds are not timing)
assert 0 <= f["rel_err"] < 1e-6 and "rel_err_rx" in f and "rel_err_rr" in f, f
peers = [r for n, r in rows.items() if n.startswith("peer/")]
assert peers, f"no peer rows: {sorted(rows)}"
for r in peers:
    assert r["items_per_second"] > 1e6 and "rel_err" in r, r
    if "_acc64/" in r["name"]:
        assert r["rel_err"] < 1e-6, r  # f64 sums of 2,048 terms
# lingrad's tables called as the peers are (direct/): one row per table the
# kernel suite ran, with the driver's sums to the bit at one block (n = 2,048)
direct = {n.split("/")[3]: r for n, r in rows.items() if n.startswith("direct/fused_mse/f32/")}
assert "scalar" in direct, f"no direct scalar row: {sorted(rows)}"
for isa, r in direct.items():
    k = rows.get(f"kernel/fused_mse/f32/{isa}/threads:1/n:2048/L1/real_time")
    if k is None:
        continue  # the filter keeps only scalar's kernel row
    for c in ("rel_err", "rel_err_rx", "rel_err_rr"):
        assert r[c] == k[c], (c, r, k)
print("lingrad-bench JSON ok:", len(rows), "rows,", len(peers), "peer rows,", len(direct), "direct rows")
PY
# The compiler peers (bench/peers.c): both compilers where both are installed,
# each ISA as rows or, where this CPU lacks it, as one skipped row.
peer_rows=$("$bench" --benchmark_list_tests --benchmark_filter='^peer/' 2>&1) || fail "listing the peer rows failed: $peer_rows"
for cc in gcc clang; do
  command -v "$cc" >/dev/null || continue
  grep -q "^peer/\(fused_mse/f32/\)\?${cc}_" <<<"$peer_rows" || fail "$cc is installed but has no peer rows: $peer_rows"
done
for k in fused_mse axpb dot; do
  grep -q "^peer/$k/f32/" <<<"$peer_rows" || fail "no peer/$k rows"
done
echo "ok  peers: $(grep -c /n: <<<"$peer_rows") peer rows, $(grep -c skipped <<<"$peer_rows") skipped"
# The per-epoch rows run on the process's table (LINGRAD_ISA, else the best this
# CPU runs) and are named after it: scalar when asked for, and the table the
# record says was chosen otherwise. (They were once named after the best table
# whatever ran.)
chosen=$(sed -n 's/.*"lingrad_isa_chosen": "\([^"]*\)".*/\1/p' "$tmp/lingrad.json")
[ -n "$chosen" ] || fail "no lingrad_isa_chosen in the record"
# the library's modes, from the lingrad program built beside lingrad-bench
modes=$("$(dirname "$bench")/lingrad" info --modes) && [ -n "$modes" ] || fail "lingrad info --modes failed"
for isa in scalar "$chosen"; do
  rows=$(LINGRAD_ISA=$isa "$bench" --benchmark_list_tests --benchmark_filter='train/epoch/' 2>&1) ||
    fail "LINGRAD_ISA=$isa: listing the train/epoch rows failed: $rows"
  [ -n "$rows" ] || fail "LINGRAD_ISA=$isa: no train/epoch rows"
  # every mode at every size (the report's table and bench-check's ratios read
  # them), and graph mode again with its sweeps interpreted
  for mode in $modes graph-interp; do
    for n in 10000 1000000 100000000; do
      grep -q "^train/epoch/$mode/f32/$isa/threads:[0-9]*/n:$n/" <<<"$rows" ||
        fail "LINGRAD_ISA=$isa: no train/epoch/$mode row at n = $n: $rows"
    done
  done
  other=$(grep -v "^train/epoch/[a-z-]*/f32/$isa/" <<<"$rows")
  [ -z "$other" ] || fail "LINGRAD_ISA=$isa, but rows are named for another table: $other"
  echo "ok  LINGRAD_ISA=$isa: $(wc -l <<<"$rows") train/epoch rows, all named $isa"
done
# The per-epoch rows report lingrad's clock of their epochs less graph mode's
# one-time setup (manual time), state x and y's bytes per epoch, and a graph row
# runs as its name says: compiled for graph, interpreted for graph-interp. With
# the JIT off, the compiled row is skipped with lingrad's reason, never reported.
"$bench" --quick --benchmark_filter='train/epoch/(fused|graph|graph-interp)/' --benchmark_min_time=0.01 \
  --benchmark_out="$tmp/epoch.json" --benchmark_out_format=json >/dev/null 2>&1 || fail "train/epoch rows failed"
LINGRAD_JIT=0 "$bench" --quick --benchmark_filter='train/epoch/(graph|graph-interp)/' --benchmark_min_time=0.01 \
  --benchmark_out="$tmp/nojit.json" --benchmark_out_format=json >/dev/null 2>&1 || fail "train/epoch rows failed (LINGRAD_JIT=0)"
"$python" - "$tmp/epoch.json" "$tmp/nojit.json" <<'PY' || exit 1
import json, sys
rows = {r["name"]: r for r in json.load(open(sys.argv[1]))["benchmarks"]}
by = {n.split("/")[2]: r for n, r in rows.items()}
assert set(by) == {"fused", "graph", "graph-interp"}, sorted(rows)
for mode, r in by.items():
    assert r["name"].endswith("/manual_time") and not r.get("error_occurred"), r
    n = int(r["name"].split("n:")[1].split("/")[0])
    assert r["epochs"] == 20 and abs(r["bytes_per_second"] / r["items_per_second"] - 8 * n) < 1e-6 * n, r
    # graph plans (and loads or compiles) once per lg_train call, outside the time
    assert (r.get("setup_seconds", 0) > 0) == mode.startswith("graph"), r
nojit = {r["name"].split("/")[2]: r for r in json.load(open(sys.argv[2]))["benchmarks"]}
assert nojit["graph"].get("error_occurred") and "asked for compiled sweeps, ran interpreted" in \
    nojit["graph"]["error_message"], nojit["graph"]
assert not nojit["graph-interp"].get("error_occurred"), nojit["graph-interp"]
print("train/epoch rows ok:", ", ".join(sorted(by)), "; with LINGRAD_JIT=0:", nojit["graph"]["error_message"])
PY
# The thread sweep (train/threads/): every mode from 2^10 to 10^8 (eager to
# 2^24) on one thread and on the cores, where there are two or more; rows of
# one size and mode that the report divides.
cores=$("$(dirname "$bench")/lingrad" info 2>/dev/null | sed -n 's/^topology: *[0-9]* packages*, \([0-9]*\) cores.*/\1/p')
threads_rows=$("$bench" --benchmark_list_tests --benchmark_filter='train/threads/' 2>&1)
if [ "${cores:-0}" -ge 2 ]; then
  for mode in fused graph eager; do
    for n in 1024 131072 16777216 100000000; do
      for t in 1 "$cores"; do
        want=yes; [ "$mode" = eager ] && [ "$n" = 100000000 ] && want=no
        for dt in f32 f64; do
          if grep -q "^train/threads/$mode/$dt/[a-z0-9]*/threads:$t/n:$n/" <<<"$threads_rows"; then got=yes; else got=no; fi
          [ "$got" = "$want" ] || fail "train/threads/$mode $dt at $t threads, n = $n: listed $got, want $want"
        done
      done
    done
  done
  "$bench" --benchmark_filter="train/threads/(fused|graph)/f(32|64)/[a-z0-9]+/threads:(1|$cores)/n:1024/" \
    --benchmark_min_time=0.01 --benchmark_out="$tmp/threads.json" --benchmark_out_format=json >/dev/null 2>&1 ||
    fail "train/threads rows failed"
  echo "ok  thread sweep: $(wc -l <<<"$threads_rows") rows listed on $cores cores, n = 1,024 run"
  # Whole runs (train/whole/): 1 to 10^5 epochs where a run stays under ~1 s
  whole_rows=$("$bench" --benchmark_list_tests --benchmark_filter='train/whole/' 2>&1)
  for row in "fused/f32/[a-z0-9]*/threads:1/epochs:1/n:100000000" "fused/f64/[a-z0-9]*/threads:$cores/epochs:100000/n:1024" \
             "eager/f32/[a-z0-9]*/threads:$cores/epochs:10/n:131072" "graph/f64/[a-z0-9]*/threads:1/epochs:1000/n:16384"; do
    grep -q "^train/whole/$row/" <<<"$whole_rows" || fail "train/whole/$row is not listed"
  done
  grep -q "^train/whole/fused/f32/[a-z0-9]*/threads:1/epochs:100000/n:1048576/" <<<"$whole_rows" &&
    fail "train/whole/ lists a run of 10^11 element-epochs"
else
  grep -q '^train/threads/' <<<"$threads_rows" && fail "one core, but thread-sweep rows: $threads_rows"
  echo "ok  thread sweep: none on one core"
fi
# Graph mode's one-time costs, each in its own process and cache (bench/jit_setup.py)
"$python" "$src/bench/jit_setup.py" "$(dirname "$bench")" "$tmp/graph_setup.json" --reps 1 >/dev/null ||
  fail "jit_setup.py failed"
"$python" - "$tmp/graph_setup.json" <<'PY' || exit 1
import json, sys
rows = {r["name"]: r for r in json.load(open(sys.argv[1]))["benchmarks"]}
assert sorted(rows) == ["setup/graph/cache_hit/f64/n:100", "setup/graph/cold_compile/f64/n:100",
                        "setup/graph/plan_only/f64/n:100"], sorted(rows)
assert all(r["real_time"] > 0 and r["time_unit"] == "ms" for r in rows.values()), rows
PY
echo "ok  graph mode's one-time costs measured"
# The record names the commit it was built from (read at build time, not when
# CMake last ran), as git describes this checkout now. Whether the tree is dirty
# may change between build and test while someone edits, so only the commit is
# compared.
if want=$(git -C "$src" describe --always --abbrev=7 2>/dev/null); then
  got=$(sed -n 's/.*"lingrad_git_sha": "\([^"]*\)".*/\1/p' "$tmp/lingrad.json")
  [ "${got%-dirty}" = "$want" ] || fail "lingrad_git_sha is '$got', but the checkout is at '$want' (stale build?)"
fi
if "$python" -c 'import matplotlib' 2>/dev/null; then
  "$python" "$src/tools/bench_report.py" "$tmp" >/dev/null || fail "bench_report.py failed"
  grep -q '^| fused_mse f32, n |' "$tmp/summary.md" || fail "summary has no fused table"
  grep -q "tutorial's workload" "$tmp/summary.md" || fail "summary has no tutorial table"
  [ -s "$tmp/fused-f32-rate-vs-n.png" ] || fail "no throughput plot"
  grep -q '^## The compiler as a peer (fused_mse f32' "$tmp/summary.md" || fail "summary has no peer table"
  [ -s "$tmp/peers-rate-vs-error.png" ] || fail "no rate-vs-error plot"
  grep -q "fuser" "$tmp/summary.md" && fail "summary speaks of PyTorch's fuser without a pytorch.json"
  # The PyTorch rows, without needing torch: a pytorch.json as older runs wrote
  # it (no jit_script rows, no fuser in the context), then as it is written now.
  torch_json() {
    "$python" - "$tmp/pytorch.json" "$@" <<'PY'
import json, sys
loops, ctx = sys.argv[2].split(","), json.loads(sys.argv[3])
rows = [{"name": f"pytorch/tutorial/{l}/n:100", "run_type": "iteration", "iterations": 7,
         "real_time": 2e7, "cpu_time": 2e7, "time_unit": "ns", "epochs": 193} for l in loops]
json.dump({"context": ctx, "benchmarks": rows}, open(sys.argv[1], "w"))
PY
  }
  torch_json as_written,no_grad '{"pytorch_version": "1.13.0a0"}'
  "$python" "$src/tools/bench_report.py" "$tmp" >/dev/null || fail "bench_report.py failed on an older pytorch.json"
  grep -q '^| pytorch no_grad | 20.00 ms | 193 | 1.0x faster |' "$tmp/summary.md" || fail "no pytorch no_grad row"
  grep -q "jit_script\|fuser" "$tmp/summary.md" && fail "older pytorch.json: summary speaks of jit_script"
  torch_json as_written,no_grad,jit_script \
    '{"pytorch_jit_fuser": "unavailable (LLVM Backend not found; torch._C._llvm_enabled() is False)"}'
  "$python" "$src/tools/bench_report.py" "$tmp" >/dev/null || fail "bench_report.py failed with jit_script rows"
  grep -q '^| pytorch jit_script | 20.00 ms | 193 | 1.0x faster |' "$tmp/summary.md" || fail "no pytorch jit_script row"
  grep -q "^PyTorch's CPU fuser (NNC) was not available in this build (LLVM Backend not found;" "$tmp/summary.md" ||
    fail "summary does not say why PyTorch's fuser was unavailable"
  torch_json as_written,jit_script '{"pytorch_jit_fuser": "nnc (fused)"}'
  "$python" "$src/tools/bench_report.py" "$tmp" >/dev/null || fail "bench_report.py failed with a fused jit_script row"
  grep -q "^PyTorch's CPU fuser (NNC) was available in this build" "$tmp/summary.md" ||
    fail "summary does not say PyTorch's fuser was available"
  echo "ok  summary: PyTorch rows from older and current pytorch.json, and the fuser sentence"
  # A PyTorch row that could not run (pytorch_tutorial.py: not enough memory)
  # shows its reason in its cell, beside lingrad's row of that size.
  "$python" - "$src/tools" <<'PY' || fail "a skipped PyTorch row does not show its reason"
import sys
sys.path.insert(0, sys.argv[1])
import bench_report
ep = {"train/epoch/fused/f32/avx2/threads:2/n:100000000":
      {"real_time": 2.5e7, "time_unit": "ns", "epochs": 1}}
torch_rows = {"pytorch/epoch/no_grad/f32/n:100000000": {"skipped": "needs about 3.7 GiB, 1.0 GiB available"},
              "numpy/epoch/f32/n:100000000": {"real_time": 4e8, "time_unit": "ns"}}
line = [ln for ln in bench_report.epoch_table(ep, torch_rows) if ln.startswith("| 100,000,000 |")]
assert line == ["| 100,000,000 | 25,000.0 us | not run: needs about 3.7 GiB, 1.0 GiB available | — "
                "| 400,000.0 us |"], line
PY
  echo "ok  summary: a PyTorch row that could not run says why in its cell"
  # the per-epoch rows (copied in from their own run), their ratios, the line
  # plot, and the one-time costs
  "$python" - "$tmp/lingrad.json" "$tmp/epoch.json" $([ -s "$tmp/threads.json" ] && echo "$tmp/threads.json") <<'PY' || fail "cannot merge the epoch rows"
import json, sys
d = json.load(open(sys.argv[1]))
for extra in sys.argv[2:]:
    d["benchmarks"] += json.load(open(extra))["benchmarks"]
json.dump(d, open(sys.argv[1], "w"))
PY
  "$python" "$src/tools/bench_report.py" "$tmp" >/dev/null || fail "bench_report.py failed with epoch rows"
  grep -q '^| n | lingrad graph compiled | lingrad graph interpreted | lingrad fused | graph compiled / fused | graph interpreted / fused |' \
    "$tmp/summary.md" || fail "summary has no graph compiled/interpreted columns: $(grep '^| n |' "$tmp/summary.md")"
  grep -q '^| 1,000,000 | [0-9,.]* us | [0-9,.]* us | [0-9,.]* us | [0-9.]*x | [0-9.]*x |' "$tmp/summary.md" ||
    fail "summary has no ratios at n = 10^6"
  [ -s "$tmp/epoch-time-vs-n.png" ] || fail "no time-per-epoch-vs-n plot"
  grep -q "^## Graph mode's one-time costs" "$tmp/summary.md" || fail "summary has no one-time costs"
  grep -q '^| planning and compiling, cold cache' "$tmp/summary.md" || fail "summary has no cold compile"
  grep -q '^| planning and loading the compiled sweeps from the cache' "$tmp/summary.md" || fail "summary has no cache hit"
  echo "ok  summary: graph compiled and interpreted beside fused, their ratios, the plot, the one-time costs"
  if [ -s "$tmp/threads.json" ]; then
    grep -q "^| 1,024 | [0-9.]*\( (loses)\)\? | [0-9.]*\( (loses)\)\? | [0-9.]*\( (loses)\)\? | [0-9.]*\( (loses)\)\? |$" "$tmp/summary.md" ||
      fail "summary has no threads row at n = 1,024: $(grep -A4 '^## What threads buy' "$tmp/summary.md")"
    [ -s "$tmp/thread-speedup-vs-n.png" ] || fail "no thread-speedup-vs-n plot"
    echo "ok  summary: the threads table and its plot"
  fi
  # A speed-up under 0.95 is marked as a loss, and the worst cell is named
  # (rows made up here: the verdict is on the report, not on this machine).
  "$python" - "$src/tools" <<'PY' || fail "the threads table misreads its rows"
import sys
sys.path.insert(0, sys.argv[1])
import bench_report
row = lambda us: {"real_time": us * 1000, "time_unit": "ns", "epochs": 1}
th = bench_report.thread_rows({"train/threads/fused/f32/avx2/threads:1/n:1024": row(10),
                               "train/threads/fused/f32/avx2/threads:2/n:1024": row(20),
                               "train/threads/fused/f32/avx2/threads:1/n:131072": row(100),
                               "train/threads/fused/f32/avx2/threads:2/n:131072": row(50)})
lines = bench_report.thread_table(th)
assert "| 1,024 | 0.50 * (loses) |" in lines and "| 131,072 | 2.00 * |" in lines, lines
assert any("The worst starred cell here: 0.50." in ln for ln in lines), lines
# a cell whose team did not run (below the grain) is the same code on both
# sides: its spread is stated, never read as a loss
th[("fused", "f32", 2, 1024)]["team"] = 0.0
lines = bench_report.thread_table(th)
assert "| 1,024 | 0.50 |" in lines and any("spread 0.50-0.50 here" in ln for ln in lines), lines
PY
  echo "ok  summary: the threads table marks a loss and names the worst cell"
  # Whole runs: a loss is marked only where the team started (a star); a cell
  # where it did not is one code path against itself, and says its spread.
  "$python" - "$src/tools" <<'PY' || fail "the whole-runs table misreads its rows"
import sys
sys.path.insert(0, sys.argv[1])
import bench_report
row = lambda us, team=None: {"real_time": us * 1000, "time_unit": "ns", **({} if team is None else {"team": team})}
wr = bench_report.whole_rows({"train/whole/fused/f32/avx2/threads:1/epochs:1/n:1024": row(10),
                              "train/whole/fused/f32/avx2/threads:2/epochs:1/n:1024": row(11, 0.0),
                              "train/whole/fused/f32/avx2/threads:1/epochs:100/n:1024": row(100),
                              "train/whole/fused/f32/avx2/threads:2/epochs:100/n:1024": row(125, 1.0)})
lines = bench_report.whole_table(wr)
assert "| fused | f32 | 2 | 1,024 | 0.91 | 0.80 * (loses) |" in lines, lines
assert any("(0.91-0.91 here)" in ln and "The worst starred cell: 0.80." in ln for ln in lines), lines
PY
  echo "ok  summary: the whole-runs table marks a loss only where a team ran"
fi
echo "test_bench: all checks passed"
