#!/usr/bin/env python3
"""The tables of docs/mpi_cost_model.md: what one fused epoch of lingrad-mpi costs
past one machine, as an alpha-beta model of its exchanges against its compute.

    python3 tools/mpi_cost_model.py                 # the doc's tables (HDR InfiniBand)
    python3 tools/mpi_cost_model.py --net tcp100    # the same over 100 GbE with TCP

Pure standard library. Every parameter below says where its number comes from;
docs/mpi_cost_model.md has the citations and the measurement on the dev VM."""
import argparse
import math

# src/exec/parallel.h: the layout depends on n alone.
BLOCK_MIN, BLOCK_MAX, MAX_BLOCKS = 2048, 16384, 1024
PARTIAL_BYTES = 24  # lg_mse_sums: 3 doubles per block (src/dist/mpi_ranks.c)
FUSED_BYTES_PER_ELEMENT = 8  # fused f32 reads x and y once per epoch

# Measured on the dev VM (2 vCPUs, Open MPI 4.1.4, vader without single copy):
# MPI_Allgatherv at np = 2, 24 B to 24 KiB, fitted t = alpha + beta * bytes / 2.
SHM_ALPHA_US, SHM_BETA_NS_PER_B = 0.73, 0.43
# One core reading two float arrays from DRAM on the dev VM (docs/threads.md:
# 33.1 GB/s at 10^8); only binds while a node has fewer ranks than it can feed.
CORE_GBS = 33.0
# A node: 2x EPYC 7601 (64 cores), STREAM Triad 250 GB/s with AMD's own binary
# (AnandTech, Skylake-SP vs EPYC 7000, 2017). Override with --node-gbs/--cores.
NODE_GBS, CORES_PER_NODE = 250.0, 64

# Inter-node networks: (alpha per message in us, beta in ns per byte, label).
# Bandwidth is the link rate less ~4% (osu_bibw reaches ~99% of 100 Gb/s,
# open-mpi/ompi#3216); alpha is osu_latency's ~1 us. No source was found for
# TCP over 100 GbE: its row is an assumption, to show the shape.
NETS = {
    'hdr': (1.0, 1 / 24.0, 'InfiniBand HDR (200 Gb/s)'),
    'ndr': (1.0, 1 / 48.0, 'InfiniBand NDR (400 Gb/s)'),
    'tcp100': (15.0, 1 / 10.0, '100 GbE, TCP (assumed)'),
}


def ceil_div(a, b):
    return -(-a // b)


def blocks_of(n):
    """lg_blocks_of: (block length, block count)."""
    length = ceil_div(ceil_div(n, 64), 64) * 64
    length = min(max(length, BLOCK_MIN), BLOCK_MAX)
    if ceil_div(n, length) > MAX_BLOCKS:
        length = ceil_div(ceil_div(n, MAX_BLOCKS), 64) * 64
    return length, ceil_div(n, length)


def ranks_max(n, length, count):
    """lg_ranks_max: a last block of one element goes with the one before it."""
    return count - (count > 1 and n - (count - 1) * length < 2)


def largest_share(n, length, count, ranks):
    """(blocks, elements) of the rank that holds the most elements, as lg_ranks_share
    splits them: the slowest rank sets the epoch."""
    runs = ranks_max(n, length, count)
    best = (0, 0)
    for r in range(ranks):
        first = runs * r // ranks
        last = count if r + 1 == ranks else runs * (r + 1) // ranks
        elems = min(last * length, n) - first * length
        best = max(best, (last - first, elems), key=lambda t: t[1])
    return best


def ompi_allgatherv_alg(ranks, total_bytes):
    """coll/tuned's fixed decision in Open MPI v4.1.4
    (ompi/mca/coll/tuned/coll_tuned_decision_fixed.c), on bytes per rank."""
    s = total_bytes // ranks
    def pick(table, last):
        for limit, alg in table:
            if s < limit:
                return alg
        return last
    if ranks == 2:
        alg = pick([(2048, 3), (4096, 5), (8192, 3)], 5)
    elif ranks < 8:
        alg = pick([(256, 1), (4096, 4), (8192, 3), (16384, 4), (262144, 2)], 4)
    elif ranks < 16:
        alg = pick([(1024, 1)], 2)
    elif ranks < 32:
        alg = pick([(128, 1), (262144, 2)], 3)
    elif ranks < 64:
        alg = pick([(256, 1), (8192, 2)], 3)
    elif ranks < 128:
        alg = pick([(256, 1), (4096, 2)], 3)
    elif ranks < 256:
        alg = pick([(1024, 2), (65536, 4)], 3)
    elif ranks < 512:
        alg = pick([(1024, 2)], 3)
    elif ranks < 1024:
        alg = pick([(512, 2), (1024, 1), (4096, 2), (1048576, 4)], 3)
    else:
        alg = pick([(4096, 2)], 4)
    return {1: 'gatherv+bcast', 2: 'Bruck', 3: 'ring', 4: 'neighbor', 5: 'two-proc'}[alg]


def stages(ranks, per_node):
    """log-round stages of Bruck / recursive doubling, split into those whose
    partner is on the same node (distance < ranks per node) and the rest."""
    total = math.ceil(math.log2(ranks)) if ranks > 1 else 0
    inside = total if ranks <= per_node else min(total, int(math.log2(per_node)))
    return inside, total - inside


def t_gather_us(ranks, blocks_total, p, net):
    """One Allgatherv of every block's partials: alpha per stage plus beta per byte.
    Past one node the node's ranks share its NIC: P ranks each pull the blocks of
    the R - P ranks elsewhere through it."""
    a_net, b_net, _ = net
    m = PARTIAL_BYTES * blocks_total
    s_in, s_out = stages(ranks, p)
    local = min(ranks, p)
    t = s_in * SHM_ALPHA_US + s_out * a_net
    t += SHM_BETA_NS_PER_B * m * (local - 1) / ranks / 1e3
    if ranks > p:
        t += b_net * p * m * (ranks - p) / ranks / 1e3
    return t


# A fused epoch's votes: the one that opens its exchange, and the stop vote
# (every collective begins with a vote: src/dist/mpi_ranks.c).
VOTES_PER_EPOCH = 2


def t_vote_us(ranks, p, net):
    """One vote (two ints, MPI_MIN). v4.1.4 runs it as recursive
    doubling below 128 ranks (ring falls back to it for count < ranks) and as
    reduce + bcast from 128 on: twice the stages."""
    s_in, s_out = stages(ranks, p)
    t = s_in * SHM_ALPHA_US + s_out * net[0]
    return 2 * t if ranks >= 128 else t


def t_hier_us(ranks, blocks_total, p, net):
    """A node-level gather first: the node's ranks gather to a leader through
    shared memory, leaders exchange, each leader hands all partials back."""
    if ranks <= p:
        return t_gather_us(ranks, blocks_total, p, net)
    m = PARTIAL_BYTES * blocks_total
    nodes = ceil_div(ranks, p)
    intra = math.ceil(math.log2(p)) * SHM_ALPHA_US + SHM_BETA_NS_PER_B * m / 1e3
    inter = math.ceil(math.log2(nodes)) * net[0] + net[1] * m * (nodes - 1) / nodes / 1e3
    return 2 * intra + inter


def t_comp_us(elems, ranks, node_gbs, p):
    gbs = min(CORE_GBS, node_gbs / min(ranks, p))
    return elems * FUSED_BYTES_PER_ELEMENT / gbs / 1e3


def row(n, ranks, node_gbs, p, net, blocks_total=None, hier=False):
    """(compute, communication) of one fused epoch in µs, on the real layout or,
    given blocks_total, on a layout of that many blocks shared evenly."""
    length, count = blocks_of(n)
    if blocks_total is None:
        _, elems = largest_share(n, length, count, ranks)
    else:
        elems, count = ceil_div(n, ranks), blocks_total
    gather = (t_hier_us if hier else t_gather_us)(ranks, count, p, net)
    return t_comp_us(elems, ranks, node_gbs, p), gather + VOTES_PER_EPOCH * t_vote_us(ranks, p, net)


def crossover(n, node_gbs, p, net, hier):
    """(last R below, first R at or above) where communication reaches compute,
    over powers of two, were the block cap lifted so that every rank keeps a
    block of its own (blocks = max(layout, R))."""
    _, count = blocks_of(n)
    for k in range(1, 31):
        r = 1 << k
        comp, comm = row(n, r, node_gbs, p, net, max(count, r), hier)
        if comm >= comp:
            return r // 2, r
    return None


def fmt_us(v):
    return f'{v:,.1f}' if v < 100 else f'{v:,.0f}'


def checks():
    """The model against published OSU runs, with those runs' own parameters."""
    opa = (1.0, 1 / 12.5, 'Omni-Path 100 Gb/s')
    ag = t_gather_us(44, 44 * 512 / PARTIAL_BYTES, 22, opa)  # 22,528 B in all
    hdr100 = (1.0, 1 / 12.0, 'HDR100')
    s_in, s_out = stages(512, 128)
    ar = s_in * SHM_ALPHA_US + s_out * hdr100[0]
    print(f'- Allgather of 512 B per rank, 44 ranks on 2 nodes of 22, Omni-Path, Open MPI '
          f'v4.1.x (open-mpi/ompi#10347): model {ag:.1f} µs, measured 37.90 µs.')
    print(f'- Allreduce of 1 B, 512 ranks on 4 nodes of 128, HDR100, HCOLL '
          f'(openucx/ucc#981): model (recursive doubling) {ar:.1f} µs, measured 7.98 µs.')


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--net', choices=sorted(NETS), default='hdr')
    ap.add_argument('--node-gbs', type=float, default=NODE_GBS)
    ap.add_argument('--cores', type=int, default=CORES_PER_NODE, help='ranks per node')
    args = ap.parse_args()
    net, p, node_gbs = NETS[args.net], args.cores, args.node_gbs
    ns = (10**8, 10**9)
    rs = [1 << k for k in range(1, 11)]

    print(f'Parameters: {net[2]}, alpha {net[0]} µs, {1 / net[1]:.0f} GB/s; shared memory '
          f'alpha {SHM_ALPHA_US} µs, {1 / SHM_BETA_NS_PER_B:.1f} GB/s; {p} ranks per node, '
          f'{node_gbs:.0f} GB/s per node, at most {CORE_GBS:.0f} GB/s per rank.')
    print()
    for n in ns:
        length, count = blocks_of(n)
        print(f'- n = 10^{round(math.log10(n))}: {count:,} blocks of {length:,} elements, at most '
              f'{ranks_max(n, length, count):,} ranks.')
    print()
    print('| R | nodes | blocks/rank | sent B | received B | v4.1.4 picks | Allgatherv µs '
          '| vote µs |')
    print('|---:|---:|---:|---:|---:|---|---:|---:|')
    length, count = blocks_of(ns[0])
    m = PARTIAL_BYTES * count
    for r in rs:
        own, _ = largest_share(ns[0], length, count, r)
        cells = [f'{r:,}', f'{ceil_div(r, p)}', f'{own}', f'{PARTIAL_BYTES * own:,}',
                 f'{m - PARTIAL_BYTES * own:,}', ompi_allgatherv_alg(r, m),
                 fmt_us(t_gather_us(r, count, p, net)), fmt_us(t_vote_us(r, p, net))]
        print('| ' + ' | '.join(cells) + ' |')
    print()
    print('| R | 10^8 compute µs | 10^8 comm µs | 10^8 E | 10^8 speed-up '
          '| 10^9 compute µs | 10^9 comm µs | 10^9 E | 10^9 speed-up |')
    print('|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
    for r in [1] + rs:
        cells = [f'{r:,}']
        for n in ns:
            one = n * FUSED_BYTES_PER_ELEMENT / CORE_GBS / 1e3
            comp, comm = row(n, r, node_gbs, p, net) if r > 1 else (one, 0.0)
            cells += [fmt_us(comp), fmt_us(comm), f'{comp / (comp + comm):.0%}',
                      f'{one / (comp + comm):.1f}']
        print('| ' + ' | '.join(cells) + ' |')
    print()
    for n in ns:
        _, count = blocks_of(n)
        comp, comm = row(n, 1024, node_gbs, p, net)
        _, hier = row(n, 1024, node_gbs, p, net, hier=True)
        flat, node = crossover(n, node_gbs, p, net, False), crossover(n, node_gbs, p, net, True)
        print(f'- n = 10^{round(math.log10(n))}, R = 1,024: communication {fmt_us(comm)} µs '
              f'({fmt_us(hier)} µs with a node-level gather first), compute {fmt_us(comp)} µs. '
              f'Cap lifted: communication reaches compute between R = {flat[0]:,} and '
              f'{flat[1]:,} ({node[0]:,} and {node[1]:,} with a node-level gather).')
    print()
    print('Checks against published OSU runs, each with that run\'s network, ranks per node '
          'and message:')
    print()
    checks()


if __name__ == '__main__':
    main()
