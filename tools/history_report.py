#!/usr/bin/env python3
"""The trend report of results/history/: one PNG per metric and class, and index.html.

usage: history_report.py [HISTORY_DIR]      (default results/history)

Reads every <class>.jsonl that bench-history wrote, and for each metric plots
its value over the commits (oldest left; bars: the range of the repetitions),
marking the steps tools/perf_changepoint.py finds. index.html is static: relative
links to <class>/<metric>.png, a table of the steps (metric, first commit of the
new level, before -> after, relative change, the metric's noise floor) and of the
commits that did not build or measure. It opens from disk; no server, no script.
"""
import glob
import html
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import perf_changepoint  # noqa: E402


def load(path):
    with open(path) as f:
        return [json.loads(s) for s in f if s.strip()]


def series(lines):
    """{metric: [(position, line, metric)]} over the lines that measured it."""
    out = {}
    for pos, ln in enumerate(lines):
        for name, m in ln.get("metrics", {}).items():
            out.setdefault(name, []).append((pos, ln, m))
    return out


def analyse(points):
    values = [m["value"] for _, _, m in points]
    spreads = [m.get("spread", 0.0) for _, _, m in points]
    return perf_changepoint.detect(values, spreads)


def bar_extent(m):
    """(below, above) the value: the bar covers the repetitions and the value itself.
    A ratio gate's value is the ratio of each row's best repetition, not one of the
    per-repetition ratios, so it may lie outside their range."""
    span = (m.get("reps") or []) + [m["value"]]
    return m["value"] - min(span), max(span) - m["value"]


def plot(name, points, lines, floor, steps, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    xs = [pos for pos, _, _ in points]
    ys = [m["value"] for _, _, m in points]
    lo, hi = zip(*(bar_extent(m) for _, _, m in points))
    fig, ax = plt.subplots(figsize=(max(6.0, 0.12 * len(lines) + 3), 3.6), dpi=100)
    ax.errorbar(xs, ys, yerr=[lo, hi], fmt="o-", ms=3, lw=1, capsize=2)
    for s in steps:
        x = points[s.index][0]
        ax.axvline(x - 0.5, color="tab:red", ls="--", lw=1)
        # upright along its line: steps a commit or two apart would overlap side by side
        ax.text(x - 0.35, 0.97, f"{100 * s.relative:+.1f}% at {points[s.index][1]['short']}", rotation=90,
                transform=ax.get_xaxis_transform(), color="tab:red", fontsize=7, va="top", ha="left")
    every = max(1, len(lines) // 40)
    ax.set_xticks(range(0, len(lines), every))
    ax.set_xticklabels([lines[i]["short"] for i in range(0, len(lines), every)], rotation=90,
                       fontsize=7, family="monospace")
    ax.set_xlim(-1, len(lines))
    ax.set_title(f"{name} (noise floor {100 * floor:.1f}%)", fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def class_report(path, out_dir):
    """(class, html section, [step rows]) of one history file; writes its PNGs."""
    cls = os.path.basename(path)[:-len(".jsonl")]
    lines = load(path)
    os.makedirs(os.path.join(out_dir, cls), exist_ok=True)
    rows, figs, floors = [], [], []
    for name, points in sorted(series(lines).items()):
        floor, steps = analyse(points)
        png = f"{cls}/{name}.png"
        plot(name, points, lines, floor, steps, os.path.join(out_dir, png))
        figs.append((name, png))
        floors.append((name, floor, points[-1][2]["value"], len(points)))
        for s in steps:
            ln = points[s.index][1]
            rows.append((name, ln, s, floor))
    return cls, lines, rows, figs, floors


def fmt(v):
    return f"{v:.4g}"


def section(cls, lines, rows, figs, floors):
    e = html.escape
    first, last = (lines[0], lines[-1]) if lines else ({}, {})
    out = [f"<h2 id='{e(cls)}'>Class {e(cls)}</h2>",
           f"<p>{len(lines)} commits, {e(first.get('short', ''))} ({e(first.get('date', '')[:10])}) to "
           f"{e(last.get('short', ''))} ({e(last.get('date', '')[:10])}).</p>",
           "<h3>Steps</h3>"]
    if rows:
        out.append("<table><tr><th>metric</th><th>first commit of the new level</th><th>before</th>"
                   "<th>after</th><th>change</th><th>noise floor</th></tr>")
        for name, ln, s, floor in sorted(rows, key=lambda r: (r[0], r[2].index)):
            out.append(f"<tr><td><a href='#{e(cls)}-{e(name)}'>{e(name)}</a></td>"
                       f"<td><code>{e(ln['short'])}</code> {e(ln['subject'][:90])}</td>"
                       f"<td>{fmt(s.before)}</td><td>{fmt(s.after)}</td>"
                       f"<td>{100 * s.relative:+.1f}%</td><td>{100 * floor:.1f}%</td></tr>")
        out.append("</table>")
    else:
        out.append("<p>None beyond the noise floors.</p>")
    errors = [ln for ln in lines if "error" in ln]
    if errors:
        out.append("<h3>Commits without metrics</h3><ul>")
        out += [f"<li><code>{e(ln['short'])}</code> {e(ln['subject'][:80])}: {e(ln['error'])}</li>" for ln in errors]
        out.append("</ul>")
    out.append("<h3>Metrics</h3><table><tr><th>metric</th><th>commits</th><th>latest</th><th>noise floor</th></tr>")
    out += [f"<tr><td><a href='#{e(cls)}-{e(n)}'>{e(n)}</a></td><td>{k}</td><td>{fmt(v)}</td>"
            f"<td>{100 * f:.1f}%</td></tr>" for n, f, v, k in floors]
    out.append("</table>")
    for name, png in figs:
        out.append(f"<h4 id='{e(cls)}-{e(name)}'>{e(name)}</h4><img src='{e(png)}' alt='{e(name)}'>")
    return "\n".join(out)


PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>lingrad performance history</title>
<style>body{{font-family:sans-serif;max-width:80em;margin:1em auto;padding:0 1em}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 6px;font-size:90%;text-align:left}}
img{{max-width:100%}}</style></head><body>
<h1>lingrad performance history</h1>
<p>The gate's metrics per commit (<code>make bench-history</code>, <a href='../../docs/perf-tracking-history.md'>docs/perf-tracking-history.md</a>):
callgrind instruction counts, the scalar/SIMD invariants and, where measured, same-run ratios; never
raw times. A step is a change point whose level differs by more than the metric's noise floor and
lasts two or more commits on each side (tools/perf_changepoint.py).</p>
<p>Classes: {links}</p>
{sections}
</body></html>
"""


def write_report(out_dir):
    paths = sorted(glob.glob(os.path.join(out_dir, "*.jsonl")))
    if not paths:
        raise SystemExit(f"history_report: no *.jsonl in {out_dir}")
    parts = [class_report(p, out_dir) for p in paths]
    links = ", ".join(f"<a href='#{html.escape(c)}'>{html.escape(c)}</a>" for c, *_ in parts)
    page = PAGE.format(links=links, sections="\n".join(section(*p) for p in parts))
    tmp = os.path.join(out_dir, f"index.html.tmp-{os.getpid()}")
    with open(tmp, "w") as f:
        f.write(page)
    os.replace(tmp, os.path.join(out_dir, "index.html"))
    for cls, _, rows, _, _ in parts:
        for name, ln, s, floor in rows:
            print(f"history_report: {cls}: {name}: step at {ln['short']} "
                  f"{fmt(s.before)} -> {fmt(s.after)} ({100 * s.relative:+.1f}%, floor {100 * floor:.1f}%)")
    print(f"history_report: {os.path.join(out_dir, 'index.html')}")
    return parts


def main(argv):
    write_report(argv[1] if len(argv) > 1 else "results/history")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
