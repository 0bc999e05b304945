"""Small hand-built SQLite files with the schema features real databases have and demos lack.

Each builder writes a fresh file and returns its path; the data are fixed, so expected answers
can be checked by hand against the rows below.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path


def _write(path: Path, script: str, rows: dict[str, list[tuple]]) -> Path:
    conn = sqlite3.connect(path)
    conn.executescript(script)
    for table, values in rows.items():
        marks = ", ".join("?" * len(values[0]))
        conn.executemany(f'INSERT INTO "{table}" VALUES ({marks})', values)
    conn.commit()
    conn.close()
    return path


# Parent keyed by (id, country): ids repeat across countries, so joining on id alone is wrong.
COMPOSITE_PARENTS = [
    (1, "US", "Springfield"), (2, "AS", "Pago Pago"), (2, "US", "Dayton"), (1, "AS", "Tafuna"), (3, "US", "Austin"),
]
COMPOSITE_CHILDREN = [  # child_id, title, parent_id, country, amount
    (1, "Alpha", 2, "US", 10.0), (2, "Bravo", 2, "AS", 20.0), (3, "Charlie", 1, "US", 30.0),
    (4, "Delta", 2, "US", 40.0), (5, "Echo", 1, "AS", 50.0), (6, "Foxtrot", 2, "US", 60.0),
]


def build_composite_fk(path: Path) -> Path:
    return _write(path, """
        CREATE TABLE parent (id INTEGER NOT NULL, country TEXT NOT NULL, name TEXT NOT NULL,
                             PRIMARY KEY (id, country));
        CREATE TABLE child (child_id INTEGER PRIMARY KEY, title TEXT NOT NULL, parent_id INTEGER,
                            country TEXT, amount REAL,
                            FOREIGN KEY (parent_id, country) REFERENCES parent (id, country));
    """, {"parent": COMPOSITE_PARENTS, "child": COMPOSITE_CHILDREN})


_STREETS = ["Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Lindenallee", "Mühlenweg",
            "Kirchplatz", "Bergstraße", "Am Markt", "Rosenstraße", "Wiesenweg", "Goethestraße"]
_CITIES = ["München", "Köln", "Düsseldorf", "Nürnberg", "Lübeck"]
_PEOPLE = ["佐藤 花子", "鈴木 一郎", "高橋 美咲", "田中 健太", "伊藤 さくら", "渡辺 翔", "山本 愛", "中村 大輔",
           "小林 結衣", "加藤 蓮", "吉田 陽菜", "山田 湊"]
_TOWNS = ["東京", "大阪", "京都", "札幌", "福岡"]
_STATES = ["発送済み", "保留", "キャンセル"]


def build_unicode(path: Path) -> Path:
    """German and Japanese names, and names that transliterate alike ('Café'/'Cafe', 'Straße'/'Strasse')."""
    return _write(path, """
        CREATE TABLE "Übersicht" ("Nr" INTEGER PRIMARY KEY, "Straße" TEXT NOT NULL, "Strasse" TEXT,
                                  "Größe" REAL, "Stadt" TEXT);
        CREATE TABLE "顧客" ("顧客ID" INTEGER PRIMARY KEY, "名前" TEXT NOT NULL, "年齢" INTEGER, "都市" TEXT);
        CREATE TABLE "注文" ("注文ID" INTEGER PRIMARY KEY, "顧客ID" INTEGER REFERENCES "顧客" ("顧客ID"),
                             "金額" REAL, "状態" TEXT);
        CREATE TABLE "Café" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL);
        CREATE TABLE "Cafe" ("id" INTEGER PRIMARY KEY, "name" TEXT NOT NULL);
    """, {
        "Übersicht": [(i, f"{_STREETS[i % 12]} {i}", f"Alt {i}", 40.0 + 3.5 * i, _CITIES[i % 5])
                      for i in range(1, 31)],
        "顧客": [(i, _PEOPLE[i - 1], 20 + 3 * i, _TOWNS[i % 5]) for i in range(1, 13)],
        "注文": [(i, 1 + i % 12, 1000.0 + 250 * i, _STATES[i % 3]) for i in range(1, 61)],
        "Café": [(1, "Kaffeehaus"), (2, "Espresso Bar")],
        "Cafe": [(1, "Corner Cafe"), (2, "Roastery")],
    })


def build_series_movies(path: Path) -> Path:
    return _write(path, """
        CREATE TABLE series (series_id INTEGER PRIMARY KEY, title TEXT NOT NULL);
        CREATE TABLE movies (movie_id INTEGER PRIMARY KEY, title TEXT NOT NULL,
                             series_id INTEGER REFERENCES series (series_id), rating REAL);
        CREATE TABLE categories (category_id INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE status (status_id INTEGER PRIMARY KEY, name TEXT NOT NULL);
    """, {
        "series": [(1, "Star Saga"), (2, "Night Watch"), (3, "Deep Blue")],
        "movies": [(i, f"Episode {i}", 1 + i % 3, 5.0 + 0.3 * i) for i in range(1, 10)],
        "categories": [(1, "Drama"), (2, "Comedy")],
        "status": [(1, "released"), (2, "planned")],
    })


def build_without_rowid(path: Path) -> Path:
    """Every table WITHOUT ROWID; 'bins' has an INTEGER key that SQLite does not assign on insert."""
    return _write(path, """
        CREATE TABLE inventory (sku TEXT PRIMARY KEY, name TEXT NOT NULL, qty INTEGER NOT NULL, price REAL)
            WITHOUT ROWID;
        CREATE TABLE bins (bin_no INTEGER PRIMARY KEY, label TEXT NOT NULL, capacity INTEGER) WITHOUT ROWID;
        CREATE TABLE moves (move_id INTEGER PRIMARY KEY, sku TEXT NOT NULL REFERENCES inventory (sku),
                            bin_no INTEGER REFERENCES bins (bin_no), amount INTEGER, note TEXT) WITHOUT ROWID;
    """, {
        "inventory": [(f"SKU-{i:03d}", f"Part {chr(64 + i)}", 10 * i, 1.5 * i) for i in range(1, 9)],
        "bins": [(i, f"Bin {i}", 100 + 10 * i) for i in range(1, 6)],
        "moves": [(i, f"SKU-{1 + i % 8:03d}", 1 + i % 5, 3 * i, f"move {i}") for i in range(1, 21)],
    })


def build_view_and_generated(path: Path) -> Path:
    return _write(path, """
        CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL, qty INTEGER NOT NULL,
                            total REAL GENERATED ALWAYS AS (price * qty) STORED,
                            shout TEXT GENERATED ALWAYS AS (upper(name)) VIRTUAL);
        CREATE VIEW big_items AS SELECT id, name FROM items WHERE qty > 5;
    """, {"items": [(i, f"item {i}", 2.0 * i, i + 1) for i in range(1, 9)]})
