#!/usr/bin/env bash
# bench/mpi_scaling.sh (make bench-mpi) in its tiny mode, as a test: n = 10^5,
# 2 repetitions, np 1-2, no PyTorch. The JSON parses and holds every row the
# driver promises, each with a positive epoch and exchange time, and the table
# and the figure are written. No timing is asserted. Skipped (77) without
# matplotlib, which the figure needs.
#
#   test_mpi_scaling.sh BUILD_DIR MPIEXEC PYTHON
set -u
build=${1:?usage: test_mpi_scaling.sh BUILD_DIR MPIEXEC PYTHON}
mpiexec=${2:?usage: test_mpi_scaling.sh BUILD_DIR MPIEXEC PYTHON}
python=${3:-/usr/bin/python3}
src=$(cd "$(dirname "$0")/.." && pwd)
if ! "$python" -c 'import matplotlib' 2>/dev/null; then
  echo "skipped: $python cannot import matplotlib (apt-get install python3-matplotlib)"
  exit 77
fi
tmp=$(mktemp -d /tmp/lingrad-test-mpi-scaling-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

MPIEXEC=$mpiexec LINGRAD_PYTHON=$python timeout 300 "$src/bench/mpi_scaling.sh" "$build" "$tmp/out" tiny \
  >"$tmp/log" 2>&1 || fail "bench/mpi_scaling.sh tiny exited non-zero: $(tail -n 20 "$tmp/log")"
for f in mpi_scaling.json mpi_scaling.md mpi_scaling.png; do
  [ -s "$tmp/out/$f" ] || fail "$f not written"
done
for np in 1 2; do
  [ -s "$tmp/out/mpi_histories/lingrad-mpi-np$np-n100000.csv" ] || fail "lingrad-mpi's np=$np history not kept"
done
grep -q 'PyTorch peer skipped: not run in tiny mode' "$tmp/log" || fail "no line saying the peer was skipped"

"$python" - "$tmp/out/mpi_scaling.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
for k in ("machine", "nproc", "mpi_version", "lingrad_git_sha", "date"):
    assert d["context"].get(k) not in (None, "", "?"), f"context.{k}: {d['context'].get(k)!r}"
runs = [r for r in d["benchmarks"] if r.get("run_type") == "iteration"]
names = {r["name"] for r in runs}
n = 100000
want = {f"lingrad_mpi/strong/fused/f32/np:{p}/threads:1/n:{n}/round:1" for p in (1, 2)}
want |= {f"lingrad_mpi/weak/fused/f32/np:{p}/threads:1/n:{n * p}/round:1" for p in (1, 2)}
want |= {f"lingrad_mpi/split_1x2/fused/f32/np:1/threads:2/n:{n}/pair:1",
         f"lingrad_mpi/split_2x1/fused/f32/np:2/threads:1/n:{n}/pair:1",
         f"lingrad_mpi/exchanges/graph/f32/np:2/threads:1/n:{n}"}
want |= {f"lingrad_mpi/peer/{m}/f32/np:{p}/threads:1/n:{n}" for m in ("fused", "eager") for p in (1, 2)}
assert names == want, f"rows: missing {sorted(want - names)}, unexpected {sorted(names - want)}"
for r in runs:
    assert r["epoch_us"] > 0 and r["exchange_us"] > 0, f"{r['name']}: {r['epoch_us']}, {r['exchange_us']}"
    assert r["time_unit"] == "us" and r["real_time"] == r["epoch_us"], r["name"]
    assert len(r["epoch_us_reps"]) == 2 and r["repetitions"] == 2, r["name"]
    assert r["epoch_us_min"] <= r["epoch_us"] <= r["epoch_us_max"], r["name"]
    # fused does one exchange per epoch; eager and graph more: counted, never assumed
    assert (r["exchanges_per_epoch"] == 1) == (r["mode"] == "fused"), (r["name"], r["exchanges_per_epoch"])
    assert r["w"] == r["w"] and abs(r["w"]) < 10, (r["name"], r["w"])
# every configuration trains to the same bits, whatever the ranks, threads or mode
same_n = {r["w"] for r in runs if r["n"] == n}
assert len(same_n) == 1, f"w differs between configurations at n = {n}: {same_n}"
s = d["summary"]
assert [a["ranks"] for a in s["strong"]] == [1, 2] and all("speedup" in a for a in s["strong"]), s["strong"]
assert [a["ranks"] for a in s["weak"]] == [1, 2] and all("efficiency" in a for a in s["weak"]), s["weak"]
assert len(s["split"]) == 1 and s["split"][0]["pairs"] == 1, s["split"]
assert s["split"][0]["ratio_2x1_over_1x2"]["median"] > 0
assert "skipped" in d["pytorch"], d["pytorch"]
hist = d["history_identity"]
assert len(hist) == 1 and hist[0]["impl"] == "lingrad_mpi" and hist[0]["bitwise_equal"], hist
PY
grep -q '^### Strong scaling' "$tmp/out/mpi_scaling.md" || fail "mpi_scaling.md has no strong scaling table"
echo "test_mpi_scaling: the tiny run wrote every row, the table and the figure"
