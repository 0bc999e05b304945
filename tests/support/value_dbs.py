"""Hand-built SQLite files with unusual values: clock triggers, quotes, huge cells, many rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

_PEOPLE = ["Ada", "Bram", "Cleo", "Dara", "Eli", "Fern", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lea"]
_CITIES = ["Oslo", "Lima", "Pune", "Kyiv", "Nice"]


def _customers(conn: sqlite3.Connection, names: list[str]) -> None:
    conn.execute("CREATE TABLE customer (id INTEGER PRIMARY KEY, name TEXT NOT NULL, city TEXT, tier TEXT, "
                 "score INTEGER)")
    conn.executemany("INSERT INTO customer (id, name, city, tier, score) VALUES (?, ?, ?, ?, ?)",
                     [(i + 1, n, _CITIES[i % 5], ("gold", "silver", "bronze")[i % 3], 10 + 7 * i)
                      for i, n in enumerate(names)])
    conn.execute("CREATE TABLE purchase (id INTEGER PRIMARY KEY, customer_id INTEGER REFERENCES customer(id), "
                 "item TEXT, amount REAL)")
    conn.executemany("INSERT INTO purchase VALUES (?, ?, ?, ?)",
                     [(k + 1, 1 + k % len(names), f"item {k % 9}", 5.0 + 3 * k) for k in range(3 * len(names))])


def build_clock_db(path: Path, stamp: str = "datetime('now')", keyword_default: bool = False,
                   nonce: str = "random()") -> Path:
    """Customers whose every write is logged by a trigger stamping the SQL clock ``stamp`` and a
    ``nonce``; with ``keyword_default`` the log's time column also defaults to CURRENT_TIMESTAMP."""
    conn = sqlite3.connect(path)
    _customers(conn, _PEOPLE)
    default = " DEFAULT CURRENT_TIMESTAMP" if keyword_default else ""
    conn.executescript(f"""
        CREATE TABLE audit (id INTEGER PRIMARY KEY, customer_id INTEGER, action TEXT, at TEXT{default},
                            nonce INTEGER);
        CREATE TRIGGER log_insert AFTER INSERT ON customer BEGIN
            INSERT INTO audit (customer_id, action, at, nonce) VALUES (NEW.id, 'insert', {stamp}, {nonce});
        END;
        CREATE TRIGGER log_update AFTER UPDATE ON customer BEGIN
            INSERT INTO audit (customer_id, action, at, nonce) VALUES (NEW.id, 'update', {stamp}, {nonce});
        END;
        CREATE TRIGGER log_delete AFTER DELETE ON customer BEGIN
            INSERT INTO audit (customer_id, action{', at' if not keyword_default else ''})
            VALUES (OLD.id, 'delete'{', ' + stamp if not keyword_default else ''});
        END;
    """)
    conn.commit()
    conn.close()
    return path


QUOTED_NAMES = ['O\'Brien "q"', 'Ann "Bee" Smith', 'He said "hi"', '"Quoted"', "D'Arcy", 'Mo "M" O\'Hara']


def build_quotes_db(path: Path) -> Path:
    """Names and items with double and single quotes inside."""
    conn = sqlite3.connect(path)
    _customers(conn, QUOTED_NAMES + _PEOPLE[:6])
    conn.execute("UPDATE purchase SET item = 'the \"big\" one' WHERE id % 4 = 0")
    conn.commit()
    conn.close()
    return path


def build_big_text_db(path: Path, cell_chars: int = 102_400) -> Path:
    """Customers whose notes are ``cell_chars`` long (every other one)."""
    conn = sqlite3.connect(path)
    _customers(conn, _PEOPLE)
    conn.execute("ALTER TABLE customer ADD COLUMN notes TEXT")
    for i in range(1, len(_PEOPLE) + 1):
        text = (f"note {i} " * cell_chars)[:cell_chars] if i % 2 else f"short note {i}"
        conn.execute("UPDATE customer SET notes = ? WHERE id = ?", (text, i))
    conn.commit()
    conn.close()
    return path


def build_big_table_db(path: Path, rows: int = 200_000) -> Path:
    """One table of ``rows`` rows, with a few mixed-type values (1, 1.0, '1', NULL)."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE reading (id INTEGER PRIMARY KEY, sensor TEXT NOT NULL, value, note TEXT UNIQUE)")
    conn.executemany("INSERT INTO reading VALUES (?, ?, ?, ?)",
                     ((i, f"s{i % 97}", (1, 1.0, "1", None)[i % 4] if i < 8 else i * 0.5, f"n{i}")
                      for i in range(1, rows + 1)))
    conn.commit()
    conn.close()
    return path
