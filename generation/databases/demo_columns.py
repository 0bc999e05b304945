"""Column generators for the demo databases: each draws a column's values from a seeded random stream,
given the row count, the table's columns so far and the tables built before it."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

Cols = dict[str, list[Any]]
# A column generator: (rng, row count, this table's columns so far, earlier tables) -> values.
Gen = Callable[[random.Random, int, Cols, dict[str, Cols]], list[Any]]


@dataclass(frozen=True)
class Col:
    name: str
    type: str  # INTEGER, REAL or TEXT
    gen: Gen
    nullable: bool = False
    ref: str | None = None  # referenced table; the column is named like that table's key


@dataclass(frozen=True)
class TableSpec:
    name: str
    key: str
    rows: int
    cols: tuple[Col, ...]


def shift_days(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def unique(pool: Sequence[str]) -> Gen:
    return lambda rng, n, cols, db: rng.sample(list(pool), n)


def choice(options: Sequence[Any], weights: Sequence[float] | None = None) -> Gen:
    return lambda rng, n, cols, db: rng.choices(list(options), weights=weights, k=n)


def each(draw: Callable[[random.Random], Any]) -> Gen:
    """One independent draw per row."""
    return lambda rng, n, cols, db: [draw(rng) for _ in range(n)]


def ints(lo: int, hi: int) -> Gen:
    return each(lambda rng: rng.randint(lo, hi))


def reals(lo: float, hi: float) -> Gen:
    return each(lambda rng: round(rng.uniform(lo, hi), 2))


def dates(first: str, last: str) -> Gen:
    a, b = dt.date.fromisoformat(first).toordinal(), dt.date.fromisoformat(last).toordinal()
    return each(lambda rng: dt.date.fromordinal(rng.randint(a, b)).isoformat())


def after(col: str, lo: int, hi: int, cap: str | None = None) -> Gen:
    """Dates ``lo..hi`` days after ``col``; past ``cap`` the event has not happened yet (NULL)."""

    def run(rng: random.Random, n: int, cols: Cols, db: dict[str, Cols]) -> list[Any]:
        days = [shift_days(d, rng.randint(lo, hi)) for d in cols[col]]
        return [None if cap is not None and d > cap else d for d in days]

    return run


def codes(fmt: str, start: int) -> Gen:
    return lambda rng, n, cols, db: [fmt.format(start + i) for i in range(n)]


def derive(fn: Callable[..., Any], *sources: str) -> Gen:
    """Values computed from this row's ``sources``; ``fn`` gets the rng first."""
    return lambda rng, n, cols, db: [fn(rng, *vals) for vals in zip(*(cols[s] for s in sources))]


def lookup(fk_col: str, table: str, col: str) -> Gen:
    # Keys are 1..n in insertion order, so parent key k sits at index k - 1.
    return lambda rng, n, cols, db: [db[table][col][k - 1] for k in cols[fk_col]]


def fk(table: str, key: str) -> Col:
    return Col(key, "INTEGER", lambda rng, n, cols, db: [rng.choice(db[table][key]) for _ in range(n)], ref=table)


def opt(name: str, type_: str, gen: Gen, p_null: float) -> Col:
    def run(rng: random.Random, n: int, cols: Cols, db: dict[str, Cols]) -> list[Any]:
        return [None if rng.random() < p_null else v for v in gen(rng, n, cols, db)]

    return Col(name, type_, run, nullable=True)
