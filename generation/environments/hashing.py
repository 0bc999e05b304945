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


def _cell(value: object) -> object:
    if isinstance(value, bytes):
        return ["b", value.hex()]
    if isinstance(value, float):
        return ["f", repr(value)]
    return value  # int, str, None keep their JSON type, so 1 and "1" differ


def table_digest(conn: sqlite3.Connection, table: str) -> str:
    columns = [r[1] for r in conn.execute(f"PRAGMA table_info({quote(table)})")]
    rows = sorted(
        json.dumps([_cell(v) for v in row], ensure_ascii=False)
        for row in conn.execute(f"SELECT * FROM {quote(table)}")
    )
    digest = hashlib.sha256(json.dumps(columns).encode())
    for row in rows:
        digest.update(row.encode())
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
