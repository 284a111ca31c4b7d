"""The step detector of bench-history (tools/perf_changepoint.py) on synthetic
series: known steps found where they are, none in pure noise, no blips.

usage: python3 -m pytest -q tools/tests/test_perf_changepoint.py
"""
import os
import random
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import perf_changepoint as pc  # noqa: E402


def noisy(rng, levels, sigma, reps=3):
    """(values, spreads): each commit the best (max) of `reps` repetitions around
    its level, as a ratio gate reports it, and their relative range."""
    values, spreads = [], []
    for level in levels:
        xs = [level * (1 + rng.gauss(0, sigma)) for _ in range(reps)]
        values.append(max(xs))
        spreads.append((max(xs) - min(xs)) / sorted(xs)[len(xs) // 2])
    return values, spreads


def test_exact_counts_step_at_its_commit():
    values = [1.12] * 6 + [8.4] * 5
    floor, steps = pc.detect(values, [0.0] * len(values))
    assert floor == pc.MIN_FLOOR
    assert [s.index for s in steps] == [6]
    assert abs(steps[0].relative - (8.4 / 1.12 - 1)) < 1e-9


def test_two_steps_in_noise_both_found():
    rng = random.Random(1)
    values, spreads = noisy(rng, [10.0] * 15 + [7.0] * 10 + [9.0] * 12, 0.02)
    _, steps = pc.detect(values, spreads)
    assert [s.index for s in steps] == [15, 25]
    assert steps[0].relative < -0.2 and steps[1].relative > 0.2


def test_a_step_on_the_second_to_last_commit_is_found():
    values = [100.0] * 8 + [103.0] * 2
    _, steps = pc.detect(values, [0.0] * len(values))
    assert [s.index for s in steps] == [8]


def test_a_change_below_the_floor_is_not_a_step():
    values = [100.0] * 8 + [100.3] * 8  # 0.3% < the 0.5% floor of exact counts
    assert pc.detect(values, [0.0] * len(values))[1] == []


def test_a_one_commit_blip_is_not_a_step():
    values = [5.0] * 7 + [9.0] + [5.0] * 7
    assert pc.detect(values, [0.0] * len(values))[1] == []
    rng = random.Random(2)
    levels = [10.0] * 12 + [14.0] + [10.0] * 12
    values, spreads = noisy(rng, levels, 0.02)
    assert pc.detect(values, spreads)[1] == []


def test_a_step_that_lasts_one_commit_at_the_end_is_not_a_step():
    values = [5.0] * 8 + [9.0]
    assert pc.detect(values, [0.0] * len(values))[1] == []


def test_no_false_step_in_1000_pure_noise_series():
    rng = random.Random(17)
    false = 0
    for trial in range(1000):
        n = rng.randint(6, 90)
        sigma = rng.choice([0.005, 0.02, 0.05, 0.1])
        values, spreads = noisy(rng, [1.0 + trial % 7] * n, sigma)
        false += len(pc.detect(values, spreads)[1])
    assert false == 0


def test_floor_follows_the_noise():
    rng = random.Random(3)
    quiet, _ = noisy(rng, [1.0] * 40, 0.01)
    loud, _ = noisy(rng, [1.0] * 40, 0.08)
    assert pc.detect(loud)[0] > 3 * pc.detect(quiet)[0]


def test_short_series_have_no_steps_and_bad_values_are_refused():
    assert pc.detect([1.0, 2.0, 2.0]) == (pc.detect([1.0, 2.0, 2.0])[0], [])
    try:
        pc.detect([1.0, 0.0, 1.0, 1.0])
    except ValueError:
        return
    raise AssertionError("a non-positive value was accepted")
