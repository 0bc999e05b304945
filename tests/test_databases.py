import pickle
import sqlite3

import pytest

from common.errors import InputError
from generation.databases.database import SqlDatabase
from generation.databases.guards import QueryLimits, QueryTimeout
from generation.databases.hashing import file_sha256, state_hash
from tests.support.clubs import build_clubs


@pytest.fixture
def clubs(tmp_path):
    return SqlDatabase("clubs", build_clubs(tmp_path / "clubs.sqlite"))


def test_copies_are_isolated_and_keep_state(clubs):
    a, b = clubs.copy(), clubs.copy()
    limits = QueryLimits()
    a.run("UPDATE player SET Earnings = 0 WHERE Player_ID = :id", {"id": 1}, writes=True, limits=limits)
    assert a.run("SELECT Earnings FROM player WHERE Player_ID = 1", {}, writes=False, limits=limits).rows == [{"Earnings": 0.0}]
    assert b.run("SELECT Earnings FROM player WHERE Player_ID = 1", {}, writes=False, limits=limits).rows == [{"Earnings": 1037.0}]
    assert a.state_hash() != clubs.base_hash and b.state_hash() == clubs.base_hash


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_a_pickled_database_works_without_its_file_and_hashes_alike(tmp_path, journal):
    """As a Ray node gets it: copies of the unpickled database behave as the original's, whatever
    the source's journal mode (a WAL header cannot be opened in memory), with no file to read."""
    path = build_clubs(tmp_path / "clubs.sqlite")
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA journal_mode={journal}")
    original = SqlDatabase("clubs", path)
    path.unlink()
    sent = pickle.loads(pickle.dumps(original))
    assert sent.fingerprint == original.fingerprint and sent.base_hash == original.base_hash
    update = "UPDATE player SET Earnings = 0 WHERE Player_ID = :id"
    copies = [db.copy() for db in (original, sent)]
    for copy in copies:
        copy.run(update, {"id": 1}, writes=True, limits=QueryLimits())
    assert copies[0].state_hash() == copies[1].state_hash() == state_hash(copies[1].conn) != sent.base_hash


def test_state_hash_ignores_row_order(tmp_path):
    one, two = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    for conn, order in ((one, (1, 2, 3)), (two, (3, 1, 2))):
        conn.execute("CREATE TABLE t (a INT, b TEXT)")
        for i in order:
            conn.execute("INSERT INTO t VALUES (?, ?)", (i, f"v{i}"))
    assert state_hash(one) == state_hash(two)
    two.execute("UPDATE t SET b = 'x' WHERE a = 1")
    assert state_hash(one) != state_hash(two)


def test_incremental_hash_matches_full_hash(clubs):
    copy = clubs.copy()
    copy.run("DELETE FROM player WHERE Player_ID = :id RETURNING Player_ID", {"id": 5}, writes=True, limits=QueryLimits())
    assert copy.state_hash() == state_hash(copy.conn)


def test_row_cap_marks_truncation(clubs):
    result = clubs.copy().run("SELECT * FROM player", {}, writes=False, limits=QueryLimits(row_cap=7))
    assert len(result.rows) == 7 and result.truncated


def test_time_limit_aborts_runaway_query(clubs):
    runaway = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n"
    with pytest.raises(QueryTimeout):
        clubs.copy().run(runaway, {}, writes=False, limits=QueryLimits(timeout_ms=50))


def test_read_only_statements_cannot_write_or_stack(clubs):
    copy = clubs.copy()
    with pytest.raises(sqlite3.DatabaseError):
        copy.run("DELETE FROM player", {}, writes=False, limits=QueryLimits())
    with pytest.raises(sqlite3.ProgrammingError):
        copy.run("SELECT 1; DELETE FROM player", {}, writes=True, limits=QueryLimits())
    with pytest.raises(sqlite3.DatabaseError):
        copy.run("DROP TABLE player", {}, writes=True, limits=QueryLimits())
    assert copy.state_hash() == clubs.base_hash


def test_source_file_is_never_modified(tmp_path):
    path = build_clubs(tmp_path / "clubs.sqlite")
    before = path.read_bytes()
    db = SqlDatabase("clubs", path)
    copy = db.copy()
    copy.run("DELETE FROM player", {}, writes=True, limits=QueryLimits())
    assert path.read_bytes() == before and file_sha256(path) == db.fingerprint
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clubs.sqlite"]  # no journal left beside it


def test_corrupt_and_missing_files_are_input_errors(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(InputError, match="corrupt SQLite"):
        SqlDatabase("bad", bad)
    good = build_clubs(tmp_path / "ok.sqlite")
    data = bytearray(good.read_bytes())
    data[4096:4096 + 400] = b"\xff" * 400  # damage a table page, keep the file header
    broken = tmp_path / "broken.sqlite"
    broken.write_bytes(bytes(data))
    with pytest.raises(InputError, match="corrupt SQLite"):
        SqlDatabase("broken", broken)
    with pytest.raises(InputError, match="not found"):
        SqlDatabase("none", tmp_path / "missing.sqlite")


def test_savepoint_keeps_or_undoes(clubs):
    copy = clubs.copy()
    before = copy.state_hash()
    with copy.savepoint("probe", undo=True):
        copy.run("UPDATE player SET Earnings = 0", {}, writes=True, limits=QueryLimits())
    assert copy.state_hash() == before  # a probe leaves no trace
    with pytest.raises(ZeroDivisionError):
        with copy.savepoint("task"):
            copy.run("UPDATE player SET Earnings = 0", {}, writes=True, limits=QueryLimits())
            raise ZeroDivisionError
    assert copy.state_hash() == before  # a plan that failed half-way is undone
    with copy.savepoint("task"):
        copy.run("UPDATE player SET Earnings = 0", {}, writes=True, limits=QueryLimits())
    assert copy.state_hash() != before and not copy.conn.in_transaction
