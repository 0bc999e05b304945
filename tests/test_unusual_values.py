"""Hand-built databases with unusual values: clock triggers, quotes, huge cells, big tables, limits."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest
import yaml

from generation.__main__ import main
from generation.databases import hashing
from generation.databases.database import SqlDatabase
from generation.databases.guards import (
    PINNED_NOW,
    QueryLimitExceeded,
    QueryLimits,
    QueryTimeout,
    nondeterministic_writes,
)
from generation.records import Message
from generation.validation.checks import check_grounding, check_query_limits
from tests.conftest import read_jsonl
from tests.support.value_dbs import (
    QUOTED_NAMES,
    build_big_table_db,
    build_big_text_db,
    build_clock_db,
    build_quotes_db,
)


def generate(db: Path, out: Path, n: int = 30, sql: dict | None = None) -> dict:
    args = ["--databases", str(db), "--num-dialogues", str(n), "--output", str(out)]
    if sql is not None:
        config = out.parent / f"{out.name}.yaml"
        config.write_text(yaml.safe_dump({"sql": sql}))
        args += ["--config", str(config)]
    assert main(args) == 0
    return json.loads((out / "stats.json").read_text())


def failed_checks(out: Path) -> list[str]:
    return [c["name"] for r in read_jsonl(out / "rejected.jsonl") for c in r["validation"]["checks"] if not c["passed"]]


def wrote(out: Path) -> bool:
    """Some validated dialogue changed the database (so triggers fired)."""
    for record in read_jsonl(out / "train.jsonl"):
        writers = {t["name"] for t in record["environment"]["tools"] if t["writes"]}
        if any(c["tool"] in writers for t in record["tasks"] for c in t["gold_plan"]):
            return True
    return False


# -- 6: SQL clocks and random() in triggers and defaults -------------------------------------------
def test_clock_trigger_gives_identical_bytes_across_runs(tmp_path):
    db = build_clock_db(tmp_path / "clock.sqlite", "datetime('now')", nonce="1")  # the clock alone
    generate(db, tmp_path / "a")
    time.sleep(1.1)  # a real clock would now stamp another second
    generate(db, tmp_path / "b")
    for name in ("train.jsonl", "rejected.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert wrote(tmp_path / "a")


def test_fine_clock_and_keyword_default_pass_db_state(tmp_path):
    db = build_clock_db(tmp_path / "fine.sqlite", "strftime('%Y-%m-%d %H:%M:%f', 'now')", keyword_default=True)
    out = tmp_path / "out"
    stats = generate(db, out)
    assert "db_state" not in failed_checks(out)
    assert stats["splits"]["train"] >= 20 and wrote(out)


def test_copies_share_one_pinned_clock_and_random_sequence(tmp_path):
    db = SqlDatabase("clock", build_clock_db(tmp_path / "c.sqlite", "strftime('%f', 'now')", keyword_default=True))
    probe = ("SELECT datetime('now') AS a, date() AS b, strftime('%s', 'now') AS c, julianday('now') AS d, "
             "CURRENT_TIMESTAMP AS e, datetime('now', 'localtime') AS f, random() AS g, hex(randomblob(4)) AS h")
    limits = QueryLimits()
    first, second = db.copy(), db.copy()
    rows = [c.run(probe, {}, writes=False, limits=limits).rows for c in (first, second)]
    assert rows[0] == rows[1]
    assert rows[0][0]["a"] == rows[0][0]["e"] == rows[0][0]["f"] == PINNED_NOW
    assert rows[0][0]["b"] == PINNED_NOW[:10]
    # a plain date computation still gives SQLite's own answer
    assert first.run("SELECT date('2024-02-28', '+1 day') AS d", {}, writes=False, limits=limits).rows == [
        {"d": "2024-02-29"}]
    for copy in (first, second):
        copy.run("UPDATE customer SET score = score + 1 WHERE id = :id", {"id": 3}, writes=True, limits=limits)
        copy.run("DELETE FROM customer WHERE id = :id", {"id": 4}, writes=True, limits=limits)
    assert first.state_hash() == second.state_hash() != db.base_hash
    stamps = first.conn.execute("SELECT at, nonce FROM audit ORDER BY id").fetchall()
    assert stamps == second.conn.execute("SELECT at, nonce FROM audit ORDER BY id").fetchall()
    assert stamps[-1][0] == PINNED_NOW  # the CURRENT_TIMESTAMP default, pinned too


def test_unpinnable_functions_name_the_table_whose_writes_are_refused(tmp_path):
    conn = sqlite3.connect(tmp_path / "u.sqlite")
    conn.executescript('''
        CREATE TABLE a (id INTEGER PRIMARY KEY, x TEXT);
        CREATE TABLE b (id INTEGER PRIMARY KEY, n INTEGER);
        CREATE TABLE c (id INTEGER PRIMARY KEY, at TEXT DEFAULT CURRENT_TIMESTAMP);
        CREATE TABLE "odd ""name""" (id INTEGER PRIMARY KEY, y TEXT);
        CREATE TRIGGER ta AFTER INSERT ON a BEGIN INSERT INTO b (n) VALUES (1); END;
        CREATE TRIGGER tb AFTER INSERT ON b BEGIN UPDATE b SET n = total_changes() WHERE id = NEW.id; END;
        CREATE TRIGGER tq AFTER INSERT ON "odd ""name""" BEGIN INSERT INTO c (id) VALUES (last_insert_rowid()); END;
    ''')
    found = nondeterministic_writes(conn)
    assert set(found) == {"a", "b", 'odd "name"'}  # c: CURRENT_TIMESTAMP is pinned, not refused
    assert found["b"].startswith("nondeterministic_write:") and "total_changes" in found["b"]
    assert "trigger tb" in found["a"] and "last_insert_rowid" in found['odd "name"']


# -- 7: values with quotes ---------------------------------------------------------------------------
def test_values_with_quotes_validate(tmp_path):
    out = tmp_path / "out"
    stats = generate(build_quotes_db(tmp_path / "q.sqlite"), out)
    assert "grounded" not in failed_checks(out)
    said = " ".join(m["content"] or "" for r in read_jsonl(out / "train.jsonl") for m in r["messages"]
                    if m["role"] == "assistant")
    assert any(f'"{name}"' in said for name in QUOTED_NAMES if '"' in name)
    assert stats["splits"]["train"] >= 20


def _dialogue(output: dict, reply: str) -> list[Message]:
    from generation.records import FunctionCall, ToolCall

    call = ToolCall(id="c1", function=FunctionCall(name="get_customer", arguments="{}"))
    return [Message(role="system", content="s"), Message(role="user", content="who is customer 1?"),
            Message(role="assistant", tool_calls=[call]),
            Message(role="tool", tool_call_id="c1", name="get_customer", content=json.dumps(output)),
            Message(role="assistant", content=reply)]


def test_grounding_accepts_stated_quotes_and_rejects_invented_values():
    row = {"id": 1, "name": 'O\'Brien "q"', "item": 'the "big" one', "score": 17}
    stated = 'Record: id: 1, name: "O\'Brien "q"", item: "the "big" one", score: 17.'
    assert check_grounding(_dialogue(row, stated)).passed
    for invented in ('name: "O\'Brien "z""', 'name: "O\'Brien "q" Jr"', 'name: "Smith"', "score: 18"):
        check = check_grounding(_dialogue(row, f"Record: {invented}."))
        assert not check.passed, invented


# -- 8: huge cells -----------------------------------------------------------------------------------
def test_huge_cells_are_capped_marked_and_counted(tmp_path):
    out = tmp_path / "out"
    stats = generate(build_big_text_db(tmp_path / "big.sqlite"), out)
    lines = [(out / n).read_text().splitlines() for n in ("train.jsonl", "rejected.jsonl")]
    sizes = [len(line) for split in lines for line in split]
    assert max(sizes) < 150_000, max(sizes)  # uncapped: records of 0.5-0.9 million characters
    train = (out / "train.jsonl").read_text()
    assert "… [truncated, 102400 chars]" in train
    assert stats["events"]["text_cells_truncated"] > 0
    assert "grounded" not in failed_checks(out) and stats["splits"]["train"] >= 20


def test_text_cap_comes_from_config(tmp_path):
    out = tmp_path / "out"
    stats = generate(build_big_text_db(tmp_path / "big.sqlite", cell_chars=5000), out, n=8,
                     sql={"max_text_chars": 100})
    assert "… [truncated, 5000 chars]" in (out / "train.jsonl").read_text()
    assert stats["events"]["text_cells_truncated"] > 0


# -- 10: big tables and query limits -------------------------------------------------------------------
def test_incremental_state_hash_equals_full_rehash_on_a_big_table(tmp_path, monkeypatch):
    db = SqlDatabase("big", build_big_table_db(tmp_path / "big.sqlite", rows=200_000))
    copy, limits = db.copy(), QueryLimits()
    full = hashing.state_hash

    def write(sql: str, **params) -> None:
        copy.run(sql, params, writes=True, limits=limits)

    # from here on a write must not rescan the table: the copy's hash is kept up to date per row
    monkeypatch.setattr(hashing, "table_sum", lambda *a: pytest.fail("full rehash of a table"))
    write("INSERT INTO reading (sensor, value, note) VALUES (:s, :v, :n)", s="new", v=1, n="fresh")
    write("UPDATE reading SET value = :v WHERE id = :id", v=1.0, id=2)  # 1.0 -> 1.0 (REAL)
    write("UPDATE reading SET value = :v WHERE id = :id", v="1", id=1)  # 1 -> '1'
    write("DELETE FROM reading WHERE id = :id", id=4)
    write("UPDATE reading SET sensor = 'x' WHERE sensor = :s", s="s5")  # many rows at once
    copy.conn.execute("SAVEPOINT task")
    write("DELETE FROM reading WHERE id < :id", id=500)
    copy.conn.execute("ROLLBACK TO task")
    copy.conn.execute("RELEASE task")
    incremental = copy.state_hash()
    monkeypatch.undo()
    assert incremental == full(copy.conn) != db.base_hash
    # a REPLACE deletes the conflicting row without firing triggers: caught and rehashed, also
    # when the statement comes from the statement cache (no authorizer call then)
    for key, note in ((999_999, "n10"), (999_998, "n11")):
        write("INSERT OR REPLACE INTO reading (id, sensor, value, note) VALUES (:id, 's', NULL, :n)", id=key, n=note)
        assert copy.state_hash() == full(copy.conn)


def test_state_hash_keeps_1_1point0_text_and_null_apart(tmp_path):
    db = SqlDatabase("big", build_big_table_db(tmp_path / "small.sqlite", rows=20))
    hashes = set()
    for value in (1, 1.0, "1", None):
        copy = db.copy()
        copy.run("UPDATE reading SET value = :v WHERE id = 10", {"v": value}, writes=True, limits=QueryLimits())
        assert copy.state_hash() == hashing.state_hash(copy.conn)
        hashes.add(copy.state_hash())
    assert len(hashes) == 4


RUNAWAY = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) AS c FROM n"


def test_vm_step_budget_is_a_deterministic_limit(tmp_path):
    db = SqlDatabase("big", build_big_table_db(tmp_path / "b.sqlite", rows=5000))
    limits = QueryLimits(timeout_ms=60_000, max_vm_steps=100_000)
    messages = set()
    for _ in range(2):
        with pytest.raises(QueryLimitExceeded) as hit:
            db.copy().run(RUNAWAY, {}, writes=False, limits=limits)
        assert not isinstance(hit.value, QueryTimeout)
        messages.add(str(hit.value))
    assert messages == {"query exceeded its budget of 100000 SQLite VM steps"}
    # a write over budget inside the caller's savepoint is undone, and the savepoint survives
    copy = db.copy()
    copy.conn.execute("SAVEPOINT task")
    copy.run("UPDATE reading SET value = 0 WHERE id = 1", {}, writes=True, limits=limits)
    with pytest.raises(QueryLimitExceeded):
        copy.run("UPDATE reading SET value = value || 'x'", {}, writes=True, limits=limits)
    assert copy.conn.execute("SELECT count(*) FROM reading WHERE value LIKE '%x'").fetchone()[0] == 0
    copy.conn.execute("ROLLBACK TO task")
    copy.conn.execute("RELEASE task")
    assert copy.state_hash() == db.base_hash == hashing.state_hash(copy.conn)


def test_wall_clock_safety_net_still_stops_a_write(tmp_path):
    db = SqlDatabase("big", build_big_table_db(tmp_path / "w.sqlite", rows=20_000))
    slow = "UPDATE reading SET note = note || :x"  # 20k rows, each through the row-hash trigger
    copy = db.copy()
    with pytest.raises(QueryTimeout, match="1 ms time limit"):
        copy.run(slow, {"x": "!"}, writes=True, limits=QueryLimits(timeout_ms=1))
    assert copy.state_hash() == db.base_hash == hashing.state_hash(copy.conn)
    copy.conn.execute("SAVEPOINT task")  # SQLite answers an interrupted write by dropping this too
    with pytest.raises(RuntimeError, match="rolled back the caller's whole transaction"):
        copy.run(slow, {"x": "!"}, writes=True, limits=QueryLimits(timeout_ms=1))


def test_tiny_query_budget_gives_identical_runs_without_limit_errors_in_train(tmp_path):
    db = build_big_table_db(tmp_path / "t.sqlite", rows=3000)
    sql = {"max_vm_steps": 20_000, "timeout_ms": 60_000}  # the old key still works
    stats = [generate(db, tmp_path / k, sql=sql) for k in ("a", "b")]
    for name in ("train.jsonl", "rejected.jsonl"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert stats[0]["tools"]["dropped"] > 0  # the tools too costly for the budget, the same every run
    train = (tmp_path / "a" / "train.jsonl").read_text()
    assert '"query_limit"' not in train and '"timeout"' not in train


def test_dialogue_that_hits_a_query_limit_is_rejected(tmp_path, monkeypatch):
    """Planning had room, the dialogue's copy not (what a wall-clock limit under load does)."""
    from generation.worlds import sql as sql_world
    from generation.tools.runtime import Toolbox

    real_call = sql_world.SqlToolSession.call

    async def starved(self, name, arguments):
        tight = Toolbox(list(self.toolbox.tools.values()), QueryLimits(max_vm_steps=1))
        return tight.call(self.copy, name, arguments) if name.startswith(("search", "list")) \
            else await real_call(self, name, arguments)

    monkeypatch.setattr(sql_world.SqlToolSession, "call", starved)
    out = tmp_path / "out"
    stats = generate(build_clock_db(tmp_path / "c.sqlite"), out)
    rejected = read_jsonl(out / "rejected.jsonl")
    hit = [r for r in rejected if any('"query_limit"' in (m["content"] or "") for m in r["messages"])]
    assert hit and stats["rejection_reasons"].get("no_query_limit") == len(hit)
    assert all(r["simulation"]["termination"] == "query_limit" for r in hit)
    for record in read_jsonl(out / "train.jsonl"):
        assert not any('"query_limit"' in (m["content"] or "") for m in record["messages"])


def test_query_limit_check_names_the_call():
    limited = {"error": {"type": "query_limit", "message": "query exceeded its budget of 5 SQLite VM steps"}}
    assert not check_query_limits(_dialogue(limited, "It failed.")).passed
    assert check_query_limits(_dialogue({"error": {"type": "not_found", "message": "x"}}, "None.")).passed
    assert check_query_limits(_dialogue({"error": "timeout", "id": 1}, "Record: id: 1.")).passed


def test_a_tiny_time_limit_rejects_dialogues_but_never_changes_tools_or_tasks(tmp_path):
    """The wall clock (what load changes) may only reject a dialogue: tool checks and gold plans
    answer to the step budget alone, so the same tools and tasks exist under any load."""
    db = build_big_table_db(tmp_path / "t.sqlite", rows=40_000)
    calm = generate(db, tmp_path / "calm", n=12, sql={"timeout_ms": 60_000})
    tight = generate(db, tmp_path / "tight", n=12, sql={"timeout_ms": 1})  # every scan of 40k rows is late

    def tasks(out: Path) -> dict:
        return {r["id"]: r["tasks"] for r in read_jsonl(out / "train.jsonl") + read_jsonl(out / "rejected.jsonl")}

    assert tight["tools"] == calm["tools"]
    assert tasks(tmp_path / "tight") == tasks(tmp_path / "calm")
    assert tight["rejection_reasons"].get("no_query_limit", 0) > 0
    for record in read_jsonl(tmp_path / "tight" / "train.jsonl"):
        assert not any('"timeout"' in (m["content"] or "") for m in record["messages"])
    # a time limit is the load's, not the data's: rerun with room, and the dialogues it cut are redone
    generate(db, tmp_path / "tight", n=12, sql={"timeout_ms": 60_000})
    for name in ("train.jsonl", "rejected.jsonl"):
        assert (tmp_path / "tight" / name).read_bytes() == (tmp_path / "calm" / name).read_bytes()
