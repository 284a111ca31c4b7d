"""tools/history_report.py: the page and the plots from a history file, offline."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import history_report as hr  # noqa: E402


def test_bar_covers_a_value_outside_its_repetitions():
    # A ratio gate's value is best(row a) / best(row b): it need not lie among the
    # per-repetition ratios, and the plot must not get a negative error bar.
    below, above = hr.bar_extent({"value": 7.16, "reps": [7.2, 9.07, 9.22]})
    assert below == 0 and abs(above - (9.22 - 7.16)) < 1e-12
    below, above = hr.bar_extent({"value": 9.5, "reps": [7.2, 9.07]})
    assert abs(below - 2.3) < 1e-12 and above == 0


def test_bar_of_an_exact_count_is_empty():
    assert hr.bar_extent({"value": 523.0, "reps": [523.0]}) == (0, 0)
    assert hr.bar_extent({"value": 523.0}) == (0, 0)


def test_report_of_a_ratio_history_with_values_outside_their_reps(tmp_path):
    lines = []
    for i in range(6):
        v = 7.0 if i < 3 else 4.0
        lines.append({"class": "t-class", "commit": f"{i:040x}", "short": f"{i:07x}",
                      "date": "2026-12-02T00:00:00+00:00", "subject": f"c{i}",
                      "metrics": {"avx2_over_scalar_fused_f32_L2":
                                  {"value": v, "reps": [v * 1.01, v * 1.02], "spread": 0.01}}})
    (tmp_path / "t-class.jsonl").write_text("".join(json.dumps(ln) + "\n" for ln in lines))
    hr.write_report(str(tmp_path))
    page = (tmp_path / "index.html").read_text()
    assert "avx2_over_scalar_fused_f32_L2" in page
    assert (tmp_path / "t-class" / "avx2_over_scalar_fused_f32_L2.png").stat().st_size > 0
