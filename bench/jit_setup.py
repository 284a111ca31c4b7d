#!/usr/bin/env python3
"""Graph mode's one-time costs, apart from its per-epoch time: planning the
tutorial's tape and compiling its sweeps into a fresh cache (cold), loading
them from that cache in a second process (cache hit), and planning alone
(--interpret).

usage: jit_setup.py BUILD_DIR OUT.json [--reps N] [lingrad train options...]

Each measurement is its own `lingrad train --mode graph --timing` process: the
JIT reads its configuration (LINGRAD_CACHE_DIR among it) once per process, so a
cold compile needs a process that has never compiled, in a cache directory that
has never held the plan. The figure is the process's own "planning and
compiling once: X s" (lg_train_result.setup_seconds), not the process's wall
time, which would add start-up and data generation. Every cold run gets a new
empty cache directory; every cache hit reuses the directory a cold run filled.
A run whose sweeps did not run as asked (compiled where a hit was wanted, the
JIT off) is an error, not a row: it would report the wrong cost.

Writes Google Benchmark-style rows "setup/graph/<what>/<dtype>/n:<n>", real_time
the median of the repetitions in ms, with "reps", "min", "max" and "cv" (stddev
over mean), and the train command in the context.
"""
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

TIMING = re.compile(r"^lingrad: .*\(n=(\d+), (\w+), graph \(([^)]*)\).*planning and compiling once: ([0-9.e+-]+) s$",
                    re.M)
# what each measurement runs, and how lg_graph_exec_describe must say it ran
WHAT = (("cold_compile", [], "compiled"), ("cache_hit", [], "compiled, from the cache"),
        ("plan_only", ["--interpret"], "interpreted"))


def one(build, cache, extra, options):
    """(setup seconds, how the sweeps ran, n, dtype) of one train process."""
    cmd = [os.path.join(build, "lingrad"), "train", "--mode", "graph", "--timing", "--every", "0",
           *options, *extra]
    env = dict(os.environ, LINGRAD_CACHE_DIR=cache)
    env.pop("LINGRAD_JIT", None)  # the measurement is of the JIT: never switched off here
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    m = TIMING.search(r.stderr)
    if r.returncode != 0 or not m:
        raise SystemExit(f"jit_setup: {' '.join(cmd)} failed (exit {r.returncode}): {r.stderr.strip()[-400:]}")
    return float(m.group(4)), m.group(3), int(m.group(1)), m.group(2)


def measure(build, reps, options):
    times = {w: [] for w, _, _ in WHAT}
    shape = None
    root = tempfile.mkdtemp(prefix="lingrad-jit-setup-")
    try:
        for i in range(reps):
            cache = os.path.join(root, f"cache-{i}")  # new and empty: nothing compiled yet
            os.mkdir(cache, 0o700)
            for what, extra, want in WHAT:
                sec, how, n, dt = one(build, cache, extra, options)
                ok = how.startswith(want) if what == "plan_only" else how == want
                if not ok:
                    raise SystemExit(f"jit_setup: {what}: the sweeps ran '{how}', want '{want}'")
                times[what].append(sec)
                shape = (n, dt)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return times, shape


def row(name, xs):
    mean = statistics.fmean(xs)
    cv = statistics.stdev(xs) / mean if len(xs) > 1 and mean else 0.0
    return {"name": name, "run_type": "iteration", "iterations": len(xs),
            "real_time": statistics.median(xs) * 1e3, "time_unit": "ms",
            "min": min(xs) * 1e3, "max": max(xs) * 1e3, "cv": cv, "reps": [x * 1e3 for x in xs]}


def main(argv):
    args = argv[1:]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    build, out, rest = args[0], args[1], args[2:]
    reps = 5
    if rest[:1] == ["--reps"]:
        reps, rest = int(rest[1]), rest[2:]
    times, (n, dt) = measure(build, reps, rest)
    info = subprocess.run([os.path.join(build, "lingrad"), "info"], capture_output=True, text=True).stdout
    compiler = next((ln.split(":", 1)[1].strip() for ln in info.splitlines() if ln.startswith("compile:")), "?")
    compiler = compiler.split(", cached in")[0]  # the cache here was ours, not that one
    doc = {"context": {"command": f"lingrad train --mode graph --timing --every 0 {' '.join(rest)}".strip(),
                       "jit": compiler, "repetitions": reps},
           "benchmarks": [row(f"setup/graph/{w}/{dt}/n:{n}", times[w]) for w, _, _ in WHAT]}
    tmp = f"{out}.tmp-{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, out)
    for r in doc["benchmarks"]:
        print(f"{r['name']}: {r['real_time']:.3f} ms median ({r['min']:.3f}-{r['max']:.3f}, {reps} runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
