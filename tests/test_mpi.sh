#!/usr/bin/env bash
# lingrad-mpi over 1-4 ranks (oversubscribed: more ranks than cores) gives the
# history of one `lingrad train` process byte for byte, in every mode,
# f32 and f64, 1 and 2 threads per rank; bad runs end every rank with one line.
#
#   test_mpi.sh path/to/lingrad path/to/lingrad-mpi MPIEXEC
set -u
lingrad=${1:?usage: test_mpi.sh lingrad lingrad-mpi mpiexec}
mpi=${2:?usage: test_mpi.sh lingrad lingrad-mpi mpiexec}
mpiexec=${3:?usage: test_mpi.sh lingrad lingrad-mpi mpiexec}
tmp=$(mktemp -d /tmp/lingrad-test-mpi-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
# root in a container, more ranks than cores, no ptrace for shared memory (NOTES.md)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1 OMPI_MCA_btl_vader_single_copy_mechanism=none
run_mpi() { local np=$1; shift; timeout 120 "$mpiexec" -np "$np" "$mpi" "$@"; }

common=(--epochs 15 --tol 0 --every 0)
checks=0
# n = 4098: three blocks, the last of 2 elements (3 ranks at most);
# n = 100003: many blocks, odd n
for n in 4098 100003; do
  for dt in f32 f64; do
    for mode in fused eager graph; do
      "$lingrad" train --size "$n" --dtype "$dt" --mode "$mode" "${common[@]}" --threads 1 \
        --history "$tmp/want.csv" >/dev/null || fail "lingrad train n=$n $dt $mode"
      for np in 1 2 3 4; do
        [ "$n" -eq 4098 ] && [ "$np" -gt 3 ] && continue
        for threads in 1 2; do
          [ "$threads" -eq 2 ] && [ "$np" -ne 2 ] && continue # keep oversubscribed runs few
          run_mpi "$np" train --size "$n" --dtype "$dt" --mode "$mode" "${common[@]}" \
            --threads "$threads" --history "$tmp/got.csv" >"$tmp/out" 2>&1 ||
            fail "np=$np n=$n $dt $mode threads=$threads: exit $?: $(cat "$tmp/out")"
          cmp -s "$tmp/want.csv" "$tmp/got.csv" ||
            fail "np=$np n=$n $dt $mode threads=$threads: the history differs from lingrad train's"
          checks=$((checks + 1))
        done
      done
    done
  done
done
echo "ok  $checks runs over 1-4 ranks: histories byte-identical to lingrad train"

# Only rank 0 prints: the same final line as one process, once.
want=$("$lingrad" train --size 100003 --every 5 --threads 1)
got=$(run_mpi 3 train --size 100003 --every 5 --threads 1) || fail "np=3 printout: exit $?"
[ "$got" = "$want" ] || fail "np=3 printout differs from lingrad train's: $got"
echo "ok  rank 0 alone prints, the same lines as one process"

# Bad runs: every rank ends, non-zero, with one lingrad line (mpirun adds its own).
refuse() {
  local what=$1 want=$2; shift 2
  run_mpi "$@" >"$tmp/out" 2>&1 && fail "$what: exit 0"
  local lines
  lines=$(grep -c '^lingrad: error: ' "$tmp/out")
  [ "$lines" -eq 1 ] || fail "$what: want one lingrad error line, got: $(cat "$tmp/out")"
  grep -q "^lingrad: error: $want" "$tmp/out" || fail "$what: $(grep '^lingrad' "$tmp/out")"
  echo "ok  $what: $(grep '^lingrad' "$tmp/out")"
}
refuse "more ranks than blocks" "rank 0: 4 ranks for n = 4098" 4 train --size 4098
refuse "--data" "--data: lingrad-mpi trains on generated data" 2 train --data x.csv
refuse "a bad option" "unknown option '--nope'" 2 train --nope 1
refuse "not train" "lingrad-mpi runs one command, train" 2 gen --out x.csv
echo "test_mpi: all checks passed"
