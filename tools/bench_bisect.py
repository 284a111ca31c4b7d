#!/usr/bin/env python3
"""The first commit that moved a gate metric from GOOD's value to BAD's.

usage: bench_bisect.py GOOD BAD GATE [--repo REPO] [--runs N] [--reps N]
  GATE   a metric of tools/gate_metrics.py: an instruction count
         (instructions_per_element_avx2_f32, ...), a scalar/SIMD invariant
         (simd_scalar_over_avx2_instructions_f32), or a same-run ratio
         (avx2_over_scalar_fused_f32_L2, ...).

Instruction counts are exact, so one measurement per commit decides: GOOD and
BAD must differ by more than 0.5% (else there is nothing to bisect), and a
commit is bad when its count is nearer BAD's than GOOD's. A ratio is noisy: each
commit is measured --runs times (default 3, each an interleaved run of --reps
repetitions) and judged by the median, GOOD and BAD must differ by more than
twice their runs' spread, and a run takes minutes per commit instead of ~20 s;
a ratio bisection can name a wrong commit when the step is near the noise, so
confirm it with bench-history over the commits around it.

`git bisect run` works in a worktree of its own (refs/bisect/ and the bisect
log are per worktree), so the repository's HEAD, branch, index, work tree and
any bisection of its own are as they were, also after Ctrl-C or SIGTERM: the
worktree is reset and removed in a finally. Commits are built by
tools/rev_build.py (cached; a commit that does not build is skipped, exit 125)
and measured with the tools of this checkout.
"""
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_check  # noqa: E402
import bench_history  # noqa: E402
import gate_metrics  # noqa: E402
import rev_build  # noqa: E402

EXACT_FLOOR = 0.005
EXACT = ("instructions_", "simd_scalar_over_")
SKIP, GOOD, BAD = 125, 0, 1


def is_exact(gate):
    return gate.startswith(EXACT)


def callgrind_runs(gate):
    """(bench_check.CALLGRIND, bench_check.EPOCH_MODES) that count gate and nothing
    else: 2-4 valgrind runs a commit instead of all 20."""
    m = re.fullmatch(r"instructions_per_element_(\w+)_(f32|f64)", gate)
    if m:
        return [(m.group(1), m.group(2))], ()
    m = re.fullmatch(r"simd_scalar_over_(\w+)_instructions_(f32|f64)", gate)
    if m:
        return [("scalar", m.group(2)), (m.group(1), m.group(2))], ()
    m = re.fullmatch(r"instructions_per_epoch_\w+?_(\w+)_(f32|f64)_n\d+", gate)
    if m and m.group(1) in bench_check.gated_modes():
        return [], (m.group(1),)
    raise SystemExit(f"bench-bisect: {gate} is not a gate metric (see tools/gate_metrics.py)")


def count(build, gate):
    keep = bench_check.CALLGRIND, bench_check.EPOCH_MODES
    bench_check.CALLGRIND, bench_check.EPOCH_MODES = callgrind_runs(gate)
    try:
        return gate_metrics.measure(build, 1, ratios=False)["metrics"].get(gate)
    except subprocess.CalledProcessError:
        return None  # the commit's CLI lacks what the gate runs (e.g. --mode graph)
    finally:
        bench_check.CALLGRIND, bench_check.EPOCH_MODES = keep


def value_at(sha, repo, gate, runs, reps):
    """(value, spread) of gate at commit sha, or None where the commit lacks it.
    Exits with one line when the commit does not build."""
    build = rev_build.build_rev(sha, repo, quiet=True)
    if is_exact(gate):
        m = count(build, gate)
        return (m["value"], 0.0) if m else None
    xs = []
    for _ in range(runs):
        bench_history.wait_for_quiet()
        m = gate_metrics.measure(build, reps, ratios=True, instructions=False)["metrics"].get(gate)
        if not m:
            return None
        xs.append(m["value"])
    med = statistics.median(xs)
    return med, (max(xs) - min(xs)) / med


def log(msg):
    print(f"bench-bisect: {msg}", flush=True)


def subject(repo, sha):
    return rev_build.git(repo, "log", "-1", "--format=%h %s", sha)


def step(state_path):
    """`git bisect run`'s test of the commit checked out in its worktree."""
    with open(state_path) as f:
        st = json.load(f)
    sha = rev_build.git(".", "rev-parse", "HEAD")
    try:
        got = value_at(sha, st["repo"], st["gate"], st["runs"], st["reps"])
    except SystemExit as e:
        log(f"{sha[:7]}: skipped: {e}")
        return SKIP
    if got is None:
        log(f"{sha[:7]}: skipped: no {st['gate']} at this commit")
        return SKIP
    v = got[0]
    verdict = BAD if abs(v - st["bad"]) < abs(v - st["good"]) else GOOD
    log(f"{subject(st['repo'], sha)[:70]}: {st['gate']} = {v:.6g} -> {'bad' if verdict else 'good'}")
    return verdict


def worth_bisecting(gate, good, bad):
    """None, or why GOOD and BAD do not differ enough to bisect."""
    (g, gs), (b, bs) = good, bad
    floor = EXACT_FLOOR if is_exact(gate) else max(EXACT_FLOOR, 2 * max(gs, bs))
    if abs(b / g - 1) <= floor:
        return (f"{gate} is {g:.6g} at GOOD and {b:.6g} at BAD: within the noise floor of "
                f"{100 * floor:.1f}%, nothing to bisect")
    return None


def stop_on_signal():
    """SIGTERM as an exception, so the finally that restores the repository runs."""
    def raise_interrupt(signum, frame):
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, raise_interrupt)


def hold_signals():
    """The clean-up must not be cut short by a second Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)


def run_bisect(wt, state):
    """(exit status, output) of `git bisect run` of our step, its test lines shown
    as they come (git's own chatter about revisions left is dropped)."""
    # A session of its own, so that on Ctrl-C or SIGTERM the whole bisection
    # (git, the step, valgrind, a build) is stopped before its worktree goes.
    p = subprocess.Popen(["git", "-C", wt, "bisect", "run", sys.executable, os.path.abspath(__file__),
                          "--step", state], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                         start_new_session=True)
    out = []
    try:
        for line in p.stdout:
            out.append(line)
            if line.startswith(("bench-bisect:", "rev_build:")):
                print(line, end="", flush=True)
        return p.wait(), "".join(out)
    except BaseException:
        os.killpg(p.pid, signal.SIGTERM)
        p.wait()
        raise


def bisect(good, bad, gate, repo, runs, reps):
    good, bad = rev_build.resolve(good, repo), rev_build.resolve(bad, repo)
    if subprocess.run(["git", "-C", repo, "merge-base", "--is-ancestor", good, bad]).returncode != 0:
        raise SystemExit(f"bench-bisect: GOOD {good[:7]} is not an ancestor of BAD {bad[:7]}")
    vals = {}
    for name, sha in (("GOOD", good), ("BAD", bad)):
        v = value_at(sha, repo, gate, runs, reps)
        if v is None:
            raise SystemExit(f"bench-bisect: {name} ({sha[:7]}) has no metric {gate}")
        vals[name] = v
        log(f"{name} {subject(repo, sha)[:70]}: {gate} = {v[0]:.6g}")
    why = worth_bisecting(gate, vals["GOOD"], vals["BAD"])
    if why:
        log(why)
        return None
    stop_on_signal()
    root = rev_build.cache_root(repo)
    os.makedirs(root, exist_ok=True)
    wt = tempfile.mkdtemp(prefix="bisect-", dir=root)
    os.rmdir(wt)  # git worktree add wants to make it
    state = wt + ".json"
    try:
        with open(state, "w") as f:
            json.dump({"repo": os.path.abspath(repo), "gate": gate, "runs": runs, "reps": reps,
                       "good": vals["GOOD"][0], "bad": vals["BAD"][0]}, f)
        subprocess.run(["git", "-C", repo, "worktree", "add", "--detach", wt, bad], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        git_wt = lambda *a, **kw: subprocess.run(["git", "-C", wt, *a], **kw)
        git_wt("bisect", "start", bad, good, check=True, stdout=subprocess.DEVNULL)
        rc, out = run_bisect(wt, state)
        first = git_wt("rev-parse", "--verify", "--quiet", "refs/bisect/bad", capture_output=True, text=True)
        if rc != 0 or "is the first bad commit" not in out:
            raise SystemExit("bench-bisect: git bisect run did not name one commit (skipped commits?): "
                             "see its output above")
        sha = first.stdout.strip()
        log(f"first bad commit: {sha} {subject(repo, sha).split(' ', 1)[1][:120]}")
        return sha
    finally:
        hold_signals()
        subprocess.run(["git", "-C", wt, "bisect", "reset"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["git", "-C", repo, "worktree", "remove", "--force", wt],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        subprocess.run(["git", "-C", repo, "worktree", "prune"], stdout=subprocess.DEVNULL)
        if os.path.exists(state):
            os.remove(state)


def main(argv):
    args = argv[1:]
    if len(args) == 2 and args[0] == "--step":
        return step(args[1])
    if len(args) < 3 or any(a.startswith("-") for a in args[:3]):
        print(__doc__, file=sys.stderr)
        return 2
    opt = lambda name, default: args[args.index(name) + 1] if name in args else default
    try:
        found = bisect(args[0], args[1], args[2], opt("--repo", "."), int(opt("--runs", "3")),
                       int(opt("--reps", "5")))
    except KeyboardInterrupt:
        print("bench-bisect: interrupted; the repository is as it was", file=sys.stderr)
        return 130
    return 0 if found else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
