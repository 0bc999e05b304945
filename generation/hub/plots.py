"""Figures of a run, as PNGs beside the dataset and shown in its card: per-dialogue turns, steps,
tasks and tool calls (one series per mode, side by side), tool calls by kind, rejection reasons."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from ..tools.writes import write_kind

PER_DIALOGUE = ("turns", "steps", "tasks", "tool_calls")


def write_plots(folder: Path, train: list[dict[str, Any]], rejected: list[dict[str, Any]]) -> list[Path]:
    """The run's figures in ``folder``; returns their paths (none when nothing validated)."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a training box
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    if train:
        written.append(_per_dialogue(plt, folder / "per_dialogue.png", train))
        written.append(_bars(plt, folder / "tool_calls_by_kind.png", _call_kinds(train),
                             "Tool calls by kind (validated dialogues)"))
    reasons = Counter(c["name"] for r in rejected for c in r["validation"]["checks"] if not c["passed"])
    if reasons:
        written.append(_bars(plt, folder / "rejection_reasons.png", reasons, "Failed checks (rejected dialogues)"))
    return written


def _per_dialogue(plt, path: Path, rows: list[dict[str, Any]]) -> Path:
    modes = sorted({r["simulation"]["mode"] for r in rows})
    return per_dialogue_figure(plt, path, {m: [r for r in rows if r["simulation"]["mode"] == m] for m in modes})


def per_dialogue_figure(plt, path: Path, groups: dict[str, list[dict[str, Any]]]) -> Path:
    """Turns, steps, tasks and tool calls per dialogue: one histogram each, one series per group
    (a mode of one run, or a pipeline's dataset), side by side."""
    fig, axes = plt.subplots(1, len(PER_DIALOGUE), figsize=(4 * len(PER_DIALOGUE), 3.2))
    for ax, measure in zip(axes, PER_DIALOGUE):
        series = [[r["stats"][measure] for r in rows] for rows in groups.values()]
        top = max(max(s) for s in series if s)
        bins = range(0, top + 2, max(1, (top + 1) // 25))
        ax.hist(series, bins=bins, label=list(groups))  # one bar group per series, side by side
        ax.set_title(f"{measure.replace('_', ' ')} per dialogue")
        ax.set_xlabel(measure.replace("_", " "))
        ax.set_ylabel("dialogues")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def _call_kinds(rows: list[dict[str, Any]]) -> Counter:
    """Calls made, by the verb their tool's name starts with (writes by what they do)."""
    return Counter(write_kind(call["function"]["name"]) or call["function"]["name"].split("_", 1)[0]
                   for r in rows for m in r["messages"] for call in m.get("tool_calls") or [])


def _bars(plt, path: Path, counts: Counter, title: str) -> Path:
    labels, values = zip(*counts.most_common(15))
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(labels) + 1.2))
    ax.barh(labels[::-1], values[::-1])
    ax.set_title(title)
    ax.set_xlabel("count")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
