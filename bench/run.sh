#!/usr/bin/env bash
# make bench (for now): reproduce the tutorial and time training per epoch.
# The Google Benchmark suite (scalar vs SIMD vs threads, roofline, PyTorch side
# by side) replaces this in a later release.
set -euo pipefail
bin=${1:-build/lingrad}
out=${LINGRAD_RESULTS:-results/tutorial}
mkdir -p "$out"

echo "== the tutorial: lingrad train (w=0.3, b=0.5, size=100, noise=0.01, lr=0.1, 500 epochs, tol 5e-5)"
plot=(--plot "$out/tutorial")
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null || { plot=(); echo "(no matplotlib: plots skipped)"; }
"$bin" train --history "$out/history.csv" ${plot[@]+"${plot[@]}"} | tee "$out/train.txt"

# Per-epoch time: median of 5 runs of a fixed number of epochs (tol 0, so every
# run does the same work), from --timing's report.
per_epoch() {
  local runs=() i
  for i in 1 2 3 4 5; do
    runs+=("$("$bin" train --every 0 --tol 0 --timing "$@" 2>&1 >/dev/null | sed -n 's/.*: \([0-9.]*\) us\/epoch.*/\1/p')")
  done
  printf '%s\n' "${runs[@]}" | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f (%.3f-%.3f)", v[3], v[1], v[5] }'
}

echo
best=$("$bin" info | sed -n 's/^chosen: *\([a-z0-9]*\).*/\1/p')
echo "== time per epoch, 1 thread, scalar and $best kernels: median (min-max) of 5 runs, microseconds"
{
  cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)
  echo "Machine: ${cpu:-unknown CPU}, $(nproc) CPUs; $("$bin" info | sed -n 2p | tr -s " "); $(date -u +%Y-%m-%d)."
  echo "Command: make bench (bench/run.sh). Each run: --tol 0, 5000 epochs at n=100, 50 at n=10^6."
  echo
  echo "| n | dtype | kernels | fused | eager |"
  echo "|---:|---|---|---:|---:|"
  for n in 100 1000000; do
    epochs=$([ "$n" -le 1000 ] && echo 5000 || echo 50)
    for dt in f64 f32; do
      for isa in scalar "$best"; do
        echo "| $n | $dt | $isa | $(per_epoch --size "$n" --epochs "$epochs" --dtype "$dt" --mode fused --isa "$isa") | $(per_epoch --size "$n" --epochs "$epochs" --dtype "$dt" --mode eager --isa "$isa") |"
      done
    done
  done
} | tee "$out/timings.md"
echo
echo "Written to $out/. The Google Benchmark suite (SIMD, threads, roofline, PyTorch) is coming."
