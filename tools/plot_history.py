#!/usr/bin/env python3
"""Plot a lingrad training history like the tutorial's two figures.

usage: plot_history.py HISTORY.csv PREFIX [--true W B]

Writes PREFIX-loss.png (loss over epochs) and PREFIX-params.png (w and b over
epochs in two panels, with the true values as horizontal lines when given).
Exit status 3 means matplotlib is missing; 4 means another failure, explained in
one line on stderr (the caller shows that line).
"""
import csv
import os
import sys

try:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit(3)


def read_history(path):
    epochs, losses, ws, bs = [], [], [], []
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            epochs.append(int(row["epoch"]))
            losses.append(float(row["loss"]))
            ws.append(float(row["w"]))
            bs.append(float(row["b"]))
    return epochs, losses, ws, bs


def save(fig, path):
    """Write to a temporary name and rename, so a reader never sees half a file."""
    tmp = f"{path}.tmp-{os.getpid()}.png"
    fig.savefig(tmp, dpi=100, bbox_inches="tight")
    os.replace(tmp, path)
    plt.close(fig)


def tutorial_limits(values, truth, lo, hi):
    """The tutorial's fixed y-limits, unless the data would fall outside them."""
    points = list(values) + ([truth] if truth is not None else [])
    return (lo, hi) if points and lo <= min(points) and max(points) <= hi else None


def plot_loss(epochs, losses, path):
    fig = plt.figure(figsize=(14, 6))
    plt.plot(epochs, losses, c="darkviolet", linestyle=":")
    plt.title("Losses over epochs", fontsize=15)
    plt.xlabel("Epochs")
    plt.ylabel("Loss (mean squared error)")
    save(fig, path)


def plot_param(ax, epochs, values, name, truth, color, truth_color, limits):
    ax.plot(epochs, values, c=color, linestyle=":", label="changes")
    if truth is not None:
        ax.hlines(y=truth, xmin=0, xmax=max(len(values), 1), color=truth_color, label="true")
    ylim = tutorial_limits(values, truth, *limits)
    if ylim:
        ax.set_ylim(*ylim)
    ax.set_title(f'"{name}" changes over epochs', fontsize=15)
    ax.set_xlabel("Epochs")
    ax.set_ylabel(name)
    ax.legend()


def main(argv):
    if len(argv) not in (3, 6) or (len(argv) == 6 and argv[3] != "--true"):
        print(__doc__, file=sys.stderr)
        return 2
    epochs, losses, ws, bs = read_history(argv[1])
    prefix = argv[2]
    true_w, true_b = (float(argv[4]), float(argv[5])) if len(argv) == 6 else (None, None)
    plot_loss(epochs, losses, f"{prefix}-loss.png")
    fig, axes = plt.subplots(1, 2)
    fig.set_size_inches(14, 6)
    plot_param(axes[0], epochs, ws, "w", true_w, "tomato", "r", (0.0, 0.7))
    plot_param(axes[1], epochs, bs, "b", true_b, "dodgerblue", "dodgerblue", (0.2, 0.9))
    save(fig, f"{prefix}-params.png")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, ValueError, KeyError) as e:
        print(f"cannot plot: {e}", file=sys.stderr)
        sys.exit(4)
