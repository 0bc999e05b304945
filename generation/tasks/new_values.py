"""The value an update sets: what a person would change a field to.

A quantity moves by a plausible step inside the range the column holds; a status or a type becomes
another of the values the column repeats. Never the row's name, its key or a link. Each new value
comes with a second one, the slip a user may say first and then correct.
"""

from __future__ import annotations

import random
from typing import Any

from ..databases.database import DatabaseCopy
from ..databases.names import quote
from ..databases.schema import Column, DatabaseSchema, Table
from ..tools.arguments import coerce, column_values
from .plan import Infeasible


def new_value(schema: DatabaseSchema, copy: DatabaseCopy, table: Table, row: dict[str, Any],
              rng: random.Random) -> tuple[Column, Any, Any | None]:
    """(field, new value, slip) for ``row`` of ``table`` (slip None when the field has no third value)."""
    fk_cols = {c for fk in schema.foreign_keys if fk.table == table.name for c in fk.columns}
    label = table.label.name if table.label is not None else None
    # a quantity or one of a few repeating choices (a status, a type); never the row's name
    candidates = [
        c for c in table.writable
        if c.name not in table.primary_key and c.name not in fk_cols and c.name != label
        and len(c.json_types) == 1 and (c.is_numeric or c.is_categorical)
    ]
    if not candidates:
        raise Infeasible("no field worth updating")
    field = rng.choice(candidates)
    old = current_value(copy, table, row, field)
    observed = column_values(copy, table.name, field.name)
    if field.is_numeric and isinstance(old, (int, float)):
        draws = numbers_near(old, observed, field.param_type, rng)
    else:  # a status or a category: another value the column already holds
        draws = [coerce(v, field.param_type) for v in rng.sample(observed, len(observed))]
    draws = [v for i, v in enumerate(draws) if v != old and v not in draws[:i]]
    if not draws:
        raise Infeasible("no other value")
    return field, draws[0], draws[1] if len(draws) > 1 else None


def current_value(copy: DatabaseCopy, table: Table, row: dict[str, Any], field: Column) -> Any:
    """The field's value now: an earlier task may have changed the row since it was found."""
    key = table.key
    if key is None:
        return row.get(field.param)
    found = copy.conn.execute(f"SELECT {quote(field.name)} FROM {quote(table.name)} WHERE {quote(key.name)} = ?",
                              (row[key.param],)).fetchone()
    return found[0] if found else row.get(field.param)


def numbers_near(old: float, observed: list[Any], json_type: str, rng: random.Random) -> list[Any]:
    """New figures for a quantity: the old one moved by 5-30% (at least 1), kept inside the column's
    observed range and written to its precision, as a person would revise it."""
    numbers = [v for v in observed if isinstance(v, (int, float)) and not isinstance(v, bool)]
    lo, hi = min(numbers, default=old), max(numbers, default=old)
    places = min(2, max((len(f"{v}".partition(".")[2].rstrip("0")) for v in numbers), default=0))
    draws = []
    for _ in range(4):
        step = max(abs(old) * rng.uniform(0.05, 0.3), 1 if json_type == "integer" else 10 ** -places)
        new = old + step * rng.choice((-1, 1))
        new = min(max(new, lo), hi) if lo < hi else new
        draws.append(int(round(new)) if json_type == "integer" else round(new, places))
    return draws
