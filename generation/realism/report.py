"""The realism report: every figure over a set of dialogue records, by simulation mode and, when
several datasets are compared, by dataset; rendered as one table with targets and ✓/✗."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from .agent_style import agent_style_figures
from .behaviour import behaviour_figures
from .density import density_figures
from .dialogue import read_dialogue
from .diversity import diversity_figures
from .figures import FIGURES
from .grounding import grounding_figures
from .outcomes import outcome_figures
from .sim2real import sim2real_figures


def realism_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Every figure of the catalogue over these record rows (dicts as in train.jsonl)."""
    dialogues = [read_dialogue(r) for r in rows]
    values: dict[str, Any] = {}
    for family in (diversity_figures, grounding_figures, agent_style_figures, outcome_figures,
                   behaviour_figures, sim2real_figures):
        values |= family(dialogues)
    values |= density_figures(rows)
    return {f.key: values[f.key] for f in FIGURES}


def realism_by_mode(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The figures per ``simulation.mode``, modes in name order."""
    modes = sorted({(r.get("simulation") or {}).get("mode") or "unknown" for r in rows})
    return {m: realism_figures([r for r in rows if ((r.get("simulation") or {}).get("mode") or "unknown") == m])
            for m in modes}


def report_columns(datasets: list[tuple[str, list[dict[str, Any]]]]) -> dict[str, dict[str, Any]]:
    """One column per mode; with several datasets, one per dataset and mode ("name: mode")."""
    columns: dict[str, dict[str, Any]] = {}
    for name, rows in datasets:
        for mode, figures in realism_by_mode(rows).items():
            columns[f"{name}: {mode}" if len(datasets) > 1 else mode] = figures
    return columns


def _cell(figure, value: Any) -> str:
    met = figure.meets(value)
    return figure.format(value) + ("" if met is None else " ✓" if met else " ✗")


def render_table(columns: dict[str, dict[str, Any]], tablefmt: str = "github") -> str:
    """Figures as rows, columns as given; each cell with ✓/✗ where the figure has a target."""
    rows = [[f.label, f.target_text(), *(_cell(f, col.get(f.key)) for col in columns.values())] for f in FIGURES]
    return tabulate(rows, headers=["figure", "target", *columns], tablefmt=tablefmt, disable_numparse=True)


def realism_markdown(by_mode: dict[str, dict[str, Any]]) -> str:
    """The "Realism" section of stats.md and the dataset card."""
    return ("## Realism\n\n" + render_table(by_mode) + "\n\nFigures over the validated dialogues, defined in "
            "docs/realism_metrics.md; ✓/✗: the column meets the project's target. Recompute on any saved "
            "dataset with `python -m generation.realism PATH`.\n")
