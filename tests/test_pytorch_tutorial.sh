#!/usr/bin/env bash
# bench/pytorch_tutorial.py on small data, as bench/run.sh calls it: every row
# it promises is there, the jit_script rows say whether PyTorch's fuser ran, and
# the scripted loss trains as the eager one does. Skipped (77) without torch.
# No timing is asserted.
set -u
bin=${1:?usage: test_pytorch_tutorial.sh path/to/lingrad [python]}
python=${2:-/usr/bin/python3}
src=$(cd "$(dirname "$0")/.." && pwd)
if ! "$python" -c 'import torch' 2>/dev/null; then
  echo "skipped: $python cannot import torch (apt-get install python3-torch)"
  exit 77
fi
tmp=$(mktemp -d /tmp/lingrad-test-pytorch-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$bin" gen --out "$tmp/n100.csv" || fail "lingrad gen"
"$bin" gen --size 1000 --dtype f32 --out "$tmp/n1000.npy" || fail "lingrad gen --size 1000"
read -r w0 b0 < <("$bin" gen --print-init)
"$python" "$src/bench/pytorch_tutorial.py" "$tmp/pytorch.json" --data100 "$tmp/n100.csv" --init "$w0" "$b0" \
  --data "1000=$tmp/n1000.npy" --threads 1 || fail "pytorch_tutorial.py exited non-zero"
"$python" - "$tmp/pytorch.json" <<'PY' || exit 1
import json, sys
d = json.load(open(sys.argv[1]))
ctx, rows = d["context"], {r["name"]: r for r in d["benchmarks"]}
want = [f"pytorch/tutorial/{l}/n:100" for l in ("as_written", "no_grad", "jit_script")]
want += ["pytorch/epoch/no_grad/f32/n:1000", "pytorch/epoch/jit_script/f32/n:1000", "numpy/epoch/f32/n:1000"]
assert sorted(rows) == sorted(want), f"rows: {sorted(rows)}"
fuser = ctx.get("pytorch_jit_fuser", "")
assert fuser.startswith(("nnc", "unavailable (", "on, but")), f"pytorch_jit_fuser: {fuser!r}"
for name, r in rows.items():
    assert r["real_time"] > 0 and r["cv"] >= 0, r
    assert ("jit_script" in name) == ("label" in r), f"{name}: label {r.get('label')!r}"
    assert "label" not in r or r["label"] == f"fuser: {fuser}", r
eager, jit = rows[want[1]], rows[want[2]]
# a fused loss may round differently, hence the tolerances
assert abs(jit["epochs"] - eager["epochs"]) <= 1 and eager["epochs"] < 500, (eager, jit)
assert abs(jit["w"] - eager["w"]) < 1e-6 and abs(jit["b"] - eager["b"]) < 1e-6, (eager, jit)
print(f"pytorch.json ok: {len(rows)} rows; fuser: {fuser}")
PY
echo "test_pytorch_tutorial: all checks passed"
