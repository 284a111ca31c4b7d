#!/bin/bash
# bench-history and bench-bisect end to end, on a throwaway repository of four
# commits of lingrad: c1 (this tree), c1b (a README edit), c2 (the AVX2 table's
# fused f32 entry replaced by a plain scalar loop: the regression), c3 (another
# README edit). Four, not three, because a step must last two commits on each
# side. Checks that the history has one line per commit and marks the step at
# c2 in instructions_per_element_avx2_f32 and its scalar/AVX2 invariant, that a
# re-run replaces lines instead of adding them, that bench-bisect GOOD=c1
# BAD=c3 names c2, and that the repository (HEAD, branch, status, worktrees, no
# bisection) is as it was. Instruction counts only, the CLI target only: about
# 2-3 minutes on 2 cores.
#
# usage: test_perf_history.sh SOURCE_DIR [PYTHON]    (77: no git, valgrind, AVX2 or matplotlib)
set -euo pipefail
src=$(cd "$1" && pwd)
py=${2:-/usr/bin/python3}
skip() { echo "test_perf_history: skipped: $*"; exit 77; }
command -v git >/dev/null || skip "no git"
command -v valgrind >/dev/null || skip "no valgrind"
"$py" -c 'import matplotlib' 2>/dev/null || skip "no matplotlib for $py"
grep -q avx2 /proc/cpuinfo || skip "this CPU has no AVX2"
git -C "$src" rev-parse HEAD >/dev/null 2>&1 || skip "$src is not a git checkout"

t=$(mktemp -d "${TMPDIR:-/tmp}/lingrad-perf-history.XXXXXX")
trap 'rm -rf "$t"' EXIT
repo=$t/repo
mkdir "$repo"
git -C "$src" archive HEAD | tar -x -C "$repo"
export LINGRAD_REV_CACHE=$t/cache LINGRAD_BENCH_CLASS=e2e-test
g() { git -C "$repo" -c user.name=test -c user.email=test@example.invalid "$@"; }
g init -q -b main
g add -A && g commit -qm "c1: lingrad as it is"
echo "history test: an unrelated edit" >>"$repo/README.md"
g commit -qam "c1b: README edit"
"$py" - "$repo/kernels/avx2.c" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
loop = '''
/* The regression bench-history must find: the fused entry as a scalar loop. */
__attribute__((optimize("no-tree-vectorize")))
static lg_mse_sums mse_f32_plain(const float *x, const float *y, size_t n, float w, float b)
{
    lg_mse_sums s = {0.0, 0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        float r = w * x[i] + b - y[i];
        s.r += r;
        s.rx += (double)r * x[i];
        s.rr += (double)r * r;
    }
    (void)mse_f32;
    return s;
}

const lg_kernels lg_kernels_avx2 = {'''
assert s.count("const lg_kernels lg_kernels_avx2 = {") == 1 and s.count(".mse = mse_f32,") == 1
s = s.replace("const lg_kernels lg_kernels_avx2 = {", loop.lstrip("\n"), 1)
open(p, "w").write(s.replace(".mse = mse_f32,", ".mse = mse_f32_plain,", 1))
EOF
g commit -qam "c2: avx2 fused f32 as a scalar loop"
echo "history test: another unrelated edit" >>"$repo/README.md"
g commit -qam "c3: README edit"
c1=$(g rev-parse HEAD~3) c2=$(g rev-parse HEAD~1) c3=$(g rev-parse HEAD)

out=$t/history
"$py" "$src/tools/bench_history.py" "$c1..$c3" --repo "$repo" --out "$out" | tee "$t/history.log"
hist=$out/e2e-test.jsonl
[ "$(wc -l <"$hist")" -eq 4 ] || { echo "FAIL: expected 4 history lines"; cat "$hist"; exit 1; }
for m in instructions_per_element_avx2_f32 simd_scalar_over_avx2_instructions_f32; do
  grep -q "e2e-test: $m: step at ${c2:0:7} " "$t/history.log" ||
    { echo "FAIL: no step at c2 (${c2:0:7}) in $m"; exit 1; }
done
[ -s "$out/index.html" ] && [ -s "$out/e2e-test/instructions_per_element_avx2_f32.png" ] ||
  { echo "FAIL: no report"; exit 1; }
grep -q "${c2:0:7}" "$out/index.html" || { echo "FAIL: the page does not name c2"; exit 1; }
if grep "step at" "$t/history.log" | grep -q "_f64"; then
  echo "FAIL: a step in an f64 metric, which c2 does not touch"; exit 1
fi

# A re-run of one commit replaces its line (bounded growth), in commit order.
"$py" "$src/tools/bench_history.py" "$c2" --repo "$repo" --out "$out" --no-report >/dev/null
[ "$(wc -l <"$hist")" -eq 4 ] || { echo "FAIL: a re-run added a line"; exit 1; }
[ "$("$py" -c 'import json,sys; print(" ".join(json.loads(l)["commit"] for l in open(sys.argv[1])))' "$hist")" \
  = "$c1 $(g rev-parse HEAD~2) $c2 $c3" ] || { echo "FAIL: lines not in commit order"; exit 1; }

state() { g rev-parse HEAD; g symbolic-ref HEAD; g status --porcelain; g worktree list --porcelain | grep "^worktree" | grep -v "$LINGRAD_REV_CACHE/[0-9a-f]\{40\}/src$" || true; }
before=$(state)
"$py" "$src/tools/bench_bisect.py" "$c1" "$c3" instructions_per_element_avx2_f32 --repo "$repo" | tee "$t/bisect.log"
grep -q "first bad commit: $c2 " "$t/bisect.log" || { echo "FAIL: bench-bisect did not name c2 ($c2)"; exit 1; }
[ "$(state)" = "$before" ] || { echo "FAIL: the repository changed:"; diff <(echo "$before") <(state); exit 1; }
if g bisect log >/dev/null 2>&1; then echo "FAIL: a bisection is left open"; exit 1; fi

# SIGTERM while git bisect runs (building c2: its build is dropped first): the
# repository is as it was, no worktree or bisection is left behind.
for c in "$c2" "$(g rev-parse HEAD~2)"; do
  "$py" -c 'import sys; sys.path.insert(0, sys.argv[1]); import rev_build; rev_build.drop(sys.argv[2], sys.argv[3])' \
    "$src/tools" "$c" "$repo"; done
before=$(state)
"$py" "$src/tools/bench_bisect.py" "$c1" "$c3" instructions_per_element_avx2_f32 --repo "$repo" >"$t/term.log" 2>&1 &
pid=$!
for _ in $(seq 600); do [ -d "$LINGRAD_REV_CACHE/$c2/src" ] && break; sleep 0.1; done
sleep 1
kill -TERM "$pid"
rc=0; wait "$pid" || rc=$?
[ "$rc" -eq 130 ] && grep -q "interrupted; the repository is as it was" "$t/term.log" ||
  { echo "FAIL: interrupted bench-bisect exited $rc"; cat "$t/term.log"; exit 1; }
[ "$(state)" = "$before" ] || { echo "FAIL: SIGTERM left the repository changed:"; diff <(echo "$before") <(state); exit 1; }
if g bisect log >/dev/null 2>&1; then echo "FAIL: SIGTERM left a bisection open"; exit 1; fi
ls -d "$LINGRAD_REV_CACHE"/bisect-* 2>/dev/null && { echo "FAIL: SIGTERM left the bisect worktree"; exit 1; }

# Nothing to bisect between two commits of equal counts.
if "$py" "$src/tools/bench_bisect.py" "$c2" "$c3" instructions_per_element_avx2_f32 --repo "$repo" >"$t/none.log"; then
  echo "FAIL: bench-bisect named a commit between equal counts"; exit 1
fi
grep -q "nothing to bisect" "$t/none.log" || { echo "FAIL: no 'nothing to bisect'"; cat "$t/none.log"; exit 1; }
echo "test_perf_history: ok"
