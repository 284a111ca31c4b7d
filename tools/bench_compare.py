#!/usr/bin/env python3
"""Is HEAD slower than BASE? Paired runs of both builds on this machine, judged
against the noise of HEAD against itself.

usage: bench_compare.py BASE [--pairs N] [--aa-pairs N] [--reps N] [--out FILE]
                             [--floor F] [--repo DIR]
       (make bench-compare BASE=rev [PAIRS=10] [OUT=file] [FLOOR=f])

1. Builds BASE and HEAD (the committed HEAD: uncommitted changes are *not*
   measured, and the command says so) with tools/rev_build.py, each in a worktree
   of its own under build-revs/, so this work tree is never checked out.
2. Instruction gates (callgrind, exact): measured once per commit and compared
   directly against bench-check's +2% (results/baseline/thresholds.json).
3. A/A: HEAD against HEAD, --aa-pairs pairs (default 6). The noise floor of each
   ratio gate is the 95% half-width of the A/B phase's median at the per-pair
   noise the A/A pairs show (their median absolute deviation).
4. A/B: --pairs pairs (default 10) of one benchmark process per side, alternating
   the order of each pair (BASE HEAD, HEAD BASE, ...: ABBA, so a drift in time
   cancels), each process a gate_metrics ratio run of --reps repetitions.
5. Per gate: the median paired ratio head/base, its 95% bootstrap interval, the
   Wilcoxon p of "no change", the A/A floor, the threshold used (the larger of
   the fixed floor, --floor (default 5%) for a ratio gate and bench-check's +2%
   for an instruction gate, and 2 A/A floors) and the verdict.

The ratio gates measured are a subset of bench-check's: SIMD over scalar, fused
over eager, lingrad over the compiler peers (COMPARE_FILTER below). The others
(graph over eager at 10^6, the DRAM roofline, threads vs machine) need big
buffers or both cores and would triple the run time; bench-check still gates them.

Exit status: 1 when a regression beyond the threshold is significant (or a gate
that BASE measured is missing in HEAD), 0 otherwise, 2 when nothing could be
compared (not a commit, a build that fails, bad arguments), 130 on Ctrl-C.
Writes the full result as JSON to results/compare/<base>-<head>-<class>.json
(or --out), and the benchmark output beside it (.log).
"""
import argparse
import contextlib
import datetime
import json
import math
import os
import statistics
import subprocess
import sys
import time

TOOLS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, TOOLS)
import bench_check  # noqa: E402
import gate_metrics  # noqa: E402
import machine_class  # noqa: E402
import perf_stats  # noqa: E402
import rev_build  # noqa: E402

# The rows of the SIMD/scalar, fused/eager and peer gates: ~7 s a process with 3
# repetitions on the 2-core VM, against ~20 s for bench-check's whole FILTER.
COMPARE_FILTER = ("kernel/fused_mse/f32/[a-z0-9]+/threads:1/n:[0-9]+/L2"
                  "|train/epoch/(fused|eager)/f32/[a-z0-9]+/threads:[0-9]+/n:10000/"
                  "|(peer|direct)/fused_mse/f32/[a-z0-9_]+/threads:1/n:[0-9]+/L2")
PAIRS, AA_PAIRS, REPS, MIN_PAIRS = 10, 6, 3, 5
# The fixed floor of the ratio gates: a drop of 5%, far below bench-check's -25%,
# which must absorb the drift between days that a paired run in one job does not
# see. Chosen on this project's VM (docs/perf-tracking-compare.md): 30 A/A
# comparisons passed at 5%, and 101 commits of src/ changes around unchanged
# kernels moved AVX2/scalar by 0.8%; an instruction-neutral 8.5% kernel slowdown
# was caught at 5% and missed at 10%. The A/A phase raises it on a loud machine.
RATIO_FLOOR = 0.05


class UsageError(Exception):
    """Nothing can be compared: exit 2 with this one line."""


def say(msg):
    print(f"bench-compare: {msg}", flush=True)


@contextlib.contextmanager
def output_to(log):
    """Sends this process's and its children's stdout and stderr to the open file
    log: a benchmark run prints its whole context each time, which would bury the
    progress lines. The file keeps it for when a run goes wrong."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    try:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


def ratio_run(build, reps, log):
    """One benchmark process of the compare filter: (context, {gate: value}) where
    value is the gate's own figure (each row's best repetition), as bench-check."""
    bench_check.FILTER = COMPARE_FILTER  # the module's own knob; gate_metrics sets REPS alike
    with output_to(log):
        ctx, metrics = gate_metrics.ratio_metrics(build, reps)
    return ctx, {name: m["value"] for name, m in metrics.items()}


def instruction_run(build, log):
    with output_to(log):
        doc = gate_metrics.measure(build, ratios=False, instructions=True)
    return {name: m["value"] for name, m in doc["metrics"].items()}


def run_pairs(label, builds, n, reps, log):
    """n pairs of (side 0, side 1) values per gate, the order of each pair
    alternating (ABBA). builds is (build of side 0, build of side 1)."""
    samples, ctx = {}, None
    for i in range(n):
        order = (0, 1) if i % 2 == 0 else (1, 0)
        got = [None, None]
        t0 = time.monotonic()
        for side in order:
            ctx, got[side] = ratio_run(builds[side], reps, log)
        for name in set(got[0]) | set(got[1]):
            samples.setdefault(name, []).append((got[0].get(name), got[1].get(name)))
        say(f"{label} pair {i + 1}/{n} ({'AB' if order == (0, 1) else 'BA'}, {time.monotonic() - t0:.0f} s)")
    return ctx, samples


def complete(pairs):
    return [(a, b) for a, b in pairs if a is not None and b is not None]


def judge_ratio(name, aa, ab, fixed, alpha):
    """One ratio gate's row: paired summary, A/A floor, threshold, verdict."""
    d = perf_stats.better(name)
    ab_ok, aa_ok = complete(ab), complete(aa)
    base_seen = any(a is not None for a, _ in ab)
    head_seen = any(b is not None for _, b in ab)
    row = {"gate": name, "kind": "paired", "direction": d, "fixed_floor": fixed}
    if not head_seen and base_seen:
        return dict(row, verdict="MISSING in head")
    if len(ab_ok) < MIN_PAIRS:
        return dict(row, verdict="not measured by base" if head_seen else "not measured")
    floor = perf_stats.noise_floor(aa_ok, d, len(ab_ok)) if len(aa_ok) >= 2 else None
    thr = perf_stats.threshold(fixed, floor)
    row.update(perf_stats.summary(ab_ok, d), base=statistics.median(a for a, _ in ab_ok),
               head=statistics.median(b for _, b in ab_ok), aa_floor=floor, threshold=thr,
               verdict=perf_stats.decide(ab_ok, thr, alpha, d), pairs=ab_ok, aa_pairs=aa_ok)
    return row


def judge_exact(name, base, head, fixed):
    """An instruction gate's row: one exact value per side, no noise to weigh."""
    d = perf_stats.better(name)
    row = {"gate": name, "kind": "exact", "direction": d, "fixed_floor": fixed, "threshold": fixed,
           "aa_floor": 0.0, "base": base, "head": head}
    if head is None:
        return dict(row, verdict="MISSING in head" if base is not None else "not measured")
    if base is None:
        return dict(row, verdict="not measured by base")
    g = perf_stats.gains([(base, head)], d)[0]
    verdict = "regression" if g < -fixed else "improvement" if g > fixed else "no change"
    return dict(row, ratio=head / base, gain=g, verdict=verdict)


def failed(row):
    return row["verdict"] in ("regression", "MISSING in head")


def fmt(v, spec=".4g"):
    return "-" if v is None else format(v, spec)


def pct(g):
    return "-" if g is None else f"{perf_stats.gain_to_percent(g):.1f}%"


def print_table(rows):
    head = ("gate", "base", "head", "head/base", "95% CI", "wilcoxon p", "A/A floor", "threshold", "verdict")
    lines = []
    for r in rows:
        ci = "exact" if r["kind"] == "exact" else (
            f"[{r['ci'][0]:.3f}, {r['ci'][1]:.3f}]" if "ci" in r else "-")
        p = "-" if r["kind"] == "exact" else fmt(r.get("p"), ".3g")
        lines.append((r["gate"], fmt(r.get("base")), fmt(r.get("head")), fmt(r.get("ratio"), ".4f"), ci, p,
                      pct(r.get("aa_floor")), pct(r.get("threshold")), r["verdict"].upper()
                      if failed(r) else r["verdict"]))
    widths = [max(len(str(x[i])) for x in [head] + lines) for i in range(len(head))]
    for line in [head] + lines:
        print("  ".join(str(c).ljust(w) if i in (0, 8) else str(c).rjust(w)
                        for i, (c, w) in enumerate(zip(line, widths))))


def fixed_floors(names, thresholds, floor):
    """bench-check's limit per gate as a gain, or --floor for every ratio gate."""
    out = {}
    for n in names:
        out[n] = (perf_stats.fixed_floor_gain(n, thresholds) if perf_stats.exact(n) or floor is None
                  else -math.log(1 - floor))
    return out


def build_both(base_rev, repo):
    """(base sha, head sha, base build, head build); UsageError when a rev is not
    a commit or does not build."""
    try:
        base, head = rev_build.resolve(base_rev, repo), rev_build.resolve("HEAD", repo)
        say(f"BASE {base_rev} = {base[:12]}, HEAD = {head[:12]}")
        return base, head, rev_build.build_rev(base, repo), rev_build.build_rev(head, repo)
    except SystemExit as e:  # rev_build's one-line errors
        raise UsageError(str(e)) from None


def warn_if_dirty(repo):
    dirty = subprocess.run(["git", "-C", repo, "status", "--porcelain", "--untracked-files=no"],
                           check=True, capture_output=True, text=True).stdout.strip()
    if dirty:
        say("the work tree has uncommitted changes: they are NOT measured (HEAD is the last "
            "commit); commit them to compare them")


def measured_floor(doc):
    f = doc.get("settings", {}).get("floor")
    return "bench-check's limits" if f is None else f"floor {f:g}"


def rejudge(args):
    """A stored result judged again at --floor/--alpha, nothing measured: what a
    tighter or looser floor would have said of the same pairs."""
    try:
        with open(args.rejudge) as f:
            doc = json.load(f)
        with open(os.path.join(TOOLS, "..", "results", "baseline", "thresholds.json")) as f:
            thresholds = json.load(f)
        old = {r["gate"]: r for r in doc["gates"]}
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise UsageError(f"{args.rejudge}: not a bench-compare result ({e})") from None
    floors = fixed_floors(sorted(old), thresholds, args.floor)
    rows = []
    for name, r in sorted(old.items()):
        if r["kind"] == "paired" and "pairs" in r:
            rows.append(judge_ratio(name, [tuple(p) for p in r.get("aa_pairs", [])],
                                    [tuple(p) for p in r["pairs"]], floors[name], args.alpha))
        elif r["kind"] == "exact":
            rows.append(judge_exact(name, r.get("base"), r.get("head"), floors[name]))
        else:
            rows.append(r)
    say(f"{args.rejudge}: BASE {doc['base'][:12]}, HEAD {doc['head'][:12]}, class {doc['class']}, "
        f"judged again at floor {args.floor:g} (measured at {measured_floor(doc)})")
    print_table(sorted(rows, key=lambda r: (r["kind"] != "paired", r["gate"])))
    bad = [r["gate"] for r in rows if failed(r)]
    say(f"FAILED: significant regression in {', '.join(bad)}" if bad else "no significant regression")
    return 1 if bad else 0


def compare(args):
    try:
        repo = rev_build.git(args.repo, "rev-parse", "--show-toplevel")
    except subprocess.CalledProcessError:
        raise UsageError(f"{os.path.abspath(args.repo)} is not a git work tree") from None
    warn_if_dirty(repo)
    t_start = time.monotonic()
    base, head, b_build, h_build = build_both(args.base, repo)
    out = args.out
    with open(os.path.join(repo, "results", "baseline", "thresholds.json")) as f:
        thresholds = json.load(f)
    log_path = (out or os.path.join(repo, "results", "compare", f"{base[:12]}-{head[:12]}")) + ".log"
    os.makedirs(os.path.dirname(os.path.abspath(log_path)), exist_ok=True)
    with open(log_path, "w") as log:
        say(f"benchmark output: {log_path}")
        t0 = time.monotonic()
        instr_head = instruction_run(h_build, log)
        instr_base = instr_head if base == head else instruction_run(b_build, log)
        t_instr = time.monotonic() - t0
        say(f"instruction counts measured ({t_instr:.0f} s)")
        t0 = time.monotonic()
        ctx, aa = run_pairs("A/A (HEAD, HEAD)", (h_build, h_build), args.aa_pairs, args.reps, log)
        t_aa = time.monotonic() - t0
        t0 = time.monotonic()
        _, ab = run_pairs("A/B (BASE, HEAD)", (b_build, h_build), args.pairs, args.reps, log)
        t_ab = time.monotonic() - t0
    cls = machine_class.from_context(ctx)
    say(f"machine class {cls}: {machine_class.describe(ctx)}")
    if not perf_stats.have_wilcoxon():
        say("scipy is missing: no Wilcoxon test, the bootstrap interval decides alone "
            "(apt-get install python3-scipy)")
    names = sorted(set(ab) | set(aa))
    exact = sorted(set(instr_base) | set(instr_head))
    floors = fixed_floors(names + exact, thresholds, args.floor)
    rows = [judge_ratio(n, aa.get(n, []), ab.get(n, []), floors[n], args.alpha) for n in names]
    rows += [judge_exact(n, instr_base.get(n), instr_head.get(n), floors[n]) for n in exact]
    print()
    print_table(rows)
    raised = [r["gate"] for r in rows if r.get("threshold", 0) > r["fixed_floor"]]
    if raised:
        say(f"threshold raised above the fixed floor by the A/A noise ({perf_stats.FLOOR_FACTOR:g} floors): "
            + ", ".join(raised))
    bad = [r["gate"] for r in rows if failed(r)]
    doc = {"base": base, "head": head, "base_rev": args.base, "class": cls,
           "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
           "machine": {k: v for k, v in ctx.items() if k.startswith("lingrad_")},
           "settings": {"pairs": args.pairs, "aa_pairs": args.aa_pairs, "reps": args.reps,
                        "alpha": args.alpha, "order": "ABBA", "filter": COMPARE_FILTER,
                        "floor_factor": perf_stats.FLOOR_FACTOR, "floor": args.floor,
                        "bootstrap": {"resamples": perf_stats.BOOT, "seed": perf_stats.SEED},
                        "wilcoxon": perf_stats.have_wilcoxon()},
           "seconds": {"instructions": round(t_instr), "aa": round(t_aa), "ab": round(t_ab),
                       "total": round(time.monotonic() - t_start)},
           "gates": rows, "regressed": bad}
    out = out or os.path.join(repo, "results", "compare", f"{base[:12]}-{head[:12]}-{cls}.json")
    write_json(out, doc)
    say(f"result: {out} ({doc['seconds']['total']} s in all)")
    say(f"FAILED: significant regression in {', '.join(bad)}" if bad else "no significant regression")
    return 1 if bad else 0


def write_json(path, doc):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    os.replace(tmp, path)


def parse(argv):
    p = argparse.ArgumentParser(prog="bench_compare.py", description=__doc__.split("\n")[0])
    p.add_argument("base", nargs="?")
    p.add_argument("--rejudge", metavar="RESULT.json",
                   help="judge a stored result again (at --floor, --alpha); runs nothing")
    p.add_argument("--pairs", type=int, default=PAIRS)
    p.add_argument("--aa-pairs", type=int, default=AA_PAIRS)
    p.add_argument("--reps", type=int, default=REPS)
    p.add_argument("--alpha", type=float, default=perf_stats.ALPHA)
    p.add_argument("--floor", type=float, default=RATIO_FLOOR,
                   help=f"fixed floor for every ratio gate, a fraction (default {RATIO_FLOOR:g}; "
                        "0.25 is bench-check's own limit)")
    p.add_argument("--out")
    p.add_argument("--repo", default=".")
    args = p.parse_args(argv)
    if (args.base is None) == (args.rejudge is None):
        raise UsageError("give BASE (a commit to compare HEAD with) or --rejudge RESULT.json, not both")
    if args.pairs < MIN_PAIRS or args.aa_pairs < 2 or args.reps < 1:
        raise UsageError(f"need --pairs >= {MIN_PAIRS}, --aa-pairs >= 2 and --reps >= 1")
    if args.floor is not None and not 0 <= args.floor < 1:
        raise UsageError("--floor is a fraction in [0, 1)")
    if not 0 < args.alpha < 0.5:
        raise UsageError("--alpha is in (0, 0.5)")
    return args


def main(argv):
    try:
        args = parse(argv[1:])
        return rejudge(args) if args.rejudge else compare(args)
    except UsageError as e:
        print(f"bench-compare: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return interrupted()
    except subprocess.CalledProcessError as e:
        if e.returncode < 0:  # the benchmark died of the same Ctrl-C
            return interrupted()
        print(f"bench-compare: a measurement failed (exit {e.returncode}): {' '.join(map(str, e.cmd))}; "
              "its output is in the .log beside the result", file=sys.stderr)
        return 2


def interrupted():
    print("\nbench-compare: interrupted: no result written; the work tree was not touched "
          "(builds live in build-revs/)", file=sys.stderr)
    return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv))
