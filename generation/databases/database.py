"""A source database opened read-only, and the private in-memory copies dialogues run on."""

from __future__ import annotations

import functools
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.errors import InputError
from .guards import PinnedFunctions, QueryLimitExceeded, QueryLimits, StatementGuard, nondeterministic_writes
from .hashing import (
    Ledger,
    RowHashes,
    TableSum,
    combine,
    database_sha256,
    digest,
    install_ledger,
    table_columns,
    table_digest,
    table_names,
    table_sum,
)
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


@dataclass(frozen=True)
class BaseState:
    """What every copy of one source starts from: its tables' columns, row sums and digests, and
    the ledger that keeps the sums up to date on the copy."""

    columns: dict[str, list[str]]
    sums: dict[str, TableSum]
    ledger: Ledger

    @functools.cached_property
    def digests(self) -> dict[str, str]:
        return {t: digest(self.columns[t], s) for t, s in self.sums.items()}


def base_state(template: sqlite3.Connection) -> BaseState:
    """Sums every table of ``template`` and installs the ledger there (after which the template
    holds one table more than the source: ``table_names`` leaves it out)."""
    columns = {t: table_columns(template, t) for t in table_names(template)}
    sums = {t: table_sum(template, t, c) for t, c in columns.items()}
    return BaseState(columns, sums, install_ledger(template, sums, columns))


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
            self.fingerprint = database_sha256(path)
            self._template = sqlite3.connect(":memory:", check_same_thread=False)
            source.backup(self._template)
            self.schema: DatabaseSchema = introspect(self._template, db_id, display_names)
            # tables whose writes reach SQL that cannot be made deterministic: name -> reason
            self.nondeterministic_writes = nondeterministic_writes(self._template)
            self.base = base_state(self._template)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"corrupt SQLite database {path}: {exc}") from None
        finally:
            source.close()
        self.base_digests = self.base.digests
        self.base_hash = combine(self.base_digests)
        self.source_cache: dict[Any, Any] = {}  # query results on the source state, shared by clean copies

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (to reach another process or node) as the template's bytes: the source file
        need not exist where it is unpickled. Cached source results are not sent."""
        state = {**self.__dict__, "source_cache": {}}
        image = bytearray(self._template.serialize())
        image[18:20] = b"\x01\x01"  # a WAL source's header says WAL, which no in-memory database opens
        state["_template"] = bytes(image)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._template = sqlite3.connect(":memory:", check_same_thread=False)
        self._template.deserialize(state["_template"])

    def copy(self, wall_clock: bool = True) -> "DatabaseCopy":
        """A private copy. ``wall_clock`` False for copies whose results must not depend on the
        machine's load (tool checks, gold plans): their queries answer to the step budget alone."""
        conn = sqlite3.connect(":memory:", check_same_thread=False, isolation_level=None)
        self._template.backup(conn)
        return DatabaseCopy(conn, self.base, self.source_cache, wall_clock)


_LIMIT_EVENTS = {"query_limit": "queries_over_step_budget", "timeout": "queries_timed_out"}


class DatabaseCopy:
    """A dialogue's own database: state persists across its calls and is shared with no one.

    ``events`` counts what the copy's queries ran into: ``text_cells_truncated`` (text cells cut at
    ``max_text_chars``), ``queries_over_step_budget`` and ``queries_timed_out``.
    """

    def __init__(self, conn: sqlite3.Connection, base: BaseState, source_cache: dict[Any, Any] | None = None,
                 wall_clock: bool = True) -> None:
        self.conn = conn
        self.wall_clock = wall_clock
        self._base = base
        self._source_cache = source_cache if source_cache is not None else {}
        self.events: Counter = Counter()
        self._guard = StatementGuard(bookkeeping={base.ledger.table})
        self._guard.install(conn)
        self._pinned = PinnedFunctions()
        self._pinned.install(conn)
        self._hashes = RowHashes(conn, base.ledger, base.columns)
        self._writes_of: dict[str, set[str]] = {}  # statement -> the tables it writes

    def run(self, sql: str, params: dict[str, Any], *, writes: bool, limits: QueryLimits) -> QueryResult:
        """Execute one statement with named binds; raises sqlite3.Error or QueryLimitExceeded
        (QueryTimeout when the wall-clock safety net fired)."""
        self._pinned.reseed(sql, params)
        try:
            names, fetched = self._write(sql, params, limits) if writes else self._execute(sql, params, limits)
        except QueryLimitExceeded as exc:
            self.events[_LIMIT_EVENTS[exc.kind]] += 1
            raise
        rows = [dict(zip(names, self._capped(r, limits.max_text_chars))) for r in fetched[: limits.row_cap]]
        return QueryResult(rows, len(fetched) > limits.row_cap)

    def _execute(self, sql: str, params: dict[str, Any], limits: QueryLimits, writes: bool = False,
                 interrupt: bool = True) -> tuple[list[str], list[tuple]]:
        self._guard.arm(limits, allow_writes=writes, interrupt_on_budget=interrupt, wall_clock=self.wall_clock)
        try:
            cursor = self.conn.execute(sql, params)
            names = [d[0] for d in cursor.description or ()]
            fetched = cursor.fetchmany(limits.row_cap + 1)
            if writes:
                cursor.fetchall()  # a RETURNING statement finishes its write only when drained
        except sqlite3.OperationalError as exc:
            hit = self._guard.limit_error(limits)
            if hit is not None and "interrupted" in str(exc):
                raise hit from None
            raise
        finally:
            self._guard.disarm()
        return names, fetched

    def _write(self, sql: str, params: dict[str, Any], limits: QueryLimits) -> tuple[list[str], list[tuple]]:
        """A write inside the caller's transaction (a planner's savepoint) is not interrupted at
        its budget, since SQLite would roll back that whole transaction: it runs in a savepoint
        of its own, undone when it went over."""
        nested = self.conn.in_transaction
        if nested:
            self.conn.execute("SAVEPOINT tooldial_write")
        try:
            result = self._execute(sql, params, limits, writes=True, interrupt=not nested)
            hit = self._guard.limit_error(limits)
            if hit is not None:
                raise hit
        except BaseException:
            if nested and self.conn.in_transaction:
                self.conn.execute("ROLLBACK TO tooldial_write")
                self.conn.execute("RELEASE tooldial_write")
            elif nested:  # only an interrupt does that: the wall-clock safety net fired mid-write
                raise RuntimeError(f"a write ran past the {limits.timeout_ms} ms safety limit and SQLite rolled "
                                   "back the caller's whole transaction; raise sql.timeout_ms") from None
            raise
        finally:
            # the authorizer sees a statement only when it is compiled, not when reused from the cache
            self._writes_of.setdefault(sql, set()).update(self._guard.written)
        if nested:
            self.conn.execute("RELEASE tooldial_write")
        self._hashes.reconcile(self._writes_of[sql])
        return result

    def _capped(self, row: tuple, cap: int) -> tuple:
        if not any(isinstance(v, str) and len(v) > cap for v in row):
            return row
        self.events["text_cells_truncated"] += sum(1 for v in row if isinstance(v, str) and len(v) > cap)
        return tuple(f"{v[:cap]}… [truncated, {len(v)} chars]" if isinstance(v, str) and len(v) > cap else v
                     for v in row)

    def cached(self, table: str, key: Any, compute):
        """``compute()`` for a read of ``table``, remembered across copies while ``table`` is unwritten."""
        if table in self._guard.dirty_tables:
            return compute()
        if (table, key) not in self._source_cache:
            self._source_cache[(table, key)] = compute()
        return self._source_cache[(table, key)]

    @contextmanager
    def savepoint(self, name: str, *, undo: bool = False) -> Iterator[None]:
        """What runs inside is kept, unless it raises (or ``undo``: a probe that must leave no trace).
        An interrupted write can make SQLite drop the whole transaction: then nothing is left to undo."""
        self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield
        except BaseException:
            self._leave(name, undo=True)
            raise
        self._leave(name, undo)

    def _leave(self, name: str, undo: bool) -> None:
        if not self.conn.in_transaction:
            return
        if undo:
            self.conn.execute(f"ROLLBACK TO {name}")
        self.conn.execute(f"RELEASE {name}")

    def state_hash(self) -> str:
        """From the sums the copy's triggers keep; only an untracked (virtual) table is rescanned."""
        digests = dict(self._base.digests)
        for table, summed in self._hashes.sums().items():
            if summed != self._base.sums[table]:
                digests[table] = digest(self._base.columns[table], summed)
        for table in self._guard.dirty_tables - set(self._hashes.tracked):
            digests[table] = table_digest(self.conn, table)
        return combine(digests)

    def close(self) -> None:
        self.conn.close()
