#!/usr/bin/env bash
# make bench-mpi: lingrad over MPI ranks on this machine, and PyTorch's gloo peer.
#
#   bench/mpi_scaling.sh BUILD_DIR OUTDIR [quick|tiny]
#
# Every lingrad point is one mpirun of BUILD_DIR/lingrad-mpi-scaling (fused f32,
# unless said): per-epoch time over repetitions and the exchange alone.
#   strong  n fixed (10^8; quick 10^7), np = 1 .. nproc, 1 thread per rank
#   weak    n per rank fixed (5*10^7; quick 5*10^6), np = 1 .. nproc
#           (both in ROUNDS rounds, np ascending, then descending, ...: speed-up
#           and efficiency are per round against that round's np = 1, then the median)
#   split   the same cores as 1 rank x 2 threads (A) and 2 ranks x 1 thread (B),
#           at 10^8, 10^7 and 10^5, as PAIRS pairs A B, B A, A B ...: B/A per pair
#   over    np = nproc + 1 at the strong n, labelled oversubscribed (full only)
#   peer    fused and eager at PyTorch's n (10^6, 10^7), np 1 and 2, 1 thread;
#           eager and graph also count their exchanges per epoch
# then lingrad-mpi's --history at np 1 and 2 (cmp), bench/ddp_peer.py (skipped,
# with one line saying why, without torch), and tools/mpi_scaling_report.py and
# tools/plot_mpi_scaling.py: OUTDIR/mpi_scaling.json, .md and .png, and the
# histories compared in OUTDIR/mpi_histories/.
# tiny (for tests/test_mpi_scaling.sh): n = 10^5, 2 repetitions, np 1-2, no torch.
set -euo pipefail
build=${1:?usage: mpi_scaling.sh BUILD_DIR OUTDIR [quick|tiny]}
out=${2:?usage: mpi_scaling.sh BUILD_DIR OUTDIR [quick|tiny]}
size=${3:-full}
py=${LINGRAD_PYTHON:-/usr/bin/python3}
[ -x "$py" ] || py=python3
src=$(cd "$(dirname "$0")/.." && pwd)
die() { echo "bench-mpi: error: $*" >&2; exit 1; }

mpiexec=${MPIEXEC:-$(command -v mpirun || true)}
[ -n "$mpiexec" ] || die "mpirun not found: install MPI (apt-get install openmpi-bin libopenmpi-dev) and rebuild"
bin=$build/lingrad-mpi-scaling
[ -x "$bin" ] || die "$bin is not built: CMake found no MPI when $build was configured (apt-get install libopenmpi-dev, then cmake --preset release)"
[ -x "$build/lingrad-mpi" ] || die "$build/lingrad-mpi is not built"
# root in a container, more ranks than cores, no ptrace for shared memory (NOTES.md)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none

cores=$(nproc)
case $size in
  full) strong=100000000 weak=50000000 split=(100000000 10000000 100000) peer=(1000000 10000000)
        epochs=30 reps=3 rounds=3 pairs=7 over=1 torch=1 ;;
  quick) strong=10000000 weak=5000000 split=(10000000 100000) peer=(1000000)
         epochs=20 reps=3 rounds=2 pairs=3 over=0 torch=1 ;;
  tiny) strong=100000 weak=100000 split=(100000) peer=(100000)
        epochs=10 reps=2 rounds=1 pairs=1 over=0 torch=0 cores=2 ;;
  *) die "unknown size '$size' (quick, tiny, or nothing for the full run)" ;;
esac
mkdir -p "$out"
work=$(mktemp -d /tmp/lingrad-bench-mpi-XXXXXX)
trap 'rm -rf "$work"' EXIT
raw=$work/raw.jsonl
cat /proc/loadavg >"$work/load-start"
read -r load1 _ </proc/loadavg
if awk -v l="$load1" 'BEGIN { exit !(l > 0.5) }'; then
  echo "bench-mpi: note: load average $load1 at the start: something else is running (top);" \
       "the times will be noisy, and the report says so"
fi
head -n 1 /proc/stat >"$work/stat-start" # the hypervisor's steal over the run, for the record
start=$(date +%s)

# point SCENARIO ROUND NP THREADS N [more options]: one mpirun, its JSON row
# wrapped with the scenario and round. A failure stops the run (set -e).
point() {
  local scenario=$1 round=$2 np=$3 threads=$4 n=$5
  shift 5
  local row load1 _
  read -r load1 _ </proc/loadavg # another job's load shows here (the report keeps it)
  row=$(timeout 900 "$mpiexec" -np "$np" "$bin" --size "$n" --threads "$threads" --epochs "$epochs" \
    --reps "$reps" --label "$scenario" "$@") || die "$scenario np=$np threads=$threads n=$n failed (above)"
  printf '{"scenario":"%s","round":%d,"load1":%s,"row":%s}\n' "$scenario" "$round" "$load1" "$row" >>"$raw"
  "$py" -c 'import json,sys; r=json.loads(sys.argv[1]); print("  %-60s %12.1f us/epoch (%.1f-%.1f), exchange %.2f us x %g" % (r["name"], r["epoch_us"], r["epoch_us_min"], r["epoch_us_max"], r["exchange_us"], r["exchanges_per_epoch"]))' "$row"
}

# order ROUND: np = 1 .. cores, reversed in even rounds (a steady drift cancels)
order() { if (($1 % 2)); then seq 1 "$cores"; else seq "$cores" -1 1; fi; }

echo "== [1/5] strong scaling: n = $strong, np = 1..$cores, $rounds rounds"
for ((r = 1; r <= rounds; r++)); do
  for np in $(order "$r"); do point strong "$r" "$np" 1 "$strong"; done
done
if ((over)); then
  echo "   oversubscribed: np = $((cores + 1)) on $cores cores"
  point over 1 $((cores + 1)) 1 "$strong"
fi

echo "== [2/5] weak scaling: n = $weak per rank, np = 1..$cores, $rounds rounds"
for ((r = 1; r <= rounds; r++)); do
  for np in $(order "$r"); do point weak "$r" "$np" 1 $((weak * np)); done
done

echo "== [3/5] 1 rank x 2 threads (A) against 2 ranks x 1 thread (B), $pairs pairs AB BA ... each"
for n in "${split[@]}"; do
  for ((p = 1; p <= pairs; p++)); do # A B, B A, A B ...: a steady drift cancels
    if ((p % 2)); then
      point split_1x2 "$p" 1 2 "$n"; point split_2x1 "$p" 2 1 "$n"
    else
      point split_2x1 "$p" 2 1 "$n"; point split_1x2 "$p" 1 2 "$n"
    fi
  done
done

echo "== [4/5] lingrad at PyTorch's n, and its history over 1 and 2 ranks"
for n in "${peer[@]}"; do
  for mode in fused eager; do
    for np in 1 2; do point "peer" 1 "$np" 1 "$n" --mode "$mode"; done
  done
done
point exchanges 1 2 1 "${peer[0]}" --mode graph
hist_n=${peer[-1]}
hist=$out/mpi_histories # kept beside the results, so the identity claims can be re-checked
mkdir -p "$hist"
for np in 1 2; do
  timeout 900 "$mpiexec" -np "$np" "$build/lingrad-mpi" train --size "$hist_n" --dtype f32 --threads 1 \
    --epochs 50 --tol 0 --every 0 --history "$hist/lingrad-mpi-np$np-n$hist_n.csv" >/dev/null ||
    die "lingrad-mpi train --history at np=$np failed"
done
if cmp -s "$hist/lingrad-mpi-np1-n$hist_n.csv" "$hist/lingrad-mpi-np2-n$hist_n.csv"; then same=true; else same=false; fi
echo "  lingrad-mpi train n=$hist_n, 50 epochs: np 1 and 2 histories byte-identical: $same"

echo "== [5/5] PyTorch gloo peer (bench/ddp_peer.py), then the report"
torch_why=""
if ((!torch)); then
  torch_why="not run in $size mode"
elif ! why=$("$py" -c 'import torch.distributed, torch.multiprocessing' 2>&1); then
  torch_why="$py cannot import torch: ${why##*$'\n'} (apt-get install python3-torch)"
else
  sizes=$(IFS=,; echo "${peer[*]}")
  "$py" "$src/bench/ddp_peer.py" "$work/ddp_peer.json" --sizes "$sizes" --worlds 1,2 --epochs 50 \
    --histories "$hist" || die "bench/ddp_peer.py failed (above)"
fi
[ -z "$torch_why" ] || echo "  PyTorch peer skipped: $torch_why"
cat /proc/loadavg >"$work/load-end"
head -n 1 /proc/stat >"$work/stat-end"
"$py" "$src/tools/mpi_scaling_report.py" "$work" "$out" --mpiexec "$mpiexec" --histories "$hist" \
  --size "$size" --seconds $(($(date +%s) - start)) --lingrad-history "$hist_n:$same" \
  --torch-skipped "$torch_why"
"$py" "$src/tools/plot_mpi_scaling.py" "$out/mpi_scaling.json" "$out/mpi_scaling.png" ||
  die "tools/plot_mpi_scaling.py failed (matplotlib missing? apt-get install python3-matplotlib)"
echo "Written to $out/: mpi_scaling.json, mpi_scaling.md, mpi_scaling.png, mpi_histories/ ($(($(date +%s) - start)) s)"
