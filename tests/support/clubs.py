"""A small club/player SQLite file for tests that need a database of their own."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def build_clubs(path: Path, players: int = 120) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE club (Club_ID INTEGER PRIMARY KEY, Name TEXT NOT NULL, Region TEXT, Founded INT);
        CREATE TABLE player (Player_ID INTEGER PRIMARY KEY, Name TEXT NOT NULL, Club_ID INT REFERENCES club(Club_ID),
                             Earnings REAL, Position TEXT);
        """
    )
    regions = ["North", "South", "East", "West"]
    conn.executemany("INSERT INTO club VALUES (?, ?, ?, ?)",
                     [(i, f"Club {chr(65 + i)}", regions[i % 4], 1900 + 7 * i) for i in range(1, 11)])
    positions = ["guard", "forward", "center"]
    conn.executemany("INSERT INTO player VALUES (?, ?, ?, ?, ?)",
                     [(i, f"Player {i:03d}", 1 + i % 10, 1000.0 + 37 * i, positions[i % 3])
                      for i in range(1, players + 1)])
    conn.commit()
    conn.close()
    return path
