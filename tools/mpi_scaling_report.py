#!/usr/bin/env python3
"""mpi_scaling.json and mpi_scaling.md from one bench/mpi_scaling.sh run.

usage: mpi_scaling_report.py WORK_DIR OUT_DIR --mpiexec PATH --histories DIR --size S
           --seconds T --lingrad-history N:true|false [--torch-skipped WHY]

WORK_DIR holds raw.jsonl (one {"scenario", "round", "row"} per mpirun of
lingrad-mpi-scaling), load-start and load-end (/proc/loadavg), stat-start and
stat-end (/proc/stat's cpu line: the steal over the run) and, unless the peer
was skipped, ddp_peer.json; DIR holds lingrad-mpi-np1-nN.csv and
lingrad-mpi-np2-nN.csv, lingrad-mpi's histories. Every ratio is of points measured in this run: a speed-up is
against the np = 1 point of the same round, a split ratio is within one pair.
"""
import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys


def run(cmd, cwd=None):
    try:
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return ""


def cpuinfo():
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                k, _, v = line.partition(":")
                fields.setdefault(k.strip(), v.strip())
    except OSError:
        pass
    return fields


def context(args, raw):
    cpu = cpuinfo()
    src = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    mpi = run([args.mpiexec, "--version"]).splitlines()

    def load(name):
        with open(os.path.join(args.work, name)) as f:
            return " ".join(f.read().split()[:3])

    loads = [r["load1"] for r in raw if r.get("load1") is not None]
    return {"cpu_steal_percent": steal(args.work),
            "load1_before_points": med_spread(loads) if loads else None, "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "host_name": platform.node(), "machine": cpu.get("model name", "?"),
            "cpu_family": cpu.get("cpu family", "?"), "cpu_model": cpu.get("model", "?"),
            "cpu_stepping": cpu.get("stepping", "?"), "nproc": os.cpu_count(),
            "mpi_version": mpi[0] if mpi else "?", "mpiexec": args.mpiexec,
            "lingrad_git_sha": run(["git", "describe", "--always", "--dirty", "--abbrev=7"], src).strip()
            or "unknown",
            "isa": raw[0]["row"]["isa"] if raw else "?", "size": args.size, "seconds": args.seconds,
            "load_avg_start": load("load-start"), "load_avg_end": load("load-end"),
            "command": "make bench-mpi" + ("" if args.size == "full" else f" ({args.size})")}


def steal(work):
    """% of the CPU time the hypervisor took between stat-start and stat-end."""
    def fields(name):
        with open(os.path.join(work, name)) as f:
            return [int(v) for v in f.read().split()[1:]]
    try:
        a, b = fields("stat-start"), fields("stat-end")
    except (OSError, ValueError):
        return None
    total = sum(b[:8]) - sum(a[:8])  # user .. steal; guest time is inside user already
    return round(100.0 * (b[7] - a[7]) / total, 2) if total > 0 and len(a) > 7 else None


def med_spread(vals):
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals)}


def scaling(raw, scenario, weak):
    """Per np: epoch, speed-up and efficiency against the same round's np = 1."""
    rounds = {}
    for r in raw:
        if r["scenario"] == scenario:
            rounds.setdefault(r["round"], {})[r["row"]["ranks"]] = r["row"]
    out = {}
    for by_np in rounds.values():
        base = by_np.get(1)
        for np_, row in by_np.items():
            d = out.setdefault(np_, {"rows": [], "speedup": [], "efficiency": []})
            d["rows"].append(row)
            if base:
                ratio = base["epoch_us"] / row["epoch_us"]
                d["speedup"].append(ratio * np_ if weak else ratio)
                d["efficiency"].append(ratio if weak else ratio / np_)
    return [aggregate(scenario, np_, d) for np_, d in sorted(out.items())]


def aggregate(scenario, np_, d):
    rows = d["rows"]
    first = rows[0]
    agg = {k: first[k] for k in ("mode", "dtype", "isa", "ranks", "threads", "cores",
                                 "oversubscribed", "n_per_rank", "exchanges_per_epoch")}
    epoch = statistics.median(r["epoch_us"] for r in rows)
    exch = statistics.median(r["exchange_us"] for r in rows)
    agg.update({"name": first["name"] + "_median", "run_type": "aggregate", "aggregate_name": "median",
                "scenario": scenario, "n": first["n"], "rounds": len(rows), "real_time": epoch,
                "time_unit": "us", "epoch_us": epoch,
                "epoch_us_min": min(r["epoch_us_min"] for r in rows),
                "epoch_us_max": max(r["epoch_us_max"] for r in rows),
                "exchange_us": exch, "exchange_us_min": min(r["exchange_us_min"] for r in rows),
                "exchange_us_max": max(r["exchange_us_max"] for r in rows),
                "exchange_share": statistics.median(r["exchange_share"] for r in rows)})
    for key in ("speedup", "efficiency"):
        if d[key]:
            agg[key] = med_spread(d[key])
    return agg


def oversubscribed(raw, strong):
    """The oversubscribed point against the last strong round's np = 1, just before it."""
    over = [r["row"] for r in raw if r["scenario"] == "over"]
    base = [r["row"] for r in raw if r["scenario"] == "strong" and r["row"]["ranks"] == 1]
    out = []
    for row in over:
        d = {"rows": [row], "speedup": [], "efficiency": []}
        if base:
            s = base[-1]["epoch_us"] / row["epoch_us"]
            d["speedup"], d["efficiency"] = [s], [s / row["ranks"]]
        out.append(aggregate("over", row["ranks"], d))
    return out


def split(raw):
    """Per n: 2 ranks x 1 thread over 1 rank x 2 threads, pair by pair."""
    pairs = {}
    for r in raw:
        if r["scenario"] in ("split_1x2", "split_2x1"):
            pairs.setdefault(r["row"]["n"], {}).setdefault(r["round"], {})[r["scenario"]] = r["row"]
    out = []
    for n, by_pair in sorted(pairs.items(), reverse=True):
        done = [p for p in by_pair.values() if len(p) == 2]
        ratios = [p["split_2x1"]["epoch_us"] / p["split_1x2"]["epoch_us"] for p in done]
        out.append({"n": n, "pairs": len(done), "ratio_2x1_over_1x2": med_spread(ratios),
                    "epoch_us_1x2": med_spread([p["split_1x2"]["epoch_us"] for p in done]),
                    "epoch_us_2x1": med_spread([p["split_2x1"]["epoch_us"] for p in done]),
                    "exchange_us_2x1": statistics.median(p["split_2x1"]["exchange_us"] for p in done),
                    "target": "2 ranks x 1 thread within 10% of 1 rank x 2 threads (ratio <= 1.10)",
                    "target_met": statistics.median(ratios) <= 1.10})
    return out


def history_lingrad(hist, spec):
    n, _, same = spec.partition(":")
    rows = []
    for np_ in (1, 2):
        with open(os.path.join(hist, f"lingrad-mpi-np{np_}-n{n}.csv")) as f:
            rows.append(f.read().splitlines()[1:])
    diff = sum(a != b for a, b in zip(*rows))
    return {"impl": "lingrad_mpi", "n": int(n), "ranks": [1, 2], "epochs": len(rows[0]),
            "bitwise_equal": same == "true", "differing_epochs": diff,
            "how": "cmp of lingrad-mpi train --history CSVs, np 1 vs 2, fused f32, 50 epochs",
            "files": [f"mpi_histories/lingrad-mpi-np{p}-n{n}.csv" for p in (1, 2)]}


def pytorch(work, skipped):
    path = os.path.join(work, "ddp_peer.json")
    if skipped or not os.path.exists(path):
        return {"skipped": skipped or "ddp_peer.json missing"}, [], []
    with open(path) as f:
        d = json.load(f)
    for r in d["benchmarks"]:
        r["scenario"] = "pytorch"
    hist = [dict(h, impl="pytorch_gloo", files=[f"mpi_histories/ddp-np{w}-n{h['n']}.csv" for w in (1, 2)])
            for h in d.get("history_identity", [])]
    return d["context"], d["benchmarks"], hist


# ---- markdown -----------------------------------------------------------------

def us(v):
    return f"{v / 1000:.2f} ms" if v >= 1000 else f"{v:.1f} µs" if v >= 10 else f"{v:.2f} µs"


def spread(d, fmt="{:.2f}"):
    return f"{fmt.format(d['median'])} ({fmt.format(d['min'])}–{fmt.format(d['max'])})"


def epoch_cell(r):
    return f"{us(r['epoch_us'])} ({us(r['epoch_us_min'])}–{us(r['epoch_us_max'])})"


def scaling_table(title, aggs, weak):
    lines = [f"### {title}", "",
             "| np | n | n per rank | epoch: median (min–max) | "
             + ("efficiency t1/tnp" if weak else "speed-up") + " | "
             + ("scaled speed-up" if weak else "efficiency") + " | exchange | exchange share |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for a in aggs:
        first, second = ("efficiency", "speedup") if weak else ("speedup", "efficiency")
        note = " (oversubscribed)" if a["oversubscribed"] else ""
        lines.append(f"| {a['ranks']}{note} | {a['n']:,} | {a['n_per_rank']:,} | {epoch_cell(a)} | "
                     f"{spread(a[first]) if first in a else '–'} | "
                     f"{spread(a[second]) if second in a else '–'} | {us(a['exchange_us'])} | "
                     f"{100 * a['exchange_share']:.3f}% |")
    return lines + [""]


def split_table(splits):
    lines = ["### 1 rank × 2 threads (A) against 2 ranks × 1 thread (B), in pairs AB, BA, AB ...", "",
             "| n | pairs | A: 1×2 epoch | B: 2×1 epoch | B / A: median (min–max) | B within 10% of A |",
             "|---:|---:|---:|---:|---:|---|"]
    for s in splits:
        a, b = s["epoch_us_1x2"], s["epoch_us_2x1"]
        lines.append(f"| {s['n']:,} | {s['pairs']} | {us(a['median'])} ({us(a['min'])}–{us(a['max'])}) | "
                     f"{us(b['median'])} ({us(b['min'])}–{us(b['max'])}) | "
                     f"{spread(s['ratio_2x1_over_1x2'], '{:.3f}')} | {'yes' if s['target_met'] else 'no'} |")
    return lines + [""]


def peer_table(rows, torch_ctx):
    lines = ["### Beside PyTorch (gloo, CPU), 1 thread per rank", "",
             "| what | np | n | epoch: median (min–max) | exchange | exchanges / epoch | exchange share |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in sorted(rows, key=lambda r: (r["n"], r["scenario"] == "pytorch", r["mode"], r["ranks"])):
        what = "PyTorch gloo (autograd)" if r["scenario"] == "pytorch" else f"lingrad {r['mode']}"
        lines.append(f"| {what} | {r['ranks']} | {r['n']:,} | {epoch_cell(r)} | {us(r['exchange_us'])} | "
                     f"{r['exchanges_per_epoch']:g} | {100 * r['exchange_share']:.2f}% |")
    if "skipped" in torch_ctx:
        lines += ["", f"PyTorch peer skipped: {torch_ctx['skipped']}."]
    else:
        lines += ["", f"PyTorch {torch_ctx.get('torch')}: {torch_ctx.get('reduction')}; epochs "
                  f"{torch_ctx.get('epochs')}, median after {torch_ctx.get('warmup_epochs')} warm-up "
                  f"epochs; GLIBC_TUNABLES={torch_ctx.get('glibc_tunables')}. lingrad's rows: "
                  "lingrad-mpi-scaling medians of repetitions."]
    return lines + [""]


def history_lines(hist):
    lines = ["### Does the history change between 1 and 2 ranks?", ""]
    for h in hist:
        if h["bitwise_equal"]:
            verdict = "bitwise equal"
        else:
            verdict = (f"differs in {h['differing_epochs']} of {h['epochs']} epochs"
                       + (f" (max |Δloss| {h['max_abs_dloss']:.3g}, |Δw| {h['max_abs_dw']:.3g}, "
                          f"|Δb| {h['max_abs_db']:.3g})" if "max_abs_dw" in h else ""))
        lines.append(f"- {h['impl']}, n = {h['n']:,}, {h['epochs']} epochs: {verdict}")
    return lines + [""]


def markdown(doc):
    c = doc["context"]
    s = doc["summary"]
    lines = ["# make bench-mpi", "",
             f"{c['machine']} (family {c['cpu_family']} model {c['cpu_model']} stepping "
             f"{c['cpu_stepping']}), {c['nproc']} CPUs, {c['isa']} kernels; {c['mpi_version']}; "
             f"lingrad {c['lingrad_git_sha']}; {c['date']}; `{c['command']}` took {c['seconds']} s; "
             f"load average {c['load_avg_start']} before, {c['load_avg_end']} after; "
             f"CPU time stolen by the hypervisor during the run: {c['cpu_steal_percent']}%; "
             + (f"1-minute load average before each point: median {c['load1_before_points']['median']:.2f}, "
                f"max {c['load1_before_points']['max']:.2f} (this run's own ranks count in it: about "
                "1-2 right after a point; clearly more means another job shared the machine)."
                if c["load1_before_points"] else ""), "",
             "Fused f32 unless said. Each point is one `mpirun` of `lingrad-mpi-scaling`: the "
             "slowest rank's time per epoch over repetitions of a training run; the exchange is the "
             "share's gather alone (`MPI_Allgatherv` of the block partials), timed after a barrier. "
             "Speed-ups are against np = 1 of the same round, then the median over rounds (min–max); "
             "the machine's speed drifts, so only such same-run ratios carry over.", ""]
    lines += scaling_table("Strong scaling: n fixed, 1 thread per rank", s["strong"] + s["over"], False)
    lines += scaling_table("Weak scaling: n per rank fixed, 1 thread per rank", s["weak"], True)
    lines += split_table(s["split"])
    lines += peer_table(s["peer_rows"], doc["pytorch"])
    lines += history_lines(doc["history_identity"])
    return "\n".join(lines)


def parse():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("work")
    p.add_argument("out")
    p.add_argument("--mpiexec", required=True)
    p.add_argument("--histories", required=True)
    p.add_argument("--size", required=True)
    p.add_argument("--seconds", type=int, required=True)
    p.add_argument("--lingrad-history", required=True)
    p.add_argument("--torch-skipped", default="")
    return p.parse_args()


def main():
    args = parse()
    with open(os.path.join(args.work, "raw.jsonl")) as f:
        raw = [json.loads(line) for line in f if line.strip()]
    runs = []
    for r in raw:
        row = dict(r["row"], scenario=r["scenario"], repetition_index=r["round"] - 1,
                   load1_before=r.get("load1"))
        row["name"] += f"/round:{r['round']}" if r["scenario"] in ("strong", "weak") else ""
        row["name"] += f"/pair:{r['round']}" if r["scenario"].startswith("split") else ""
        runs.append(row)
    torch_ctx, torch_rows, torch_hist = pytorch(args.work, args.torch_skipped)
    strong = scaling(raw, "strong", False)
    summary = {"strong": strong, "over": oversubscribed(raw, strong), "weak": scaling(raw, "weak", True),
               "split": split(raw),
               "peer_rows": [r for r in runs if r["scenario"] in ("peer", "exchanges")] + torch_rows}
    doc = {"context": context(args, raw),
           "benchmarks": runs + summary["strong"] + summary["over"] + summary["weak"] + torch_rows,
           "summary": {k: v for k, v in summary.items() if k != "peer_rows"},
           "pytorch": torch_ctx,
           "history_identity": [history_lingrad(args.histories, args.lingrad_history)] + torch_hist}
    with open(os.path.join(args.out, "mpi_scaling.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    md = markdown(dict(doc, summary=summary))
    with open(os.path.join(args.out, "mpi_scaling.md"), "w") as f:
        f.write(md + "\n")
    print(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
