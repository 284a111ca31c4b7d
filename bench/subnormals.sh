#!/usr/bin/env bash
# Do subnormal operands slow the kernels down, and does lingrad's flush mode
# (src/exec/fpmode.h) remove that? Rounds of lingrad-rates, interleaved so all three
# settings see the same machine moment: normal data, subnormal data in IEEE
# gradual underflow, and subnormal data in lingrad's mode. Prints each ratio to
# normal data as median (min-max) over the rounds; 1.00 means no slowdown.
#   bench/subnormals.sh [build dir] [rounds] [cpu to pin to]
set -euo pipefail
build=${1:-build} rounds=${2:-8} cpu=${3:-0}
py=$(test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)
raw=$(mktemp); trap 'rm -f "$raw"' EXIT
for r in $(seq "$rounds"); do
  for cfg in "normal off" "subnormal off" "subnormal on"; do
    set -- $cfg
    taskset -c "$cpu" "$build/lingrad-rates" --n 4096 --kernels mse,axpb,axpy,sum --reps 3 \
      --batch-ms 10 --values "$1" --ftz "$2" | grep '^| [a-z]' | sed "s/^/$r $1-$2 /"
  done
done >"$raw"
"$py" - "$raw" <<'PY'
import collections, statistics, sys
cells = collections.defaultdict(dict)
names = None
for line in open(sys.argv[1]):
    r, cfg, rest = line.split(' ', 2)
    c = [x.strip() for x in rest.strip().strip('|').split('|')]
    if c[0] == 'kernel':  # lingrad-rates' header row: the ISA columns' names
        names = c[3:-1]
        continue
    cells[(c[0], c[1]), r][cfg] = [float(x.split()[0]) for x in c[3:-1]]
ratios = collections.defaultdict(lambda: collections.defaultdict(list))
for (key, r), cfg in cells.items():
    for i, v in enumerate(cfg['normal-off']):
        ratios[key][i].append((cfg['subnormal-off'][i] / v, cfg['subnormal-on'][i] / v))
width = len(names)
print('| kernel | dtype | ' + ' | '.join(f'{names[i]} IEEE | {names[i]} lingrad' for i in range(width)) + ' |')
print('|---|---|' + '---:|---:|' * width)
fmt = lambda a: f'{statistics.median(a):.2f} ({min(a):.2f}-{max(a):.2f})'
for key in sorted(ratios):
    row = []
    for i in range(width):
        row += [fmt([x[0] for x in ratios[key][i]]), fmt([x[1] for x in ratios[key][i]])]
    print(f'| {key[0]} | {key[1]} | ' + ' | '.join(row) + ' |')
PY
