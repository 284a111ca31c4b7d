"""The performance gate's own logic (tools/bench_check.py, tools/machine_class.py):
machine classes, which limits a class gets, verdicts, the confirmation run's
merge, colour in logs, and that the committed floors and baselines agree.

usage: python3 test_bench_check.py SOURCE_DIR [BUILD_DIR]
With BUILD_DIR, the class lingrad-bench records must equal the one
machine_class.py reads from `lingrad info`.
"""
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest
from unittest import mock

SRC = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.getcwd()
BUILD = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 else None
sys.path.insert(0, os.path.join(SRC, "tools"))
import bench_check  # noqa: E402
import machine_class  # noqa: E402

ZEN4 = {"lingrad_cpu_vendor": "AuthenticAMD", "lingrad_cpu_family": "25", "lingrad_cpu_model": "17",
        "lingrad_isa_available": "scalar avx2 avx512", "lingrad_compiler": "GNU 12.2.0, -O3 -DNDEBUG",
        "lingrad_topology": "1 packages, 2 cores, 2 PUs"}
ZEN3 = dict(ZEN4, lingrad_cpu_model="1", lingrad_isa_available="scalar avx2")
RATIOS = {"avx2_over_scalar_fused_f32_L2": 12.0, "avx512_over_scalar_fused_f32_L2": 13.0,
          "fused_over_eager_epoch_n10000": 11.0, "fused_over_roofline_f32_DRAM": 1.0,
          "threads_all_over_1_fused_f32_L3_vs_machine": 1.1, "lingrad_over_peer_fused_f32_L2": 2.2}
INSTR = {"instructions_per_element_scalar_f32": 15.0, "instructions_per_element_avx2_f32": 1.1}


def write(path, doc):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f)


class MachineClass(unittest.TestCase):
    def setUp(self):
        os.environ.pop(machine_class.OVERRIDE, None)

    def test_zen_kinds_are_distinct_classes(self):
        self.assertEqual(machine_class.from_context(ZEN4), "AuthenticAMD-25-17-avx512")
        self.assertEqual(machine_class.from_context(ZEN3), "AuthenticAMD-25-1-avx2")

    def test_same_cpu_with_fewer_tables_is_another_class(self):
        self.assertEqual(machine_class.from_context(dict(ZEN4, lingrad_isa_available="scalar")),
                         "AuthenticAMD-25-17-scalar")

    def test_context_without_cpu_id_is_unknown(self):
        self.assertEqual(machine_class.from_context({"lingrad_isa_available": "scalar avx2"}), "unknown")

    def test_override(self):
        with mock.patch.dict(os.environ, {machine_class.OVERRIDE: "no such/class"}):
            self.assertEqual(machine_class.from_context(ZEN4), "no_such_class")

    def test_from_info_matches_context(self):
        info = ("cpu:      x86-64 avx2 fma; OS saves ymm\n"
                "model:    AMD EPYC (AuthenticAMD family 25 model 1 stepping 1)\n"
                "kernels:  scalar avx2 avx512 (not on this CPU)\n")
        self.assertEqual(machine_class.from_info(info), machine_class.from_context(ZEN3))

    @unittest.skipUnless(BUILD, "needs BUILD_DIR")
    def test_bench_and_info_agree_on_this_machine(self):
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "b.json")
            subprocess.run([os.path.join(BUILD, "lingrad-bench"),
                            "--benchmark_filter=kernel/fused_mse/f32/scalar/threads:1/n:2048/",
                            "--quick", "--benchmark_min_time=0.01", f"--benchmark_out={out}"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            with open(out) as f:
                ctx = json.load(f)["context"]
        info = subprocess.run([os.path.join(BUILD, "lingrad"), "info"], check=True,
                              capture_output=True, text=True).stdout
        self.assertNotEqual(machine_class.from_context(ctx), "unknown")
        self.assertEqual(machine_class.from_context(ctx), machine_class.from_info(info))


class Limits(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.root = self.tmp.name
        with open(os.path.join(SRC, "results", "baseline", "floors.json")) as f:
            self.floors = json.load(f)
        write(os.path.join(self.root, "floors.json"), self.floors)
        write(os.path.join(self.root, "thresholds.json"),
              {"ratios": {"default": 0.25, "threads_all_over_1_fused_f32_L3_vs_machine": 0.35},
               "instructions": 0.02})
        write(os.path.join(self.root, "AuthenticAMD-25-17-avx512", "bench-check.json"),
              {"machine": {"lingrad_compiler": ZEN4["lingrad_compiler"]}, "ratios": RATIOS,
               "instructions": INSTR})

    def tearDown(self):
        self.tmp.cleanup()

    def check_output(self, counts):
        out = io.StringIO()
        with mock.patch.object(bench_check, "run_bench", return_value=(ZEN3, {})), \
                mock.patch.object(bench_check, "instructions", return_value=counts), \
                mock.patch.object(bench_check, "compare_times"), mock.patch("sys.stdout", new=out):
            bench_check.check_in("build", self.root, self.root)
        return {line.split()[0]: line for line in out.getvalue().splitlines() if line.startswith("simd_")}

    def test_check_prints_the_simd_invariants_and_fails_a_scalar_avx2_table(self):
        good = dict(INSTR, instructions_per_element_scalar_f64=13.07, instructions_per_element_avx2_f64=2.09)
        rows = self.check_output(good)
        self.assertRegex(rows["simd_scalar_over_avx2_instructions_f32"], r" 13\.64 +>= 4 \(8 lanes / 2\) +ok$")
        self.assertRegex(rows["simd_scalar_over_avx2_instructions_f64"], r" 6\.254 +>= 2 \(4 lanes / 2\) +ok$")
        rows = self.check_output(dict(good, instructions_per_element_avx2_f32=14.1))
        self.assertTrue(rows["simd_scalar_over_avx2_instructions_f32"].endswith("REGRESSED"))

    def test_known_class_gets_its_baseline_less_the_threshold(self):
        notes, gates = bench_check.gates_for("AuthenticAMD-25-17-avx512", ZEN4, self.root)
        self.assertIn("baseline of class AuthenticAMD-25-17-avx512", notes[0])
        self.assertAlmostEqual(gates["avx2_over_scalar_fused_f32_L2"][1], 9.0)
        self.assertAlmostEqual(gates["threads_all_over_1_fused_f32_L3_vs_machine"][1], 1.1 * 0.65)
        self.assertAlmostEqual(gates["instructions_per_element_avx2_f32"][1], 1.1 * 1.02)

    def test_unknown_class_gets_floors_and_says_so(self):
        notes, gates = bench_check.gates_for("AuthenticAMD-25-1-avx2", ZEN3, self.root)
        self.assertIn("no baseline for class AuthenticAMD-25-1-avx2", notes[0])
        self.assertIn("floors", notes[0])
        for name, f in self.floors["ratios"].items():
            self.assertEqual(gates[name][1], f.get("floor", f.get("ceiling")))
            self.assertEqual(gates[name][3], "floor" if "floor" in f else "ceiling")
        # same compiler: the other class's instruction counts are valid here
        self.assertIn("same compiler", notes[1])
        self.assertAlmostEqual(gates["instructions_per_element_avx2_f32"][1], 1.1 * 1.02)

    def test_unknown_class_and_compiler_gets_ceilings(self):
        ctx = dict(ZEN3, lingrad_compiler="Clang 14.0.6, -O3 -DNDEBUG")
        notes, gates = bench_check.gates_for("AuthenticAMD-25-1-avx2", ctx, self.root)
        self.assertIn("ceilings", notes[1])
        for name, f in self.floors["instructions"].items():
            self.assertEqual(gates[name][1], f["ceiling"])

    def test_a_scalar_table_in_the_avx2_slot_fails_the_floor(self):
        _, gates = bench_check.gates_for("nowhere", ZEN4, self.root)
        now = dict(RATIOS, avx2_over_scalar_fused_f32_L2=1.02, graph_over_eager_epoch_n1000000=16.0,
                   graph_time_over_fused_epoch_n1000000=1.1, threads_all_over_1_train_least_f32=0.98,
                   **{f"threads_all_over_1_train_fused_f32_{level}": 2.0 for level, _ in bench_check.THREAD_LEVELS})
        rows = bench_check.judge(gates, now, ZEN4)
        verdict = {r[0]: r[4] for r in rows}
        self.assertEqual(verdict["avx2_over_scalar_fused_f32_L2"], "REGRESSED")
        self.assertEqual(verdict["avx512_over_scalar_fused_f32_L2"], "ok")
        self.assertEqual(bench_check.failed_ratio_gates(rows), ["avx2_over_scalar_fused_f32_L2"])


    def test_instruction_counts_of_another_architecture_are_not_used(self):
        ctx = dict(ZEN3, lingrad_cpu="aarch64 neon")
        notes, gates = bench_check.gates_for("aarch64-0-0-neon", ctx, self.root)
        self.assertIn("ceilings", notes[1])

    def test_same_cpu_with_a_lost_table_is_an_error_not_a_fallback(self):
        os.environ.pop(machine_class.OVERRIDE, None)
        msg = bench_check.lost_tables("AuthenticAMD-25-17-avx2", self.root)
        self.assertIn("AuthenticAMD-25-17-avx512", msg)
        self.assertIsNone(bench_check.lost_tables("AuthenticAMD-25-1-avx2", self.root))
        self.assertIsNone(bench_check.lost_tables("AuthenticAMD-25-17-avx512", self.root))

    def test_a_baseline_older_than_a_gate_judges_it_by_the_floors_and_says_so(self):
        # the committed baseline (RATIOS, INSTR) predates the graph gates
        notes, gates = bench_check.gates_for("AuthenticAMD-25-17-avx512", ZEN4, self.root)
        self.assertEqual(gates["graph_over_eager_epoch_n1000000"][1:],
                         (self.floors["ratios"]["graph_over_eager_epoch_n1000000"]["floor"], "min", "floor"))
        epoch = "instructions_per_epoch_avx2_graph_f32_n100"
        self.assertEqual(gates[epoch][1:], (self.floors["instructions"][epoch]["ceiling"], "max", "ceiling"))
        # what the baseline has is still judged by it
        self.assertAlmostEqual(gates["avx2_over_scalar_fused_f32_L2"][1], 9.0)
        self.assertAlmostEqual(gates["instructions_per_element_avx2_f32"][1], 1.1 * 1.02)
        said = [n for n in notes if "predates" in n]
        self.assertEqual(len(said), 1, notes)
        self.assertIn("graph_over_eager_epoch_n1000000", said[0])
        self.assertIn(epoch, said[0])
        # a gate this CPU cannot measure is not filled in
        self.assertNotIn("neon_over_scalar_fused_f32_L2", gates)

    def test_a_baseline_with_the_graph_gates_uses_them(self):
        epoch = "instructions_per_epoch_avx2_graph_f32_n100"
        write(os.path.join(self.root, "AuthenticAMD-25-17-avx512", "bench-check.json"),
              {"machine": {"lingrad_compiler": ZEN4["lingrad_compiler"]},
               "ratios": dict(RATIOS, graph_over_eager_epoch_n1000000=2.8),
               "instructions": dict(INSTR, **{epoch: 6590.0})})
        notes, gates = bench_check.gates_for("AuthenticAMD-25-17-avx512", ZEN4, self.root)
        self.assertAlmostEqual(gates["graph_over_eager_epoch_n1000000"][1], 2.8 * 0.75)
        self.assertAlmostEqual(gates[epoch][1], 6590.0 * 1.02)
        self.assertNotIn("graph_over_eager_epoch_n1000000", next(n for n in notes if "predates" in n))

    def test_graph_time_over_fused_has_a_ceiling_and_rises_by_the_threshold(self):
        name = "graph_time_over_fused_epoch_n1000000"
        ceiling = self.floors["ratios"][name]["ceiling"]
        _, gates = bench_check.gates_for("nowhere", ZEN4, self.root)
        self.assertEqual(gates[name][1:], (ceiling, "max", "ceiling"))
        verdict = {r[0]: r[4] for r in bench_check.judge(gates, dict(RATIOS, **{name: ceiling * 1.01}), ZEN4)}
        self.assertEqual(verdict[name], "REGRESSED")
        rows = bench_check.judge(gates, dict(RATIOS, **{name: ceiling * 1.01}), ZEN4)
        self.assertIn(name, bench_check.failed_ratio_gates(rows))  # a time ratio: measured again
        # a baseline's value may rise by the threshold, not fall
        write(os.path.join(self.root, "AuthenticAMD-25-17-avx512", "bench-check.json"),
              {"machine": {"lingrad_compiler": ZEN4["lingrad_compiler"]},
               "ratios": dict(RATIOS, **{name: 2.0}), "instructions": INSTR})
        _, gates = bench_check.gates_for("AuthenticAMD-25-17-avx512", ZEN4, self.root)
        self.assertEqual(gates[name][1:], (2.0 * 1.25, "max", "+25%"))
        verdict = {r[0]: r[4] for r in bench_check.judge(gates, {name: 2.4}, ZEN4)}
        self.assertEqual(verdict[name], "ok")

    def test_same_compiler_counts_lacking_the_epoch_gates_fall_back_to_ceilings(self):
        notes, gates = bench_check.gates_for("AuthenticAMD-25-1-avx2", ZEN3, self.root)
        self.assertAlmostEqual(gates["instructions_per_element_avx2_f32"][1], 1.1 * 1.02)
        for mode in bench_check.gated_modes(self.root):
            name = f"instructions_per_epoch_avx2_{mode}_f64_n100"
            self.assertEqual(gates[name][1:], (self.floors["instructions"][name]["ceiling"], "max", "ceiling"))
        self.assertTrue(any("AuthenticAMD-25-17-avx512 predates" in n for n in notes), notes)

    def test_a_baseline_lacking_a_measurable_gate_is_refused(self):
        doc = {"ratios": dict(RATIOS), "instructions": dict(INSTR)}
        del doc["ratios"]["fused_over_roofline_f32_DRAM"]
        missing = bench_check.missing_gates(doc, ZEN4, self.root)
        self.assertIn("fused_over_roofline_f32_DRAM", missing)
        self.assertIn("instructions_per_element_avx2_f64", missing)
        self.assertIn("instructions_per_epoch_avx2_eager_f32_n100", missing)
        self.assertIn("graph_over_eager_epoch_n1000000", missing)
        self.assertNotIn("neon_over_scalar_fused_f32_L2", missing)


class Verdicts(unittest.TestCase):
    GATES = {"avx512_over_scalar_fused_f32_L2": (13.0, 9.75, "min", "-25%"),
             "fused_over_eager_epoch_n10000": (11.0, 8.25, "min", "-25%"),
             "instructions_per_element_avx2_f32": (1.1, 1.122, "max", "+2%")}

    def test_missing_gate_for_an_absent_isa_is_skipped_not_passed(self):
        rows = bench_check.judge(self.GATES, {"fused_over_eager_epoch_n10000": 11.0,
                                              "instructions_per_element_avx2_f32": 1.1}, ZEN3)
        verdict = {r[0]: r[4] for r in rows}
        self.assertTrue(verdict["avx512_over_scalar_fused_f32_L2"].startswith("skipped"))
        self.assertEqual(verdict["fused_over_eager_epoch_n10000"], "ok")

    def test_missing_gate_the_machine_could_measure_fails(self):
        rows = bench_check.judge(self.GATES, {"instructions_per_element_avx2_f32": 1.1}, ZEN4)
        verdict = {r[0]: r[4] for r in rows}
        self.assertEqual(verdict["fused_over_eager_epoch_n10000"], "REGRESSED")

    def test_instructions_above_the_limit_fail(self):
        rows = bench_check.judge(self.GATES, {"instructions_per_element_avx2_f32": 1.2}, ZEN4)
        self.assertEqual({r[0]: r[4] for r in rows}["instructions_per_element_avx2_f32"], "REGRESSED")
        self.assertNotIn("instructions_per_element_avx2_f32", bench_check.failed_ratio_gates(rows))

    def test_simd_invariant_floors_are_half_the_lanes_and_catch_a_scalar_loop(self):
        counts = {"instructions_per_element_scalar_f32": 15.07, "instructions_per_element_avx2_f32": 1.12,
                  "instructions_per_element_scalar_f64": 13.07, "instructions_per_element_avx2_f64": 13.0}
        inv = bench_check.simd_invariants(counts)
        gates = bench_check.simd_gates(inv)
        self.assertEqual({n: g[1] for n, g in gates.items()},
                         {"simd_scalar_over_avx2_instructions_f32": 4.0,
                          "simd_scalar_over_avx2_instructions_f64": 2.0})
        verdict = {r[0]: r[4] for r in bench_check.judge(gates, inv, ZEN3)}
        self.assertEqual(verdict, {"simd_scalar_over_avx2_instructions_f32": "ok",
                                   "simd_scalar_over_avx2_instructions_f64": "REGRESSED"})
        rows = bench_check.judge(gates, inv, ZEN3)
        self.assertEqual(bench_check.failed_ratio_gates(rows), [])  # exact: no second run

    def test_merge_keeps_the_best_of_both_runs(self):
        a = {"r": {"real_time": 10.0, "items_per_second": 5.0, "bytes_per_second": 40.0}}
        b = {"r": {"real_time": 8.0, "items_per_second": 4.0, "bytes_per_second": 50.0},
             "s": {"real_time": 1.0}}
        m = bench_check.merge(a, b)
        self.assertEqual(m["r"], {"real_time": 8.0, "items_per_second": 5.0, "bytes_per_second": 50.0})
        self.assertIn("s", m)
        self.assertEqual(a["r"]["real_time"], 10.0)  # inputs untouched

    def test_best_rows_ignores_aggregates_and_errors(self):
        rows = [{"name": "k/real_time", "run_type": "iteration", "real_time": 3.0},
                {"name": "k/real_time", "run_type": "iteration", "real_time": 2.0},
                {"name": "k/real_time", "run_type": "aggregate", "real_time": 0.1},
                {"name": "e", "run_type": "iteration", "real_time": 0.1, "error_occurred": True}]
        self.assertEqual(bench_check.best_rows(rows), {"k": rows[1]})

    def test_simd_gates_are_skipped_where_only_scalar_runs(self):
        ctx = dict(ZEN4, lingrad_isa_available="scalar")
        gates = {"fused_over_roofline_f32_DRAM": (None, 0.6, "min", "floor"),
                 "threads_all_over_1_fused_f32_L3_vs_machine": (None, 0.6, "min", "floor"),
                 "fused_over_eager_epoch_n10000": (None, 3.0, "min", "floor"),
                 "graph_over_eager_epoch_n1000000": (None, 1.5, "min", "floor"),
                 "instructions_per_epoch_avx2_graph_f32_n100": (None, 7300, "max", "ceiling"),
                 "instructions_per_element_scalar_f32": (15.0, 15.3, "max", "+2%")}
        rows = bench_check.judge(gates, {"instructions_per_element_scalar_f32": 15.0}, ctx)
        verdict = {r[0]: r[4] for r in rows}
        self.assertEqual(verdict.pop("instructions_per_element_scalar_f32"), "ok")
        self.assertTrue(all(v.startswith("skipped") for v in verdict.values()), verdict)

    def test_graph_over_eager_is_eager_time_over_graph_time_at_a_million(self):
        med = {"train/epoch/eager/f32/avx512/threads:2/n:1000000": {"real_time": 2000.0},
               "train/epoch/graph/f32/avx512/threads:2/n:1000000": {"real_time": 800.0},
               "train/epoch/graph/f32/avx512/threads:2/n:10000": {"real_time": 1.0}}
        self.assertEqual(bench_check.ratios(ZEN4, med), {"graph_over_eager_epoch_n1000000": 2.5})

    def test_graph_time_over_fused_is_compiled_graph_time_over_fused_time_at_a_million(self):
        med = {"train/epoch/fused/f32/avx512/threads:2/n:1000000": {"real_time": 50.0},
               "train/epoch/graph/f32/avx512/threads:2/n:1000000": {"real_time": 160.0},
               "train/epoch/graph-interp/f32/avx512/threads:2/n:1000000": {"real_time": 480.0},
               "train/epoch/fused/f32/avx512/threads:2/n:10000": {"real_time": 1.0}}
        self.assertEqual(bench_check.ratios(ZEN4, med), {"graph_time_over_fused_epoch_n1000000": 3.2})
        self.assertTrue(bench_check.cannot_run_here("graph_time_over_fused_epoch_n1000000",
                                                    dict(ZEN4, lingrad_isa_available="scalar")))

    def test_train_threads_gates_and_the_never_slower_invariant(self):
        med = {}
        for m in ("fused", "graph", "eager"):
            for n in bench_check.NEVER_SLOWER_N + (16777216,):
                med[f"train/threads/{m}/f32/avx512/threads:1/n:{n}"] = {"real_time": 2.0}
                med[f"train/threads/{m}/f32/avx512/threads:2/n:{n}"] = {"real_time": 1.0}
        med["train/threads/graph/f32/avx512/threads:2/n:32768"] = {"real_time": 2.5, "team": 1.0}  # two threads lose
        out = bench_check.ratios(ZEN4, med)
        self.assertEqual(out["threads_all_over_1_train_fused_f32_L2"], 2.0)
        self.assertEqual(out["threads_all_over_1_train_fused_f32_DRAM"], 2.0)
        self.assertEqual(out["threads_all_over_1_train_least_f32"], 0.8)
        # the same cell where no team ran (below the grain) is one code path
        # against itself: noise, not judged
        med["train/threads/graph/f32/avx512/threads:2/n:32768"]["team"] = 0.0
        self.assertEqual(bench_check.ratios(ZEN4, med)["threads_all_over_1_train_least_f32"], 2.0)
        # a cell not measured gives no invariant (the gate then fails as not
        # measured), never one over the cells that were
        del med["train/threads/eager/f32/avx512/threads:2/n:1024"]
        self.assertNotIn("threads_all_over_1_train_least_f32", bench_check.ratios(ZEN4, med))
        for row in med:  # not eager nor graph at 2^24: no gate reads them
            if not re.match(r"train/threads/(eager|graph)/.*/n:16777216", row):
                self.assertTrue(re.search(bench_check.FILTER, row + "/manual_time"), row)
        self.assertFalse(re.search(bench_check.FILTER, "train/threads/eager/f32/avx512/threads:2/n:16777216/manual_time"))

    def test_best_rows_strips_the_time_type(self):
        # the train/epoch/ rows report their own time (manual_time), the others real_time
        rows = [{"name": "train/epoch/graph/f32/avx2/threads:2/n:1000000/manual_time", "run_type": "iteration",
                 "real_time": 3.0},
                {"name": "kernel/fused_mse/f32/avx2/threads:1/n:2048/L1/real_time", "run_type": "iteration",
                 "real_time": 2.0}]
        self.assertEqual(sorted(bench_check.best_rows(rows)),
                         ["kernel/fused_mse/f32/avx2/threads:1/n:2048/L1",
                          "train/epoch/graph/f32/avx2/threads:2/n:1000000"])

    def test_the_filter_selects_the_rows_the_ratios_read(self):
        for row in ("train/epoch/eager/f32/avx512/threads:2/n:1000000/manual_time",
                    "train/epoch/graph/f32/avx2/threads:16/n:1000000/manual_time",
                    "train/epoch/fused/f32/avx2/threads:16/n:1000000/manual_time",
                    "train/epoch/fused/f32/avx512/threads:2/n:10000/manual_time",
                    "train/epoch/eager/f32/avx512/threads:2/n:1000000/real_time"):  # older builds
            self.assertTrue(re.search(bench_check.FILTER, row), row)
        # not the slow rows: eager at 10^8, fused and graph beside it; nor the
        # interpreted graph rows, which no gate reads
        for row in ("train/epoch/eager/f32/avx512/threads:2/n:100000000/manual_time",
                    "train/epoch/graph/f32/avx512/threads:2/n:10000000/manual_time",
                    "train/epoch/graph-interp/f32/avx512/threads:2/n:1000000/manual_time",
                    "train/tutorial/graph/f64/avx2/threads:1/n:100/real_time"):
            self.assertFalse(re.search(bench_check.FILTER, row), row)

    def test_epoch_counts_are_per_mode_differences_over_a_thousand_epochs(self):
        calls = []

        # the modes are the build's (`lingrad info --modes`): a made-up list here
        modes = ("fused", "eager", "graph", "later")
        per_mode = {m: 533 + 1000 * i for i, m in enumerate(modes)}

        warmed = []

        def total(build, isa, dt, epochs, out_file, n=bench_check.CALLGRIND_N, mode="fused", cache=None):
            calls.append((isa, dt, epochs, n, mode))
            if n == 100:  # the per-epoch runs share one cache, filled first
                self.assertIn((dt, mode, cache), warmed)
            per = per_mode[mode] if n == 100 else 1
            return 10**6 + per * epochs  # set-up cancels in the difference

        def warm(build, isa, dt, n, mode, cache):
            self.assertTrue(os.path.isdir(cache))
            warmed.append((dt, mode, cache))
            return "compiled, from the cache" if mode == "graph" else ""
        ctx = dict(ZEN4, lingrad_isa_available="scalar avx2")
        with mock.patch.object(bench_check, "total_instructions", total), \
                mock.patch.object(bench_check, "warm_cache", warm), \
                mock.patch.object(bench_check, "build_modes", return_value=modes) as asked, \
                mock.patch("shutil.which", return_value="/usr/bin/valgrind"):
            out = bench_check.instructions("b", ctx)
        asked.assert_called_with("b")
        for mode in modes:
            for dt in ("f32", "f64"):
                self.assertEqual(out[f"instructions_per_epoch_avx2_{mode}_{dt}_n100"], per_mode[mode])
            self.assertIn(("avx2", "f32", 1000, 100, mode), calls)
            self.assertIn(("avx2", "f32", 2000, 100, mode), calls)
        del out["instructions_per_epoch_avx2_later_f32_n100"], out["instructions_per_epoch_avx2_later_f64_n100"]
        with open(os.path.join(SRC, "results", "baseline", "floors.json")) as f:
            ceilings = json.load(f)["instructions"]
        self.assertFalse(set(out) - set(ceilings), "a measured count without a ceiling")

    def test_graph_counts_refuse_interpreted_sweeps(self):
        # the gate is on compiled graph mode: a machine where the JIT is off
        # (no compiler) must not pass off the interpreter's counts as its
        ctx = dict(ZEN4, lingrad_isa_available="scalar avx2")
        with mock.patch.object(bench_check, "total_instructions", return_value=0), \
                mock.patch.object(bench_check, "warm_cache", return_value="interpreted: no C compiler"), \
                mock.patch.object(bench_check, "EPOCH_MODES", ("graph",)), \
                mock.patch("shutil.which", return_value="/usr/bin/valgrind"):
            with self.assertRaises(SystemExit) as e:
                bench_check.instructions("b", ctx)
        self.assertIn("interpreted: no C compiler", str(e.exception))

    @unittest.skipUnless(BUILD, "needs BUILD_DIR")
    def test_warm_cache_leaves_graph_compiled_in_the_cache(self):
        with tempfile.TemporaryDirectory() as tmp:
            cache = os.path.join(tmp, "c")
            os.mkdir(cache, 0o700)
            with mock.patch.dict(os.environ, {"LINGRAD_JIT": "0"}):  # switched back on for the count
                how = bench_check.warm_cache(BUILD, "scalar", "f32", 100, "graph", cache)
            self.assertEqual(how, "compiled, from the cache")
            self.assertTrue([f for f in os.listdir(cache) if f.endswith(".so")])
            self.assertEqual(bench_check.warm_cache(BUILD, "scalar", "f32", 100, "fused", cache), "")

    def test_a_narrowed_mode_list_is_not_asked_of_the_build(self):
        with mock.patch.object(bench_check, "EPOCH_MODES", ("graph",)), \
                mock.patch.object(bench_check, "build_modes") as asked:
            self.assertEqual(bench_check.epoch_modes("b"), ("graph",))
        asked.assert_not_called()

    def test_a_build_without_info_modes_is_an_error_not_no_modes(self):
        with mock.patch.object(bench_check, "build_modes", return_value=None):
            with self.assertRaises(SystemExit) as e:
                bench_check.epoch_modes("b")
        self.assertIn("info --modes", str(e.exception))

    def test_build_modes_reads_info_modes_one_per_line(self):
        done = subprocess.CompletedProcess([], 0, stdout="fused\neager\ngraph\n", stderr="")
        with mock.patch("subprocess.run", return_value=done) as run:
            self.assertEqual(bench_check.build_modes("b"), ("fused", "eager", "graph"))
        self.assertEqual(run.call_args[0][0], [os.path.join("b", "lingrad"), "info", "--modes"])
        old = subprocess.CompletedProcess([], 2, stdout="", stderr="lingrad: error: info takes no arguments")
        with mock.patch("subprocess.run", return_value=old):
            self.assertIsNone(bench_check.build_modes("b"))

    def test_gated_modes_are_those_the_floors_have_ceilings_for(self):
        with open(os.path.join(SRC, "results", "baseline", "floors.json")) as f:
            ceilings = json.load(f)["instructions"]
        modes = bench_check.gated_modes(os.path.join(SRC, "results", "baseline"))
        self.assertTrue(modes)
        self.assertEqual(sorted(bench_check.epoch_gate(m, dt) for m in modes for dt in ("f32", "f64")),
                         sorted(g for g in ceilings if g.startswith("instructions_per_epoch_")))

    @unittest.skipUnless(BUILD, "needs BUILD_DIR")
    def test_every_mode_of_the_build_has_ceilings(self):
        # a mode added to LG_MODES is measured at once: without a ceiling in
        # floors.json its counts would be measured and never judged
        modes = bench_check.build_modes(BUILD)
        self.assertTrue(modes, "lingrad info --modes printed nothing")
        self.assertEqual(set(modes), set(bench_check.gated_modes(os.path.join(SRC, "results", "baseline"))))

    def test_epoch_counts_are_skipped_without_avx2(self):
        ctx = dict(ZEN4, lingrad_isa_available="scalar neon", lingrad_cpu="aarch64 neon")
        with mock.patch.object(bench_check, "total_instructions", return_value=0), \
                mock.patch("shutil.which", return_value="/usr/bin/valgrind"):
            self.assertEqual([k for k in bench_check.instructions("b", ctx) if "per_epoch" in k], [])
        rows = bench_check.judge({"instructions_per_epoch_avx2_graph_f32_n100": (None, 7300, "max", "ceiling")},
                                 {}, ctx)
        self.assertTrue(rows[0][4].startswith("skipped"), rows)

    def test_the_train_command_names_its_mode(self):
        with mock.patch("subprocess.run") as run, mock.patch("builtins.open", mock.mock_open(
                read_data="events: Ir\ntotals: 12345\n")):
            got = bench_check.total_instructions("b", "avx2", "f32", 1000, "o", 100, "graph", cache="/c")
        cmd = run.call_args[0][0]
        self.assertEqual(got, 12345)
        self.assertIn("--trace-children=no", cmd)  # the compiler, if it ran, is not counted
        self.assertEqual(run.call_args[1]["env"]["LINGRAD_CACHE_DIR"], "/c")
        self.assertEqual(cmd[cmd.index("--mode") + 1], "graph")
        self.assertEqual(cmd[cmd.index("--size") + 1], "100")
        self.assertEqual(cmd[cmd.index("--epochs") + 1], "1000")

    # fused_mse f32 in L2: lingrad's tables and the compiler peers, rate and rel_err
    PEER_MED = {"kernel/fused_mse/f32/avx2/threads:1/n:65536/L2": {"items_per_second": 8e9, "rel_err": 3e-9},
                "kernel/fused_mse/f32/avx512/threads:1/n:65536/L2": {"items_per_second": 11e9, "rel_err": 4e-9},
                "peer/fused_mse/f32/clang_avx512_acc32/threads:1/n:65536/L2":
                    {"items_per_second": 12e9, "rel_err": 7e-7},
                "peer/fused_mse/f32/gcc_avx2_acc64/threads:1/n:65536/L2": {"items_per_second": 2.5e9, "rel_err": 1e-9},
                "peer/fused_mse/f32/clang_avx2_acc64/threads:1/n:65536/L2": {"items_per_second": 4e9, "rel_err": 4e-9},
                "peer/fused_mse/f32/clang_avx2_acc64/threads:1/n:2048/L1": {"items_per_second": 9e9, "rel_err": 1e-9}}

    def test_peer_gate_is_over_the_fastest_peer_at_equal_or_better_accuracy(self):
        # the f32-sum peer is faster but 175x less accurate: it does not count;
        # equal error (4e-9) does; the L1 row is another size
        got = bench_check.ratios(ZEN4, self.PEER_MED)["lingrad_over_peer_fused_f32_L2"]
        self.assertAlmostEqual(got, 11e9 / 4e9)

    def test_peer_gate_prefers_lingrad_called_as_the_peers_are(self):
        # direct/ rows (lg_kop_call on the main thread, as the peers) replace
        # the kernel/ rows (through the driver) where the run has them
        med = dict(self.PEER_MED, **{
            "direct/fused_mse/f32/avx512/threads:1/n:65536/L2": {"items_per_second": 12e9, "rel_err": 4e-9},
            "direct/fused_mse/f32/avx2/threads:1/n:65536/L2": {"items_per_second": 9e9, "rel_err": 3e-9}})
        got = bench_check.ratios(ZEN4, med)["lingrad_over_peer_fused_f32_L2"]
        self.assertAlmostEqual(got, 12e9 / 4e9)
        self.assertTrue(re.search(bench_check.FILTER,
                                  "direct/fused_mse/f32/avx512/threads:1/n:65536/L2/real_time"))

    def test_no_peer_as_accurate_gives_no_peer_gate(self):
        med = {k: dict(v, rel_err=1.0) if k.startswith("peer/") else v for k, v in self.PEER_MED.items()}
        self.assertNotIn("lingrad_over_peer_fused_f32_L2", bench_check.ratios(ZEN4, med))

    def test_the_filter_selects_the_peer_rows_in_l2_only(self):
        self.assertTrue(re.search(bench_check.FILTER,
                                  "peer/fused_mse/f32/gcc_avx512_acc64/threads:1/n:65536/L2/real_time"))
        for row in ("peer/fused_mse/f32/gcc_avx2_acc64/threads:1/n:2048/L1/real_time",
                    "peer/dot/f32/gcc_avx2_acc64/threads:1/n:65536/L2/real_time"):
            self.assertFalse(re.search(bench_check.FILTER, row), row)

    def test_peer_gate_has_a_floor_and_is_skipped_where_only_scalar_runs(self):
        with open(os.path.join(SRC, "results", "baseline", "floors.json")) as f:
            self.assertIn("lingrad_over_peer_fused_f32_L2", json.load(f)["ratios"])
        ctx = dict(ZEN4, lingrad_isa_available="scalar")
        self.assertTrue(bench_check.cannot_run_here("lingrad_over_peer_fused_f32_L2", ctx))
        self.assertFalse(bench_check.cannot_run_here("lingrad_over_peer_fused_f32_L2", ZEN3))

    def test_ratios_of_a_scalar_only_machine_have_no_roofline_or_thread_gate(self):
        ctx = dict(ZEN4, lingrad_isa_available="scalar")
        med = {"kernel/fused_mse/f32/scalar/threads:1/n:2048/DRAM": {"bytes_per_second": 1.0},
               "kernel/roofline_read/f32/scalar/threads:1/n:2048/DRAM": {"bytes_per_second": 5.0}}
        self.assertEqual(bench_check.ratios(ctx, med), {})


class Logs(unittest.TestCase):
    def test_no_colour_when_stdout_is_not_a_terminal(self):
        with tempfile.TemporaryDirectory() as root:
            write(os.path.join(root, "c", "bench-check-raw.json"), {})
            with mock.patch("subprocess.run") as run, mock.patch("os.path.exists", return_value=True), \
                    mock.patch("sys.stdout", new=io.StringIO()):
                bench_check.compare_times(root, "c", "raw.json")
            self.assertIn("--no-color", run.call_args[0][0])

    def test_benchmark_colour_is_off(self):
        with mock.patch("subprocess.run") as run, mock.patch("builtins.open", mock.mock_open(
                read_data='{"context": {}, "benchmarks": []}')), mock.patch("sys.stdout", new=io.StringIO()):
            bench_check.run_bench("b", "o.json")
        self.assertIn("--benchmark_color=false", run.call_args[0][0])


class Committed(unittest.TestCase):
    """The committed files agree with each other: every ratio gate has a floor,
    and no floor is stricter than a committed class's own limit, so the floors
    never fail a machine its own baseline would pass."""
    ROOT = os.path.join(SRC, "results", "baseline")

    def test_every_ratio_gate_has_a_floor_with_a_reason(self):
        with open(os.path.join(self.ROOT, "floors.json")) as f:
            floors = json.load(f)
        for name, f in list(floors["ratios"].items()) + list(floors["instructions"].items()):
            self.assertGreater(len(f["why"]), 40, name)
        for name, f in floors["ratios"].items():  # one limit each, a floor or (time ratios) a ceiling
            self.assertEqual(len({"floor", "ceiling"} & set(f)), 1, name)
        with open(os.path.join(self.ROOT, "thresholds.json")) as f:
            drops = json.load(f)["ratios"]
        for cls, base in bench_check.class_baselines(self.ROOT).items():
            for name, value in base["ratios"].items():
                self.assertIn(name, floors["ratios"], f"{cls}: gate {name} has no floor")
                f, drop = floors["ratios"][name], drops.get(name, drops["default"])
                if "ceiling" in f:  # a time ratio
                    own = value * (1 + drop)
                    self.assertGreaterEqual(f["ceiling"], own,
                                            f"{cls}: the ceiling of {name} is stricter than the class's own limit {own:.3g}")
                    continue
                own = value * (1 - drop)
                self.assertLessEqual(f["floor"], own,
                                     f"{cls}: the floor of {name} is stricter than the class's own limit {own:.3g}")
            for name, value in base["instructions"].items():
                self.assertLess(value, floors["instructions"][name]["ceiling"], f"{cls}: {name}")

    def test_baselines_are_filed_under_their_own_class(self):
        bases = bench_check.class_baselines(self.ROOT)
        self.assertTrue(bases, "no committed baseline")
        for cls, base in bases.items():
            if "class" in base:
                self.assertEqual(base["class"], cls)
                self.assertEqual(machine_class.from_context(base["machine"]), cls)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
