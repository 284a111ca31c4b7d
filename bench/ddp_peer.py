#!/usr/bin/env python3
"""The tutorial's loop data-parallel in PyTorch (gloo, CPU): the peer of lingrad-mpi.

usage: ddp_peer.py OUT.json [--sizes N,N...] [--worlds 1,2] [--epochs 50] [--warmup 5]
                   [--init W0 B0] [--histories DIR]

For each n (total) and world size, world processes (torch.multiprocessing.spawn,
gloo over tcp://127.0.0.1, torch.set_num_threads(1) each) train y = w*x + b:
every rank makes the same global data (torch.manual_seed(42); x = torch.rand(n);
y = 0.3*x + 0.5 + 0.01*U[-1,1)), float32, and keeps its contiguous 1/world of it;
w and b are float32 leaves starting at W0, B0 (lingrad's initial values by default).
One epoch: loss = mean((w*x + b - y)^2) on the shard, loss.backward(), then ONE
all_reduce(SUM) of the 3-vector [loss, dw, db] divided by world (what DDP does to
gradients, without its buckets and hooks: DDP on a two-scalar model adds only
overhead), then SGD with lr 0.1 under torch.no_grad(). The loss is reduced too, so
the history records the global loss.

Writes Google Benchmark-style rows "pytorch_gloo/np:W/n:N" (real_time: the median
epoch after the warm-up, in µs, the slowest rank's; min and max beside it), the
all_reduce of 3 floats alone (exchange_us: median of 5 batches of 500 calls after
a barrier), each run's history (DIR/ddp-np<W>-n<N>.csv: epoch,loss,w,b with 17
significant digits) and, per n, whether the histories of world sizes 1 and 2 are
bitwise equal (differing epochs and max |dloss|, |dw|, |db|). glibc's malloc is
tuned (GLIBC_TUNABLES, unless set) so that freed buffers are reused, not faulted in
again every epoch.
Exit status 3: torch is not importable (the message says why on stderr).
"""
import argparse
import json
import os
import socket
import statistics
import sys
import tempfile
import time

try:
    import torch
    import torch.distributed as dist
    import torch.multiprocessing as mp
except ImportError as e:
    print(f"torch is not importable: {e}", file=sys.stderr)
    sys.exit(3)

LR = 0.1
# lingrad's initial (w, b) for seed 42: `lingrad gen --print-init`
INIT = (0.14919733984789185, 0.84245962178363309)
TUNABLES = "glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=17179869184"


def shard(n, rank, world):
    """This rank's contiguous part of the global data, the same on every rank."""
    torch.manual_seed(42)
    x = torch.rand(n, dtype=torch.float32)
    noise = torch.rand(n, dtype=torch.float32) * 2 - 1
    y = 0.3 * x + 0.5 + 0.01 * noise
    lo, hi = n * rank // world, n * (rank + 1) // world
    return x[lo:hi].clone(), y[lo:hi].clone()


def train(x, y, init, epochs, world):
    """(per-epoch seconds, history rows) of the tutorial's loop with one all_reduce per epoch."""
    w = torch.tensor(init[0], dtype=torch.float32, requires_grad=True)
    b = torch.tensor(init[1], dtype=torch.float32, requires_grad=True)
    times, history = [], []
    for epoch in range(epochs):
        t0 = time.perf_counter()
        loss = ((w * x + b - y) ** 2).mean()
        loss.backward()
        red = torch.stack([loss.detach(), w.grad, b.grad])
        dist.all_reduce(red, op=dist.ReduceOp.SUM)
        red /= world
        with torch.no_grad():
            w -= LR * red[1]
            b -= LR * red[2]
        w.grad = None
        b.grad = None
        times.append(time.perf_counter() - t0)
        history.append((epoch, float(red[0]), float(w), float(b)))
    return times, history


def exchange_us(batches=5, calls=500):
    """Median µs of one all_reduce of 3 floats, as train() does once per epoch."""
    t = torch.zeros(3, dtype=torch.float32)
    for _ in range(50):  # warm-up
        dist.all_reduce(t)
    per = []
    for _ in range(batches):
        dist.barrier()
        t0 = time.perf_counter()
        for _ in range(calls):
            dist.all_reduce(t)
        per.append(slowest((time.perf_counter() - t0) / calls))
    return 1e6 * statistics.median(per)


def slowest(seconds):
    v = torch.tensor([seconds], dtype=torch.float64)
    dist.all_reduce(v, op=dist.ReduceOp.MAX)
    return float(v)


def worker(rank, world, port, n, init, epochs, out_path):
    torch.set_num_threads(1)
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank,
                            world_size=world)
    try:
        x, y = shard(n, rank, world)
        times, history = train(x, y, init, epochs, world)
        t = torch.tensor(times, dtype=torch.float64)
        dist.all_reduce(t, op=dist.ReduceOp.MAX)  # each epoch's slowest rank
        exch = exchange_us()
        if rank == 0:
            with open(out_path, "w") as f:
                json.dump({"times": t.tolist(), "history": history, "exchange_us": exch,
                           "n_per_rank": x.numel()}, f)
    finally:
        dist.destroy_process_group()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(n, world, args):
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "rank0.json")
        mp.spawn(worker, args=(world, free_port(), n, tuple(args.init), args.epochs, out),
                 nprocs=world, join=True)
        with open(out) as f:
            return json.load(f)


def row(n, world, r, args):
    timed = r["times"][args.warmup:]
    epoch = 1e6 * statistics.median(timed)
    return {"name": f"pytorch_gloo/np:{world}/n:{n}", "run_type": "iteration",
            "real_time": epoch, "time_unit": "us", "label": "pytorch_gloo", "mode": "autograd",
            "dtype": "f32", "ranks": world, "threads": 1, "n": n, "n_per_rank": r["n_per_rank"],
            "glibc_tunables": os.environ.get("GLIBC_TUNABLES", ""),
           "epochs": args.epochs, "warmup_epochs": args.warmup, "epoch_us": epoch,
            "epoch_us_min": 1e6 * min(timed), "epoch_us_max": 1e6 * max(timed),
            "exchange_us": r["exchange_us"], "exchanges_per_epoch": 1,
            "exchange_share": r["exchange_us"] / epoch,
            "w": r["history"][-1][2], "b": r["history"][-1][3]}


def write_history(path, history):
    with open(path, "w") as f:
        f.write("epoch,loss,w,b\n")
        for e, loss, w, b in history:
            f.write(f"{e},{loss:.17g},{w:.17g},{b:.17g}\n")


def identity(n, hists):
    """Histories of world sizes 1 and 2 at n, compared bit for bit."""
    h1, h2 = hists.get((n, 1)), hists.get((n, 2))
    if h1 is None or h2 is None:
        return None
    diff = [i for i, (a, b) in enumerate(zip(h1, h2)) if a != b]
    return {"n": n, "worlds": [1, 2], "epochs": len(h1), "bitwise_equal": not diff and len(h1) == len(h2),
            "differing_epochs": len(diff), "first_differing_epoch": diff[0] if diff else None,
            "max_abs_dloss": max(abs(a[1] - b[1]) for a, b in zip(h1, h2)),
            "max_abs_dw": max(abs(a[2] - b[2]) for a, b in zip(h1, h2)),
            "max_abs_db": max(abs(a[3] - b[3]) for a, b in zip(h1, h2))}


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--sizes", default="1000000,10000000")
    p.add_argument("--worlds", default="1,2")
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--init", type=float, nargs=2, default=INIT)
    p.add_argument("--histories", default=None)
    a = p.parse_args()
    a.sizes = [int(s) for s in a.sizes.split(",")]
    a.worlds = [int(s) for s in a.worlds.split(",")]
    if a.epochs <= a.warmup:
        p.error("--epochs must exceed --warmup")
    return a


def main():
    args = parse()
    # gloo picks an interface from the host name, which may not resolve to a
    # reachable address in a container: everything here is on one host.
    os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    # Freed buffers reused rather than returned to the VM, which would fault them
    # in again every epoch (NOTES.md). No mmap at all: mmap_threshold is capped at
    # 32 MiB, so at 10^7 float32 on one rank every temporary would still be mapped
    # and faulted (measured: 214 against 73 ms per epoch). Read by each spawned process.
    os.environ.setdefault("GLIBC_TUNABLES", TUNABLES)
    rows, hists = [], {}
    for n in args.sizes:
        for world in args.worlds:
            r = run(n, world, args)
            rows.append(row(n, world, r, args))
            hists[(n, world)] = [tuple(h) for h in r["history"]]
            if args.histories:
                write_history(os.path.join(args.histories, f"ddp-np{world}-n{n}.csv"), r["history"])
            print(f"{rows[-1]['name']}: {rows[-1]['epoch_us']:.1f} us/epoch "
                  f"(min {rows[-1]['epoch_us_min']:.1f}, max {rows[-1]['epoch_us_max']:.1f}), "
                  f"all_reduce {r['exchange_us']:.1f} us", flush=True)
    checks = [c for c in (identity(n, hists) for n in args.sizes) if c]
    for c in checks:
        print(f"pytorch_gloo n={c['n']}: world 1 vs 2 histories "
              + ("bitwise equal" if c["bitwise_equal"] else
                 f"differ in {c['differing_epochs']} of {c['epochs']} epochs "
                 f"(first {c['first_differing_epoch']}; max |dloss| {c['max_abs_dloss']:.3g}, "
                 f"|dw| {c['max_abs_dw']:.3g}, |db| {c['max_abs_db']:.3g})"))
    ctx = {"torch": torch.__version__, "backend": "gloo", "threads_per_rank": 1,
           "reduction": "one all_reduce(SUM) of [loss, dw, db] per epoch, divided by world size "
                        "(no DDP module: its buckets add nothing for two scalars)",
           "glibc_tunables": os.environ.get("GLIBC_TUNABLES", ""),
           "epochs": args.epochs, "warmup_epochs": args.warmup, "init": list(args.init)}
    with open(args.out, "w") as f:
        json.dump({"context": ctx, "benchmarks": rows, "history_identity": checks}, f, indent=1)


if __name__ == "__main__":
    main()
