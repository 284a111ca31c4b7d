#!/usr/bin/env python3
"""The machine class a benchmark result belongs to, and what baselines are keyed by.

usage: machine_class.py BUILD_DIR     prints the class of this machine

A class is CPU vendor, family and model (from CPUID, as `lingrad info` prints them)
and the best kernel table this CPU runs, e.g. "AuthenticAMD-25-17-avx512" for a
Zen 4 and "AuthenticAMD-25-1-avx2" for a Zen 3. Ratios such as AVX2 over scalar
are a property of the core, so they are only compared within a class. Stepping,
compiler and thread count are recorded beside it but do not split classes: they
rarely move the ratios, and each split is one more baseline to keep.

The environment variable LINGRAD_BENCH_CLASS overrides the class (to see what a
machine without a baseline gets, for example).
"""
import os
import re
import subprocess
import sys

OVERRIDE = "LINGRAD_BENCH_CLASS"


def _clean(s):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", s.strip()) or "unknown"


def best_isa(isas):
    """The best table of a space-separated list in lingrad's order of preference
    (lingrad lists the runnable tables worst first, as the dispatcher ranks them)."""
    names = isas.split()
    return names[-1] if names else "scalar"


def compose(vendor, family, model, isas):
    return f"{_clean(vendor)}-{family}-{model}-{best_isa(isas)}"


def from_context(ctx):
    """The class of a Google Benchmark JSON context written by lingrad-bench."""
    if os.environ.get(OVERRIDE):
        return _clean(os.environ[OVERRIDE])
    vendor = ctx.get("lingrad_cpu_vendor")
    if not vendor:
        return "unknown"
    return compose(vendor, ctx.get("lingrad_cpu_family", "0"), ctx.get("lingrad_cpu_model", "0"),
                   ctx.get("lingrad_isa_available", ""))


def describe(ctx):
    """One line for people: brand, CPUID numbers, tables, compiler, threads."""
    return (f"{ctx.get('lingrad_cpu_brand', '?')} ({ctx.get('lingrad_cpu_vendor', '?')} family "
            f"{ctx.get('lingrad_cpu_family', '?')} model {ctx.get('lingrad_cpu_model', '?')} stepping "
            f"{ctx.get('lingrad_cpu_stepping', '?')}); tables {ctx.get('lingrad_isa_available', '?')}; "
            f"{ctx.get('lingrad_compiler', '?')}; {ctx.get('lingrad_threads_default', '?')} threads")


def from_info(text):
    """The same class from `lingrad info`'s output (no benchmark run needed)."""
    if os.environ.get(OVERRIDE):
        return _clean(os.environ[OVERRIDE])
    m = re.search(r"^model: .*\((\S+) family (\d+) model (\d+) stepping \d+\)$", text, re.M)
    k = re.search(r"^kernels: +(.*)$", text, re.M)
    if not m or not k:
        return "unknown"
    runs = re.sub(r"[a-z0-9]+ \(not on this CPU\)", "", k.group(1))
    return compose(m.group(1), m.group(2), m.group(3), runs)


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    info = subprocess.run([os.path.join(argv[1], "lingrad"), "info"], check=True,
                          capture_output=True, text=True).stdout
    print(from_info(info))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
