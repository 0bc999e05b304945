import json
import random
from dataclasses import replace

import pytest
from jsonschema import Draft202012Validator

from generation.databases.database import SqlDatabase
from generation.databases.guards import QueryLimits
from generation.tools.runtime import Toolbox
from generation.tools.synthesis import synthesize_tools
from generation.tools.validation import validate_tools
from tests.support.clubs import build_clubs


@pytest.fixture
def clubs(tmp_path):
    db = SqlDatabase("clubs", build_clubs(tmp_path / "clubs.sqlite"))
    tools = synthesize_tools(db.schema, 50)
    return db, tools, Toolbox(tools, QueryLimits())


def test_toolset_covers_reads_writes_and_foreign_keys(clubs):
    _db, tools, _box = clubs
    names = {t.name for t in tools}
    assert {"get_club", "search_clubs", "find_players_by_earnings", "list_players_by_earnings",
            "list_players_for_club", "get_club_for_player", "rank_clubs_by_player_count",
            "summarize_players_for_club", "create_player", "update_player", "delete_player"} <= names
    for tool in tools:
        spec = tool.openai_spec()["function"]
        Draft202012Validator.check_schema(spec["parameters"])
        Draft202012Validator.check_schema(tool.returns)
        assert set(spec["parameters"]["required"]) <= set(spec["parameters"]["properties"])
        for param in spec["parameters"]["properties"]:
            assert f":{param}" in tool.sql  # named binds, one per parameter
        assert tool.returns["type"] == ("object" if tool.single else "array")


def test_one_entity_keeps_one_type_across_tools(clubs):
    _db, tools, _box = clubs
    entity_schemas: dict[str, str] = {}
    param_types: dict[str, set] = {}
    for tool in tools:
        schema = tool.returns["items"] if tool.returns["type"] == "array" else tool.returns
        if schema.get("title") in ("club", "player"):
            entity_schemas.setdefault(schema["title"], json.dumps(schema, sort_keys=True))
            assert json.dumps(schema, sort_keys=True) == entity_schemas[schema["title"]]
        for name, spec in tool.parameters["properties"].items():
            param_types.setdefault(name, set()).add(spec["type"])
    assert param_types["club_id"] == {"integer"}


def test_validation_drops_and_counts_bad_tools(clubs):
    db, tools, _box = clubs
    good = next(t for t in tools if t.name == "get_club")
    bad = [
        replace(good, name="two_statements", sql=good.sql + "; DELETE FROM club"),
        replace(good, name="unknown_column", sql=good.sql.replace('"Region"', '"Colour"')),
        replace(good, name="unknown_table", sql=good.sql.replace('FROM "club"', 'FROM "clubs_archive"')),
        replace(good, name="write_in_read_tool", sql='DELETE FROM "club" WHERE "Club_ID" = :club_id'),
        replace(good, name="broken_sql", sql="SELEC * FROM club WHERE"),
    ]
    candidates = [good] + bad
    report = validate_tools(candidates, db, Toolbox(candidates, QueryLimits()))
    assert [t.name for t in report.kept] == ["get_club"]
    assert set(report.dropped) == {t.name for t in bad}
    assert report.dropped["unknown_column"].startswith("unknown_column")
    assert report.dropped["unknown_table"].startswith("unknown_table")
    assert report.dropped["write_in_read_tool"].startswith("statement_kind")
    assert sum(report.reasons.values()) == len(bad)


def test_bad_arguments_become_tool_errors_and_injection_is_bound(clubs):
    db, _tools, box = clubs
    copy = db.copy()
    wrong_type = box.call(copy, "get_club", {"club_id": "one"})
    assert not wrong_type.ok and wrong_type.value["error"]["type"] == "invalid_arguments"
    assert box.call(copy, "get_club", "{not json").value["error"]["type"] == "invalid_arguments"
    assert box.call(copy, "get_club", {"club_id": 1, "extra": 2}).value["error"]["type"] == "invalid_arguments"
    assert box.call(copy, "drop_everything", {}).value["error"]["type"] == "unknown_tool"
    injected = box.call(copy, "search_clubs", {"name": "x' OR '1'='1'; DROP TABLE club; --"})
    assert injected.ok and injected.value == []
    injected = box.call(copy, "update_club", {"club_id": 1, "name": "'); DELETE FROM player; --"})
    assert injected.ok and injected.value["name"] == "'); DELETE FROM player; --"
    assert copy.conn.execute("SELECT COUNT(*) FROM player").fetchone()[0] == 120
    assert json.loads(box.call(copy, "get_club", {"club_id": 999}).content)["error"]["type"] == "not_found"


def test_outputs_match_return_schemas_on_real_rows(clubs):
    db, tools, box = clubs
    from generation.tools.arguments import example_arguments

    copy = db.copy()
    rng = random.Random(0)
    for tool in tools:
        out = box.call(copy, tool.name, example_arguments(tool, copy, rng))
        assert out.ok, (tool.name, out.value)
        Draft202012Validator(tool.returns).validate(out.value)
