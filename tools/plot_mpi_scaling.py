#!/usr/bin/env python3
"""The figure of one make bench-mpi run.

usage: plot_mpi_scaling.py MPI_SCALING.json OUT.png

Panels: strong scaling (speed-up and efficiency against np = 1 of the same
round), weak scaling (efficiency), the 2 ranks x 1 thread over 1 rank x 2
threads ratio per n, the exchange's cost and its share of an epoch, and the
epoch beside PyTorch's gloo peer. Error bars are the min-max over rounds or pairs.
Exit status 3: matplotlib is missing.
"""
import json
import sys

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit(3)


def bars(d):
    """(median, [[below], [above]]) of a {median, min, max} for errorbar()."""
    return d["median"], [[d["median"] - d["min"]], [d["max"] - d["median"]]]


def scaling(ax, aggs, key, title, ylabel, ideal):
    for a in aggs:
        if key not in a:
            continue
        m, err = bars(a[key])
        color = "tab:red" if a["oversubscribed"] else "tab:blue"
        ax.errorbar([a["ranks"]], [m], yerr=err, fmt="o", color=color, capsize=4)
        text = f"{m:.2f}"
        if key == "speedup" and "efficiency" in a:
            text += f" (efficiency {a['efficiency']['median']:.0%})"
        ax.annotate(text, (a["ranks"], m), textcoords="offset points", xytext=(6, 4), fontsize=8)
    nps = [a["ranks"] for a in aggs]
    if nps:
        xs = range(1, max(nps) + 1)
        ax.plot(list(xs), [ideal(x) for x in xs], "--", color="gray", label="ideal")
    ax.set_xticks(sorted(set(nps)) or [1])
    ax.set_xlabel("ranks (red: more ranks than cores)")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8)


def split_panel(ax, splits):
    labels = [f"{s['n']:.0e}" for s in splits]
    for i, s in enumerate(splits):
        m, err = bars(s["ratio_2x1_over_1x2"])
        ax.bar(i, m, yerr=err, capsize=4, color="tab:green" if s["target_met"] else "tab:orange")
        ax.annotate(f"{m:.3f}", (i, m), textcoords="offset points", xytext=(0, 6), ha="center",
                    fontsize=8)
    ax.axhline(1.0, color="gray", lw=0.8)
    ax.axhline(1.1, color="tab:red", ls="--", lw=0.8, label="target: within 10%")
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels)
    ax.set_xlabel("n")
    ax.set_ylabel("epoch time, 2 ranks x 1 thread / 1 rank x 2 threads")
    ax.set_title("Same 2 cores, split two ways (pairs)", fontsize=10)
    ax.legend(fontsize=8)


def points(doc):
    """Every multi-rank point worth a bar: (label, row)."""
    out = [(f"strong np{a['ranks']}", a) for a in doc["summary"]["strong"] if a["ranks"] > 1]
    out += [(f"weak np{a['ranks']}", a) for a in doc["summary"]["weak"] if a["ranks"] > 1]
    for r in doc["benchmarks"]:
        if r.get("scenario") in ("peer", "exchanges", "pytorch") and r["ranks"] > 1:
            who = "gloo" if r["scenario"] == "pytorch" else r["mode"]
            out.append((f"{who} {r['n']:.0e}", r))
    return out


def exchange_panel(ax, doc, key, title, ylabel, scale):
    pts = points(doc)
    vals = [scale * r[key] for _, r in pts]
    colors = ["tab:purple" if r.get("scenario") == "pytorch" else "tab:blue" for _, r in pts]
    ax.bar(range(len(pts)), vals, color=colors)
    ax.set_xticks(range(len(pts)))
    ax.set_xticklabels([p for p, _ in pts], rotation=45, ha="right", fontsize=7)
    ax.set_yscale("log")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=10)


def peer_panel(ax, doc):
    rows = [r for r in doc["benchmarks"] if r.get("scenario") in ("peer", "pytorch")]
    series = {}
    for r in rows:
        who = "PyTorch gloo" if r["scenario"] == "pytorch" else f"lingrad {r['mode']}"
        series.setdefault((who, r["ranks"]), []).append((r["n"], r["epoch_us"]))
    for (who, np_), pts in sorted(series.items()):
        pts.sort()
        ax.plot([p[0] for p in pts], [p[1] for p in pts], "o-" if np_ == 1 else "s--",
                label=f"{who}, np {np_}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n (total)")
    ax.set_ylabel("µs per epoch (median)")
    ax.set_title("Beside PyTorch, 1 thread per rank", fontsize=10)
    ax.legend(fontsize=7)


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        doc = json.load(f)
    s = doc["summary"]
    fig, axes = plt.subplots(2, 3, figsize=(16, 9))
    strong = s["strong"] + s["over"]
    n = strong[0]["n"] if strong else 0
    scaling(axes[0][0], strong, "speedup", f"Strong scaling, n = {n:.0e} (speed-up)", "speed-up",
            lambda x: x)
    weak_n = s["weak"][0]["n_per_rank"] if s["weak"] else 0
    scaling(axes[0][1], s["weak"], "efficiency", f"Weak scaling, n per rank = {weak_n:.1e}",
            "efficiency t(np=1) / t(np)", lambda x: 1.0)
    axes[0][1].set_ylim(bottom=0)
    split_panel(axes[0][2], s["split"])
    exchange_panel(axes[1][0], doc, "exchange_us", "One exchange (median)", "µs per exchange", 1.0)
    exchange_panel(axes[1][1], doc, "exchange_share", "Exchanges' share of an epoch",
                   "% of the epoch", 100.0)
    peer_panel(axes[1][2], doc)
    c = doc["context"]
    fig.suptitle(f"make bench-mpi: {c['machine']} (family {c['cpu_family']} model {c['cpu_model']}), "
                 f"{c['nproc']} CPUs, {c['mpi_version']}, lingrad {c['lingrad_git_sha']}, {c['date'][:10]}",
                 fontsize=11)
    fig.tight_layout()
    fig.savefig(argv[2], dpi=90)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
