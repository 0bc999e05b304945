"""A persistent response cache keyed by the request, so a resumed run never pays twice for a call."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import orjson


def request_key(body: dict[str, Any]) -> str:
    """Same model, messages, tools and sampling -> same key (the server address is not part of it)."""
    return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


class ResponseCache:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=10000")  # worker processes share the file
        self._conn.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, body TEXT NOT NULL)")

    def get(self, key: str) -> dict[str, Any] | None:
        row = self._conn.execute("SELECT body FROM responses WHERE key = ?", (key,)).fetchone()
        return orjson.loads(row[0]) if row else None

    def put(self, key: str, response: dict[str, Any]) -> None:
        # Committed at once (autocommit): a kill right after never loses a paid-for response.
        self._conn.execute("INSERT OR REPLACE INTO responses VALUES (?, ?)", (key, orjson.dumps(response).decode()))

    def close(self) -> None:
        self._conn.close()
