"""Density: the paper's Table 1 (mean and max of steps, turns, tasks per dialogue), steps per user
request, and the length of the tool names offered."""

from __future__ import annotations

import json
from typing import Any

from .numbers import share

MEASURES = ("steps", "turns", "tasks", "tool_calls")


def table1_summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Table 1 of the paper over record rows: dialogues, and mean (2 decimals) and max per measure."""
    out: dict[str, Any] = {"dialogues": len(rows)}
    for m in MEASURES:
        values = [(r.get("stats") or {}).get(m, 0) for r in rows]
        out[m] = {"mean": round(sum(values) / len(values), 2) if values else 0.0, "max": max(values, default=0)}
    return out


def tool_names(rows: list[dict[str, Any]]) -> set[str]:
    specs = [json.loads(s) if isinstance(s, str) else s for r in rows for s in r.get("tools") or []]
    return {(s.get("function") or {}).get("name") or "" for s in specs}


def density_figures(rows: list[dict[str, Any]]) -> dict[str, Any]:
    table = table1_summary(rows)
    names = tool_names(rows)
    steps = sum((r.get("stats") or {}).get("steps", 0) for r in rows)
    requests = sum((r.get("stats") or {}).get("user_requests", 0) for r in rows)
    return {
        "samples": table["dialogues"],
        "step": table["steps"],
        "turn": table["turns"],
        "task": table["tasks"],
        "steps_per_request": share(steps, requests),
        "tool_name_max": max((len(n) for n in names), default=None),
        "tool_name_mean": share(sum(len(n) for n in names), len(names)),
    }
