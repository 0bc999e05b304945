#!/usr/bin/env python
"""What one write costs on a big table: the write plus the copy's state hash, against a full rehash.

    python scripts/bench_state_hash.py [--rows 1000000] [--writes 20]

The copy keeps per-table row-hash sums up to date per written row (see databases/hashing.py),
so a write costs what it touches, not the size of the table; the full rehash is what every
write cost before.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generation.databases.database import SqlDatabase  # noqa: E402
from generation.databases.guards import QueryLimits  # noqa: E402
from generation.databases.hashing import state_hash  # noqa: E402


def build(path: Path, rows: int) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE reading (id INTEGER PRIMARY KEY, sensor TEXT NOT NULL, value REAL, note TEXT)")
    conn.executemany("INSERT INTO reading VALUES (?, ?, ?, ?)",
                     ((i, f"s{i % 97}", i * 0.5, f"n{i}") for i in range(1, rows + 1)))
    conn.commit()
    conn.close()
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--writes", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        db = SqlDatabase("bench", build(Path(tmp) / "bench.sqlite", args.rows))
        print(f"build and open {args.rows:,} rows: {time.perf_counter() - started:.1f} s")
        copy, limits, costs = db.copy(), QueryLimits(), []
        for k in range(args.writes):
            started = time.perf_counter()
            copy.run("UPDATE reading SET value = :v WHERE id = :id", {"v": -k, "id": 1 + k * 997},
                     writes=True, limits=limits)
            incremental = copy.state_hash()
            costs.append(time.perf_counter() - started)
        started = time.perf_counter()
        full = state_hash(copy.conn)
        print(f"write + state hash: median {1000 * statistics.median(costs):.2f} ms, "
              f"max {1000 * max(costs):.2f} ms over {args.writes} writes")
        print(f"full rehash (the old cost of each write): {time.perf_counter() - started:.2f} s; "
              f"same hash: {incremental == full}")


if __name__ == "__main__":
    main()
