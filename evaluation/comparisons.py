"""Each model of a sweep against the first (the base model, by convention first in the config): per
Table-2 column the difference in Pass^1, its 95% interval paired by task, whether it exceeds noise,
and how many trials per task would resolve it."""

from __future__ import annotations

from typing import Any

from common.tables import markdown_table

from .outcomes import TrialOutcome
from .uncertainty import paired_difference


def compare_models(outcomes: dict[str, list[TrialOutcome]], headline: list[tuple[str, str, str]],
                   strata_for: Any) -> list[dict[str, Any]]:
    """``strata_for(outcomes, benchmark, category)``: the tasks behind one cell and the weights of its
    strata (``report.column_strata``)."""
    names = list(outcomes)
    rows = []
    for name in names[1:]:
        for benchmark, category, label in headline:
            base, weights = strata_for(outcomes[names[0]], benchmark, category)
            other, _ = strata_for(outcomes[name], benchmark, category)
            diff = paired_difference(base, other, 1, weights=weights)
            if diff is None:
                continue
            rows.append({"model": name, "baseline": names[0], "column": label, "difference": round(diff.value, 4),
                         "interval": [round(diff.low, 4), round(diff.high, 4)], "tasks": diff.tasks,
                         "beyond_noise": diff.beyond_noise, "trials_needed": diff.trials_needed})
    return rows


def comparisons_markdown(rows: list[dict[str, Any]]) -> str:
    table = [[r["model"], r["baseline"], r["column"], f"{100 * r['difference']:+.1f}",
              f"[{100 * r['interval'][0]:+.1f}, {100 * r['interval'][1]:+.1f}]", r["tasks"],
              "yes" if r["beyond_noise"] else "no",
              _trials(r)] for r in rows]
    return ("Differences in Pass^1 (points), paired by task; beyond noise: the 95% interval excludes 0; "
            "trials per task: how many would make the observed difference exceed the noise on these "
            "tasks (more tasks: no number of trials would, the per-task differences vary too much).\n\n" + markdown_table(table, ["Model", "vs", "Column", "Δ", "95% interval", "Tasks",
                                                   "Beyond noise", "Trials per task"]))


def _trials(row: dict[str, Any]) -> str | int:
    if row["trials_needed"] is not None:
        return row["trials_needed"]
    return "–" if row["difference"] == 0 else "more tasks"
