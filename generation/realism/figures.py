"""The catalogue of realism figures: one row per figure, its family, how it prints and its target
(docs/realism_metrics.md defines each one)."""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Callable, Literal

Kind = Literal["share", "ratio", "count", "mean_max"]
_OPS: dict[str, Callable[[float, float], bool]] = {">=": operator.ge, "<=": operator.le}


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    kind: Kind
    target: tuple[str, float] | None = None  # (">=" or "<=", threshold)

    def meets(self, value: Any) -> bool | None:
        """Whether a value meets the target; None without a target or a value."""
        if self.target is None or not isinstance(value, (int, float)):
            return None
        op, threshold = self.target
        return _OPS[op](value, threshold)

    def target_text(self) -> str:
        if self.target is None:
            return ""
        op, threshold = self.target
        shown = f"{threshold:.0%}" if self.kind == "share" else f"{threshold:g}"
        return f"{'≥' if op == '>=' else '≤'} {shown}"

    def format(self, value: Any) -> str:
        if value is None:
            return "–"
        if self.kind == "mean_max":
            return f"{value['mean']} ({value['max']})"
        if self.kind == "share":
            return f"{value:.1%}"
        if self.kind == "count":
            return str(value)
        return f"{value:.3g}" if abs(value) < 1000 else f"{value:.0f}"


FIGURES: tuple[Figure, ...] = (
    Figure("skeleton_diversity", "user skeletons / user messages", "ratio", (">=", 0.8)),
    Figure("distinct_1", "distinct-1 (user)", "ratio"),
    Figure("distinct_2", "distinct-2 (user)", "ratio"),
    Figure("trigram_diversity", "word-trigram diversity (user)", "ratio", (">=", 0.5)),
    Figure("mattr", "MATTR, window 50 (user)", "ratio"),
    Figure("reactivity", "reactive later user turns", "share", (">=", 0.30)),
    Figure("leakage", "user messages with an 8-word task-text run", "share", ("<=", 0.05)),
    Figure("reply_dumps", "replies with snake_case key: value dumps", "share", ("<=", 0.10)),
    Figure("false_success", "replies after an error claiming success", "share"),
    Figure("long_floats", "floats printed with > 4 decimals", "share"),
    Figure("empty_lists", "empty list outputs", "share"),
    Figure("tied_rankings", "rankings whose rows all tie", "share"),
    Figure("zero_aggregates", "aggregate outputs that are 0", "share"),
    Figure("clarifying_per_dialogue", "clarifying questions / dialogue", "ratio"),
    Figure("confirmations_per_dialogue", "write confirmations / dialogue", "ratio"),
    Figure("corrections_per_dialogue", "user corrections / dialogue", "ratio"),
    Figure("followups_per_dialogue", "follow-ups on a result / dialogue", "ratio"),
    Figure("acknowledgements_per_dialogue", "pure acknowledgements / dialogue", "ratio"),
    Figure("d1_front_loading", "D1 front-loading", "ratio", ("<=", 1.5)),
    Figure("d2_politeness", "D2 politeness", "share", ("<=", 0.30)),
    Figure("d3_verbosity_cv", "D3 verbosity CV", "ratio", (">=", 0.5)),
    Figure("d4_frustration", "D4 frustration markers", "share"),
    Figure("steps_per_request", "steps / user request", "ratio"),
    Figure("tool_name_max", "tool name length, max", "count", ("<=", 40)),
    Figure("tool_name_mean", "tool name length, mean", "ratio"),
    Figure("step", "Step: mean (max)", "mean_max"),
    Figure("turn", "Turn: mean (max)", "mean_max"),
    Figure("task", "Task: mean (max)", "mean_max"),
    Figure("samples", "Samples", "count"),
)
