"""Limits on every query: one statement, a time limit, a row cap, and no writes from reads."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class QueryLimits:
    timeout_ms: int = 1000
    row_cap: int = 50


class QueryTimeout(Exception):
    pass


@dataclass
class StatementGuard:
    """Installed on a copy's connection: records written tables and refuses what tools may not do.

    SQLite consults the authorizer when it compiles a statement, so writes are known (and refused
    for read-only tools) before anything runs.
    """

    allow_writes: bool = False
    armed: bool = False
    dirty_tables: set[str] = field(default_factory=set)
    deadline: float = 0.0

    def install(self, conn: sqlite3.Connection) -> None:
        conn.set_authorizer(self._authorize)
        conn.set_progress_handler(self._progress, 2000)

    def _authorize(self, action: int, arg1, arg2, _db, _trigger) -> int:
        if not self.armed:
            return sqlite3.SQLITE_OK  # our own bookkeeping queries (hashing, schema)
        if action in _DENIED:
            return sqlite3.SQLITE_DENY
        if action in _WRITE_ACTIONS:
            if not self.allow_writes or arg1.lower().startswith("sqlite_"):
                return sqlite3.SQLITE_DENY
            self.dirty_tables.add(arg1)
        return sqlite3.SQLITE_OK

    def _progress(self) -> int:
        return 1 if self.armed and time.perf_counter() > self.deadline else 0

    def arm(self, timeout_ms: int, allow_writes: bool) -> None:
        self.armed = True
        self.allow_writes = allow_writes
        self.deadline = time.perf_counter() + timeout_ms / 1000.0

    def disarm(self) -> None:
        self.armed = False
