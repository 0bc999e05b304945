"""Limits on every query, and what makes its result the same on every run.

A query may run one statement, within a budget of SQLite VM steps (counted, so the limit falls at
the same place on every run whatever the machine's load; a wall-clock limit stays only as a
safety net), return at most ``row_cap`` rows of text cut at ``max_text_chars``, and never write
from a read. SQL functions that read the clock or a random source are replaced on every copy by
pinned ones, so triggers and defaults that call them write the same values on every run and on
both the gold copy and the dialogue's copy.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import sqlite3
import time
from dataclasses import dataclass, field
from typing import Any

from .names import quote

_WRITE_ACTIONS = {sqlite3.SQLITE_INSERT: "insert", sqlite3.SQLITE_UPDATE: "update", sqlite3.SQLITE_DELETE: "delete"}
_DENIED = {
    sqlite3.SQLITE_ATTACH,
    sqlite3.SQLITE_DETACH,
    sqlite3.SQLITE_PRAGMA,
    sqlite3.SQLITE_CREATE_TABLE,
    sqlite3.SQLITE_DROP_TABLE,
    sqlite3.SQLITE_ALTER_TABLE,
    sqlite3.SQLITE_CREATE_INDEX,
    sqlite3.SQLITE_DROP_INDEX,
    sqlite3.SQLITE_CREATE_TRIGGER,
    sqlite3.SQLITE_DROP_TRIGGER,
    sqlite3.SQLITE_CREATE_VIEW,
    sqlite3.SQLITE_DROP_VIEW,
}
STEPS_PER_CALL = 1000  # VM steps between two calls of the progress handler: the budget's unit


@dataclass(frozen=True)
class QueryLimits:
    timeout_ms: int = 10_000  # wall-clock safety net only: the step budget is the real limit
    row_cap: int = 50
    max_vm_steps: int = 20_000_000  # SQLite VM steps one query may run (about 0.4 s unloaded)
    max_text_chars: int = 2000  # a longer text cell is cut here and marked


class QueryLimitExceeded(Exception):
    """The query ran past its VM step budget: the same query on the same state always does."""

    kind = "query_limit"


class QueryTimeout(QueryLimitExceeded):
    """The wall-clock safety net fired: depends on the machine's load, so never part of kept data."""

    kind = "timeout"


@dataclass
class StatementGuard:
    """Installed on a copy's connection: records written tables and refuses what tools may not do.

    SQLite consults the authorizer when it compiles a statement, so writes are known (and refused
    for read-only tools) before anything runs.
    """

    allow_writes: bool = False
    armed: bool = False
    dirty_tables: set[str] = field(default_factory=set)
    written: set[str] = field(default_factory=set)  # by the statement now armed
    deadline: float = 0.0
    calls_left: int = 0
    interrupt_on_budget: bool = True
    over_budget: bool = False
    timed_out: bool = False
    conn: sqlite3.Connection | None = None
    every: int = 0  # VM steps between progress calls
    bookkeeping: set[str] = field(default_factory=set)  # tables the copy's own triggers write

    def install(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        conn.set_authorizer(self._authorize)
        self._set_interval(STEPS_PER_CALL)

    def _set_interval(self, steps: int) -> None:
        if steps != self.every:
            self.conn.set_progress_handler(self._progress, steps)
            self.every = steps

    def _authorize(self, action: int, arg1, arg2, _db, trigger) -> int:
        if not self.armed:
            return sqlite3.SQLITE_OK  # our own bookkeeping queries (hashing, schema)
        if action in _DENIED:
            return sqlite3.SQLITE_DENY
        if action in _WRITE_ACTIONS:
            if arg1 in self.bookkeeping:  # the row-hash ledger: its triggers may write it, a tool may not
                return sqlite3.SQLITE_OK if trigger is not None else sqlite3.SQLITE_DENY
            if not self.allow_writes or arg1.lower().startswith("sqlite_"):
                return sqlite3.SQLITE_DENY
            self.dirty_tables.add(arg1)
            self.written.add(arg1)
        return sqlite3.SQLITE_OK

    def _progress(self) -> int:
        if not self.armed:
            return 0
        self.calls_left -= 1
        if self.calls_left < 0:
            self.over_budget = True
            if self.interrupt_on_budget:
                return 1
        if time.perf_counter() > self.deadline:
            self.timed_out = True
            return 1
        return 0

    def arm(self, limits: QueryLimits, allow_writes: bool, interrupt_on_budget: bool = True,
            wall_clock: bool = True) -> None:
        """``interrupt_on_budget`` False: an interrupted write would roll back the caller's whole
        transaction (SQLite does so for SQLITE_INTERRUPT), so such a write runs to its end and
        the caller undoes it when ``over_budget``. ``wall_clock`` False: only the step budget
        applies (what the machine's load must not change: which tools exist, which tasks plan)."""
        self.armed = True
        self.allow_writes = allow_writes
        self.written = set()
        self._set_interval(max(1, min(STEPS_PER_CALL, limits.max_vm_steps)))  # a tiny budget is counted finely
        self.calls_left = -(-limits.max_vm_steps // self.every)
        self.interrupt_on_budget = interrupt_on_budget
        self.over_budget = self.timed_out = False
        self.deadline = time.perf_counter() + limits.timeout_ms / 1000.0 if wall_clock else math.inf

    def disarm(self) -> None:
        self.armed = False

    def limit_error(self, limits: QueryLimits) -> QueryLimitExceeded | None:
        if self.timed_out:
            return QueryTimeout(f"query exceeded the {limits.timeout_ms} ms time limit")
        if self.over_budget:
            return QueryLimitExceeded(f"query exceeded its budget of {limits.max_vm_steps} SQLite VM steps")
        return None


# -- pinned clock and random source -----------------------------------------------------------------
PINNED_NOW = "2025-01-01 12:00:00"  # what 'now' and CURRENT_TIMESTAMP mean on every copy
_TIME_FUNCTIONS = {"date": 0, "time": 0, "datetime": 0, "julianday": 0, "unixepoch": 0, "strftime": 1}
_KEYWORD_CLOCKS = {"current_timestamp": "datetime", "current_date": "date", "current_time": "time"}
_LOCAL = {"localtime", "utc"}  # depend on the machine's time zone: read as UTC


def _is(value: Any, words: set[str]) -> bool:
    return isinstance(value, str) and value.strip().lower() in words


class PinnedFunctions:
    """Clock and random functions of one connection, made deterministic.

    An application-defined function takes precedence over SQLite's built-in of the same name
    (CURRENT_TIMESTAMP and friends are compiled as calls of functions with those names), so the
    clock functions are redefined to read 'now' as ``PINNED_NOW`` and to ignore time-zone
    modifiers, then delegate to a private plain connection for the real date arithmetic.
    random() and randomblob() draw from a generator seeded per statement from its text and
    arguments: the same call on the gold copy and on the dialogue's copy draws the same values,
    and attempts rolled back in between draw nothing that a later statement would see.
    """

    def __init__(self) -> None:
        self._plain: sqlite3.Connection | None = None  # opened on first use: most copies never need it
        self._rng = random.Random(0)
        self._statement: tuple[str, dict[str, Any]] | None = None  # seeds the generator on first draw

    def install(self, conn: sqlite3.Connection) -> None:
        for name, position in _TIME_FUNCTIONS.items():
            conn.create_function(name, -1, self._clock(name, position), deterministic=True)
        for keyword, name in _KEYWORD_CLOCKS.items():
            conn.create_function(keyword, 0, self._clock(name, 0), deterministic=True)
        conn.create_function("random", 0, self._random)
        conn.create_function("randomblob", 1, self._randomblob)

    def reseed(self, sql: str, params: dict[str, Any]) -> None:
        self._statement = (sql, params)

    def _draw(self) -> random.Random:
        if self._statement is not None:
            sql, params = self._statement
            self._rng.seed(hashlib.sha256(f"{sql}\0{sorted(params.items())!r}".encode()).digest())
            self._statement = None
        return self._rng

    def _clock(self, name: str, position: int):
        def pinned(*args: Any) -> Any:
            args = list(args)
            if len(args) < position:
                return None  # strftime() without its format
            if len(args) == position:
                args.append(PINNED_NOW)  # no time value: SQLite reads that as 'now'
            elif _is(args[position], {"now"}):
                args[position] = PINNED_NOW
            args = args[: position + 1] + [a for a in args[position + 1:] if not _is(a, _LOCAL)]
            if self._plain is None:
                self._plain = sqlite3.connect(":memory:", check_same_thread=False)
            try:
                return self._plain.execute(f"SELECT {name}({', '.join('?' * len(args))})", args).fetchone()[0]
            except sqlite3.Error:
                return None  # what the built-in answers for a value it cannot read

        return pinned

    def _random(self) -> int:
        return self._draw().getrandbits(64) - (1 << 63)

    def _randomblob(self, n: Any) -> bytes:
        size = n if isinstance(n, int) and n > 0 else 1
        return self._draw().randbytes(size)


# -- what cannot be pinned ---------------------------------------------------------------------------
# Their value depends on the connection's history (which differs between the gold copy, which
# also ran attempts it rolled back, and the dialogue's copy) or on the page layout.
_UNPINNABLE = re.compile(r"\b(total_changes|changes|last_insert_rowid|sqlite_offset)\s*\(", re.IGNORECASE)
_TRIGGER_WRITES = re.compile(
    r"\b(?:insert\s+(?:or\s+\w+\s+)?into|replace\s+into|update\s+(?:or\s+\w+\s+)?|delete\s+from)\s+"
    r"(?:(?:main|temp)\s*\.\s*)?(\"(?:[^\"]|\"\")+\"|\[[^\]]+\]|`[^`]+`|[\w$]+)",
    re.IGNORECASE,
)
_MAX_ROWID = (1 << 63) - 1


def _unquote(name: str) -> str:
    if name[0] in "\"[`":
        return name[1:-1].replace('""', '"') if name[0] == '"' else name[1:-1]
    return name


def _direct_reasons(conn: sqlite3.Connection, tables: dict[str, str]) -> dict[str, str]:
    """Why a write to a table is nondeterministic by itself: its defaults, its rowids."""
    reasons = {}
    for table, sql in tables.items():
        defaults = " ".join(str(r[4]) for r in conn.execute(f"PRAGMA table_info({quote(table)})") if r[4])
        hit = _UNPINNABLE.search(defaults)
        if hit:
            reasons[table] = f"nondeterministic_write: a default of {table} calls {hit.group(1)}()"
        elif "without rowid" not in sql.lower() and not sql.lower().startswith("create virtual"):
            top = conn.execute(f"SELECT max(rowid) FROM {quote(table)}").fetchone()[0]
            if top == _MAX_ROWID and "autoincrement" not in sql.lower():
                reasons[table] = (f"nondeterministic_write: {table} holds the largest rowid, "
                                  "so SQLite picks new ones at random")
    return reasons


def nondeterministic_writes(conn: sqlite3.Connection) -> dict[str, str]:
    """Tables whose writes reach a SQL function that cannot be pinned, with the reason (prefix
    ``nondeterministic_write:``): a trigger on the table, or on a table its triggers write to,
    or a column default calls total_changes(), changes(), last_insert_rowid() or sqlite_offset().
    Clocks, CURRENT_TIMESTAMP and random() are pinned and need no refusal."""
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall()
    tables = {name: sql for kind, name, _, sql in rows if kind == "table" and not name.startswith("sqlite_")}
    by_lower = {t.lower(): t for t in tables}
    reasons = _direct_reasons(conn, tables)
    fires: dict[str, list[tuple[str, str]]] = {}  # table -> (trigger, body) run by a write to it
    for kind, name, table, sql in rows:
        if kind == "trigger" and table.lower() in by_lower:
            fires.setdefault(by_lower[table.lower()], []).append((name, sql))
    for table in tables:
        reason = reasons.get(table) or _trigger_reason(table, fires, by_lower, reasons)
        if reason:
            reasons[table] = reason
    return dict(sorted(reasons.items()))


def _trigger_reason(start: str, fires: dict[str, list[tuple[str, str]]], by_lower: dict[str, str],
                    direct: dict[str, str]) -> str | None:
    """Follow the triggers a write to ``start`` runs, and the writes they make, breadth first."""
    seen, queue = {start}, [start]
    while queue:
        table = queue.pop(0)
        if table != start and table in direct:
            return f"{direct[table]} (written by a trigger of {start})"
        for trigger, body in fires.get(table, []):
            hit = _UNPINNABLE.search(body)
            if hit:
                return f"nondeterministic_write: trigger {trigger} (on {table}) calls {hit.group(1)}()"
            for target in _TRIGGER_WRITES.findall(body):
                name = by_lower.get(_unquote(target).lower())
                if name and name not in seen:
                    seen.add(name)
                    queue.append(name)
    return None
