#!/usr/bin/env python3
"""The tutorial's PyTorch loop (and two alternatives), timed on lingrad's data.

usage: pytorch_tutorial.py OUT.json --data100 D.csv --init W0 B0 [--data N=FILE.csv ...]
                           [--threads T] [--epoch-times OUT.csv]

Writes Google Benchmark-style JSON so the lingrad report can read it:
  pytorch/tutorial/as_written   the tutorial's loop: w = w - lr * w.grad makes w a
                                non-leaf, so every epoch's graph stays alive
  pytorch/tutorial/no_grad      the same with leaf updates under torch.no_grad()
  pytorch/epoch/no_grad/n:N     time per epoch at larger n (leaf updates)
  numpy/epoch/n:N               the hand-written gradient in numpy, per epoch
Exit status 3: torch is not installed (the caller says so in one line).
"""
import csv
import json
import os
import sys
import time

try:
    import numpy as np
    import torch
except ImportError:
    sys.exit(3)

LR, EPOCHS, TOL = 0.1, 500, 0.00005


def load(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    x = np.array([float(r[0]) for r in rows])
    y = np.array([float(r[1]) for r in rows])
    return x, y


def tutorial_as_written(x, y, w0, b0, epoch_times=None):
    """The tutorial's loop verbatim, minus its print() calls."""
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    w = torch.tensor([w0], dtype=torch.float32)
    b = torch.tensor([b0], dtype=torch.float32)
    w.requires_grad = True
    b.requires_grad = True
    epoch = 0
    for epoch in range(EPOCHS):
        t0 = time.perf_counter()
        y_hat = x * w + b
        loss = ((y_hat - y) ** 2).mean()
        if loss < TOL:
            break
        w.retain_grad()
        b.retain_grad()
        loss.backward()
        w = w - LR * w.grad
        b = b - LR * b.grad
        if epoch_times is not None:
            epoch_times.append(time.perf_counter() - t0)
    return epoch + 1, float(w.item()), float(b.item())


def tutorial_no_grad(x, y, w0, b0, epochs=EPOCHS, tol=TOL):
    x, y = torch.as_tensor(x), torch.as_tensor(y)
    w = torch.tensor([w0], dtype=x.dtype, requires_grad=True)
    b = torch.tensor([b0], dtype=x.dtype, requires_grad=True)
    epoch = 0
    for epoch in range(epochs):
        loss = ((x * w + b - y) ** 2).mean()
        if loss < tol:
            break
        w.grad = None
        b.grad = None
        loss.backward()
        with torch.no_grad():
            w -= LR * w.grad
            b -= LR * b.grad
    return epoch + 1, float(w.item()), float(b.item())


def numpy_epochs(x, y, w, b, epochs):
    n = len(x)
    for _ in range(epochs):
        r = w * x + b - y
        w, b = w - LR * 2.0 / n * float(r @ x), b - LR * 2.0 / n * float(r.sum())
    return w, b


def timed(fn, reps):
    """Median wall time of reps calls, with the last call's result."""
    times, result = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    return times[len(times) // 2], result


def row(name, seconds, reps, epochs, extra=None):
    r = {"name": name, "run_type": "iteration", "iterations": reps, "real_time": seconds * 1e9,
         "cpu_time": seconds * 1e9, "time_unit": "ns", "items_per_second": epochs / seconds,
         "epochs": epochs}
    r.update(extra or {})
    return r


def main(argv):
    args = {"data": []}
    it = iter(argv[2:])
    for a in it:
        if a == "--data100":
            args["data100"] = next(it)
        elif a == "--init":
            args["init"] = (float(next(it)), float(next(it)))
        elif a == "--data":
            n, path = next(it).split("=", 1)
            args["data"].append((int(n), path))
        elif a == "--threads":
            torch.set_num_threads(int(next(it)))
        elif a == "--epoch-times":
            args["epoch_times"] = next(it)
        else:
            print(__doc__, file=sys.stderr)
            return 2
    w0, b0 = args["init"]
    x, y = load(args["data100"])
    rows = []
    sec, (epochs, w, b) = timed(lambda: tutorial_as_written(x, y, w0, b0), 7)
    rows.append(row("pytorch/tutorial/as_written/n:100", sec, 7, epochs, {"w": w, "b": b}))
    sec, (epochs, w, b) = timed(lambda: tutorial_no_grad(x, y, w0, b0), 7)
    rows.append(row("pytorch/tutorial/no_grad/n:100", sec, 7, epochs, {"w": w, "b": b}))
    if "epoch_times" in args:
        times = []
        tutorial_as_written(x, y, w0, b0, times)
        with open(args["epoch_times"], "w") as f:
            f.write("epoch,seconds\n")
            f.writelines(f"{i},{t:.9g}\n" for i, t in enumerate(times))
    for n, path in args["data"]:
        xn, yn = load(path)
        xf, yf = xn.astype(np.float32), yn.astype(np.float32)
        epochs = 20
        sec, _ = timed(lambda: tutorial_no_grad(xf, yf, w0, b0, epochs, 0.0), 3)
        rows.append(row(f"pytorch/epoch/no_grad/f32/n:{n}", sec / epochs, 3, 1))
        sec, _ = timed(lambda: numpy_epochs(xf, yf, np.float32(w0), np.float32(b0), epochs), 3)
        rows.append(row(f"numpy/epoch/f32/n:{n}", sec / epochs, 3, 1))
    out = {"context": {"pytorch_version": torch.__version__, "numpy_version": np.__version__,
                       "pytorch_threads": torch.get_num_threads(),
                       "note": "tutorial timed without its print() calls"},
           "benchmarks": rows}
    tmp = f"{argv[1]}.tmp-{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(out, f, indent=1)
    os.replace(tmp, argv[1])
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv))
