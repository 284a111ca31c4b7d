#!/usr/bin/env python3
"""The gate's metrics of one build, with their spread over repetitions.

usage: gate_metrics.py BUILD_DIR [--reps N] [--no-ratios] [--no-instructions]
       prints one JSON document: {"context": ..., "class": ..., "metrics": {...}}

The same quantities bench-check gates on (tools/bench_check.py): same-run
ratios and callgrind instruction counts, never raw times, so that runs of
different commits on a busy machine compare. Each metric is
  {"value": v, "reps": [...], "spread": s}
where, for a ratio, value is the gate's own figure (each row's best repetition)
and reps the ratio within each repetition of the interleaved run, spread their
(max - min) / median; an instruction count is exact: one rep, spread 0.
Used by bench-history, bench-compare and bench-bisect; the build may be of
another commit than these tools (tools/rev_build.py).
"""
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_check  # noqa: E402
import machine_class  # noqa: E402


def per_repetition(rows):
    """{repetition index: {name: row}} of a Google Benchmark run's iterations."""
    reps = {}
    for r in rows:
        if r.get("run_type") == "iteration" and not r.get("error_occurred"):
            reps.setdefault(r.get("repetition_index", 0), {})[bench_check.base_name(r["name"])] = r
    return reps


def ratio_metrics(build, reps):
    """(context, {name: metric}) from one interleaved lingrad-bench run."""
    bench_check.REPS = reps
    with tempfile.TemporaryDirectory(prefix="lingrad-gate-metrics-") as tmp:
        out = os.path.join(tmp, "run.json")
        ctx, best = bench_check.run_bench(build, out)
        with open(out) as f:
            rows = json.load(f)["benchmarks"]
    value = bench_check.ratios(ctx, best)
    each = [bench_check.ratios(ctx, rep) for rep in per_repetition(rows).values()]
    metrics = {}
    for name, v in value.items():
        xs = [r[name] for r in each if name in r]
        med = statistics.median(xs) if xs else v
        metrics[name] = {"value": v, "reps": xs,
                         "spread": (max(xs) - min(xs)) / med if len(xs) > 1 and med else 0.0}
    return ctx, metrics


def instruction_metrics(build, ctx):
    counts = bench_check.instructions(build, ctx)
    return {name: {"value": v, "reps": [v], "spread": 0.0} for name, v in counts.items()}


def simd_invariants(metrics):
    """Scalar over SIMD instructions per element, for each SIMD table counted: a
    table that stops being vectorised falls towards 1 (see bench_check)."""
    out = {}
    for isa in bench_check.SIMD:
        for dt in ("f32", "f64"):
            s = metrics.get(f"instructions_per_element_scalar_{dt}")
            v = metrics.get(f"instructions_per_element_{isa}_{dt}")
            if s and v and v["value"] > 0:
                r = s["value"] / v["value"]
                out[f"simd_scalar_over_{isa}_instructions_{dt}"] = {"value": r, "reps": [r], "spread": 0.0}
    return out


def context_from_info(build):
    """What the instruction gates need to know of the machine, from `lingrad info`
    (no benchmark run): the tables this CPU runs, and its CPUID identity."""
    info = subprocess.run([os.path.join(build, "lingrad"), "info"], check=True,
                          capture_output=True, text=True).stdout
    ctx = {}
    m = re.search(r"^model: +(.*) \((\S+) family (\d+) model (\d+) stepping (\d+)\)$", info, re.M)
    if m:
        ctx.update(lingrad_cpu_brand=m.group(1), lingrad_cpu_vendor=m.group(2),
                   lingrad_cpu_family=m.group(3), lingrad_cpu_model=m.group(4),
                   lingrad_cpu_stepping=m.group(5))
    k = re.search(r"^kernels: +(.*)$", info, re.M)
    if k:
        runs = re.sub(r"[a-z0-9]+ \(not on this CPU\)", "", k.group(1))
        ctx["lingrad_isa_available"] = " ".join(runs.split())
    b = re.search(r"^build: +\S+, (.*)$", info, re.M)
    if b:
        ctx["lingrad_compiler"] = b.group(1)
    return ctx


def modes_of(build):
    """The training modes this commit's CLI has: `lingrad info --modes`, or, for a
    commit that predates it, those of the gated modes its train accepts (graph
    mode came later)."""
    modes = bench_check.build_modes(build)
    if modes is not None:
        return modes
    ok = []
    for mode in bench_check.gated_modes():
        r = subprocess.run([os.path.join(build, "lingrad"), "train", "--size", "10", "--epochs", "1",
                            "--every", "0", "--mode", mode], capture_output=True)
        if r.returncode == 0:
            ok.append(mode)
    return tuple(ok)


def instructions_of_modes(build, ctx):
    """(metrics, missing): the instruction gates, the per-epoch ones only for the
    modes the commit has (of bench_check.EPOCH_MODES, when that narrows them);
    what a gated mode needs that the commit lacks is listed in missing, with why,
    not made up (an older BASE, a history's early commits)."""
    keep = bench_check.EPOCH_MODES
    wanted = keep if keep is not None else bench_check.gated_modes()
    has = modes_of(build)
    bench_check.EPOCH_MODES = tuple(m for m in has if keep is None or m in keep)
    try:
        metrics = instruction_metrics(build, ctx)
    finally:
        bench_check.EPOCH_MODES = keep
    missing = {bench_check.epoch_gate(m, dt): f"lingrad train has no --mode {m} at this commit"
               for m in wanted if m not in has for dt in ("f32", "f64")}
    return metrics, missing


def measure(build, reps=5, ratios=True, instructions=True):
    ctx, metrics, missing = {}, {}, {}
    if ratios:
        ctx, metrics = ratio_metrics(build, reps)
    else:
        ctx = context_from_info(build)
    if instructions:
        counts, missing = instructions_of_modes(build, ctx)
        metrics.update(counts)
        metrics.update(simd_invariants(metrics))
    return {"context": ctx, "class": machine_class.from_context(ctx) if ctx else "unknown",
            "metrics": metrics, "missing": missing}


def main(argv):
    args = argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    build, reps = args[0], 5
    if "--reps" in args:
        reps = int(args[args.index("--reps") + 1])
    doc = measure(build, reps, "--no-ratios" not in args, "--no-instructions" not in args)
    json.dump(doc, sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
