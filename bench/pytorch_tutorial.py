#!/usr/bin/env python3
"""The tutorial's PyTorch loop (and two alternatives), timed on lingrad's data.

usage: pytorch_tutorial.py OUT.json --data100 D.csv --init W0 B0 [--data N=FILE ...]
                           [--threads T] [--epoch-times OUT.csv]

FILE is CSV (x,y) or .npy of shape (2, n), as lingrad gen writes them; .npy is
loaded with np.load and handed to torch with torch.from_numpy (no copy).

Writes Google Benchmark-style JSON so the lingrad report can read it:
  pytorch/tutorial/as_written   the tutorial's loop: w = w - lr * w.grad makes w a
                                non-leaf, so every epoch's graph stays alive
  pytorch/tutorial/no_grad      the same with leaf updates under torch.no_grad()
  pytorch/tutorial/jit_script   no_grad's loop with the loss as a torch.jit.script
                                function (PyTorch's graph mode): loss.backward() runs
                                the gradient graph TorchScript derives
  pytorch/epoch/<loop>/f32/n:N  time per epoch at larger n, for no_grad and jit_script
  numpy/epoch/f32/n:N           the hand-written gradient in numpy, per epoch
A row that cannot run here (not enough memory) has "skipped" with the reason.
Each row has the median time of its repetitions and their coefficient of
variation (cv). The jit_script rows' label, and the context's pytorch_jit_fuser,
say whether PyTorch's CPU fuser (NNC) ran: it needs a build with LLVM.
Exit status 3: torch is not installed (the caller says so in one line).
"""
import csv
import json
import os
import sys
import time
import types

try:
    import numpy as np
    import torch
except ImportError:
    sys.exit(3)

LR, EPOCHS, TOL = 0.1, 500, 0.00005


def load(path):
    if path.endswith(".npy"):
        a = np.load(path)
        if a.ndim != 2 or a.shape[0] != 2:
            raise SystemExit(f"{path}: shape {a.shape}, expected (2, n) as lingrad gen writes")
        return a[0], a[1]
    with open(path, newline="") as f:
        rows = list(csv.reader(f))[1:]
    x = np.array([float(r[0]) for r in rows])
    y = np.array([float(r[1]) for r in rows])
    return x, y


def available_bytes():
    """MemAvailable from /proc/meminfo; None where there is none (not Linux)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


# Bytes per element a PyTorch or numpy epoch holds at its peak: measured at
# n = 10^7 f32 (ru_maxrss, 2026-12-02), x and y (8) and the no_grad loop's
# temporaries (20; numpy's 8), rounded up for margin. A larger n than memory
# allows is skipped, with the reason, rather than swapping the machine to a halt.
PEAK_BYTES_PER_ELEMENT = 40


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


def mse(x, y, w, b):
    """The tutorial's loss, in one function so that torch.jit.script can compile it."""
    return ((x * w + b - y) ** 2).mean()


def tutorial_no_grad(x, y, w0, b0, epochs=EPOCHS, tol=TOL, loss_fn=mse):
    """Leaf updates under no_grad; loss_fn is mse eager or scripted, the loop the same.
    x and y are numpy arrays, shared with torch (torch.from_numpy: no copy)."""
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    w = torch.tensor([w0], dtype=x.dtype, requires_grad=True)
    b = torch.tensor([b0], dtype=x.dtype, requires_grad=True)
    epoch = 0
    for epoch in range(epochs):
        loss = loss_fn(x, y, w, b)
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


def jit_fuser():
    """Switches PyTorch's CPU fuser (NNC) on if it works here; says which, in words.

    A torch built without LLVM (Debian's 1.13) accepts the switch and fails only
    when the profiling executor first runs the optimised graph ("LLVM Backend
    not found"), so a scripted mse is run past its profiling runs, with backward
    as in the timed loop. On failure the fuser goes back off, so the jit_script
    rows still run (unfused) and say why.
    """
    llvm = getattr(torch._C, "_llvm_enabled", None)
    llvm_note = "; torch._C._llvm_enabled() is False" if llvm is not None and not llvm() else ""
    torch._C._jit_override_can_fuse_on_cpu(True)
    # torch.jit.script caches by function, so the probe scripts a copy of mse:
    # the timed ScriptFunction then starts clean, unprofiled and unoptimised.
    probe = torch.jit.script(types.FunctionType(mse.__code__, mse.__globals__, "mse_probe"))
    x, w = torch.ones(16), torch.ones(1, requires_grad=True)
    try:
        for _ in range(4):  # past the profiling run: here the third call fails
            probe(x, x, w, w).backward()
        graph = str(probe.graph_for(x, x, w, w))
    except RuntimeError as e:
        torch._C._jit_override_can_fuse_on_cpu(False)
        # TorchScript's message ends with the C++ error, after its own traceback
        lines = [ln for ln in str(e).splitlines() if ln.strip()] or ["RuntimeError"]
        why = lines[-1].replace("RuntimeError: ", "")
        return f"unavailable ({why}{llvm_note})"
    if "TensorExprGroup" not in graph:
        return f"on, but NNC fused nothing in the loss{llvm_note}"
    return "nnc (fused)"


def timed(fn, reps):
    """Median wall time of reps calls, their coefficient of variation (sample
    stddev / mean, as Google Benchmark's cv aggregate), and the last call's result."""
    times, result = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    times.sort()
    mean = sum(times) / reps
    cv = (sum((t - mean) ** 2 for t in times) / (reps - 1)) ** 0.5 / mean if reps > 1 else 0.0
    return times[len(times) // 2], cv, result


def row(name, seconds, reps, epochs, extra=None):
    r = {"name": name, "run_type": "iteration", "iterations": reps, "real_time": seconds * 1e9,
         "cpu_time": seconds * 1e9, "time_unit": "ns", "items_per_second": epochs / seconds,
         "epochs": epochs}
    r.update(extra or {})
    return r


EPOCH_NAMES = ("pytorch/epoch/no_grad/f32/n:{n}", "pytorch/epoch/jit_script/f32/n:{n}",
               "numpy/epoch/f32/n:{n}")


def epoch_rows(n, path, w0, b0, jit_mse, jit):
    """Time per epoch at n (f32): 3 runs of 20 epochs each (3 from 10^7 up, where
    one epoch takes long enough to time), as no_grad, jit_script, numpy."""
    need, have = PEAK_BYTES_PER_ELEMENT * n, available_bytes()
    if have is not None and need > have:
        why = f"needs about {need / 2**30:.1f} GiB, {have / 2**30:.1f} GiB available"
        return [{"name": name.format(n=n), "run_type": "iteration", "skipped": why}
                for name in EPOCH_NAMES]
    xn, yn = load(path)
    xf, yf = xn.astype(np.float32, copy=False), yn.astype(np.float32, copy=False)
    epochs, out = (3 if n >= 10**7 else 20), []
    names = [name.format(n=n) for name in EPOCH_NAMES]
    for name, fn, extra in ((names[0], mse, {}), (names[1], jit_mse, jit)):
        sec, cv, _ = timed(lambda: tutorial_no_grad(xf, yf, w0, b0, epochs, 0.0, fn), 3)
        out.append(row(name, sec / epochs, 3, 1, {"cv": cv, **extra}))
    sec, cv, _ = timed(lambda: numpy_epochs(xf, yf, np.float32(w0), np.float32(b0), epochs), 3)
    out.append(row(names[2], sec / epochs, 3, 1, {"cv": cv}))
    return out


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
    fuser = jit_fuser()
    jit_mse = torch.jit.script(mse)
    jit = {"label": f"fuser: {fuser}"}
    rows = []
    sec, cv, (epochs, w, b) = timed(lambda: tutorial_as_written(x, y, w0, b0), 7)
    rows.append(row("pytorch/tutorial/as_written/n:100", sec, 7, epochs, {"w": w, "b": b, "cv": cv}))
    sec, cv, (epochs, w, b) = timed(lambda: tutorial_no_grad(x, y, w0, b0), 7)
    rows.append(row("pytorch/tutorial/no_grad/n:100", sec, 7, epochs, {"w": w, "b": b, "cv": cv}))
    sec, cv, (epochs, w, b) = timed(lambda: tutorial_no_grad(x, y, w0, b0, loss_fn=jit_mse), 7)
    rows.append(row("pytorch/tutorial/jit_script/n:100", sec, 7, epochs, {"w": w, "b": b, "cv": cv, **jit}))
    if "epoch_times" in args:
        times = []
        tutorial_as_written(x, y, w0, b0, times)
        with open(args["epoch_times"], "w") as f:
            f.write("epoch,seconds\n")
            f.writelines(f"{i},{t:.9g}\n" for i, t in enumerate(times))
    for n, path in args["data"]:
        rows += epoch_rows(n, path, w0, b0, jit_mse, jit)
    out = {"context": {"pytorch_version": torch.__version__, "numpy_version": np.__version__,
                       "pytorch_threads": torch.get_num_threads(), "pytorch_jit_fuser": fuser,
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
