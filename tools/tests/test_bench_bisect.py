"""bench-bisect's decisions without building anything (tools/bench_bisect.py):
which callgrind runs a gate needs, when there is nothing to bisect, how a ratio
gate's repeated runs become one value, and the step's verdicts for git.
The real bisection runs in tests/test_perf_history.sh.

usage: python3 -m pytest -q tools/tests/test_bench_bisect.py
"""
import json
import os
import sys
from unittest import mock

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import bench_bisect as bb  # noqa: E402


def test_each_instruction_gate_runs_only_what_it_needs():
    assert bb.callgrind_runs("instructions_per_element_avx2_f32") == ([("avx2", "f32")], ())
    assert bb.callgrind_runs("simd_scalar_over_avx2_instructions_f64") == ([("scalar", "f64"), ("avx2", "f64")], ())
    assert bb.callgrind_runs("instructions_per_epoch_avx2_graph_f32_n100") == ([], ("graph",))


def test_an_epoch_gate_of_a_mode_without_ceilings_is_refused():
    # the modes bisect accepts are those floors.json gates, not a copy of the list
    assert all(bb.callgrind_runs(f"instructions_per_epoch_avx2_{m}_f64_n100") == ([], (m,))
               for m in bb.bench_check.gated_modes())
    try:
        bb.callgrind_runs("instructions_per_epoch_avx2_lazy_f32_n100")
    except SystemExit as e:
        assert "not a gate metric" in str(e)
        return
    raise AssertionError("accepted")


def test_a_commit_lacking_a_mode_has_its_gates_missing_not_measured():
    gm = bb.gate_metrics
    gated = bb.bench_check.gated_modes()
    older = gated[:-1]  # as a commit before the last gated mode existed
    seen = []
    with mock.patch.object(gm, "modes_of", return_value=older), \
            mock.patch.object(gm, "instruction_metrics", lambda build, ctx: seen.append(bb.bench_check.EPOCH_MODES) or {}):
        _, missing = gm.instructions_of_modes("b", {})
        assert seen == [older] and bb.bench_check.EPOCH_MODES is None
        assert set(missing) == {bb.bench_check.epoch_gate(gated[-1], dt) for dt in ("f32", "f64")}
        # narrowed to one mode (bench-bisect): only that one is measured
        with mock.patch.object(bb.bench_check, "EPOCH_MODES", (older[0],)):
            _, missing = gm.instructions_of_modes("b", {})
        assert seen[-1] == (older[0],) and missing == {}


def test_an_unknown_gate_is_refused():
    try:
        bb.callgrind_runs("instructions_per_lunch")
    except SystemExit as e:
        assert "not a gate metric" in str(e)
        return
    raise AssertionError("accepted")


def test_nothing_to_bisect_within_the_floor():
    assert bb.worth_bisecting("instructions_per_element_avx2_f32", (1.120, 0.0), (1.124, 0.0))
    assert bb.worth_bisecting("instructions_per_element_avx2_f32", (1.12, 0.0), (14.07, 0.0)) is None
    # a ratio: twice the larger spread of the runs
    assert bb.worth_bisecting("avx2_over_scalar_fused_f32_L2", (12.0, 0.1), (10.0, 0.05))
    assert bb.worth_bisecting("avx2_over_scalar_fused_f32_L2", (12.0, 0.05), (6.0, 0.05)) is None


def test_a_ratio_gate_is_the_median_of_its_runs():
    runs = iter([11.0, 5.0, 12.0])
    fake = lambda build, reps, ratios, instructions: {"metrics": {"avx2_over_scalar_fused_f32_L2": {"value": next(runs)}}}
    with mock.patch.object(bb.rev_build, "build_rev", return_value="b"), \
            mock.patch.object(bb.gate_metrics, "measure", side_effect=fake), \
            mock.patch.object(bb.bench_history, "wait_for_quiet"):
        value, spread = bb.value_at("c", ".", "avx2_over_scalar_fused_f32_L2", 3, 5)
    assert value == 11.0 and abs(spread - 7.0 / 11.0) < 1e-12


def verdict(tmp_path, got):
    state = tmp_path / "state.json"
    state.write_text(json.dumps({"repo": ".", "gate": "instructions_per_element_avx2_f32", "runs": 1,
                                 "reps": 1, "good": 1.12, "bad": 14.07}))
    with mock.patch.object(bb.rev_build, "git", return_value="a" * 40), \
            mock.patch.object(bb, "value_at", **got), mock.patch.object(bb, "subject", return_value="aaaaaaa s"):
        return bb.step(str(state))


def test_step_verdicts_for_git_bisect(tmp_path):
    assert verdict(tmp_path, {"return_value": (14.0, 0.0)}) == bb.BAD
    assert verdict(tmp_path, {"return_value": (1.13, 0.0)}) == bb.GOOD
    assert verdict(tmp_path, {"return_value": None}) == bb.SKIP
    assert verdict(tmp_path, {"side_effect": SystemExit("rev_build: does not build")}) == bb.SKIP
