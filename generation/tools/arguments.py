"""Arguments taken from real rows, for validating tools and for grounding tasks."""

from __future__ import annotations

import random
from typing import Any

from ..databases.database import DatabaseCopy
from ..databases.names import quote
from .spec import Param, SqlTool


def column_values(copy: DatabaseCopy, table: str, column: str) -> list[Any]:
    """Distinct non-null values (at most 500, ordered); cached while the table is unwritten."""

    def query() -> list[Any]:
        rows = copy.conn.execute(
            f"SELECT DISTINCT {quote(column)} FROM {quote(table)} WHERE {quote(column)} IS NOT NULL "
            f"ORDER BY {quote(column)} LIMIT 500"
        )
        return [r[0] for r in rows]

    return list(copy.cached(table, ("values", column), query))


def unique_values(copy: DatabaseCopy, table: str, column: str) -> list[Any]:
    """Values that name exactly one row (at most 500, ordered): a person can say which row they mean."""
    rows = copy.conn.execute(
        f"SELECT {quote(column)} FROM {quote(table)} WHERE {quote(column)} IS NOT NULL "
        f"GROUP BY {quote(column)} HAVING count(*) = 1 ORDER BY {quote(column)} LIMIT 500"
    )
    return [r[0] for r in rows]


def fresh_key(copy: DatabaseCopy, table: str, column: str, kind: str) -> Any:
    """A key value no row uses yet: one past the largest number, or a new code."""
    values = column_values(copy, table, column)
    if kind in ("integer", "number"):
        numbers = [v for v in values if isinstance(v, (int, float))]
        return int(max(numbers, default=0)) + 1
    return _fresh_code([str(v) for v in values], random.Random(f"{table}:{column}:{len(values)}"))


def _fresh_code(taken: list[str], rng: random.Random) -> str:
    """A code shaped like the ones in use ('ABQ' -> 'KZT', 'LN-104' -> 'LN-731'): each letter or digit of a
    sample swapped for a random one of its kind, punctuation kept; 'NEW<n>' when none fits."""
    used = set(taken)
    samples = [t for t in taken if t and len(t) <= 12 and " " not in t]
    for _ in range(50 if samples else 0):
        sample = rng.choice(samples)
        code = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") if c.isupper() else
                       rng.choice("abcdefghijklmnopqrstuvwxyz") if c.islower() else
                       rng.choice("0123456789") if c.isdigit() else c for c in sample)
        if code not in used:
            return code
    n = len(taken) + 1
    while f"NEW{n}" in used:
        n += 1
    return f"NEW{n}"


def pattern_of(value: Any) -> str:
    """What a person would type to search for a name: its longest word."""
    words = str(value).split()
    return max(words, key=len) if words else str(value)


def example_arguments(tool: SqlTool, copy: DatabaseCopy, rng: random.Random) -> dict[str, Any] | None:
    """Arguments drawn from the copy's rows; None when the table has no row to draw from."""
    args: dict[str, Any] = {}
    for p in tool.params:
        value = _example(tool, p, copy, rng)
        if value is _MISSING:
            return None
        if value is not None:
            args[p.name] = value
    return args


_MISSING = object()


def _example(tool: SqlTool, p: Param, copy: DatabaseCopy, rng: random.Random) -> Any:
    if p.role == "limit":
        return 5
    if p.role == "flag":
        return False
    prop = tool.parameters["properties"][p.name]
    if tool.kind == "create" and p.role == "value" and _is_key(copy, p):
        return fresh_key(copy, p.table, p.column, prop["type"])
    values = column_values(copy, p.table, p.column)
    if not values:
        return None if not p.required else _MISSING
    if p.role == "min":
        return min(v for v in values if isinstance(v, (int, float)))
    if p.role == "max":
        return max(v for v in values if isinstance(v, (int, float)))
    value = rng.choice(values)
    if p.role == "pattern":
        return pattern_of(value)
    return coerce(value, prop["type"])


def coerce(value: Any, json_type: str) -> Any:
    if json_type == "string":
        return str(value)
    if json_type == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _is_key(copy: DatabaseCopy, p: Param) -> bool:
    pk = [r[1] for r in copy.conn.execute(f"PRAGMA table_info({quote(p.table)})") if r[5]]
    return pk == [p.column]
