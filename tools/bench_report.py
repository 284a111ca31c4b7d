#!/usr/bin/env python3
"""Summary table and plots from one `make bench` run.

usage: bench_report.py RESULTS_DIR

Reads RESULTS_DIR/lingrad.json (Google Benchmark JSON from lingrad-bench) and,
when present, RESULTS_DIR/pytorch.json, pytorch_epoch_times.csv and
graph_setup.json (bench/jit_setup.py: graph mode's one-time costs). Writes
RESULTS_DIR/summary.md (also printed) and PNG plots (peers-rate-vs-error.png:
lingrad's tables against the compiler's loops, when the run has peer/ rows;
epoch-time-vs-n.png: time per epoch of each mode and of PyTorch against n;
thread-speedup-vs-n.png: what threads buy each mode's epoch). Every number in the summary
comes from this one run; ratios are of rows measured side by side.
Exit status 3: matplotlib is missing.
"""
import csv
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import machine_class  # noqa: E402

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit(3)

NAME = re.compile(r"^(?P<suite>kernel|train)/(?P<what>[^/]+)/(?P<a>[^/]+)/(?P<b>[^/]+)/(?P<c>[^/]+)"
                  r"(?:/threads:(?P<t>\d+))?/n:(?P<n>\d+)")


def rows_of(path):
    """Benchmark rows by name, preferring the median of repetitions."""
    with open(path) as f:
        data = json.load(f)
    rows, cvs = {}, {}
    for r in data.get("benchmarks", []):
        if r.get("error_occurred"):
            continue
        # /manual_time: rows that report their own time (train/epoch/: lingrad's
        # clock of the epochs, less graph mode's one-time planning and compiling)
        name = re.sub(r"/(real|manual)_time(?=_|$)", "", r["name"])
        name = re.sub(r"_(median|mean|stddev|cv)$", "", name)
        agg = r.get("aggregate_name")
        if agg == "cv":
            cvs[name] = r["real_time"]  # stddev / mean of the repetitions
        elif agg in (None, "median") and (agg == "median" or name not in rows):
            rows[name] = r
    for name, cv in cvs.items():
        if name in rows:
            rows[name]["cv"] = cv
    return data.get("context", {}), rows


def seconds(r):
    unit = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[r.get("time_unit", "ns")]
    return r["real_time"] * unit


def kernels(rows):
    """{(kernel, dtype, isa, threads, n): row}"""
    out = {}
    for name, r in rows.items():
        if not name.startswith("kernel/"):
            continue
        p = name.split("/")
        out[(p[1], p[2], p[3], int(p[4].split(":")[1]), int(p[5].split(":")[1]))] = r
    return out


def fmt_rate(v, row=None):
    if v is None:
        return "—"
    cv = (row or {}).get("cv")
    return f"{v / 1e9:.2f}" + (f" ±{100 * cv:.0f}%" if cv is not None else "")


def kernel_table(k, dtype, kernel="fused_mse"):
    isas = sorted({key[2] for key in k})
    simd = [i for i in isas if i != "scalar"]
    tmax = max((key[3] for key in k), default=1)
    ns = sorted({key[4] for key in k if key[0] == kernel and key[1] == dtype})
    lines = [f"| {kernel} {dtype}, n | scalar | best SIMD (1 thread) | SIMD + {tmax} threads | "
             "speed-up over scalar | % of roofline |", "|---:|---:|---:|---:|---:|---:|"]
    for n in ns:
        def rate(isa, t):
            r = k.get((kernel, dtype, isa, t, n))
            return r["items_per_second"] if r else None
        def row(isa, t):
            return k.get((kernel, dtype, isa, t, n), {})
        sc = rate("scalar", 1)
        best1_isa = max(simd, key=lambda i: rate(i, 1) or 0) if simd else "scalar"
        bestt_isa = max(simd, key=lambda i: rate(i, tmax) or 0) if simd else "scalar"
        best1, bestt = rate(best1_isa, 1), rate(bestt_isa, tmax)
        pct = row(bestt_isa, tmax).get("roofline_pct")
        speed = f"{bestt / sc:.1f}x" if bestt and sc else "—"
        label = f"{n:,}" if kernel == "fused_mse" else f"{kernel}, {n:,}"
        lines.append(f"| {label} | {fmt_rate(sc, row('scalar', 1))} | {fmt_rate(best1, row(best1_isa, 1))} "
                     f"{best1_isa} | {fmt_rate(bestt, row(bestt_isa, tmax))} {bestt_isa} | {speed} | "
                     f"{'—' if pct is None else f'{pct:.0f}%'} |")
    return lines


def peer_rows(rows):
    """{(kernel, dtype, variant, n): row} of the peer/ rows (bench/peers.c: the
    compiler's own loops, one thread) and of the direct/ rows (lingrad's tables
    called the same way, variant = the ISA), and {n: cache level} from their
    names."""
    out, levels = {"peer": {}, "direct": {}}, {}
    for name, r in rows.items():
        p = name.split("/")
        if p[0] not in out or len(p) < 7:
            continue
        n = int(p[5].split(":")[1])
        out[p[0]][(p[1], p[2], p[3], n)] = r
        levels[n] = p[6]
    return out, levels


def lingrad_label(isa, how=""):
    return ("lingrad " if isa != "scalar" else "") + isa + how


def contenders(k, peers, kernel, dtype, driver=True):
    """[(label, {n: row})]: scalar and lingrad's SIMD tables, then the peers, for
    one kernel and dtype. lingrad's tables are the direct/ rows (called as the
    peers are) where the run has them, then (driver=True) the kernel/ rows
    through the parallel driver on one thread, labelled as such."""
    order = lambda i: (i != "scalar", i)
    direct = {key: r for key, r in peers["direct"].items() if key[:2] == (kernel, dtype)}
    out = [(lingrad_label(i), {key[3]: r for key, r in direct.items() if key[2] == i})
           for i in sorted({key[2] for key in direct}, key=order)]
    if driver or not direct:
        how = ", driver" if direct else ""
        isas = sorted({key[2] for key in k if key[:2] == (kernel, dtype)}, key=order)
        out += [(lingrad_label(i, how),
                 {key[4]: r for key, r in k.items() if key[:4] == (kernel, dtype, i, 1)})
                for i in isas]
    peer = peers["peer"]
    for v in sorted({key[2] for key in peer if key[:2] == (kernel, dtype)}):
        out.append((v, {key[3]: r for key, r in peer.items() if key[:3] == (kernel, dtype, v)}))
    return out


def fmt_err(r):
    e = r.get("rel_err")
    return "—" if e is None else f"{e:.1e}"


def peer_table(k, peers, levels, kernel="fused_mse", dtype="f32"):
    """Rate and relative error side by side, per size; [] without peer rows."""
    rows = contenders(k, peers, kernel, dtype)
    ns = sorted({key[3] for key in peers["peer"] if key[:2] == (kernel, dtype)})
    if not ns:
        return []
    head = ["implementation"] + [f"{levels.get(n, '')} n = {n:,}" for n in ns]
    lines = [f"## The compiler as a peer ({kernel} {dtype}, one thread)", "",
             "Each cell: G elements/s · relative error of the worst sum (rel_err: "
             "|sum - ref| / |ref| against a long-double reference). The peers are "
             "bench/peers.c's plain loops with `#pragma omp simd` reductions, built with "
             "-O3 -ffast-math -fopenmp-simd and the ISA's flags; acc32 sums in float, "
             "acc64 in double. lingrad's rows call its tables the same way (lg_kop_call on "
             "the main thread); the rows marked driver go through the parallel driver on one "
             "thread, as training does.", "",
             "| " + " | ".join(head) + " |", "|---|" + "---:|" * len(ns)]
    for label, by_n in rows:
        cells = [f"{fmt_rate(by_n[n]['items_per_second'])} · {fmt_err(by_n[n])}" if n in by_n
                 else "—" for n in ns]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


# PyTorch's loops in the tutorial table; the last is the loss as torch.jit.script.
TORCH_LOOPS = ("as_written", "no_grad", "jit_script")


def fmt_us(sec, row):
    """Microseconds, with the repetitions' coefficient of variation where the row has one."""
    cv = row.get("cv")
    return f"{sec * 1e6:,.1f} us" + (f" ±{100 * cv:.0f}%" if cv is not None else "")


def fuser_sentence(torch_ctx):
    """One sentence on PyTorch's CPU fuser, from pytorch.json; None for older runs,
    which did not record it."""
    fuser = torch_ctx.get("pytorch_jit_fuser")
    if fuser is None:
        return None
    if fuser.startswith("nnc"):
        return ("PyTorch's CPU fuser (NNC) was available in this build: the jit_script rows "
                "ran the loss as fused TorchScript.")
    if fuser.startswith("unavailable"):
        why = fuser[len("unavailable"):].strip(" ()")
        return (f"PyTorch's CPU fuser (NNC) was not available in this build ({why}), so the "
                "jit_script rows ran the loss as unfused TorchScript (one kernel per op).")
    return f"PyTorch's CPU fuser (NNC): {fuser}."


def train_rows(rows, prefix):
    return {n: r for n, r in rows.items() if n.startswith(prefix)}


# The modes are those the run's train/epoch/ rows name (the library's list,
# include/lingrad.h LG_MODES, as the benchmark registered it, and graph-interp:
# graph mode with its sweeps interpreted); a run made before a mode existed has
# no column or bars for it. These keep the order and colours the reports have
# always shown them in; a mode added later follows them in name order, in the
# next colour.
MODE_ORDER = ("graph", "graph-interp", "fused", "eager")
MODE_COLOURS = {"fused": "tab:blue", "eager": "tab:orange", "graph": "tab:green", "graph-interp": "tab:olive"}
# How the tables and plots name a mode where the row name is terse. "graph" is
# compiled since graph mode compiles (runs before that have no graph-interp rows,
# and their "graph" was interpreted: it is named plainly then).
MODE_LABELS = {"graph": "graph compiled", "graph-interp": "graph interpreted"}
# Same-run ratios of time per epoch, a over b, where the run has both modes.
EPOCH_RATIOS = (("graph", "fused"), ("graph-interp", "fused"), ("eager", "graph"))


def mode_label(mode, modes):
    return MODE_LABELS.get(mode, mode) if "graph-interp" in modes else mode
LATER_COLOURS = ("tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan")


def modes_of(by):
    """The modes in {(mode, n): row}, in the reports' order."""
    found = {k[0] for k in by}
    return sorted(found, key=lambda m: (MODE_ORDER.index(m), "") if m in MODE_ORDER else (len(MODE_ORDER), m))


def mode_colour(mode, modes):
    later = [m for m in modes if m not in MODE_COLOURS]
    return MODE_COLOURS.get(mode) or LATER_COLOURS[later.index(mode) % len(LATER_COLOURS)]


def epoch_rows(ep):
    """{(mode, n): row} of the train/epoch/ rows."""
    out = {}
    for name, r in ep.items():
        out[(name.split("/")[2], int(name.split("n:")[1]))] = r
    return out


def per_epoch_s(r):
    return seconds(r) / r.get("epochs", 1)


def epoch_table(ep, torch_rows):
    by = epoch_rows(ep)
    modes = modes_of(by)
    ns = sorted({k[1] for k in by})
    # ratios of rows from this one run: how much slower graph is than the fused
    # kernel, and how much faster than the eager ops it runs
    ratios = [(a, b) for a, b in EPOCH_RATIOS if a in modes and b in modes]
    name = lambda m: mode_label(m, modes)
    head = (["n"] + [f"lingrad {name(m)}" for m in modes] + [f"{name(a)} / {name(b)}" for a, b in ratios]
            + ["PyTorch (no_grad)", "PyTorch (jit_script)", "numpy"])
    lines = ["## Time per epoch (f32)", "",
             "Median of the run's repetitions ± their coefficient of variation"
             + ("; the ratios are of those medians." if ratios else ".")
             + (" Graph mode's one-time planning and compiling is not in its time per "
                "epoch (each row reports lingrad's clock of its epochs less that setup); "
                "it is measured on its own below." if "graph-interp" in modes else "")
             + " PyTorch's rows are the no_grad loop with the loss eager, and as a "
             "torch.jit.script function (jit_script: loss.backward() runs TorchScript's "
             "derived gradient graph).", "",
             "| " + " | ".join(head) + " |", "|" + "---:|" * len(head)]
    for n in ns:
        def us(mode):
            r = by.get((mode, n))
            if not r:
                return "—"
            cv = r.get("cv")
            return f"{per_epoch_s(r) * 1e6:,.1f} us" + (f" ±{100 * cv:.0f}%" if cv is not None else "")
        def ratio(a, b):
            ra, rb = by.get((a, n)), by.get((b, n))
            return f"{per_epoch_s(ra) / per_epoch_s(rb):.2f}x" if ra and rb else "—"
        def ext(name):
            r = torch_rows.get(name)
            if r and "skipped" in r:  # could not run here: the reason, in the cell
                return f"not run: {r['skipped']}"
            return fmt_us(seconds(r), r) if r else "—"
        cells = ([f"{n:,}"] + [us(m) for m in modes] + [ratio(a, b) for a, b in ratios]
                 + [ext(f"pytorch/epoch/no_grad/f32/n:{n}"), ext(f"pytorch/epoch/jit_script/f32/n:{n}"),
                    ext(f"numpy/epoch/f32/n:{n}")])
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def thread_rows(rows):
    """{(mode, dtype, threads, n): row} of the train/threads/ rows."""
    out = {}
    for name, r in train_rows(rows, "train/threads/").items():
        p = name.split("/")
        out[(p[2], p[3], int(p[5].split(":")[1]), int(p[6].split(":")[1]))] = r
    return out


def thread_speedups(th):
    """{(mode, dtype, threads, n): time per epoch on 1 thread over on
    `threads`}, for every row with more than one thread whose 1-thread twin ran."""
    out = {}
    for (mode, dt, t, n), r in th.items():
        one = th.get((mode, dt, 1, n))
        if t > 1 and one:
            out[(mode, dt, t, n)] = per_epoch_s(one) / per_epoch_s(r)
    return out


def thread_table(th):
    sp = thread_speedups(th)
    if not sp:
        return []
    modes = modes_of({(m, n): None for m, _, _, n in sp})
    dtypes = sorted({dt for _, dt, _, _ in sp})
    counts = sorted({t for _, _, t, _ in sp})
    cols = [(m, dt, t) for dt in dtypes for m in modes for t in counts]
    # A row without the team counter (an older run) counts as teamed: judged.
    teamed = lambda k: th[k].get("team", 1) > 0
    judged = [v for k, v in sp.items() if teamed(k)]
    alone = [v for k, v in sp.items() if not teamed(k)]
    worst = f"{min(judged):.2f}" if judged else "none ran"
    spread = (f" Below the grain no team starts and both sides run the same code on one thread: "
              f"those cells (no star) spread {min(alone):.2f}-{max(alone):.2f} here, the "
              f"measurement's own spread." if alone else "")
    lines = ["## What threads buy a training run", "",
             "Speed-up of T threads over one: the median time per epoch on one thread over the "
             "median on T, both in steady state (the team started before the first epoch; its "
             "one-time start and graph mode's planning are reported apart, not in an epoch), rows "
             "of one run with their repetitions interleaved at random. A star marks the cells where "
             "the team ran; there, below 0.95, two threads lose: lingrad's driver should have run "
             f"one. The worst starred cell here: {worst}.{spread}", "",
             "| n | " + " | ".join(f"{m} {dt} {t}T/1T" for m, dt, t in cols) + " |",
             "|" + "---:|" * (len(cols) + 1)]
    for n in sorted({n for _, _, _, n in sp}):
        cells = []
        for m, dt, t in cols:
            v = sp.get((m, dt, t, n))
            if v is None:
                cells.append("—")
            elif teamed((m, dt, t, n)):
                cells.append(f"{v:.2f} *" + (" (loses)" if v < 0.95 else ""))
            else:
                cells.append(f"{v:.2f}")
        lines.append(f"| {n:,} | " + " | ".join(cells) + " |")
    return lines


def whole_rows(rows):
    """{(mode, dtype, threads, epochs, n): row} of the train/whole/ rows."""
    out = {}
    for name, r in train_rows(rows, "train/whole/").items():
        p = name.split("/")
        num = lambda field: int(field.split(":")[1])
        out[(p[2], p[3], num(p[5]), num(p[6]), num(p[7]))] = r
    return out


def whole_table(wr):
    """Whole runs, all cores over one thread, per mode, dtype, n and run length."""
    sp = {}
    for (m, dt, t, e, n), r in wr.items():
        one = wr.get((m, dt, 1, e, n))
        if t > 1 and one and not r.get("skipped") and not one.get("skipped"):
            sp[(m, dt, t, e, n)] = (seconds(one) / seconds(r), r.get("team"))
    if not sp:
        return []
    epochs = sorted({e for _, _, _, e, _ in sp})
    teamed = [v for v, team in sp.values() if team]
    alone = [v for v, team in sp.values() if not team]
    spread = f"{min(alone):.2f}-{max(alone):.2f}" if alone else "none"
    worst = f"{min(teamed):.2f}" if teamed else "none ran"
    lines = ["## Whole runs: what threads buy a user's call", "",
             "One thread's time over all cores' for a whole `lg_train` call (train/whole/: tol 0, so every "
             "epoch runs; the team's start, graph mode's planning and the driver's choice of when a team "
             "pays included), medians of interleaved repetitions. A star marks the cells where the team "
             "started, and there below 0.95 two threads lose. Elsewhere the driver started none (too "
             "short a run, or n below the grain): both sides ran the same code, bar a fork where a call "
             f"passes the fork grain, so their spread is the measurement's ({spread} here). Runs longer "
             f"than about a second on one thread are left out. The worst starred cell: {worst}.", "",
             "| mode | dtype | threads | n | " + " | ".join(f"{e:,} epochs" for e in epochs) + " |",
             "|---|---|---:|---:|" + "---:|" * len(epochs)]
    for m, dt, t, n in sorted({(m, dt, t, n) for m, dt, t, _, n in sp}):
        cells = []
        for e in epochs:
            v = sp.get((m, dt, t, e, n))
            if v is None:
                cells.append("—")
            elif v[1]:
                cells.append(f"{v[0]:.2f} *" + (" (loses)" if v[0] < 0.95 else ""))
            else:
                cells.append(f"{v[0]:.2f}")
        lines.append(f"| {m} | {dt} | {t} | {n:,} | " + " | ".join(cells) + " |")
    return lines


SETUP_WHAT = (("cold_compile", "planning and compiling, cold cache (a new cache directory)"),
              ("cache_hit", "planning and loading the compiled sweeps from the cache (a second process)"),
              ("plan_only", "planning alone (--interpret)"))


def setup_table(setup_ctx, setup_rows):
    """Graph mode's one-time costs (graph_setup.json, bench/jit_setup.py); [] when
    the run has none."""
    found = {name.split("/")[2]: (name, r) for name, r in setup_rows.items() if name.startswith("setup/graph/")}
    if not found:
        return []
    any_name = next(iter(found.values()))[0]
    dt, n = any_name.split("/")[3], any_name.split("n:")[1]
    lines = ["## Graph mode's one-time costs", "",
             f"Once per new plan, not per epoch: the tutorial's plan ({dt}, n = {int(n):,}), each figure "
             f"the median of {setup_ctx.get('repetitions', '?')} processes (lingrad's own setup_seconds, "
             f"`{setup_ctx.get('command', 'lingrad train --mode graph --timing')}`), with their range. "
             f"JIT: {setup_ctx.get('jit', '?')}.", "",
             "| one-time cost | median | min – max |", "|---|---:|---:|"]
    for what, text in SETUP_WHAT:
        if what in found:
            r = found[what][1]
            lines.append(f"| {text} | {r['real_time']:,.3f} ms | {r['min']:,.3f} – {r['max']:,.3f} ms |")
    return lines


def summary(ctx, rows, torch_rows, torch_ctx=None, setup=None):
    k = kernels(rows)
    out = ["# lingrad benchmark summary", "",
           f"Machine: {ctx.get('lingrad_cpu_brand', '?')} ({ctx.get('lingrad_cpu_vendor', '?')} family "
           f"{ctx.get('lingrad_cpu_family', '?')} model {ctx.get('lingrad_cpu_model', '?')}; machine class "
           f"{machine_class.from_context(ctx)}); {ctx.get('lingrad_cpu', '?')}; {ctx.get('lingrad_topology', '?')}.",
           f"Build: {ctx.get('lingrad_compiler', '?')}; lingrad {ctx.get('lingrad_version', '?')} "
           f"({ctx.get('lingrad_git_sha', '?')}); kernels {ctx.get('lingrad_isa_available', '?')}; "
           f"pinning: {ctx.get('lingrad_pinning', '?')}; date {ctx.get('date', '?')}.", "",
           "Kernel rows: G elements/s, median of the run's repetitions ± their coefficient of "
           "variation. % of roofline: the row's bytes/s over a two-array read of the same bytes "
           "on the same threads, measured just before it. It is the ceiling for read-only kernels "
           "out of cache (fused_mse, sum, dot at L3/DRAM sizes); in L1, or for kernels that also "
           "write, it is a reference point and can exceed 100%.", ""]
    for dt in ("f32", "f64"):
        if any(key[1] == dt for key in k):
            out += kernel_table(k, dt) + [""]
    eager = [e for e in ("axpb", "add", "sub", "mul", "square", "axpy", "mulacc", "sum", "dot")
             if any(key[0] == e for key in k)]
    if eager:
        out += ["## The eager kernels (f32)", ""]
        for i, e in enumerate(eager):
            out += kernel_table(k, "f32", e)[0 if i == 0 else 2:]
        out.append("")
    peers, levels = peer_rows(rows)
    table = peer_table(k, peers, levels)
    if table:
        out += table + [""]
    tut = train_rows(rows, "train/tutorial/")
    if tut:
        out += ["## The tutorial's workload (n = 100, lr 0.1, until loss < 5e-5 or 500 epochs)", "",
                "| run | time per run | epochs | vs PyTorch as written |", "|---|---:|---:|---:|"]
        ref = torch_rows.get("pytorch/tutorial/as_written/n:100")
        for name, r in sorted(tut.items(), key=lambda kv: seconds(kv[1])):
            t = seconds(r)
            vs = f"{seconds(ref) / t:,.0f}x faster" if ref else "—"
            label = "lingrad " + "/".join(name.split("/")[2:5:2])
            out.append(f"| {label} | {t * 1e6:.1f} us | {r.get('epochs', 0):.0f} | {vs} |")
        for loop in TORCH_LOOPS:
            r = torch_rows.get(f"pytorch/tutorial/{loop}/n:100")
            if r:
                vs = ("1x" if loop == "as_written" else
                      f"{seconds(ref) / seconds(r):.1f}x faster" if ref else "—")
                out.append(f"| pytorch {loop} | {seconds(r) * 1e3:.2f} ms | {r.get('epochs', 0):.0f} | {vs} |")
        if not torch_rows:
            out.append("| PyTorch | not installed (apt-get install python3-torch) | | |")
        out.append("")
    ep = train_rows(rows, "train/epoch/")
    if ep:
        out += epoch_table(ep, torch_rows) + [""]
    table = thread_table(thread_rows(rows))
    if table:
        out += table + [""]
    table = whole_table(whole_rows(rows))
    if table:
        out += table + [""]
    table = setup_table(*(setup or ({}, {})))
    if table:
        out += table + [""]
    sentence = fuser_sentence(torch_ctx or {})
    if sentence:
        out += [sentence, ""]
    return "\n".join(out)


def cache_lines(ax, ctx, elem):
    m = re.search(r"L1d (\d+), L2 (\d+), L3 (\d+)", ctx.get("lingrad_topology", ""))
    if not m or "implausible" in ctx.get("lingrad_topology", ""):
        return
    for label, size in zip(("L1d", "L2", "L3"), map(int, m.groups())):
        if size:
            n = size / (2 * elem)
            ax.axvline(n, color="grey", linestyle="--", linewidth=0.8)
            ax.text(n, ax.get_ylim()[0], f" {label} = x+y", va="bottom", fontsize=8, color="grey",
                    rotation=90)


def plot_rates(k, ctx, dtype, path):
    fig, ax = plt.subplots(figsize=(10, 6))
    for (isa, t) in sorted({(key[2], key[3]) for key in k if key[0] == "fused_mse" and key[1] == dtype}):
        pts = sorted((key[4], r["items_per_second"]) for key, r in k.items()
                     if key[:4] == ("fused_mse", dtype, isa, t))
        ax.plot(*zip(*pts), marker="o", label=f"{isa}, {t} thread{'s' if t > 1 else ''}")
    elem = 4 if dtype == "f32" else 8
    threads = sorted({key[3] for key in k if key[0] == "roofline_read"})
    for t in threads:
        pts = sorted((key[4], r["bytes_per_second"] / (2 * elem)) for key, r in k.items()
                     if key[0] == "roofline_read" and key[1] == dtype and key[3] == t)
        if pts:
            ax.plot(*zip(*pts), color="black" if t == threads[-1] else "grey", linestyle=":",
                    linewidth=2, label=f"roofline: two-array read, {t} thread{'s' if t > 1 else ''}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n (elements of x and of y)")
    ax.set_ylabel("elements per second")
    ax.set_title(f"Fused MSE kernel, {dtype}: throughput vs n")
    ax.legend(fontsize=8)
    cache_lines(ax, ctx, elem)
    save(fig, path)


def plot_scaling(k, path):
    fig, ax = plt.subplots(figsize=(10, 5))
    tmax = max((key[3] for key in k), default=1)
    for dt in ("f32", "f64"):
        for isa in sorted({key[2] for key in k}):
            pts = []
            for key, r in k.items():
                if key[:4] == ("fused_mse", dt, isa, tmax):
                    one = k.get(("fused_mse", dt, isa, 1, key[4]))
                    if one:
                        pts.append((key[4], r["items_per_second"] / one["items_per_second"]))
            if pts and tmax > 1:
                ax.plot(*zip(*sorted(pts)), marker="o", label=f"{isa} {dt}")
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlabel("n (elements)")
    ax.set_ylabel(f"speed-up, {tmax} threads over 1")
    ax.set_title("Thread scaling of the fused kernel")
    ax.legend(fontsize=8)
    save(fig, path)


def plot_thread_speedup(th, path):
    sp = thread_speedups(th)
    modes = modes_of({(m, n): None for m, _, _, n in sp})
    tmax = max((t for _, _, t, _ in sp), default=1)
    fig, ax = plt.subplots(figsize=(10, 5))
    for m in modes:
        for dt in sorted({dt for mm, dt, _, _ in sp if mm == m}):
            for t in sorted({t for mm, d, t, _ in sp if mm == m and d == dt}):
                pts = sorted((n, v) for (mm, d, tt, n), v in sp.items() if (mm, d, tt) == (m, dt, t))
                ax.plot(*zip(*pts), marker="o" if dt == "f32" else "s", color=mode_colour(m, modes),
                        linestyle=("-" if dt == "f32" else "--") if t == tmax else ":",
                        label=f"{m} {dt}, {t} threads")
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.axhline(0.95, color="red", linewidth=0.8, linestyle="--", label="0.95: threads lose below")
    ax.set_xscale("log")
    ax.set_xlabel("n (elements of x and of y)")
    ax.set_ylabel("speed-up over one thread (time per epoch)")
    ax.set_title("What threads buy a training run, per mode and dtype")
    ax.legend(fontsize=8)
    save(fig, path)


def pareto(pts):
    """The points no other beats on both rate and error: (error, rate) sorted by
    error, each faster than every more accurate one."""
    front, fastest = [], 0.0
    for e, v in sorted(pts):
        if v > fastest:
            front.append((e, v))
            fastest = v
    return front


def peer_style(label):
    colour = ("tab:blue" if label.startswith("lingrad") else "grey" if label == "scalar"
              else "tab:orange" if label.startswith("gcc") else "tab:green")
    marker = "v" if label.endswith("acc32") else "^" if label.endswith("acc64") else "o"
    return colour, marker


def plot_peers(k, peers, levels, path, kernel="fused_mse", dtype="f32"):
    """Rate against relative error per size: the Pareto picture of speed at accuracy."""
    rows = contenders(k, peers, kernel, dtype, driver=False)
    ns = sorted({key[3] for key in peers["peer"] if key[:2] == (kernel, dtype)})
    fig, axes = plt.subplots(1, len(ns), figsize=(4.2 * len(ns), 4.5), squeeze=False)
    for ax, n in zip(axes[0], ns):
        pts = []
        for label, by_n in rows:
            r = by_n.get(n)
            if not r or r.get("rel_err") is None:
                continue
            e, v = max(r["rel_err"], 1e-18), r["items_per_second"] / 1e9  # log axis: no zero
            colour, marker = peer_style(label)
            ax.scatter([e], [v], color=colour, marker=marker, s=40)
            ax.annotate(label.replace("lingrad ", ""), (e, v), fontsize=6, xytext=(3, 2),
                        textcoords="offset points")
            pts.append((e, v))
        front = pareto(pts)
        if front:
            ax.step(*zip(*front), where="post", color="black", linestyle=":", linewidth=1)
        ax.set_xscale("log")
        ax.set_title(f"{levels.get(n, '')} n = {n:,}", fontsize=9)
        ax.set_xlabel("relative error of the worst sum (log)")
    axes[0][0].set_ylabel("G elements/s (one thread)")
    fig.suptitle(f"{kernel} {dtype}: rate against accuracy (blue lingrad, orange gcc, green clang, "
                 "grey scalar; v f32 sums, ^ f64 sums; dotted: the Pareto front)", fontsize=9)
    save(fig, path)


def plot_fused_eager(rows, path):
    """Time per epoch of each mode side by side (the file keeps its name from when
    there were two modes: the docs link to it)."""
    by = epoch_rows(train_rows(rows, "train/epoch/"))
    ns = sorted({k[1] for k in by})
    modes = modes_of(by)
    fig, ax = plt.subplots(figsize=(9, 5))
    width = 0.8 / len(modes)
    for i, mode in enumerate(modes):
        vals = [per_epoch_s(by[(mode, n)]) * 1e6 if (mode, n) in by else 0 for n in ns]
        xs = [j + i * width for j in range(len(ns))]
        ax.bar(xs, vals, width, label=mode_label(mode, modes), color=mode_colour(mode, modes))
        for x, v in zip(xs, vals):
            if not v:
                ax.text(x, 1, "not run", ha="center", va="bottom", rotation=90, fontsize=8)
    ax.set_xticks([j + width * (len(modes) - 1) / 2 for j in range(len(ns))], [f"n = {n:,}" for n in ns])
    ax.set_yscale("log")
    ax.set_ylabel("microseconds per epoch (log)")
    ax.set_title(f"Training: {', '.join(mode_label(m, modes) for m in modes)} (f32, best ISA, all cores)")
    ax.legend()
    save(fig, path)


def plot_epoch_vs_n(rows, torch_rows, path):
    """Time per epoch against n, one line per mode and per PyTorch and numpy loop:
    the same rows as the table, log-log."""
    by = epoch_rows(train_rows(rows, "train/epoch/"))
    modes = modes_of(by)
    fig, ax = plt.subplots(figsize=(9, 5.5))
    for mode in modes:
        pts = sorted((n, per_epoch_s(r) * 1e6) for (m, n), r in by.items() if m == mode)
        ax.plot(*zip(*pts), marker="o", color=mode_colour(mode, modes), label=f"lingrad {mode_label(mode, modes)}")
    peers = (("pytorch/epoch/no_grad/f32/n:", "PyTorch no_grad", "tab:red", "-"),
             ("pytorch/epoch/jit_script/f32/n:", "PyTorch jit_script", "tab:purple", "-"),
             ("numpy/epoch/f32/n:", "numpy", "grey", "--"))
    for prefix, label, colour, style in peers:
        pts = sorted((int(name[len(prefix):]), seconds(r) * 1e6) for name, r in torch_rows.items()
                     if name.startswith(prefix) and "skipped" not in r)
        if pts:
            ax.plot(*zip(*pts), marker="s", color=colour, linestyle=style, label=label)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n (elements of x and of y)")
    ax.set_ylabel("microseconds per epoch (log)")
    ax.set_title("Time per epoch against n (f32, best ISA, all cores; one-time setup excluded)")
    ax.legend(fontsize=8)
    save(fig, path)


def plot_pytorch(rows, torch_rows, epoch_csv, path):
    fig, axes = plt.subplots(1, 2, figsize=(14, 5))
    bars = [("lingrad " + "/".join(n.split("/")[2:5:2]), seconds(r)) for n, r in
            sorted(train_rows(rows, "train/tutorial/").items())]
    bars += [("PyTorch " + n.split("/")[2], seconds(r)) for n, r in torch_rows.items()
             if n.startswith("pytorch/tutorial/")]
    axes[0].barh([b[0] for b in bars], [b[1] * 1e3 for b in bars],
                 color=["tab:red" if b[0].startswith("PyTorch") else "tab:blue" for b in bars])
    axes[0].set_xscale("log")
    axes[0].set_xlabel("milliseconds per tutorial run (log)")
    axes[0].set_title("The tutorial's workload, n = 100")
    if epoch_csv and os.path.exists(epoch_csv):
        with open(epoch_csv, newline="") as f:
            pts = [(int(r["epoch"]), float(r["seconds"]) * 1e6) for r in csv.DictReader(f)]
        axes[1].plot(*zip(*pts), color="tab:red", linestyle=":", label="tutorial as written")
        axes[1].set_xlabel("epoch")
        axes[1].set_ylabel("microseconds per epoch")
        axes[1].set_title("The tutorial's loop keeps every epoch's graph alive")
        axes[1].legend()
    else:
        axes[1].set_axis_off()
    save(fig, path)


def save(fig, path):
    tmp = f"{path}.tmp-{os.getpid()}.png"
    fig.savefig(tmp, dpi=100, bbox_inches="tight")
    os.replace(tmp, path)
    plt.close(fig)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    d = argv[1]
    ctx, rows = rows_of(os.path.join(d, "lingrad.json"))
    torch_ctx, torch_rows = {}, {}
    tp = os.path.join(d, "pytorch.json")
    if os.path.exists(tp):
        torch_ctx, torch_rows = rows_of(tp)
    setup = ({}, {})
    sp = os.path.join(d, "graph_setup.json")
    if os.path.exists(sp):
        setup = rows_of(sp)
    text = summary(ctx, rows, torch_rows, torch_ctx, setup)
    with open(os.path.join(d, "summary.md"), "w") as f:
        f.write(text + "\n")
    print(text)
    k = kernels(rows)
    for dt in ("f32", "f64"):
        if any(key[1] == dt and key[0] == "fused_mse" for key in k):
            plot_rates(k, ctx, dt, os.path.join(d, f"fused-{dt}-rate-vs-n.png"))
    plot_scaling(k, os.path.join(d, "thread-scaling.png"))
    peers, levels = peer_rows(rows)
    if any(key[:2] == ("fused_mse", "f32") for key in peers["peer"]):
        plot_peers(k, peers, levels, os.path.join(d, "peers-rate-vs-error.png"))
    if train_rows(rows, "train/epoch/"):
        plot_fused_eager(rows, os.path.join(d, "fused-vs-eager.png"))
        plot_epoch_vs_n(rows, torch_rows, os.path.join(d, "epoch-time-vs-n.png"))
    if thread_speedups(thread_rows(rows)):
        plot_thread_speedup(thread_rows(rows), os.path.join(d, "thread-speedup-vs-n.png"))
    if train_rows(rows, "train/tutorial/"):
        plot_pytorch(rows, torch_rows, os.path.join(d, "pytorch_epoch_times.csv"),
                     os.path.join(d, "tutorial-vs-pytorch.png"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
