"""A source database opened read-only, and the private in-memory copies dialogues run on."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError
from .guards import QueryLimits, QueryTimeout, StatementGuard
from .hashing import combine, file_sha256, table_digest, table_digests
from .schema import DatabaseSchema, introspect

_SQLITE_MAGIC = b"SQLite format 3\x00"


def open_read_only(path: Path) -> sqlite3.Connection:
    """Open ``path`` so that nothing, not even a journal, can be written next to it."""
    if not path.is_file():
        raise InputError(f"database file not found: {path}")
    with open(path, "rb") as fh:
        if fh.read(16) != _SQLITE_MAGIC:
            raise InputError(f"corrupt SQLite database {path}: not a SQLite 3 file")
    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        status = conn.execute("PRAGMA quick_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise InputError(f"corrupt SQLite database {path}: {exc}") from None
    if status != "ok":
        conn.close()
        raise InputError(f"corrupt SQLite database {path}: {status}")
    return conn


@dataclass
class QueryResult:
    rows: list[dict[str, Any]]
    truncated: bool


class SqlDatabase:
    """One source database: schema, fingerprint, and a template copy new dialogues start from."""

    def __init__(
        self,
        db_id: str,
        path: Path,
        display_names: dict[tuple[str, str | None], str] | None = None,
    ) -> None:
        self.db_id = db_id
        self.path = path
        source = open_read_only(path)
        try:
            self.fingerprint = file_sha256(path)
            self._template = sqlite3.connect(":memory:", check_same_thread=False)
            source.backup(self._template)
            self.schema: DatabaseSchema = introspect(self._template, db_id, display_names)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"corrupt SQLite database {path}: {exc}") from None
        finally:
            source.close()
        self.base_digests = table_digests(self._template)
        self.base_hash = combine(self.base_digests)
        self.source_cache: dict[Any, Any] = {}  # query results on the source state, shared by clean copies

    def copy(self) -> "DatabaseCopy":
        conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._template.backup(conn)
        return DatabaseCopy(conn, self.base_digests, self.source_cache)


class DatabaseCopy:
    """A dialogue's own database: state persists across its calls and is shared with no one."""

    def __init__(self, conn: sqlite3.Connection, base_digests: dict[str, str],
                 source_cache: dict[Any, Any] | None = None) -> None:
        self.conn = conn
        self._base = base_digests
        self._source_cache = source_cache if source_cache is not None else {}
        self._guard = StatementGuard()
        self._guard.install(conn)

    def run(self, sql: str, params: dict[str, Any], *, writes: bool, limits: QueryLimits) -> QueryResult:
        """Execute one statement with named binds; raises sqlite3.Error or QueryTimeout."""
        self._guard.arm(limits.timeout_ms, allow_writes=writes)
        try:
            cursor = self.conn.execute(sql, params)
            names = [d[0] for d in cursor.description or ()]
            fetched = cursor.fetchmany(limits.row_cap + 1)
            truncated = len(fetched) > limits.row_cap
            if writes:
                cursor.fetchall()  # a RETURNING statement finishes its write only when drained
        except sqlite3.OperationalError as exc:
            if "interrupted" in str(exc):
                raise QueryTimeout(f"query exceeded {limits.timeout_ms} ms") from None
            raise
        finally:
            self._guard.disarm()
        return QueryResult([dict(zip(names, r)) for r in fetched[: limits.row_cap]], truncated)

    def cached(self, table: str, key: Any, compute):
        """``compute()`` for a read of ``table``, remembered across copies while ``table`` is unwritten."""
        if table in self._guard.dirty_tables:
            return compute()
        if (table, key) not in self._source_cache:
            self._source_cache[(table, key)] = compute()
        return self._source_cache[(table, key)]

    def state_hash(self) -> str:
        digests = dict(self._base)
        for table in self._guard.dirty_tables:
            digests[table] = table_digest(self.conn, table)
        return combine(digests)

    def close(self) -> None:
        self.conn.close()
