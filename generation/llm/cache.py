"""A persistent response cache keyed by the request, so a resumed run never pays twice for a call."""

from __future__ import annotations

import hashlib
import sqlite3
import time
from pathlib import Path
from typing import Any

import orjson


def request_key(payload: bytes) -> str:
    """The key of a request: sha256 of the exact bytes sent (model, messages, tools, sampling).

    Our bodies are built deterministically, so the same request always encodes the same way; the
    server address is not part of it.
    """
    return hashlib.sha256(payload).hexdigest()


class ResponseCache:
    """SQLite in WAL mode, shared by worker processes; writes go in small batches.

    One transaction per response made the cache a tenth of a worker's CPU time and let worker
    processes stall each other on the write lock. A batch is written once it holds
    ``flush_every`` responses or its oldest is ``flush_after_s`` old, and on ``close``: a kill
    loses at most that much, which a resumed run asks again.
    """

    def __init__(self, path: Path, flush_every: int = 64, flush_after_s: float = 0.1, shared: bool = False) -> None:
        """``shared``: other processes may ask this cache for dialogues that were begun elsewhere
        (Ray actors taking over a lost node's dialogues), so it is always searched."""
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.execute("PRAGMA busy_timeout=10000")  # worker processes share the file
        self._conn.execute("CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, body TEXT NOT NULL)")
        # A file empty when opened holds nothing this process could find but what it wrote itself
        # (forked workers never share a dialogue): a fresh run looks up only keys it has written.
        self._lookups = shared or self._conn.execute("SELECT 1 FROM responses LIMIT 1").fetchone() is not None
        self._written: set[str] = set()  # 64-bit key prefixes, while lookups are off
        self._pending: dict[str, str] = {}
        self._oldest = 0.0
        self.flush_every, self.flush_after_s = flush_every, flush_after_s

    def get(self, key: str) -> dict[str, Any] | None:
        body = self._pending.get(key)
        if body is None and (self._lookups or key[:16] in self._written):
            row = self._conn.execute("SELECT body FROM responses WHERE key = ?", (key,)).fetchone()
            body = row[0] if row else None
        return orjson.loads(body) if body is not None else None

    def put(self, key: str, body: str) -> None:
        """Store a response as the JSON text the server sent."""
        if not self._pending:
            self._oldest = time.monotonic()
        self._pending[key] = body
        if len(self._pending) >= self.flush_every or time.monotonic() - self._oldest >= self.flush_after_s:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        with self._conn:  # one transaction per batch
            self._conn.execute("BEGIN")
            self._conn.executemany("INSERT OR REPLACE INTO responses VALUES (?, ?)", self._pending.items())
        if not self._lookups:
            self._written.update(k[:16] for k in self._pending)
        self._pending.clear()

    def close(self) -> None:
        self.flush()
        self._conn.close()
