#!/usr/bin/env python3
"""The CI performance gate: ratios measured in one run, and instruction counts.

usage: bench_check.py check|baseline BUILD_DIR [BASELINE_DIR]

Shared CI machines move absolute times by 10-50%, so nothing here gates on a
time. It gates on:
  - ratios of rows measured in the same run, interleaved and repeated (the best of
    5 repetitions in random order: noise on a shared machine only ever slows a
    repetition down, while a real regression slows all of them): SIMD over scalar,
    fused over eager, kernel over the memory roofline, threads over one thread;
  - instructions per element per epoch of fused training with the scalar and AVX2
    tables, counted by valgrind's callgrind (deterministic; valgrind cannot run
    AVX-512).
Absolute times are printed beside the baseline's (Google Benchmark's compare.py
when it is installed) but never gated.

check:    compares with BASELINE_DIR (default results/baseline) and exits 1 with a
          table of what regressed.
baseline: measures and writes BASELINE_DIR/bench-check.json and the raw JSON.
          The thresholds live in BASELINE_DIR/thresholds.json (edited by hand).
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

REPS = 5
FILTER = ("kernel/fused_mse/f32/[a-z0-9]+/threads:[0-9]+/n:[0-9]+/(L2|L3)"
          "|kernel/(fused_mse|roofline_read)/f32/[a-z0-9]+/threads:1/n:[0-9]{1,8}/DRAM"
          "|train/epoch/(fused|eager)/f32/[a-z0-9]+/threads:[0-9]+/n:10000/"
          "|probe/omp_compute/")
CALLGRIND = [("scalar", "f32"), ("scalar", "f64"), ("avx2", "f32"), ("avx2", "f64")]
CALLGRIND_N, CALLGRIND_EPOCHS = 100000, 10


def run_bench(build, out_json):
    cmd = [os.path.join(build, "lingrad-bench"), f"--benchmark_filter={FILTER}",
           f"--benchmark_repetitions={REPS}", "--benchmark_enable_random_interleaving=true",
           "--benchmark_min_time=0.05",
           f"--benchmark_out={out_json}", "--benchmark_out_format=json"]
    print("bench-check: " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(out_json) as f:
        data = json.load(f)
    best = {}
    for r in data["benchmarks"]:
        if r.get("run_type") != "iteration" or r.get("error_occurred"):
            continue
        name = r["name"].replace("/real_time", "")
        b = best.setdefault(name, dict(r))
        b["real_time"] = min(b["real_time"], r["real_time"])
        for key in ("items_per_second", "bytes_per_second"):
            if key in r:
                b[key] = max(b[key], r[key])
    return data["context"], best


def find(med, pattern):
    """The single row whose name matches pattern (n is ignored: it follows the
    machine's caches, the level does not)."""
    hits = [r for name, r in med.items() if re.fullmatch(pattern, name)]
    return hits[0] if len(hits) == 1 else None


def ratios(ctx, med):
    isas = ctx.get("lingrad_isa_available", "scalar").split()
    best = [i for i in ("avx512", "avx2", "neon") if i in isas][:1]
    cores = int(re.search(r"(\d+) cores", ctx.get("lingrad_topology", "1 cores")).group(1))
    rate = lambda p: (find(med, p) or {}).get("items_per_second")
    per = lambda p: (find(med, p) or {}).get("real_time")
    out = {}
    scalar_l2 = rate(r"kernel/fused_mse/f32/scalar/threads:1/n:\d+/L2")
    for isa in [i for i in ("avx2", "avx512", "neon") if i in isas]:
        v = rate(rf"kernel/fused_mse/f32/{isa}/threads:1/n:\d+/L2")
        if v and scalar_l2:
            out[f"{isa}_over_scalar_fused_f32_L2"] = v / scalar_l2
    if best:
        b = best[0]
        e, f = per(r"train/epoch/eager/f32/\w+/threads:\d+/n:10000"), per(r"train/epoch/fused/f32/\w+/threads:\d+/n:10000")
        if e and f:
            out["fused_over_eager_epoch_n10000"] = e / f
        k = find(med, rf"kernel/fused_mse/f32/{b}/threads:1/n:\d+/DRAM")
        roof = find(med, rf"kernel/roofline_read/f32/{b}/threads:1/n:\d+/DRAM")
        if k and roof:
            out["fused_over_roofline_f32_DRAM"] = k["bytes_per_second"] / roof["bytes_per_second"]
        if cores > 1:
            one = rate(rf"kernel/fused_mse/f32/{b}/threads:1/n:\d+/L3")
            many = rate(rf"kernel/fused_mse/f32/{b}/threads:{cores}/n:\d+/L3")
            p1 = rate(r"probe/omp_compute/threads:1/n:\d+")
            pn = rate(rf"probe/omp_compute/threads:{cores}/n:\d+")
            if one and many and p1 and pn:
                # lingrad's scaling relative to what the machine gives a plain
                # OpenMP loop right now; all cores, whatever their number
                out["threads_all_over_1_fused_f32_L3_vs_machine"] = (many / one) / (pn / p1)
    return out


def total_instructions(build, isa, dt, epochs, out_file):
    subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}",
                    os.path.join(build, "lingrad"), "train", "--isa", isa, "--dtype", dt,
                    "--size", str(CALLGRIND_N), "--epochs", str(epochs), "--tol", "0",
                    "--every", "0", "--threads", "1"],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(out_file) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise SystemExit(f"bench-check: no instruction total in {out_file}")


def instructions(build):
    """Instructions per element per epoch of a fused training run, per (isa, dtype):
    the difference between two runs that differ only in the number of epochs, so
    set-up and data generation cancel and no function name is assumed."""
    if not shutil.which("valgrind"):
        raise SystemExit("bench-check: valgrind is missing (apt-get install valgrind)")
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for isa, dt in CALLGRIND:
            lo = total_instructions(build, isa, dt, CALLGRIND_EPOCHS, os.path.join(tmp, "lo"))
            hi = total_instructions(build, isa, dt, 2 * CALLGRIND_EPOCHS, os.path.join(tmp, "hi"))
            out[f"instructions_per_element_{isa}_{dt}"] = (hi - lo) / (CALLGRIND_N * CALLGRIND_EPOCHS)
    return out


def measure(build, raw_json):
    ctx, med = run_bench(build, raw_json)
    return ctx, ratios(ctx, med), instructions(build)


def cannot_run_here(name, ctx):
    """A gate this machine cannot measure: an ISA it lacks, threads on one core."""
    isas = ctx.get("lingrad_isa_available", "").split()
    cores = re.search(r"(\d+) cores", ctx.get("lingrad_topology", ""))
    lacks_isa = any(name.startswith(f"{i}_") for i in ("avx2", "avx512", "neon") if i not in isas)
    one_core = name.startswith("threads") and cores and int(cores.group(1)) < 2
    return lacks_isa or bool(one_core)


def compare(base, thresholds, ratios_now, instr_now, ctx):
    rows, bad = [], 0
    for name, want in sorted(base["ratios"].items()):
        got, drop = ratios_now.get(name), thresholds["ratios"].get(name, thresholds["ratios"]["default"])
        ok = got is not None and got >= want * (1 - drop)
        if got is None and cannot_run_here(name, ctx):
            ok = "skipped"
        rows.append((name, want, got, f">= {want * (1 - drop):.3g} (-{100 * drop:.0f}%)", ok))
    for name, want in sorted(base["instructions"].items()):
        got, rise = instr_now.get(name), thresholds["instructions"]
        ok = got is not None and got <= want * (1 + rise)
        rows.append((name, want, got, f"<= {want * (1 + rise):.4g} (+{100 * rise:.0f}%)", ok))
    width = max(len(r[0]) for r in rows)
    print(f"\n{'gate':<{width}}  {'baseline':>10}  {'now':>10}  {'allowed':<22} result")
    for name, want, got, allowed, ok in rows:
        bad += not ok
        now = "missing" if got is None else f"{got:.4g}"
        verdict = ok if ok == "skipped" else "ok" if ok else "REGRESSED"
        if verdict == "skipped":
            verdict = "skipped: this machine cannot measure it"
        print(f"{name:<{width}}  {want:>10.4g}  {now:>10}  {allowed:<22} {verdict}")
    return bad


def main(argv):
    if len(argv) < 3 or argv[1] not in ("check", "baseline"):
        print(__doc__, file=sys.stderr)
        return 2
    build, base_dir = argv[2], argv[3] if len(argv) > 3 else "results/baseline"
    os.makedirs(base_dir, exist_ok=True)
    raw = os.path.join(base_dir if argv[1] == "baseline" else tempfile.mkdtemp(), "bench-check-raw.json")
    ctx, r, ins = measure(build, raw)
    if argv[1] == "baseline":
        doc = {"machine": {k: v for k, v in ctx.items() if k.startswith("lingrad_") or k == "date"},
               "ratios": r, "instructions": ins}
        with open(os.path.join(base_dir, "bench-check.json"), "w") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
        print(json.dumps(doc, indent=1, sort_keys=True))
        print(f"bench-check: baseline written to {base_dir}/ (commit it with the change that moved it)")
        return 0
    with open(os.path.join(base_dir, "bench-check.json")) as f:
        base = json.load(f)
    with open(os.path.join(base_dir, "thresholds.json")) as f:
        thresholds = json.load(f)
    bad = compare(base, thresholds, r, ins, ctx)
    cmp = "/usr/share/benchmark/compare.py"
    old = os.path.join(base_dir, "bench-check-raw.json")
    if os.path.exists(cmp) and os.path.exists(old):
        print("\nAbsolute times against the baseline machine (reported, never gated):", flush=True)
        subprocess.run([sys.executable, cmp, "benchmarks", old, raw], check=False)
    print(f"\nbench-check: {'FAILED: ' + str(bad) + ' gate(s) regressed' if bad else 'all gates passed'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
