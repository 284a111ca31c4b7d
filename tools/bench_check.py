#!/usr/bin/env python3
"""The CI performance gate: ratios measured in one run, and instruction counts.

usage: bench_check.py check|baseline BUILD_DIR [BASELINE_ROOT]

Shared CI machines move absolute times by 10-50%, so nothing here gates on a
time. It gates on:
  - ratios of rows measured in the same run, interleaved and repeated (the best of
    5 repetitions in random order: noise on a shared machine only ever slows a
    repetition down, while a real regression slows all of them): SIMD over scalar,
    fused over eager, graph over eager, kernel over the memory roofline, threads
    over one thread, and lingrad's best table over the best compiler peer
    (bench/peers.c: the plain loop built with -O3 -ffast-math) of equal or
    better accuracy, so the hand-written kernels never fall behind the compiler
    unnoticed.
    A ratio gate that fails is measured once more and judged on the best of both
    runs: a regression fails twice, one noisy minute does not;
  - instructions per element per epoch of fused training with the scalar and AVX2
    tables, and instructions per epoch at n = 100 of each mode the build has (its
    `lingrad info --modes`; AVX2), counted by valgrind's callgrind (deterministic;
    valgrind cannot run AVX-512). Graph mode is counted compiled, as it runs by
    default: the runs share a private cache that a native run fills first, so
    both load the sweeps from it and the compiler (a child process, which
    valgrind does not follow) never runs inside a counted run.
  - the SIMD invariants: scalar instructions per element over a SIMD table's
    (callgrind's counts above), at least half the table's lanes. They need no
    baseline, so a table that stops being vectorised fails on the first run on
    a new machine or compiler.
Absolute times are printed beside the baseline's (Google Benchmark's compare.py
when it is installed) but never gated.

Baselines are per machine class (tools/machine_class.py: CPU vendor, family,
model and the best table), in BASELINE_ROOT/<class>/ (default results/baseline).
A class with no baseline is judged against machine-independent floors
(BASELINE_ROOT/floors.json, each with its reasoning), and says so. Instruction
counts do not depend on the CPU, only on the binary: such a class uses the counts
of a baseline built by the same compiler, else the floors' ceilings. A gate that
a baseline predates is judged by its floor or ceiling, and the check says so.

check:    compares and exits 1 with a table of what regressed.
baseline: measures and writes BASELINE_ROOT/<class>/bench-check.json and the raw
          JSON. Relative limits live in BASELINE_ROOT/thresholds.json (by hand).
Set LINGRAD_BENCH_CLASS to judge this machine as another class (e.g. one with no
baseline, to see the floors at work).
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import machine_class  # noqa: E402

REPS = 5
# Sizes of the threads' "never slower" invariant: from far below the grain to
# past it (2^17 for a SIMD table in a training run), in L1, L2 and L3.
NEVER_SLOWER_N = (1024, 16384, 32768, 65536, 131072, 1048576)
# The threads gates' sizes (f32 pairs: 1 MiB, 8 MiB, 128 MiB of x and y).
THREAD_LEVELS = (("L2", 131072), ("L3", 1048576), ("DRAM", 16777216))
FILTER = ("kernel/fused_mse/f32/[a-z0-9]+/threads:[0-9]+/n:[0-9]+/(L2|L3)"
          "|kernel/(fused_mse|roofline_read)/f32/[a-z0-9]+/threads:1/n:[0-9]{1,8}/DRAM"
          "|train/epoch/(fused|eager)/f32/[a-z0-9]+/threads:[0-9]+/n:10000/"
          "|train/epoch/(eager|graph|fused)/f32/[a-z0-9]+/threads:[0-9]+/n:1000000/"
          "|probe/omp_compute/"
          f"|train/threads/(fused|graph|eager)/f32/[a-z0-9]+/threads:[0-9]+/n:({'|'.join(map(str, NEVER_SLOWER_N))})/"
          "|train/threads/fused/f32/[a-z0-9]+/threads:[0-9]+/n:16777216/"
          "|(peer|direct)/fused_mse/f32/[a-z0-9_]+/threads:1/n:[0-9]+/L2")
CALLGRIND = [("scalar", "f32"), ("scalar", "f64"), ("avx2", "f32"), ("avx2", "f64")]
CALLGRIND_N, CALLGRIND_EPOCHS = 100000, 10
# Per-epoch counts of each mode at the tutorial's n = 100, where an epoch's cost is
# its fixed overhead (the tape, the plan, the scalar steps), not the kernels: the
# gate on the overhead that the per-element counts at 10^5 dilute. AVX2, the
# best table valgrind runs. The modes are the build's own (build_modes): None
# means all of them; bench-bisect and gate_metrics narrow it to a tuple.
EPOCH_MODES, EPOCH_ISA = None, "avx2"
EPOCH_N, EPOCH_EPOCHS = 100, 1000
SIMD = ("avx2", "avx512", "neon")
# Lanes per vector of the SIMD tables callgrind counts. Floor of the invariant:
# half of them. Measured on AuthenticAMD-23-1-avx2 (GNU 12.2): 13.4 for f32 (8 lanes; the scalar
# loop spends ~15 instructions per element, the AVX2 one 1.12 with its overhead
# shared by 32 elements) and 6.2 for f64 (4 lanes): 3.4x and 3.1x above the
# floor, room for another compiler; a scalar loop in the SIMD slot reads ~1.
# A table at half width would still pass: the +2% instruction gates catch that.
SIMD_LANES = {"avx2": {"f32": 8, "f64": 4}}


def run_bench(build, out_json):
    cmd = [os.path.join(build, "lingrad-bench"), f"--benchmark_filter={FILTER}",
           f"--benchmark_repetitions={REPS}", "--benchmark_enable_random_interleaving=true",
           "--benchmark_min_time=0.05", "--benchmark_color=false",
           f"--benchmark_out={out_json}", "--benchmark_out_format=json"]
    print("bench-check: " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    with open(out_json) as f:
        data = json.load(f)
    return data["context"], best_rows(data["benchmarks"])


def fold(best, name, r):
    """Keeps in best[name] the best of what it held and row r: least time, most
    items and bytes per second."""
    b = best.setdefault(name, dict(r))
    b["real_time"] = min(b["real_time"], r["real_time"])
    for key in ("items_per_second", "bytes_per_second"):
        if key in r:
            b[key] = max(b.get(key, 0), r[key])


def base_name(name):
    """A row's name without the time type Google Benchmark appends: /real_time,
    or /manual_time for rows that report their own time (the train/epoch/ rows
    since graph mode compiles: lingrad's clock less its one-time setup)."""
    return re.sub(r"/(real|manual)_time$", "", name)


def best_rows(rows):
    """Each row's best repetition."""
    best = {}
    for r in rows:
        if r.get("run_type") == "iteration" and not r.get("error_occurred"):
            fold(best, base_name(r["name"]), r)
    return best


def merge(a, b):
    """The best of two runs' best rows (the confirmation run)."""
    out = {k: dict(v) for k, v in a.items()}
    for name, r in b.items():
        fold(out, name, r)
    return out


def find(med, pattern):
    """The single row whose name matches pattern (n is ignored: it follows the
    machine's caches, the level does not)."""
    hits = [r for name, r in med.items() if re.fullmatch(pattern, name)]
    return hits[0] if len(hits) == 1 else None


def peer_gate(med, simd):
    """lingrad's fastest SIMD table over the fastest compiler peer whose error is
    no larger than that table's (rel_err: the worst of the three sums against
    the long-double reference), fused_mse f32 in L2, one thread, both called
    directly on the main thread (older runs: lingrad through the driver). A peer faster
    only because it sums in f32 (the -ffast-math acc32 loop) does not count: it
    buys speed with accuracy lingrad keeps. None without rows to compare."""
    tables = []
    for isa in simd:  # called as the peers are (direct/), else through the driver
        t = (find(med, rf"direct/fused_mse/f32/{isa}/threads:1/n:\d+/L2")
             or find(med, rf"kernel/fused_mse/f32/{isa}/threads:1/n:\d+/L2"))
        if t and "rel_err" in t:
            tables.append(t)
    if not tables:
        return None
    ours = max(tables, key=lambda t: t["items_per_second"])
    peers = [r for name, r in med.items()
             if re.fullmatch(r"peer/fused_mse/f32/[a-z0-9_]+/threads:1/n:\d+/L2", name)
             and r.get("rel_err", float("inf")) <= ours["rel_err"]]
    if not peers:
        return None
    return ours["items_per_second"] / max(r["items_per_second"] for r in peers)


def cores_of(ctx):
    m = re.search(r"(\d+) cores", ctx.get("lingrad_topology", "1 cores"))
    return int(m.group(1)) if m else 1


def ratios(ctx, med):
    isas = ctx.get("lingrad_isa_available", "scalar").split()
    simd = [i for i in SIMD if i in isas]
    best = machine_class.best_isa(" ".join(isas))
    cores = cores_of(ctx)
    rate = lambda p: (find(med, p) or {}).get("items_per_second")
    per = lambda p: (find(med, p) or {}).get("real_time")
    out = {}
    scalar_l2 = rate(r"kernel/fused_mse/f32/scalar/threads:1/n:\d+/L2")
    for isa in simd:
        v = rate(rf"kernel/fused_mse/f32/{isa}/threads:1/n:\d+/L2")
        if v and scalar_l2:
            out[f"{isa}_over_scalar_fused_f32_L2"] = v / scalar_l2
    if best not in SIMD:
        return out  # the gates below hold SIMD code to memory speed; scalar is compute-bound
    e, f = per(r"train/epoch/eager/f32/\w+/threads:\d+/n:10000"), per(r"train/epoch/fused/f32/\w+/threads:\d+/n:10000")
    if e and f:
        out["fused_over_eager_epoch_n10000"] = e / f
    # graph against the eager ops it runs, at a size where eager's n-sized
    # intermediates leave the caches and graph's per-block scratch does not
    e, g = per(r"train/epoch/eager/f32/\w+/threads:\d+/n:1000000"), per(r"train/epoch/graph/f32/\w+/threads:\d+/n:1000000")
    if e and g:
        out["graph_over_eager_epoch_n1000000"] = e / g
    # compiled graph against the hand-written fused kernel, the same size: a time
    # ratio, so its limit is a ceiling (floors.json). Both rows exclude one-time
    # costs (bench/suite_train.c), so the compile is not in it.
    f6 = per(r"train/epoch/fused/f32/\w+/threads:\d+/n:1000000")
    if f6 and g:
        out["graph_time_over_fused_epoch_n1000000"] = g / f6
    peer = peer_gate(med, simd)
    if peer:
        out["lingrad_over_peer_fused_f32_L2"] = peer
    k = find(med, rf"kernel/fused_mse/f32/{best}/threads:1/n:\d+/DRAM")
    roof = find(med, rf"kernel/roofline_read/f32/{best}/threads:1/n:\d+/DRAM")
    if k and roof:
        out["fused_over_roofline_f32_DRAM"] = k["bytes_per_second"] / roof["bytes_per_second"]
    if cores > 1:
        one = rate(rf"kernel/fused_mse/f32/{best}/threads:1/n:\d+/L3")
        many = rate(rf"kernel/fused_mse/f32/{best}/threads:{cores}/n:\d+/L3")
        p1 = rate(r"probe/omp_compute/threads:1/n:\d+")
        pn = rate(rf"probe/omp_compute/threads:{cores}/n:\d+")
        if one and many and p1 and pn:
            # lingrad's scaling relative to what the machine gives a plain
            # OpenMP loop right now; all cores, whatever their number
            out["threads_all_over_1_fused_f32_L3_vs_machine"] = (many / one) / (pn / p1)
        out.update(train_thread_ratios(med, per, best, cores))
    return out


def train_thread_ratios(med, per, best, cores):
    """Training per epoch, the team from the first epoch (make bench's
    train/threads/ rows), all cores over one thread: fused in L2, L3 and DRAM,
    and the least of every mode at every NEVER_SLOWER_N size where the team ran
    (the row's `team` counter). Where it did not (below the grain), both sides
    run the same code on one thread: such a cell measures noise, and one read
    0.75 in both runs of a clean CI run while its neighbours read 0.97-1.06."""
    out = {}
    many = lambda mode, n: find(med, rf"train/threads/{mode}/f32/{best}/threads:{cores}/n:{n}")
    speedup = lambda mode, n: ((per(rf"train/threads/{mode}/f32/{best}/threads:1/n:{n}") or 0)
                               / (per(rf"train/threads/{mode}/f32/{best}/threads:{cores}/n:{n}") or float("inf")))
    for level, n in THREAD_LEVELS:
        if speedup("fused", n):
            out[f"threads_all_over_1_train_fused_f32_{level}"] = speedup("fused", n)
    cells = [(speedup(m, n), (many(m, n) or {}).get("team", 1)) for m in ("fused", "graph", "eager")
             for n in NEVER_SLOWER_N]
    teamed = [v for v, team in cells if team > 0]
    if cells and all(v for v, _ in cells) and teamed:
        out["threads_all_over_1_train_least_f32"] = min(teamed)
    return out


def build_modes(build):
    """The training modes of build's lingrad, in the library's order (LG_MODES in
    include/lingrad.h), from `lingrad info --modes`; None for a program that
    predates the option (an older commit's build)."""
    r = subprocess.run([os.path.join(build, "lingrad"), "info", "--modes"], capture_output=True, text=True)
    return tuple(r.stdout.split()) if r.returncode == 0 and r.stdout.strip() else None


def gated_modes(root=None):
    """The modes whose per-epoch counts floors.json has ceilings for, read from
    their gates' names: what a commit whose lingrad predates `info --modes` is
    asked for, and what bench-bisect accepts."""
    root = root or os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "results", "baseline")
    pattern = rf"instructions_per_epoch_{EPOCH_ISA}_(\w+)_f32_n{EPOCH_N}"
    found = (re.fullmatch(pattern, g) for g in load_json(os.path.join(root, "floors.json"))["instructions"])
    return tuple(m.group(1) for m in found if m)


def epoch_modes(build):
    """EPOCH_MODES, or every mode of the build when it is None."""
    if EPOCH_MODES is not None:
        return EPOCH_MODES
    modes = build_modes(build)
    if modes is None:
        raise SystemExit(f"bench-check: `{os.path.join(build, 'lingrad')} info --modes` failed: "
                         "is that a build of this commit?")
    return modes


def train_cmd(build, isa, dt, epochs, n, mode):
    return [os.path.join(build, "lingrad"), "train", "--isa", isa, "--dtype", dt,
            "--size", str(n), "--epochs", str(epochs), "--tol", "0",
            "--every", "0", "--threads", "1", "--mode", mode]


def jit_env(cache):
    """The environment of the counted runs: the JIT's cache in cache (a private,
    fresh directory: neither a user's cache nor its state decides what is
    counted), and the JIT never switched off by the caller's LINGRAD_JIT."""
    env = dict(os.environ)
    env.pop("LINGRAD_JIT", None)
    if cache:
        env["LINGRAD_CACHE_DIR"] = cache
    return env


def total_instructions(build, isa, dt, epochs, out_file, n=CALLGRIND_N, mode="fused", cache=None):
    subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=no", f"--callgrind-out-file={out_file}",
                    *train_cmd(build, isa, dt, epochs, n, mode)],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=jit_env(cache))
    with open(out_file) as f:
        for line in f:
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise SystemExit(f"bench-check: no instruction total in {out_file}")


def warm_cache(build, isa, dt, n, mode, cache):
    """Runs the counted command once natively (one epoch), so that a mode that
    compiles finds its sweeps in the cache in both counted runs: the compile
    (its hashing, writing and the compiler's spawn) would otherwise fall in
    the shorter run only and come out of the difference as negative
    instructions per epoch. Says how graph mode's sweeps ran, where the build
    tells (`--timing`): "" for a mode that has no sweeps or a build that
    predates compiling; the caller refuses anything but compiled."""
    subprocess.run(train_cmd(build, isa, dt, 1, n, mode), check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=jit_env(cache))
    r = subprocess.run(train_cmd(build, isa, dt, 1, n, mode) + ["--timing"], capture_output=True, text=True,
                       env=jit_env(cache))
    m = re.search(rf", {mode} \(([^)]*)\)", r.stderr)
    return m.group(1) if r.returncode == 0 and m else ""


def instructions(build, ctx):
    """Instructions per element per epoch of a fused training run, per (isa, dtype),
    and instructions per epoch at n = 100 per (mode, dtype): each the difference
    between two runs that differ only in the number of epochs, so set-up and data
    generation (graph mode's planning and its sweeps' load from the cache among
    them) cancel and no function name is assumed."""
    if not shutil.which("valgrind"):
        raise SystemExit("bench-check: valgrind is missing (apt-get install valgrind)")
    isas = ctx.get("lingrad_isa_available", "").split()
    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        for isa, dt in CALLGRIND:
            if isa not in isas:
                continue  # reported as skipped by the comparison
            lo = total_instructions(build, isa, dt, CALLGRIND_EPOCHS, os.path.join(tmp, "lo"))
            hi = total_instructions(build, isa, dt, 2 * CALLGRIND_EPOCHS, os.path.join(tmp, "hi"))
            out[f"instructions_per_element_{isa}_{dt}"] = (hi - lo) / (CALLGRIND_N * CALLGRIND_EPOCHS)
        if EPOCH_ISA not in isas:
            return out
        cache = os.path.join(tmp, "jit-cache")
        os.mkdir(cache, 0o700)
        for mode in epoch_modes(build):
            for dt in ("f32", "f64"):
                how = warm_cache(build, EPOCH_ISA, dt, EPOCH_N, mode, cache)
                if how and not how.startswith("compiled"):
                    raise SystemExit(f"bench-check: {mode} mode's sweeps run '{how}' here, but its "
                                     "instruction gate counts them compiled (the default): is the "
                                     "C compiler missing?")
                runs = [total_instructions(build, EPOCH_ISA, dt, e, os.path.join(tmp, f"epoch-{e}"), EPOCH_N, mode,
                                           cache=cache)
                        for e in (EPOCH_EPOCHS, 2 * EPOCH_EPOCHS)]
                out[epoch_gate(mode, dt)] = (runs[1] - runs[0]) / EPOCH_EPOCHS
    return out


def simd_invariants(instr):
    """{simd_scalar_over_<isa>_instructions_<dt>: scalar over SIMD instructions
    per element} for each SIMD table counted (the names of tools/gate_metrics.py)."""
    out = {}
    for isa, lanes in SIMD_LANES.items():
        for dt in lanes:
            s, v = instr.get(f"instructions_per_element_scalar_{dt}"), instr.get(f"instructions_per_element_{isa}_{dt}")
            if s and v:
                out[f"simd_scalar_over_{isa}_instructions_{dt}"] = s / v
    return out


def simd_gates(invariants):
    """Each invariant's floor: half the lanes of its table (see SIMD_LANES)."""
    gates = {}
    for name in invariants:
        isa, dt = re.fullmatch(r"simd_scalar_over_(\w+?)_instructions_(f32|f64)", name).groups()
        lanes = SIMD_LANES[isa][dt]
        gates[name] = (None, lanes / 2, "min", f"{lanes} lanes / 2")
    return gates


def epoch_gate(mode, dt):
    return f"instructions_per_epoch_{EPOCH_ISA}_{mode}_{dt}_n{EPOCH_N}"


SIMD_ONLY = ("fused_over_eager_", "graph_over_eager_", "graph_time_over_fused_", "fused_over_roofline_",
             "threads_", "lingrad_over_peer_")


def cannot_run_here(name, ctx):
    """A gate this machine cannot measure: an ISA it lacks, threads on one core,
    or a gate on SIMD speed where only the scalar table runs."""
    isas = ctx.get("lingrad_isa_available", "").split()
    lacks_isa = any(re.match(rf"(instructions_per_(element|epoch)_)?{i}_", name) for i in SIMD if i not in isas)
    scalar_only = name.startswith(SIMD_ONLY) and machine_class.best_isa(" ".join(isas)) not in SIMD
    return lacks_isa or scalar_only or (name.startswith("threads") and cores_of(ctx) < 2)


# ---- what to compare against ---------------------------------------------------------

def load_json(path):
    with open(path) as f:
        return json.load(f)


def class_baselines(root):
    """{class: baseline document} for every committed class."""
    out = {}
    for path in sorted(glob.glob(os.path.join(root, "*", "bench-check.json"))):
        out[os.path.basename(os.path.dirname(path))] = load_json(path)
    return out


def binary_kind(ctx):
    """What instruction counts depend on: the compiler and flags, and the
    architecture (the first word of lingrad_cpu: x86-64, aarch64)."""
    arch = (ctx.get("lingrad_cpu") or "?").split()[0].rstrip(";")
    return f"{ctx.get('lingrad_compiler', '?')} for {arch}"


def lost_tables(cls, root):
    """An error message when this CPU has a baseline under another table set: the
    same vendor, family and model offering other tables means the dispatcher
    lost (or gained) one, which a fallback to the floors would hide."""
    stem = cls.rsplit("-", 1)[0]
    others = [c for c in class_baselines(root) if c != cls and c.rsplit("-", 1)[0] == stem]
    if not others or os.environ.get(machine_class.OVERRIDE):
        return None
    return (f"this CPU ({stem}) has a baseline as class {others[0]}, but now offers the tables "
            f"of class {cls}: is a kernel table no longer detected?")


def ratio_limit(f):
    """A floors.json ratio entry as a gate: most ratios are speeds with a floor;
    a time ratio (graph_time_over_fused_...) has a ceiling instead."""
    if "ceiling" in f:
        return (None, f["ceiling"], "max", "ceiling")
    return (None, f["floor"], "min", "floor")


def instruction_gates(counts, rise):
    """Each count may rise by `rise` (a fraction) before its gate fails."""
    return {name: (want, want * (1 + rise), "max", f"+{100 * rise:.0f}%") for name, want in counts.items()}


def fill_in(gates, defaults, ctx, source):
    """Adds to gates the defaults (floors, ceilings) for the gates this machine
    can measure that the baseline lacks: one recorded before a gate existed still
    judges the gates it has, and the new ones are judged, not dropped. Returns the
    note that says so, if any."""
    lacking = sorted(g for g in defaults if g not in gates and not cannot_run_here(g, ctx))
    for g in lacking:
        gates[g] = defaults[g]
    if not lacking:
        return []
    return [f"{source} predates {len(lacking)} gate(s), judged by the floors' limits until "
            f"'make bench-baseline' records them: {', '.join(lacking)}"]


def gates_for(cls, ctx, root):
    """(lines saying where the limits come from, {gate: (reference, limit, kind, rule)})
    where kind is "min" (ratios: now >= limit) or "max" (instructions) and rule
    says how the limit was set, for the table."""
    thresholds = load_json(os.path.join(root, "thresholds.json"))
    floors = load_json(os.path.join(root, "floors.json"))
    floor_gates = {name: ratio_limit(f) for name, f in floors["ratios"].items()}
    ceilings = {name: (None, f["ceiling"], "max", "ceiling") for name, f in floors["instructions"].items()}
    baselines = class_baselines(root)
    gates, notes = {}, []
    rise = thresholds["instructions"]
    base = baselines.get(cls)
    if base:
        notes.append(f"baseline of class {cls}: {os.path.join(root, cls)}/ "
                     f"(measured {base['machine'].get('date', '?')})")
        for name, want in base["ratios"].items():
            drop = thresholds["ratios"].get(name, thresholds["ratios"]["default"])
            if "ceiling" in floors["ratios"].get(name, {}):  # a time ratio: it may rise as far
                gates[name] = (want, want * (1 + drop), "max", f"+{100 * drop:.0f}%")
            else:
                gates[name] = (want, want * (1 - drop), "min", f"-{100 * drop:.0f}%")
        gates.update(instruction_gates(base["instructions"], rise))
        notes += fill_in(gates, {**floor_gates, **ceilings}, ctx, f"the baseline of class {cls}")
        return notes, gates
    known = ", ".join(baselines) or "none"
    notes.append(f"no baseline for class {cls} (committed: {known}): the ratio gates use the "
                 f"machine-independent floors of {os.path.join(root, 'floors.json')}; "
                 f"'make bench-baseline' would record one")
    gates.update(floor_gates)
    build = binary_kind(ctx)
    same = [(c, b) for c, b in baselines.items() if binary_kind(b["machine"]) == build]
    if same:
        c, b = same[0]
        notes.append(f"instruction gates: counts of class {c}, built by the same compiler for the "
                     f"same architecture ({build}); instruction counts depend on the binary, not the CPU")
        gates.update(instruction_gates(b["instructions"], rise))
        notes += fill_in(gates, ceilings, ctx, f"the baseline of class {c}")
    else:
        notes.append(f"instruction gates: no baseline built by {build}: the floors' ceilings")
        gates.update(ceilings)
    return notes, gates


# ---- judging --------------------------------------------------------------------------

def judge(gates, now, ctx):
    """[(name, reference, got, allowed, verdict)] with verdict ok, REGRESSED or skipped."""
    rows = []
    for name, (want, limit, kind, rule) in sorted(gates.items()):
        got = now.get(name)
        sign = ">=" if kind == "min" else "<="
        allowed = f"{sign} {limit:.4g} ({rule})"
        if got is None:
            verdict = "skipped: this machine cannot measure it" if cannot_run_here(name, ctx) else "REGRESSED"
        else:
            verdict = "ok" if (got >= limit if kind == "min" else got <= limit) else "REGRESSED"
        rows.append((name, want, got, allowed, verdict))
    return rows


def print_table(rows, title):
    width = max(len(r[0]) for r in rows)
    print(f"\n{title}\n{'gate':<{width}}  {'baseline':>10}  {'now':>10}  {'allowed':<24} result")
    for name, want, got, allowed, verdict in rows:
        ref = "-" if want is None else f"{want:.4g}"
        now = "missing" if got is None else f"{got:.4g}"
        if verdict == "REGRESSED" and got is None:
            verdict = "REGRESSED (not measured)"
        print(f"{name:<{width}}  {ref:>10}  {now:>10}  {allowed:<24} {verdict}")


def failed_ratio_gates(rows):
    return [r[0] for r in rows if r[4] == "REGRESSED" and not r[0].startswith(("instructions_", "simd_"))]


def compare_times(root, cls, raw):
    cmp = "/usr/share/benchmark/compare.py"
    old = os.path.join(root, cls, "bench-check-raw.json")
    if not os.path.exists(cmp) or not os.path.exists(old):
        print(f"\nAbsolute times: no raw baseline of class {cls} to set them beside.")
        return
    print(f"\nAbsolute times against class {cls}'s baseline (reported, never gated):", flush=True)
    colour = [] if sys.stdout.isatty() else ["--no-color"]
    subprocess.run([sys.executable, cmp, *colour, "-a", "benchmarks", old, raw], check=False)


def check(build, root):
    with tempfile.TemporaryDirectory(prefix="lingrad-bench-check-") as tmp:
        return check_in(build, root, tmp)


def check_in(build, root, tmp):
    raw = os.path.join(tmp, "bench-check-raw.json")
    ctx, best = run_bench(build, raw)
    cls = machine_class.from_context(ctx)
    print(f"bench-check: machine class {cls}: {machine_class.describe(ctx)}")
    notes, gates = gates_for(cls, ctx, root)
    for n in notes:
        print(f"bench-check: {n}")
    instr = instructions(build, ctx)
    simd = simd_invariants(instr)
    gates.update(simd_gates(simd))
    instr = {**instr, **simd}  # exact, like the counts: not measured again
    rows = judge(gates, {**ratios(ctx, best), **instr}, ctx)
    print_table(rows, "first run")
    again = failed_ratio_gates(rows)
    if again:
        print(f"\nbench-check: {len(again)} ratio gate(s) below their limit: measuring once more "
              f"and judging the best repetition of both runs ({', '.join(again)})", flush=True)
        _, more = run_bench(build, os.path.join(tmp, "bench-check-raw-2.json"))
        rows = judge(gates, {**ratios(ctx, merge(best, more)), **instr}, ctx)
        print_table(rows, "both runs, best repetition of each row")
    compare_times(root, cls, raw)
    bad = sum(r[4].startswith("REGRESSED") for r in rows)
    lost = lost_tables(cls, root)
    if lost:
        print(f"\nbench-check: ERROR: {lost}")
        bad += 1
    print(f"\nbench-check: class {cls}: "
          f"{'FAILED: ' + str(bad) + ' gate(s) regressed' if bad else 'all gates passed'}")
    return 1 if bad else 0


def missing_gates(doc, ctx, root):
    """Gates this machine can measure that a new baseline lacks: a baseline
    without them would leave them unchecked for its class from then on."""
    floors = load_json(os.path.join(root, "floors.json"))
    have = {**doc["ratios"], **doc["instructions"]}
    want = list(floors["ratios"]) + list(floors["instructions"])
    return [g for g in want if g not in have and not cannot_run_here(g, ctx)]


def baseline(build, root):
    with tempfile.TemporaryDirectory(prefix="lingrad-bench-baseline-") as tmp:
        raw = os.path.join(tmp, "bench-check-raw.json")
        ctx, best = run_bench(build, raw)
        cls = machine_class.from_context(ctx)
        doc = {"class": cls, "machine": {k: v for k, v in ctx.items() if k.startswith("lingrad_") or k == "date"},
               "ratios": ratios(ctx, best), "instructions": instructions(build, ctx)}
        missing = missing_gates(doc, ctx, root)
        if missing:
            raise SystemExit(f"bench-check: not writing a baseline: this machine should measure "
                             f"{', '.join(missing)} but the run gave no value (rows missing?)")
        out_dir = os.path.join(root, cls)
        os.makedirs(out_dir, exist_ok=True)
        with open(os.path.join(out_dir, "bench-check.json"), "w") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
            f.write("\n")
        shutil.copy(raw, os.path.join(out_dir, "bench-check-raw.json"))
    print(json.dumps(doc, indent=1, sort_keys=True))
    print(f"bench-check: baseline of class {cls} written to {out_dir}/ "
          "(commit it with the change that moved it)")
    return 0


def main(argv):
    if len(argv) < 3 or argv[1] not in ("check", "baseline"):
        print(__doc__, file=sys.stderr)
        return 2
    build, root = argv[2], argv[3] if len(argv) > 3 else "results/baseline"
    return check(build, root) if argv[1] == "check" else baseline(build, root)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
