"""LLM-designed SQL tools inside generation (``tools.policy``), against a scripted tool designer over
loopback HTTP on the Spider test split: good tools kept and used, bad ones dropped with their
reason, designs cached per database, and the records replayable with nothing but sqlite3."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from generation.databases.hashing import state_hash
from generation.records import DialogueRecord
from loopback.base import scripted_server
from tests.conftest import SPIDER, SPIDER_TEST_DBS, fails_cleanly, needs_spider, read_jsonl, run_cli

# What the scripted designer proposes per table that must never be offered, and why (loopback/sql_designer.py)
BAD = {"_overview": "parse_error", "_nickname": "unknown_column", "_archived": "disguised_write",
       "_labels": "type_conflict"}


def _config(path: Path, url: str, **changes) -> Path:
    config = {
        "databases": str(SPIDER), "db_ids": SPIDER_TEST_DBS, "num_dialogues": 2 * len(SPIDER_TEST_DBS),
        "mode": "user_oriented", "tools": {"policy": "llm"},
        "tasks": {"policy": "llm"}, "user": {"policy": "llm"}, "agent": {"policy": "llm"}, "judge": {"policy": "llm"},
        "llm": {"endpoints": {"default": {"base_url": url, "model": "scripted", "timeout_s": 5,
                                          "retry_initial_s": 0.05, "retry_max_s": 0.2}}},
        **changes,
    }
    path.write_text(yaml.safe_dump(config))
    return path


def _roles(log: Path) -> Counter:
    return Counter(json.loads(line)["role"] for line in log.read_text().splitlines())


@pytest.fixture(scope="module")
def designed_run(tmp_path_factory):
    if not (SPIDER / "tables.json").is_file():
        pytest.skip(f"Spider not found at {SPIDER}")
    root = tmp_path_factory.mktemp("design")
    log = root / "requests.log"
    with scripted_server("--log", str(log)) as url:
        config = _config(root / "config.yaml", url)
        first = run_cli("--config", str(config), "--output", str(root / "out"))
        assert first.returncode == 0, first.stderr[-2000:]
        asked = _roles(log)
        log.write_text("")
        train_before = (root / "out" / "train.jsonl").read_bytes()
        # without the response cache: only the saved designs can spare the designer its requests
        again = run_cli("--config", str(config), "--output", str(root / "out"), "--set", "llm.cache=false")
        assert again.returncode == 0, again.stderr[-2000:]
    return {"out": root / "out", "asked": asked, "asked_again": _roles(log), "train_before": train_before}


@needs_spider
def test_bad_designed_tools_are_dropped_with_their_reason(designed_run):
    designed = json.loads((designed_run["out"] / "stats.json").read_text())["tools"]["designed"]
    assert designed["databases"] == len(SPIDER_TEST_DBS) and designed["kept"] > 100
    for reason in ("parse_error", "unknown_column", "disguised_write", "type_conflict", "trivial"):
        assert designed["dropped_reasons"].get(reason, 0) > 0, reason
    bad_seen = 0
    for db_id, dropped in designed["dropped_tools"].items():
        for name, reason in dropped.items():
            suffix = next((s for s in BAD if name.endswith(s)), None)
            if suffix is not None:
                bad_seen += 1
                # a tool on an empty table cannot be tried out: it is dropped before any other check
                assert reason.startswith((BAD[suffix], "no_data")), (db_id, name, reason)
            elif name.startswith("list_all_"):
                assert reason.startswith("trivial"), (db_id, name, reason)
    assert bad_seen >= 4 * len(SPIDER_TEST_DBS)


@needs_spider
def test_designed_tools_are_used_in_validated_dialogues_and_nothing_else_is_offered(designed_run):
    out = designed_run["out"]
    kept = {}
    for path in (out / ".work" / "toolsets").glob("*.json"):
        kept[path.name.split(".")[0]] = {t["name"] for t in json.loads(path.read_text())["tools"]}
    assert set(kept) == set(SPIDER_TEST_DBS)
    records = [DialogueRecord.model_validate(r) for r in read_jsonl(out / "train.jsonl")]
    assert len(records) >= 10
    called = Counter()
    for record in records:
        offered = {t.name for t in record.environment.tools}
        assert offered <= kept[record.environment.db_id]  # a dropped tool is never offered
        assert {t["function"]["name"] for t in record.tools} == offered
        called.update(c.function.name for m in record.messages for c in m.tool_calls or [])
    assert sum(called.values()) >= len(records) and all(
        any(name in names for names in kept.values()) for name in called)


@needs_spider
def test_a_rerun_asks_the_designer_nothing_and_changes_nothing(designed_run):
    assert designed_run["asked"]["tool_designer"] > 2 * len(SPIDER_TEST_DBS)  # questions, tools per question, expansion
    assert designed_run["asked_again"]["tool_designer"] == 0
    assert (designed_run["out"] / "train.jsonl").read_bytes() == designed_run["train_before"]
    stats = json.loads((designed_run["out"] / "stats.json").read_text())
    assert stats["tools"]["designed"]["requests"] == 0


def _plain_output(conn: sqlite3.Connection, tool: dict, spec: dict, arguments: dict, row_cap: int) -> object:
    """What the tool returns, computed with sqlite3 alone from what the record stores."""
    if next(Draft202012Validator(spec["parameters"]).iter_errors(arguments), None) is not None:
        return {"error": "invalid_arguments"}
    binds = {p: arguments.get(p, s.get("default")) for p, s in spec["parameters"]["properties"].items()}
    try:
        cursor = conn.execute(tool["sql"], binds)
    except sqlite3.Error:
        return {"error": "database_error"}
    names = [d[0] for d in cursor.description or ()]
    rows = [dict(zip(names, r)) for r in cursor.fetchall()]
    if tool["returns"].get("type") == "object":
        return rows[0] if rows else {"error": "not_found"}
    return {"rows": rows[:row_cap], "truncated": True, "row_cap": row_cap} if len(rows) > row_cap else rows


def _comparable(text: str) -> object:
    value = json.loads(text)
    if isinstance(value, dict) and set(value) == {"error"}:
        return {"error": value["error"]["type"]}
    return value


@needs_spider
def test_designed_records_replay_with_plain_sqlite3(designed_run, tmp_path):
    records = read_jsonl(designed_run["out"] / "train.jsonl")
    writes = 0
    for record in records:
        db_id = record["environment"]["db_id"]
        copy = tmp_path / f"{record['id']}.sqlite"
        shutil.copyfile(SPIDER / "database" / db_id / f"{db_id}.sqlite", copy)
        conn = sqlite3.connect(copy)
        tools = {t["name"]: t for t in record["environment"]["tools"]}
        specs = {t["function"]["name"]: t["function"] for t in record["tools"]}
        recorded = {m["tool_call_id"]: m["content"] for m in record["messages"] if m["role"] == "tool"}
        for message in record["messages"]:
            for call in message.get("tool_calls") or []:
                name, arguments = call["function"]["name"], call["function"]["arguments"]
                arguments = json.loads(arguments) if isinstance(arguments, str) else arguments
                writes += tools[name]["writes"]
                plain = _plain_output(conn, tools[name], specs[name], arguments, row_cap=50)
                assert plain == _comparable(recorded[call["id"]]), (record["id"], name)
        conn.commit()
        assert state_hash(conn) == record["validation"]["final_db_hash"], record["id"]
        conn.close()
    assert records and writes > 0  # changes were made and replayed, so the final hash says something


def test_designed_tools_need_sql_and_llm_tasks(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(yaml.safe_dump({"tools": {"policy": "llm"}}))
    fails_cleanly(run_cli("--config", str(config), "--output", str(tmp_path / "o")), "tools.policy: llm needs tasks.policy: llm")
    config.write_text(yaml.safe_dump({"tools": {"policy": "both", "questions": [5, 2]}}))
    fails_cleanly(run_cli("--config", str(config), "--output", str(tmp_path / "o")), "questions")


def test_a_designer_that_never_answers_stops_the_run_in_one_line(tmp_path):
    with scripted_server("--status", "500") as url:
        config = _config(tmp_path / "c.yaml", url, databases="builtin:demo", db_ids=None, num_dialogues=3,
                         tools={"policy": "both"})
        cfg = yaml.safe_load(config.read_text())
        cfg["llm"]["endpoints"]["default"]["max_attempts"] = 1
        config.write_text(yaml.safe_dump(cfg))
        proc = run_cli("--config", str(config), "--output", str(tmp_path / "o"))
    last = proc.stderr.strip().splitlines()[-1]  # after the progress bars: one line naming the problem
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert last.startswith("error: tool design") and "did not answer" in last, proc.stderr
    assert not list((tmp_path / "o" / ".work" / "toolsets").glob("*.json"))  # nothing half-made is kept


def test_llm_roles_and_designed_tools_run_on_the_tau2_databases(tmp_path):
    pytest.importorskip("tau2", reason="the tau2 databases come with the eval extra")
    with scripted_server() as url:
        config = _config(tmp_path / "c.yaml", url, databases="tau2:airline,retail,telecom", db_ids=None,
                         num_dialogues=9)
        proc = run_cli("--config", str(config), "--output", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    records = read_jsonl(tmp_path / "o" / "train.jsonl")
    assert {r["environment"]["db_id"] for r in records} == {"airline", "retail", "telecom"}
    assert len(records) >= 7 and all(r["simulation"]["user_policy"] == "llm" for r in records)
    designed = json.loads((tmp_path / "o" / "stats.json").read_text())["tools"]["designed"]
    assert designed["databases"] == 3 and designed["kept"] > 30


def test_both_offers_designed_tools_beside_the_rules_ones_and_rule_tasks_use_the_rules_tools(tmp_path):
    with scripted_server() as url:
        config = _config(tmp_path / "c.yaml", url, databases="builtin:demo", db_ids=None, num_dialogues=12,
                         tools={"policy": "both"}, tasks={"policy": "rules"}, user={"policy": "rules"},
                         agent={"policy": "oracle"}, judge={"policy": "none"})
        proc = run_cli("--config", str(config), "--output", str(tmp_path / "o"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    designed = set()
    for path in (tmp_path / "o" / ".work" / "toolsets").glob("*.json"):
        designed |= {t["name"] for t in json.loads(path.read_text())["tools"]}
    records = read_jsonl(tmp_path / "o" / "train.jsonl")
    assert len(records) >= 11 and designed
    offered = {t["name"] for r in records for t in r["environment"]["tools"]}
    assert offered & designed and offered - designed  # both kinds on offer
    planned = {c["tool"] for r in records for t in r["tasks"] for c in t["gold_plan"]}
    assert planned and not planned & designed  # rule tasks are made from the rules tools


def test_screening_names_tools_as_they_will_be_called_and_keeps_the_first_problem():
    from generation.tools.prep.sql_design import SqlDesign, _screen

    def tool(name: str, sql: str) -> dict:
        return {"name": name, "description": "A tool.", "sql": sql,
                "parameters": {"type": "object", "properties": {"k": {"type": "integer"}}, "required": ["k"]}}

    design = SqlDesign()
    kept = _screen([
        (tool("getAuthor", "SELECT name FROM authors WHERE id = :k"), "question:0"),  # the rules tool's name
        (tool("get_author_card", "SELECT name FROM authors WHERE id = :k"), "question:0"),
        (tool("getAuthorCard", "SELECT name, born FROM authors WHERE id = :k"), "question:1"),  # same name
        (tool("updateAuthorNow", "UPDATE authors SET born = :k WHERE id = 1"), "question:1"),  # a write, named so
        (tool("listRecent", "WITH r AS (SELECT * FROM books WHERE year > 2000) SELECT * FROM r"), "expansion"),
        (tool("get_everything", "SELECT * FROM books"), "expansion"),
        (tool("show_author", "DELETE FROM authors WHERE id = :k"), "expansion"),
        (tool("fetch_author_name", "select name from authors where id = :k"), "expansion"),
    ], design, taken={"get_author"})
    assert [entry["name"] for entry, _ in kept] == ["get_author_card", "update_author_now", "list_recent"]
    assert design.dropped["get_author"].startswith("duplicate_name: a rules tool")
    assert design.dropped["get_author_card"].startswith("duplicate_name: an earlier tool")
    assert design.dropped["get_everything"].startswith("trivial")
    assert design.dropped["show_author"].startswith("disguised_write")
    assert design.dropped["fetch_author_name"].startswith("duplicate_sql: the same statement as get_author_card")
