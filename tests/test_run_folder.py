"""The output folder and its inputs: the user's files are never touched, a resume never mixes
versions of a database, a refused run leaves nothing that blocks the next one, bad input is one line."""

from __future__ import annotations

import os
import sqlite3

import pytest

from tests.conftest import fails_cleanly, read_jsonl, run_cli
from tests.support.clubs import build_clubs


def _snapshot(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_folder_of_the_users_own_files_is_refused_untouched(tmp_path):
    db = build_clubs(tmp_path / "clubs.sqlite")
    out = tmp_path / "mine"
    (out / "dataset").mkdir(parents=True)
    (out / "README.md").write_text("my notes\n")
    (out / "stats.json").write_text("{}\n")
    (out / "dataset" / "important.txt").write_text("keep me\n")
    before = _snapshot(out)
    fails_cleanly(run_cli("--databases", str(db), "--num-dialogues", "3", "--output", str(out)),
                   "not empty", str(out))
    assert _snapshot(out) == before


def test_an_empty_folder_and_our_own_run_are_accepted(tmp_path):
    db = build_clubs(tmp_path / "clubs.sqlite")
    out = tmp_path / "empty"
    out.mkdir()
    assert run_cli("--databases", str(db), "--num-dialogues", "3", "--output", str(out)).returncode == 0
    proc = run_cli("--databases", str(db), "--num-dialogues", "3", "--output", str(out))  # resumed
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert len(read_jsonl(out / "train.jsonl")) + len(read_jsonl(out / "rejected.jsonl")) == 3


def test_output_that_cannot_be_written_is_one_line(tmp_path):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    db = build_clubs(tmp_path / "clubs.sqlite")
    fails_cleanly(run_cli("--databases", str(db), "--output", str(blocker / "out")), "cannot write", "a_file")
    fails_cleanly(run_cli("--databases", str(db), "--output", str(blocker)), "is a file")
    if os.geteuid() != 0:  # root writes through permission bits
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o555)
        fails_cleanly(run_cli("--databases", str(db), "--output", str(ro / "out")), "cannot write")


def test_a_run_refused_for_bad_input_does_not_block_the_folder(tmp_path):
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"SQLite format 3\x00" + b"garbage" * 1000)
    out = tmp_path / "o"
    fails_cleanly(run_cli("--databases", str(bad), "--output", str(out)), "bad.sqlite")
    fails_cleanly(run_cli("--databases", str(tmp_path / "missing.sqlite"), "--num-dialogues", "4",
                           "--output", str(out)), "missing.sqlite")
    db = build_clubs(tmp_path / "clubs.sqlite")
    proc = run_cli("--databases", str(db), "--num-dialogues", "3", "--output", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]


def test_a_database_edited_before_the_resume_is_refused(tmp_path):
    db = build_clubs(tmp_path / "clubs.sqlite")
    out = tmp_path / "o"
    assert run_cli("--databases", str(db), "--num-dialogues", "3", "--output", str(out)).returncode == 0
    before = _snapshot(out)
    with sqlite3.connect(db) as conn:
        table = conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").fetchone()[0]
        conn.execute(f'DELETE FROM "{table}" WHERE rowid = (SELECT MIN(rowid) FROM "{table}")')
    fails_cleanly(run_cli("--databases", str(db), "--num-dialogues", "3", "--output", str(out)),
                   "changed", "clubs")
    assert _snapshot(out) == before


def test_a_change_held_in_the_wal_file_is_seen(tmp_path):
    db = build_clubs(tmp_path / "clubs.sqlite")
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # new commits stay in clubs.sqlite-wal
    out = tmp_path / "o"
    try:
        assert run_cli("--databases", str(db), "--num-dialogues", "3", "--output", str(out)).returncode == 0
        main_file = db.read_bytes()
        table = writer.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name").fetchone()[0]
        writer.execute(f'DELETE FROM "{table}" WHERE rowid = (SELECT MIN(rowid) FROM "{table}")')
        assert db.read_bytes() == main_file  # the edit lives only in the -wal file
        fails_cleanly(run_cli("--databases", str(db), "--num-dialogues", "3", "--output", str(out)), "changed")
    finally:
        writer.close()


def test_a_database_without_tables_is_one_line(tmp_path):
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).execute("CREATE VIEW v AS SELECT 1 AS one").connection.close()
    fails_cleanly(run_cli("--databases", str(empty), "--output", str(tmp_path / "o")), "no tables", "empty.sqlite")


@pytest.mark.parametrize("body, needle", [
    ("num_dialogues: true\n", "num_dialogues"),
    ("num_dialogues: '5'\n", "num_dialogues"),
    ("workers: 1.5\n", "workers"),
    ("user:\n  max_user_turns: yes\n", "user.max_user_turns"),
])
def test_values_of_the_wrong_type_are_refused(tmp_path, body, needle):
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(body)
    fails_cleanly(run_cli("--config", str(cfg), "--output", str(tmp_path / "o")), needle, "cfg.yaml")
