import os
import sqlite3
from pathlib import Path

import pytest

from generation.databases.demo import DEMO_DOMAINS, build_demo_database, ensure_demo_databases

LABELS = ("name", "title", "reference")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return ensure_demo_databases(tmp_path_factory.mktemp("demo"))


def _tables(conn: sqlite3.Connection) -> list[str]:
    sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
    return [r[0] for r in conn.execute(sql)]


def test_three_domains() -> None:
    assert DEMO_DOMAINS == ("library", "clinic", "shop")


@pytest.mark.parametrize("domain", DEMO_DOMAINS)
def test_domain_shape(built: dict[str, Path], domain: str) -> None:
    conn = sqlite3.connect(built[domain])
    try:
        tables = _tables(conn)
        assert len(tables) >= 4
        counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}
        assert sum(counts.values()) >= 200
        assert all(0 < c <= 150 for c in counts.values()), counts

        linked: set[str] = set()
        for t in tables:
            for fk in conn.execute(f"PRAGMA foreign_key_list({t})"):
                linked.update({t, fk[2]})
                assert fk[3] == fk[4], "FK columns are named like the referenced key"
        assert linked == set(tables)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

        for t in tables:
            info = conn.execute(f"PRAGMA table_info({t})").fetchall()
            pk = [c for c in info if c[5]]
            assert len(pk) == 1 and pk[0][2] == "INTEGER" and pk[0][1].endswith("_id")
            assert {c[2] for c in info} <= {"INTEGER", "REAL", "TEXT"}
            labels = [c[1] for c in info if c[1] in LABELS and c[2] == "TEXT"]
            assert labels, f"{t} has no name/title/reference column"
            distinct, total, nulls = conn.execute(
                f"SELECT COUNT(DISTINCT {labels[0]}), COUNT(*), SUM({labels[0]} IS NULL) FROM {t}"
            ).fetchone()
            assert distinct == total and nulls == 0, f"{t}.{labels[0]} is not unique"
    finally:
        conn.close()


def test_build_is_byte_deterministic(tmp_path: Path) -> None:
    for domain in DEMO_DOMAINS:
        a = build_demo_database(domain, tmp_path / f"a_{domain}.sqlite")
        b = build_demo_database(domain, tmp_path / f"b_{domain}.sqlite")
        assert a.read_bytes() == b.read_bytes()
    # Overwriting an existing file gives the same bytes again, and leaves no temp files behind.
    build_demo_database("library", tmp_path / "a_library.sqlite")
    assert (tmp_path / "a_library.sqlite").read_bytes() == (tmp_path / "b_library.sqlite").read_bytes()
    expected = sorted(f"{x}_{d}.sqlite" for x in "ab" for d in DEMO_DOMAINS)
    assert sorted(p.name for p in tmp_path.iterdir()) == expected


def test_unknown_domain_raises(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="nowhere"):
        build_demo_database("nowhere", tmp_path / "x.sqlite")
    assert not (tmp_path / "x.sqlite").exists()


def test_ensure_does_not_rebuild(tmp_path: Path) -> None:
    directory = tmp_path / "cache" / "demo"
    paths = ensure_demo_databases(directory)
    assert paths == {d: directory / f"{d}.sqlite" for d in DEMO_DOMAINS}
    old = 1_000_000_000_000_000_000  # an mtime no rebuild could produce
    for p in paths.values():
        os.utime(p, ns=(old, old))
    paths["shop"].unlink()
    again = ensure_demo_databases(directory)
    assert again == paths
    assert again["library"].stat().st_mtime_ns == old
    assert again["clinic"].stat().st_mtime_ns == old
    assert again["shop"].stat().st_mtime_ns != old
