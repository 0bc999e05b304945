"""The paper's figures from our results: Pass^k over k per τ² domain (one line per model, its 95%
interval as a band; the paper's Figure 5), and turns, steps, tasks and tool calls per dialogue for
each pipeline's dataset side by side."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generation.hub.plots import per_dialogue_figure

from .config import PaperConfig
from .tables import read_model

DOMAINS = ("airline", "retail", "telecom")


def write_figures(config: PaperConfig, folder: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")  # files only
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    models = {entry.label or entry.model: read_model(entry) for entry in config.models}
    if any("tau2" in results for results in models.values()):
        written.append(_pass_k_curves(plt, folder / "pass_k_tau2.png", models))
    groups = {entry.pipeline: _rows(Path(entry.run) / "train.jsonl") for entry in config.datasets}
    groups = {label: rows for label, rows in groups.items() if rows}
    if groups:
        written.append(per_dialogue_figure(plt, folder / "per_dialogue_by_pipeline.png", groups))
    return written


def _rows(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _pass_k_curves(plt, path: Path, models: dict[str, dict[str, Any]]) -> Path:
    fig, axes = plt.subplots(1, len(DOMAINS), figsize=(4.2 * len(DOMAINS), 3.4), sharey=True)
    for ax, domain in zip(axes, DOMAINS):
        for name, results in models.items():
            entry = results.get("tau2", {}).get(domain)
            if not entry:
                continue
            ks = sorted(int(k) for k, v in entry["pass_k"].items() if v is not None)
            ax.plot(ks, [100 * entry["pass_k"][str(k)] for k in ks], marker="o", label=name)
            bands = [(entry.get("interval") or {}).get(str(k)) for k in ks]
            if all(bands):
                ax.fill_between(ks, [100 * b[0] for b in bands], [100 * b[1] for b in bands], alpha=0.15)
            ax.set_xticks(ks)
        ax.set_title(f"τ² {domain}")
        ax.set_xlabel("k")
        ax.set_ylim(0, 100)
    axes[0].set_ylabel("Pass^k (%)")
    axes[0].legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
