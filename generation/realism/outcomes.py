"""Degenerate tool outcomes: empty lists, rankings whose rows all tie, aggregates that are zero."""

from __future__ import annotations

import re
from typing import Any

from .dialogue import Dialogue, ToolOutput
from .numbers import share

AGGREGATE_FIELD = re.compile(r"(^|_)(count|total|sum|avg|average|mean)(_|s?$)")
ORDER_BY = re.compile(r"\border\s+by\b(.*?)(\blimit\b|$)", re.I | re.S)
IDENTIFIER = re.compile(r"(?<![:\w])\"?([A-Za-z_]\w*)\"?")
RANKING_NAME = re.compile(r"^(?:rank|top)_\w*?_by_(\w+)$")


def rows_of(data: Any) -> list[Any] | None:
    """The rows of a list output (a JSON array, or a capped ``{"rows": [...]}``); None otherwise."""
    if isinstance(data, list):
        return data
    if isinstance(data, dict) and isinstance(data.get("rows"), list):
        return data["rows"]
    return None


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def order_field(tool: str, rows: list[dict[str, Any]], sql_by_tool: dict[str, str]) -> str | None:
    """The numeric field a ranking tool orders by: the first ORDER BY identifier that is a numeric
    column of the rows (SQL tools), or the ``..._by_<field>`` of a ``rank_``/``top_`` tool."""
    numeric = {k for k, v in rows[0].items() if _number(v)}
    match = ORDER_BY.search(sql_by_tool.get(tool) or "")
    if match:
        return next((n for n in IDENTIFIER.findall(match.group(1)) if n in numeric), None)
    name = RANKING_NAME.match(tool)
    return name.group(1) if name and name.group(1) in numeric else None


def _is_aggregate(data: Any) -> list[Any] | None:
    """The aggregate values of an object output (numeric-or-null fields named like a count, sum or
    average); None when it is not an aggregate."""
    if not isinstance(data, dict) or "error" in data or rows_of(data) is not None:
        return None
    values = [v for k, v in data.items() if AGGREGATE_FIELD.search(k) and (v is None or _number(v))]
    return values if any(_number(v) for v in values) else None


def outcome_figures(dialogues: list[Dialogue]) -> dict[str, Any]:
    lists = empty = rankings = tied = aggregates = zero = 0
    for d in dialogues:
        sql = {t.get("name"): t.get("sql") or "" for t in d.environment.get("tools") or []}
        for output in (o for turn in d.agent_turns for o in turn.outputs):
            rows = rows_of(output.data)
            if rows is not None:
                lists += 1
                empty += not rows
                tie = _ranking_tie(output, rows, sql)
                if tie is not None:
                    rankings += 1
                    tied += tie
            elif (values := _is_aggregate(output.data)) is not None:
                aggregates += 1
                zero += all(not v for v in values)
    return {
        "empty_lists": share(empty, lists),
        "tied_rankings": share(tied, rankings),
        "zero_aggregates": share(zero, aggregates),
    }


def _ranking_tie(output: ToolOutput, rows: list[Any], sql: dict[str, str]) -> bool | None:
    """None when the output is no ranking of two rows or more; else whether every row ties."""
    if len(rows) < 2 or not all(isinstance(r, dict) for r in rows):
        return None
    field = order_field(output.tool, rows, sql)
    if field is None:
        return None
    return len({r.get(field) for r in rows}) == 1
