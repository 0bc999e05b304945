"""Content hashes: a file fingerprint and an order-independent hash of a database's state.

A table's digest covers its column names and the multiset of its rows: each row is rendered by
SQLite's quote() (which keeps 1, 1.0, '1' and NULL apart), hashed with sha256, and the hashes are
added modulo 2**256. Addition ignores row order and physical layout, and a row's hash can be
added or taken away again, so a copy keeps its digests up to date one written row at a time
(``Ledger``, ``RowHashes``) instead of rescanning a table after each write.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .names import quote

MODULUS = 1 << 256


@dataclass(frozen=True)
class TableSum:
    total: int  # sum of the row hashes, modulo 2**256
    rows: int


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def row_hash(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest(), "big")


def table_columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({quote(table)})")]


def row_text_sql(columns: list[str], prefix: str = "") -> str:
    """SQL for one row's text; ``prefix`` NEW. or OLD. inside a trigger."""
    return " || '|' || ".join(f"quote({prefix}{quote(c)})" for c in columns) or "''"


def table_sum(conn: sqlite3.Connection, table: str, columns: list[str]) -> TableSum:
    """A full scan: every row hashed and added up."""
    total = rows = 0
    for (text,) in conn.execute(f"SELECT {row_text_sql(columns)} FROM {quote(table)}"):
        total += row_hash(text)
        rows += 1
    return TableSum(total % MODULUS, rows)


def digest(columns: list[str], summed: TableSum) -> str:
    text = f"{json.dumps(columns)}\n{summed.rows}\n{summed.total:064x}"
    return hashlib.sha256(text.encode()).hexdigest()


def table_digest(conn: sqlite3.Connection, table: str) -> str:
    columns = table_columns(conn, table)
    return digest(columns, table_sum(conn, table, columns))


def table_names(conn: sqlite3.Connection) -> list[str]:
    """The database's own tables: not SQLite's, not a copy's row-hash ledger."""
    return [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' "
            "AND coalesce(sql, '') NOT LIKE ?",
            (f"%{_LEDGER_MARK}%",),
        )
    ]


def table_digests(conn: sqlite3.Connection) -> dict[str, str]:
    return {t: table_digest(conn, t) for t in table_names(conn)}


def combine(digests: dict[str, str]) -> str:
    combined = hashlib.sha256()
    for table in sorted(digests):
        combined.update(f"{table}:{digests[table]}\n".encode())
    return combined.hexdigest()


def state_hash(conn: sqlite3.Connection) -> str:
    return combine(table_digests(conn))


def database_sha256(path: Path) -> str:
    """A SQLite file's fingerprint: the main file and, in WAL mode, the log that holds recent
    commits (the main file alone can be unchanged while the data has changed)."""
    digest = hashlib.sha256()
    for part in (path, path.with_name(path.name + "-wal")):
        if part.is_file():
            with open(part, "rb") as fh:
                for chunk in iter(lambda: fh.read(1 << 20), b""):
                    digest.update(chunk)
    return digest.hexdigest()


# -- kept up to date per written row ---------------------------------------------------------------
_LEDGER_MARK = "/* tooldial row-hash ledger */"  # how table_names() knows the ledger, whatever its name


def _fold(total: str, removed: str | None, added: str | None) -> str:
    value = int(total, 16)
    if removed is not None:
        value -= row_hash(removed)
    if added is not None:
        value += row_hash(added)
    return f"{value % MODULUS:064x}"


@dataclass(frozen=True)
class Ledger:
    """Where a copy keeps its per-table sums: a table of the copy's own, and triggers on every
    table that update it on each row written. Being in the database, the sums roll back with the
    writes (a failed statement, a savepoint a planner undoes)."""

    table: str
    tracked: dict[str, int]  # table -> its row in the ledger; a virtual table takes no trigger


def install_ledger(conn: sqlite3.Connection, base: dict[str, TableSum], columns: dict[str, list[str]]) -> Ledger:
    """Once, on the template every copy is backed up from: copies get the ledger and its triggers
    with their pages, at no cost per copy (temp triggers would cost about 1 ms per copy)."""
    taken = {r[0].lower() for r in conn.execute("SELECT name FROM sqlite_master")}
    name, k = "tooldial_row_hashes", 1
    while name in taken:  # a source with a table of that name: take the next free one
        k += 1
        name = f"tooldial_row_hashes_{k}"
    conn.execute(f"CREATE TABLE {name} ({_LEDGER_MARK} id INTEGER PRIMARY KEY, total TEXT NOT NULL, "
                 "n INTEGER NOT NULL)")
    tracked: dict[str, int] = {}
    for table in sorted(base):
        ident = len(tracked)
        if _track(conn, name, ident, table, columns[table]):
            tracked[table] = ident
            conn.execute(f"INSERT INTO {name} VALUES (?, ?, ?)", (ident, f"{base[table].total:064x}", base[table].rows))
    conn.commit()
    return Ledger(name, tracked)


def _track(conn: sqlite3.Connection, ledger: str, ident: int, table: str, columns: list[str]) -> bool:
    new, old = row_text_sql(columns, "NEW."), row_text_sql(columns, "OLD.")
    changes = {"insert": ("NULL", new, "n + 1"), "delete": (old, "NULL", "n - 1"), "update": (old, new, "n")}
    try:
        for event, (removed, added, count) in changes.items():
            conn.execute(
                f"CREATE TRIGGER {ledger}_{event}_{ident} AFTER {event.upper()} ON {quote(table)} "
                f"BEGIN UPDATE {ledger} SET total = tooldial_fold(total, {removed}, {added}), n = {count} "
                f"WHERE id = {ident}; END"
            )
    except sqlite3.OperationalError:  # e.g. "cannot create triggers on virtual tables"
        for event in changes:
            conn.execute(f"DROP TRIGGER IF EXISTS {ledger}_{event}_{ident}")
        return False
    return True


class RowHashes:
    """A copy's view of its ledger: the sums to hash, and the REPLACE repair."""

    def __init__(self, conn: sqlite3.Connection, ledger: Ledger, columns: dict[str, list[str]]) -> None:
        self.conn = conn
        self.ledger = ledger
        self.columns = columns
        self._names = {ident: table for table, ident in ledger.tracked.items()}
        conn.create_function("tooldial_fold", 3, _fold, deterministic=True)

    @property
    def tracked(self) -> dict[str, int]:
        return self.ledger.tracked

    def sums(self) -> dict[str, TableSum]:
        rows = self.conn.execute(f"SELECT id, total, n FROM {self.ledger.table}")
        return {self._names[i]: TableSum(int(t, 16), n) for i, t, n in rows}

    def reconcile(self, tables: set[str]) -> None:
        """A REPLACE deletes the rows it conflicts with without firing delete triggers: the row
        count shows it (nothing else removes rows unseen), and that table is summed afresh."""
        for table in sorted(tables & set(self.tracked)):
            ident = self.tracked[table]
            n = self.conn.execute(f"SELECT n FROM {self.ledger.table} WHERE id = ?", (ident,)).fetchone()[0]
            if n != self.conn.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()[0]:
                fresh = table_sum(self.conn, table, self.columns[table])
                self.conn.execute(f"UPDATE {self.ledger.table} SET total = ?, n = ? WHERE id = ?",
                                  (f"{fresh.total:064x}", fresh.rows, ident))
