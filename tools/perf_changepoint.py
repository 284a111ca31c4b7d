#!/usr/bin/env python3
"""Steps in a metric's history: change points that the noise cannot explain.

A series is one value per commit (oldest first), each with its spread over
repetitions ((max - min) / median of the reps; 0 for an exact instruction
count). A step is reported only when
  1. an exact segmentation of the log values (least squares, a penalty per
     change point, each segment >= 2 commits) puts a change point there;
  2. the medians of the segments on either side differ by more than the noise
     floor (in log units, ~relative change);
  3. it lasts: the two commits after it sit beyond half the floor from the old
     level, and the two before it beyond half the floor from the new one, so a
     one-commit blip, or a step undone at once, is not a step.
A change point that fails 2 or 3 is removed (the weakest first), its segments
merged, and the rest judged again.

The noise floor of a series is the largest of
  - MIN_FLOOR (0.5%): instruction counts are exact, but a commit can move one
    by a few instructions in 10^4 without meaning anything;
  - SPREAD_TIMES times the median spread over repetitions (the noise within
    one run: the range of 3-5 repetitions is ~2 sigma, a step must clear ~4);
  - DIFF_SIGMAS times the commit-to-commit scatter (a robust sigma from the
    median absolute first difference): a ratio's run-to-run drift on a busy
    machine exceeds its within-run spread, and only the series shows it.
The settings give no false step in 1,000 pure-noise series
(tools/tests/test_perf_changepoint.py). asv's step_detect is the model; this is
smaller and judges steps against measured noise the same way.
"""
import math
import statistics
from dataclasses import dataclass

MIN_FLOOR = 0.005
SPREAD_TIMES = 2.0
DIFF_SIGMAS = 4.0
MIN_SEGMENT = 2
PENALTY = 3.0  # times sigma^2 log n per change point (BIC's is 2; a little stricter)


@dataclass
class Step:
    index: int        # the first commit of the new level
    before: float     # median of the level before (original units)
    after: float      # median of the level from index on
    relative: float   # after / before - 1


def robust_sigma(y):
    """Per-point noise (log units) from first differences: their median absolute
    deviation, scaled to a normal sigma, over sqrt 2 (a difference has two draws).
    A step moves one difference, which the median ignores."""
    d = [b - a for a, b in zip(y, y[1:])]
    if len(d) < 2:
        return 0.0
    med = statistics.median(d)
    return 1.4826 * statistics.median(abs(x - med) for x in d) / math.sqrt(2)


def noise_floor(values, spreads=None, min_floor=MIN_FLOOR):
    y = [math.log(v) for v in values]
    spread = SPREAD_TIMES * statistics.median(spreads) if spreads else 0.0
    return max(min_floor, spread, DIFF_SIGMAS * robust_sigma(y))


def segment(y, penalty):
    """Change points of the least-squares segmentation with that penalty per
    change and segments of >= MIN_SEGMENT points (exact, O(n^2))."""
    n = len(y)
    s1, s2 = [0.0], [0.0]
    for v in y:
        s1.append(s1[-1] + v)
        s2.append(s2[-1] + v * v)
    cost = lambda i, j: s2[j] - s2[i] - (s1[j] - s1[i]) ** 2 / (j - i)
    best, last = [0.0] + [math.inf] * n, [0] * (n + 1)
    for j in range(MIN_SEGMENT, n + 1):
        for i in [0] + list(range(MIN_SEGMENT, j - MIN_SEGMENT + 1)):
            c = best[i] + cost(i, j) + (penalty if i else 0.0)
            if c < best[j]:
                best[j], last[j] = c, i
    cps, j = [], n
    while j > 0 and last[j] > 0:
        j = last[j]
        cps.append(j)
    return sorted(cps)


def judge(y, cps, floor):
    """(failing change point with the smallest jump or None, steps) for the
    segmentation cps."""
    bounds = [0] + cps + [len(y)]
    steps, worst = [], None
    for a, k, b in zip(bounds, bounds[1:], bounds[2:]):
        m_left, m_right = statistics.median(y[a:k]), statistics.median(y[k:b])
        jump = m_right - m_left
        sign = 1 if jump > 0 else -1
        lasts = (all(sign * (y[i] - m_left) > floor / 2 for i in (k, k + 1)) and
                 all(sign * (m_right - y[i]) > floor / 2 for i in (k - 1, k - 2)))
        if abs(jump) > floor and lasts:
            steps.append(Step(k, math.exp(m_left), math.exp(m_right), math.expm1(jump)))
        elif worst is None or abs(jump) < worst[1]:
            worst = (k, abs(jump))
    return (worst[0] if worst else None), steps


def detect(values, spreads=None, min_floor=MIN_FLOOR):
    """(noise floor, [Step]) of a series of positive values, oldest first."""
    if any(v <= 0 for v in values):
        raise ValueError("perf_changepoint: values must be positive (ratios, counts)")
    if len(values) < 2 * MIN_SEGMENT:
        return noise_floor(values, spreads, min_floor) if values else min_floor, []
    y = [math.log(v) for v in values]
    floor = noise_floor(values, spreads, min_floor)
    sigma = max(robust_sigma(y), floor / DIFF_SIGMAS)
    cps = segment(y, PENALTY * sigma ** 2 * math.log(len(y)))
    while True:
        bad, steps = judge(y, cps, floor)
        if bad is None:
            return floor, steps
        cps.remove(bad)
