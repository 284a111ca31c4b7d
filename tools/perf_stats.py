"""Paired statistics for comparing two builds on a noisy machine (bench-compare).

Pure functions, no I/O. A comparison is a list of pairs (base, head) of one gate
metric, each pair measured back to back, so that the machine's drift (40-70% in
absolute times on the 2-core CI VM) hits both sides of a pair alike. Everything
is done on the *gain*: the log of head/base, signed so that positive is better
for that metric (see better()). Logs make a 10% slowdown and a 10% speed-up the
same size and let ratios of ratios add.

The location estimate is the median gain: one disturbed process moves a mean,
not a median. Its confidence interval is a percentile bootstrap with a fixed
seed, so the same data always gives the same verdict. The Wilcoxon signed-rank
test (scipy) is the second opinion; without scipy the bootstrap decides alone
and wilcoxon_p() says so by returning None.
"""
import math
import random
import statistics

try:
    from scipy import stats as _scipy_stats
except ImportError:  # the decision then rests on the bootstrap alone; see decide()
    _scipy_stats = None

SEED = 17
BOOT = 2000
ALPHA = 0.05
# The threshold is at least this many A/A noise floors: the floor is how far the
# A/B median moves by noise alone (noise_floor), and a change must stand clear of it.
FLOOR_FACTOR = 2.0

HIGHER, LOWER = 1, -1


def better(name):
    """+1 when a larger value of gate metric `name` is better, -1 when smaller is.
    Instruction counts are costs; their scalar/SIMD invariants (simd_*) and every
    ratio gate (speed over speed) are speed-ups."""
    if name.startswith("simd_"):
        return HIGHER
    if name.startswith("instructions_"):
        return LOWER
    return HIGHER


def exact(name):
    """Instruction counts and what is derived from them: deterministic, measured
    once per commit, never paired."""
    return name.startswith(("instructions_", "simd_"))


def gains(pairs, direction=HIGHER):
    """direction * log(head / base) of each (base, head) pair: > 0 is better."""
    out = []
    for base, head in pairs:
        if base <= 0 or head <= 0:
            raise ValueError(f"perf_stats: a metric must be positive to be compared, got {base}, {head}")
        out.append(direction * math.log(head / base))
    return out


def bootstrap_ci(xs, level=1 - ALPHA, stat=statistics.median, boot=BOOT, seed=SEED):
    """(low, high): the percentile bootstrap interval of stat(xs) at `level`,
    from `boot` resamples drawn with a fixed seed (the same xs, the same interval)."""
    if not xs:
        raise ValueError("perf_stats: no samples")
    rng = random.Random(seed)
    n = len(xs)
    est = sorted(stat(rng.choices(xs, k=n)) for _ in range(boot))
    tail = (1 - level) / 2
    lo = est[int(math.floor(tail * (boot - 1)))]
    hi = est[int(math.ceil((1 - tail) * (boot - 1)))]
    return lo, hi


def have_wilcoxon():
    return _scipy_stats is not None


def wilcoxon_p(xs, shift=0.0, alternative="two-sided"):
    """The Wilcoxon signed-rank p-value of H0 "the median of xs is shift", or None
    without scipy. Differences of exactly zero carry no sign and are dropped
    (scipy's "wilcox" rule); with none left there is no evidence: p = 1."""
    if _scipy_stats is None:
        return None
    d = [x - shift for x in xs]
    if not any(d):
        return 1.0
    return float(_scipy_stats.wilcoxon(d, alternative=alternative).pvalue)


def summary(pairs, direction=HIGHER, level=1 - ALPHA):
    """What the comparison table prints of one gate: the median paired ratio
    head/base and its interval (as ratios, not gains), and the two-sided Wilcoxon
    p of "no change"."""
    g = gains(pairs, direction)
    lo, hi = bootstrap_ci(g, level)
    med = statistics.median(g)
    # back from gains to head/base: a lower-is-better metric flips the interval
    to_ratio = lambda x: math.exp(direction * x)
    r_lo, r_hi = sorted((to_ratio(lo), to_ratio(hi)))
    return {"ratio": to_ratio(med), "ci": [r_lo, r_hi], "gain": med, "gain_ci": [lo, hi],
            "p": wilcoxon_p(g), "n": len(g)}


def decide(pairs, threshold, alpha=ALPHA, direction=HIGHER):
    """"regression", "improvement" or "no change" for paired (base, head) samples.

    threshold is a gain (log ratio, > 0): a regression is a median loss larger
    than it, with the whole (1 - 2 alpha) bootstrap interval beyond it (a one-sided
    test at alpha) and, where scipy is present, the Wilcoxon test of the median
    against -threshold significant at alpha too. Both must agree: on a machine
    this noisy, one test's luck is not enough to fail a pull request."""
    g = gains(pairs, direction)
    lo, hi = bootstrap_ci(g, 1 - 2 * alpha)
    if hi < -threshold and _agrees(g, -threshold, "less", alpha):
        return "regression"
    if lo > threshold and _agrees(g, threshold, "greater", alpha):
        return "improvement"
    return "no change"


def _agrees(g, shift, alternative, alpha):
    p = wilcoxon_p(g, shift, alternative)
    return p is None or p < alpha


# A normal's sigma per unit of median absolute deviation, and the standard error of
# a median of n per sigma / sqrt(n) (large-sample, normal noise).
MAD_TO_SIGMA, MEDIAN_SE = 1.4826, 1.2533


def noise_floor(aa_pairs, direction=HIGHER, n=None, z=1.96):
    """The noise floor of an A/A set (the same build on both sides), as a gain: the
    95% half-width of a median of n paired gains (n: the A/B phase's pairs; default
    the A/A's own count) at the per-pair scale the A/A pairs show, measured
    robustly (their MAD). The A/A phase is short (6 pairs), so the bootstrap
    interval of its own median is set by its one or two worst pairs: one disturbed
    pair doubled the threshold and hid an 8.5% slowdown. The MAD ignores that pair,
    and the A/B median, of more pairs, is itself steadier than the A/A's."""
    g = gains(aa_pairs, direction)
    m = statistics.median(g)
    mad = statistics.median(abs(x - m) for x in g)
    return z * MEDIAN_SE * MAD_TO_SIGMA * mad / math.sqrt(n or len(g))


def fixed_floor_gain(name, thresholds):
    """bench-check's own limit of gate `name` (results/baseline/thresholds.json) as
    a gain: a ratio may drop by a fraction d (log(1/(1-d))); an exact metric (an
    instruction count, or a ratio of two) may move by a fraction r (log(1+r))."""
    if exact(name):
        return math.log(1 + thresholds["instructions"])
    ratios = thresholds["ratios"]
    return -math.log(1 - ratios.get(name, ratios["default"]))


def threshold(fixed, aa_floor, factor=FLOOR_FACTOR):
    """The decision threshold (a gain): factor A/A floors, never below the fixed floor."""
    return max(fixed, factor * aa_floor) if aa_floor is not None else fixed


def gain_to_percent(g):
    """A gain as the percentage change it stands for (0.0953 -> +10.0)."""
    return 100 * (math.exp(g) - 1)
