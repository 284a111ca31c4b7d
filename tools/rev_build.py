#!/usr/bin/env python3
"""One commit of this repository, built in a worktree of its own and cached by commit.

usage: rev_build.py REV [REPO]     prints the build directory of REV

The tools that compare commits (bench-history, bench-compare, bench-bisect)
measure binaries of other commits with the tools of this one. Each commit is
checked out once, detached, at CACHE/<sha>/src (a `git worktree`, so the
repository's own work tree is never touched) and built there with its own
CMake presets; CACHE/<sha>/ok marks a finished build, so a second request costs
nothing. CACHE is $LINGRAD_REV_CACHE, else REPO/build-revs (ignored by git).
$LINGRAD_REV_TARGETS (space-separated) builds fewer targets, e.g. lingrad_cli
alone where only instruction counts are wanted; ok lists what was built, so a
later request for more builds the rest in the same tree.
"""
import os
import shutil
import subprocess
import sys

# What the gate metrics need: the CLI (callgrind runs `lingrad train`) and the
# benchmark suite. Older commits may lack a target: then everything is built.
TARGETS = ("lingrad_cli", "lingrad_bench")


def targets():
    return tuple(os.environ.get("LINGRAD_REV_TARGETS", "").split()) or TARGETS


def git(repo, *args):
    return subprocess.run(["git", "-C", repo, *args], check=True, capture_output=True,
                          text=True).stdout.strip()


def resolve(rev, repo="."):
    """The full commit id of rev (a branch, tag, short id, HEAD~2, ...)."""
    try:
        return git(repo, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    except subprocess.CalledProcessError:
        raise SystemExit(f"rev_build: '{rev}' is not a commit of {os.path.abspath(repo)}")


def cache_root(repo="."):
    return os.environ.get("LINGRAD_REV_CACHE") or os.path.join(git(repo, "rev-parse", "--show-toplevel"),
                                                               "build-revs")


def _log(msg, quiet):
    if not quiet:
        print(f"rev_build: {msg}", file=sys.stderr, flush=True)


def _checkout(repo, sha, src, quiet):
    if os.path.isdir(src):
        return
    _log(f"checking out {sha[:12]} into {src}", quiet)
    subprocess.run(["git", "-C", repo, "worktree", "prune"], check=True)
    subprocess.run(["git", "-C", repo, "worktree", "add", "--detach", "--force", src, sha],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _built(ok):
    """The targets a finished build holds (an empty ok: the default set;
    "all": everything, after an older target list failed)."""
    with open(ok) as f:
        return set(f.read().split()) or set(TARGETS)


def _build(src, build, log, want):
    jobs = str(os.cpu_count() or 2)
    with open(log, "a") as out:
        run = lambda *cmd: subprocess.run(cmd, cwd=src, stdout=out, stderr=subprocess.STDOUT).returncode
        if os.path.exists(os.path.join(src, "CMakePresets.json")):
            rc = run("cmake", "--preset", "release", "-DLINGRAD_MPI=OFF")
        else:
            rc = run("cmake", "-S", ".", "-B", build, "-DCMAKE_BUILD_TYPE=Release")
        if rc == 0:
            rc = run("cmake", "--build", build, "-j", jobs, "--target", *want)
            if rc != 0:  # an older target list: build what the commit builds
                rc, want = run("cmake", "--build", build, "-j", jobs), ("all",)
    return rc, want


def build_rev(rev, repo=".", quiet=False):
    """The build directory of rev, building it on first use. Exits with one line
    naming the log when the commit does not build."""
    sha = resolve(rev, repo)
    root = os.path.join(cache_root(repo), sha)
    src, ok = os.path.join(root, "src"), os.path.join(root, "ok")
    build = os.path.join(src, "build")
    want = targets()
    have = _built(ok) if os.path.exists(ok) else set()
    if os.path.exists(os.path.join(build, "lingrad")) and ("all" in have or have >= set(want)):
        return build
    os.makedirs(root, exist_ok=True)
    _checkout(repo, sha, src, quiet)
    _log(f"building {sha[:12]}: {' '.join(want)} (log: {root}/build.log)", quiet)
    rc, done = _build(src, build, os.path.join(root, "build.log"), want)
    if rc != 0:
        raise SystemExit(f"rev_build: {sha[:12]} does not build: see {root}/build.log")
    with open(ok, "w") as f:
        f.write(" ".join(sorted(have | set(done))) + "\n")
    return build


def drop(rev, repo="."):
    """Forgets rev's build and worktree (e.g. a tree that a test rewrote)."""
    sha = resolve(rev, repo)
    root = os.path.join(cache_root(repo), sha)
    if os.path.isdir(os.path.join(root, "src")):
        subprocess.run(["git", "-C", repo, "worktree", "remove", "--force", os.path.join(root, "src")],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(root, ignore_errors=True)


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    print(build_rev(argv[1], argv[2] if len(argv) == 3 else "."))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
