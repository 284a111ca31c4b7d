#!/usr/bin/env bash
# make bench / make bench-quick: the tutorial, the Google Benchmark suite, the
# tutorial's own PyTorch loop when PyTorch is installed, then a summary and plots.
#
#   bench/run.sh BUILD_DIR [quick]
#
# Writes results/<host>-<date>[-quick]/: lingrad.json (Google Benchmark JSON with
# the machine context), graph_setup.json (graph mode's one-time planning and
# compiling), pytorch.json, summary.md, *.png, the tutorial's log and plots.
set -euo pipefail
build=${1:-build}
quick=${2:-}
py=${LINGRAD_PYTHON:-/usr/bin/python3}
[ -x "$py" ] || py=python3
out=${LINGRAD_RESULTS:-results/$(hostname -s)-$(date -u +%Y-%m-%d)${quick:+-quick}}
mkdir -p "$out"
flags=(--benchmark_min_time=0.05 --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true)
[ -n "$quick" ] && flags=(--quick --benchmark_min_time=0.05 --benchmark_repetitions=1)
steps=5

echo "== [1/$steps] the tutorial: $build/lingrad train (defaults)"
plot=(--plot "$out/tutorial")
"$py" -c 'import matplotlib' 2>/dev/null || { plot=(); echo "(no matplotlib: plots skipped)"; }
"$build/lingrad" train --history "$out/tutorial-history.csv" ${plot[@]+"${plot[@]}"} | tail -n 3 | tee "$out/tutorial.txt"

echo "== [2/$steps] $build/lingrad-bench ${flags[*]}: one line per benchmark"
"$build/lingrad-bench" "${flags[@]}" --benchmark_out="$out/lingrad.json" --benchmark_out_format=json

# Its own processes: the JIT reads LINGRAD_CACHE_DIR once per process, and a cold
# compile needs a process and a cache that have never compiled the plan.
echo "== [3/$steps] graph mode's one-time costs: cold compile, cache hit, planning alone"
"$py" bench/jit_setup.py "$build" "$out/graph_setup.json" --reps "$([ -n "$quick" ] && echo 3 || echo 5)"

echo "== [4/$steps] PyTorch side by side"
if "$py" -c 'import torch' 2>/dev/null; then
  data="$out/data"
  mkdir -p "$data"
  "$build/lingrad" gen --out "$data/n100.csv"                  # the tutorial's data, seed 42
  read -r w0 b0 < <("$build/lingrad" gen --print-init)
  # .npy, as a numpy user holds data: np.load and torch.from_numpy read it in
  # well under a second at 10^8, where CSV would take minutes
  sizes=(10000 1000000 100000000)
  [ -n "$quick" ] && sizes=(10000 1000000)
  args=()
  for n in "${sizes[@]}"; do
    "$build/lingrad" gen --size "$n" --dtype f32 --out "$data/n$n.npy"
    args+=(--data "$n=$data/n$n.npy")
  done
  "$py" bench/pytorch_tutorial.py "$out/pytorch.json" --data100 "$data/n100.csv" --init "$w0" "$b0" \
    "${args[@]}" --threads "$(nproc)" --epoch-times "$out/pytorch_epoch_times.csv"
  rm -rf "$data"
  echo "PyTorch and numpy timed: $out/pytorch.json"
else
  echo "PyTorch skipped: $py cannot import torch (apt-get install python3-torch)"
fi

echo "== [5/$steps] summary and plots"
"$py" tools/bench_report.py "$out"
echo
echo "Written to $out/"
