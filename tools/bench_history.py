#!/usr/bin/env python3
"""The gate's metrics over a range of commits: results/history/<class>.jsonl.

usage: bench_history.py REVS [--reps N] [--ratios] [--out DIR] [--repo REPO] [--no-report]
  REVS   A..B: A itself and every commit after it on B's first-parent line, oldest
         first (A is included, unlike git's A..B, so a history starts at the commit
         it names); or a single commit.
  --ratios   also the same-run ratio gates (one interleaved lingrad-bench run of N
         repetitions per commit, ~10 s more each at 3, and only on a quiet machine);
         without it only callgrind's instruction counts and the scalar/SIMD
         invariants, which machine load does not move.

Each commit is built once in a worktree of its own (tools/rev_build.py) and
measured with the tools of this checkout (tools/gate_metrics.py), so every line
of a history was measured the same way. One line per (commit, class): a re-run
replaces it in place, lines stay in the repository's commit order, and the file
is rewritten atomically after each commit, so an interrupted run keeps what it
measured. A commit that does not build, or whose measurement fails, gets a line
with "error" (the history says so; the report skips it). Gates a commit predates
(e.g. graph mode before it existed) are listed under "missing", with why.
The class is the machine's, read once from `lingrad info` of the commit these
tools belong to (built the same way; commits older than the class do not report
the CPU): LINGRAD_BENCH_CLASS overrides it.
Then the report is regenerated (tools/history_report.py).
"""
import datetime
import functools
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gate_metrics  # noqa: E402
import machine_class  # noqa: E402
import rev_build  # noqa: E402

TOOLS = os.path.dirname(os.path.abspath(__file__))
# Benchmarks of others on this machine: ratios measured beside them are noise.
# Matched on the program (argv[0], or the script a Python runs), not anywhere in
# a command line: a shell loop that greps for these names is not a benchmark.
BUSY = ("lingrad-bench", "lingrad-mpi-scaling", "bench_compare.py")


def git(repo, *args):
    return rev_build.git(repo, *args)


def commits(revs, repo):
    """[full sha] oldest first: A and A..B along B's first parent, or one commit."""
    if ".." not in revs:
        return [rev_build.resolve(revs, repo)]
    a, b = revs.split("..", 1)
    a, b = rev_build.resolve(a or "HEAD", repo), rev_build.resolve(b or "HEAD", repo)
    after = git(repo, "rev-list", "--first-parent", "--reverse", f"{a}..{b}").split()
    return [a] + after


def describe_commit(sha, repo):
    date, subject = git(repo, "log", "-1", "--format=%cI%n%s", sha).split("\n", 1)
    return {"commit": sha, "short": sha[:7], "date": date, "subject": subject}


def machine():
    """This machine's class, from the tools' own commit: a range's newest commit
    may predate lingrad's CPU identification."""
    if os.environ.get(machine_class.OVERRIDE):
        return machine_class.from_info("")
    keep = os.environ.get("LINGRAD_REV_TARGETS")
    os.environ["LINGRAD_REV_TARGETS"] = "lingrad_cli"  # `lingrad info` is all it needs
    try:
        build = rev_build.build_rev("HEAD", TOOLS)
    finally:
        if keep is None:
            del os.environ["LINGRAD_REV_TARGETS"]
        else:
            os.environ["LINGRAD_REV_TARGETS"] = keep
    info = subprocess.run([os.path.join(build, "lingrad"), "info"], check=True,
                          capture_output=True, text=True).stdout
    cls = machine_class.from_info(info)
    if cls == "unknown":
        raise SystemExit(f"bench-history: `lingrad info` of {build} names no CPU: set {machine_class.OVERRIDE}")
    return cls


def busy_pids():
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
        except OSError:
            continue  # gone, or not ours to read
        progs = [os.path.basename(a) for a in argv[:2]]
        if int(pid) != os.getpid() and any(p in BUSY for p in progs):
            pids.append(pid)
    return pids


def wait_for_quiet():
    while True:
        others = busy_pids()
        if not others:
            return
        print(f"bench-history: another benchmark runs (pids {' '.join(others)}): waiting 30 s", flush=True)
        time.sleep(30)


def measure(build, reps, ratios):
    """gate_metrics.measure, and the gates the commit predates (doc["missing"])."""
    if ratios:
        wait_for_quiet()
    doc = gate_metrics.measure(build, reps, ratios=ratios, instructions=True)
    return doc, doc.pop("missing")


def line_for(sha, repo, cls, reps, ratios):
    line = {**describe_commit(sha, repo), "class": cls}
    t0 = time.monotonic()
    try:
        build = rev_build.build_rev(sha, repo)
    except SystemExit as e:
        return {**line, "error": str(e)}
    t1 = time.monotonic()
    try:
        doc, missing = measure(build, reps, ratios)
    except (subprocess.CalledProcessError, SystemExit) as e:
        return {**line, "error": f"measurement failed: {e}"}
    got = doc["class"]
    if got not in ("unknown", cls):
        return {**line, "error": f"measured as class {got}, not {cls}"}
    line.update(metrics=doc["metrics"], missing=missing,
                measured={"at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                          "tools": tools_commit(), "ratios": ratios, "reps": reps if ratios else 1,
                          "build_s": round(t1 - t0, 1), "measure_s": round(time.monotonic() - t1, 1)})
    return line


@functools.lru_cache(maxsize=None)
def tools_commit():
    """The commit of the measuring tools, once: the lines of one run share it."""
    try:
        return git(TOOLS, "rev-parse", "--short=12", "HEAD")
    except subprocess.CalledProcessError:
        return "?"


def load(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(s) for s in f if s.strip()]


def in_commit_order(lines, repo):
    """Lines sorted by the repository's topological order (oldest first); commits
    it does not know keep their date order after those it does."""
    shas = sorted({ln["commit"] for ln in lines})
    r = subprocess.run(["git", "-C", repo, "cat-file", "--batch-check=%(objectname) %(objecttype)"],
                       input="".join(f"{sha}\n" for sha in shas), capture_output=True, text=True, check=True)
    known = [w[0] for w in (line.split() for line in r.stdout.splitlines()) if w[-1] == "commit"]
    order = {}
    if known:
        walk = git(repo, "rev-list", "--topo-order", "--reverse", *known).split()
        order = {sha: i for i, sha in enumerate(walk)}
    return sorted(lines, key=lambda ln: (ln["commit"] not in order, order.get(ln["commit"], 0), ln["date"]))


def store(path, lines, repo):
    """Writes the lines, one per commit, atomically (a reader never sees half a file)."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = f"{path}.tmp-{os.getpid()}"
    with open(tmp, "w") as f:
        for ln in in_commit_order(lines, repo):
            f.write(json.dumps(ln, sort_keys=True) + "\n")
    os.replace(tmp, path)


def run(revs, repo, out, reps, ratios):
    shas = commits(revs, repo)
    if not ratios:  # callgrind runs only the CLI: the benchmark suite would be half the build
        os.environ.setdefault("LINGRAD_REV_TARGETS", "lingrad_cli")
    cls = machine()
    path = os.path.join(out, f"{cls}.jsonl")
    print(f"bench-history: {len(shas)} commit(s), class {cls}, "
          f"{'ratios and ' if ratios else ''}instruction counts -> {path}", flush=True)
    for i, sha in enumerate(shas, 1):
        line = line_for(sha, repo, cls, reps, ratios)
        lines = [ln for ln in load(path) if ln["commit"] != sha] + [line]
        store(path, lines, repo)
        took = line.get("measured", {})
        print(f"bench-history: [{i}/{len(shas)}] {sha[:7]} "
              f"{line['error'] if 'error' in line else 'build %ss, metrics %ss' % (took['build_s'], took['measure_s'])}",
              flush=True)
    return path


def main(argv):
    args = argv[1:]
    if not args or args[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    opt = lambda name, default: args[args.index(name) + 1] if name in args else default
    repo = opt("--repo", ".")
    out = opt("--out", os.path.join(git(repo, "rev-parse", "--show-toplevel"), "results", "history"))
    try:
        run(args[0], repo, out, int(opt("--reps", "3")), "--ratios" in args)
    except KeyboardInterrupt:
        print("bench-history: interrupted; the lines of the commits measured so far are kept", file=sys.stderr)
        return 130
    if "--no-report" not in args:
        import history_report
        history_report.write_report(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
