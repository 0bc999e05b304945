"""Content hashes: a file fingerprint and an order-independent hash of a database's state.

The state hash ignores row order and physical layout, so two copies that hold the same rows hash
the same whatever the order of the writes that produced them. Per-table digests let a copy rehash
only the tables it wrote to.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from .schema import quote


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def table_digest(conn: sqlite3.Connection, table: str) -> str:
    """sha256 over the table's rows, each rendered by SQLite's quote() (which keeps 1, 1.0, '1' and
    NULL apart) and sorted, so neither row order nor storage layout matters."""
    columns = [r[1] for r in conn.execute(f"PRAGMA table_info({quote(table)})")]
    row = " || '|' || ".join(f"quote({quote(c)})" for c in columns) or "''"
    digest = hashlib.sha256(json.dumps(columns).encode())
    for (text,) in conn.execute(f"SELECT {row} AS r FROM {quote(table)} ORDER BY r"):
        digest.update(text.encode())
        digest.update(b"\n")
    return digest.hexdigest()


def table_names(conn: sqlite3.Connection) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
        )
    ]


def table_digests(conn: sqlite3.Connection) -> dict[str, str]:
    return {t: table_digest(conn, t) for t in table_names(conn)}


def combine(digests: dict[str, str]) -> str:
    digest = hashlib.sha256()
    for table in sorted(digests):
        digest.update(f"{table}:{digests[table]}\n".encode())
    return digest.hexdigest()


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
