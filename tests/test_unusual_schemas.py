"""Schemas the demos do not have: composite foreign keys, non-ASCII names, irregular plurals,
WITHOUT ROWID tables, views and generated columns. Expected rows are checked by hand against
tests/support/unusual_dbs.py."""

import json
import re

import pytest

from generation.databases.database import SqlDatabase
from generation.databases.guards import QueryLimits
from generation.databases.names import singular, snake
from generation.databases.schema import ForeignKey
from generation.worlds import SqlWorld
from tests.conftest import read_jsonl, run_cli
from tests.support import unusual_dbs


def _world(tmp_path, name: str) -> SqlWorld:
    path = getattr(unusual_dbs, f"build_{name}")(tmp_path / f"{name}.sqlite")
    return SqlWorld.build(SqlDatabase(name, path), QueryLimits(), seed=0)


def _call(world: SqlWorld, copy, name: str, args: dict):
    out = world.toolbox.call(copy, name, args)
    assert out.ok, out.value
    return out.value


# -- composite foreign keys -------------------------------------------------------------------
def test_composite_foreign_key_is_one_link_on_both_columns(tmp_path):
    world = _world(tmp_path, "composite_fk")
    assert world.db.schema.foreign_keys == (ForeignKey("child", ("parent_id", "country"), "parent", ("id", "country")),)
    copy = world.db.copy()
    # child 1 points to (2, 'US'); (2, 'AS') shares the id and is the wrong answer
    assert _call(world, copy, "get_parent_for_child", {"child_id": 1}) == {"id": 2, "country": "US", "name": "Dayton"}
    assert _call(world, copy, "get_parent_for_child", {"child_id": 2}) == {"id": 2, "country": "AS", "name": "Pago Pago"}
    children = _call(world, copy, "list_children_for_parent", {"id": 2, "country": "US"})
    assert [(c["child_id"], c["title"]) for c in children] == [(1, "Alpha"), (4, "Delta"), (6, "Foxtrot")]


def test_composite_foreign_key_summaries_count_only_matching_children(tmp_path):
    world = _world(tmp_path, "composite_fk")
    copy = world.db.copy()
    summary = _call(world, copy, "summarize_children_for_parent", {"id": 2, "country": "US"})
    assert summary == {"id": 2, "country": "US", "name": "Dayton", "child_count": 3,
                       "total_amount": 110.0, "average_amount": pytest.approx(110 / 3)}
    ranking = _call(world, copy, "rank_parents_by_child_count", {"limit": 10})
    assert [(r["id"], r["country"], r["child_count"], r["total_amount"]) for r in ranking] == [
        (2, "US", 3, 110.0), (1, "AS", 1, 50.0), (1, "US", 1, 30.0), (2, "AS", 1, 20.0), (3, "US", 0, None)]


# -- non-ASCII names and plurals ----------------------------------------------------------------
@pytest.mark.parametrize("name, expected", [
    ("Übersicht", "ubersicht"), ("Straße", "strasse"), ("顧客", "gu_ke"), ("注文ID", "zhu_wen_id"),
    ("FirstName", "first_name"), ("order", "order_value"), ("2019 Sales", "n_2019_sales"), ("★", "x"),
])
def test_snake_transliterates_instead_of_dropping_letters(name, expected):
    assert snake(name) == expected


@pytest.mark.parametrize("plural, expected", [
    ("appointments", "appointment"), ("categories", "category"), ("status", "status"), ("series", "series"),
    ("movies", "movie"), ("tv series", "tv series"), ("people", "person"), ("campuses", "campus"),
    ("classes", "class"), ("address", "address"), ("bonus", "bonus"), ("analysis", "analysis"),
    ("camera lens", "camera lens"), ("cars data", "cars data"), ("Übersicht", "Übersicht"), ("drug", "drug"),
])
def test_singular_reads_like_english(plural, expected):
    assert singular(plural) == expected


def test_unicode_names_get_unique_readable_tools_and_keep_originals_in_descriptions(tmp_path):
    world = _world(tmp_path, "unicode")
    schema = world.db.schema
    assert {t.name: t.slug for t in schema.tables} == {
        "Cafe": "cafe", "Café": "cafe_2", "Übersicht": "ubersicht", "顧客": "gu_ke", "注文": "zhu_wen"}
    assert [c.param for c in schema.table("Übersicht").columns] == ["nr", "strasse", "strasse_2", "grosse", "stadt"]
    assert world.report.dropped == {}
    tools = world.toolbox.tools
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in tools)
    assert {"get_gu_ke", "get_zhu_wen", "list_zhu_wen_for_gu_ke",
            "get_cafe", "get_cafe_2"} <= set(tools)
    assert tools["get_ubersicht"].description == "Get one Übersicht by its nr."
    assert tools["get_gu_ke"].description == "Get one 顧客 by its 顧客ID."
    assert tools["get_cafe_2"].description == "Get one Café by its id."
    props = tools["create_ubersicht"].parameters["properties"]
    assert props["strasse"]["description"] == 'Straße of the Übersicht: text, e.g. "Am Markt 20".'
    assert props["strasse_2"]["description"] == 'Strasse of the Übersicht: text, e.g. "Alt 1".'  # ASCII names read as words
    found = _call(world, world.db.copy(), "search_gu_ke", {"ming_qian": "花子"})
    assert found == [{"gu_ke_id": 1, "ming_qian": "佐藤 花子", "nian_ling": 23, "dou_shi": "大阪"}]


def test_irregular_plurals_read_right_in_tool_descriptions(tmp_path):
    tools = _world(tmp_path, "series_movies").toolbox.tools
    assert tools["get_series"].description == "Get one series by its series id."
    assert tools["get_movie"].description == "Get one movie by its movie id."
    assert tools["get_series_for_movie"].description == "Get the series of one movie."
    assert tools["get_category"].description == "Get one category by its category id."
    assert tools["get_status"].description == "Get one status by its status id."


# -- WITHOUT ROWID, views, generated columns ---------------------------------------------------------
def test_without_rowid_tables_keep_every_tool(tmp_path):
    world = _world(tmp_path, "without_rowid")
    assert world.report.dropped == {}
    assert not any(t.has_rowid or t.rowid_alias for t in world.db.schema.tables)
    kinds = {(t.table, t.kind) for t in world.report.kept}
    for table in ("inventory", "bins", "moves"):
        assert {"get", "search", "range", "list", "create", "update", "delete"} <= {k for tb, k in kinds if tb == table}
    assert {("moves", "children"), ("inventory", "parent"), ("bins", "aggregate"), ("bins", "summary")} <= kinds


def test_without_rowid_tools_read_and_write(tmp_path):
    world = _world(tmp_path, "without_rowid")
    copy = world.db.copy()
    row = {"bin_no": 6, "label": "Bin 6", "capacity": 170}
    assert _call(world, copy, "create_bin", row) == row  # the INTEGER key is not assigned by SQLite here
    assert _call(world, copy, "get_bin", {"bin_no": 6}) == row
    assert _call(world, copy, "update_bin", {"bin_no": 6, "capacity": 200}) == row | {"capacity": 200}
    assert _call(world, copy, "delete_bin", {"bin_no": 6}) == row | {"capacity": 200}
    gone = world.toolbox.call(copy, "get_bin", {"bin_no": 6})
    assert not gone.ok and gone.value["error"]["type"] == "not_found"
    top = _call(world, copy, "list_inventory_by_qty", {"ascending": False, "limit": 3})
    assert [r["sku"] for r in top] == ["SKU-008", "SKU-007", "SKU-006"]
    moves = _call(world, copy, "list_moves_for_inventory", {"sku": "SKU-002", "limit": 10})
    assert [m["move_id"] for m in moves] == [1, 9, 17]
    assert _call(world, copy, "get_inventory_for_move", {"move_id": 9})["sku"] == "SKU-002"


def test_views_and_generated_columns_are_reported_not_silently_skipped(tmp_path):
    world = _world(tmp_path, "view_and_generated")
    report = world.report
    assert report.dropped == {}
    assert set(report.skipped) == {"view:big_items", "column:items.total", "column:items.shout"}
    assert report.skipped_reasons == {"view_skipped": 1, "generated_column_read_only": 2}
    assert not any(t.table == "big_items" for t in report.kept)


def test_generated_columns_are_returned_but_never_written(tmp_path):
    world = _world(tmp_path, "view_and_generated")
    tools = world.toolbox.tools
    assert set(tools["create_item"].parameters["properties"]) == {"name", "price", "qty"}
    assert set(tools["update_item"].parameters["properties"]) == {"id", "name", "price", "qty"}
    copy = world.db.copy()
    assert _call(world, copy, "get_item", {"id": 3}) == {
        "id": 3, "name": "item 3", "price": 6.0, "qty": 4, "total": 24.0, "shout": "ITEM 3"}
    created = _call(world, copy, "create_item", {"name": "widget", "price": 2.5, "qty": 4})
    assert (created["total"], created["shout"]) == (10.0, "WIDGET")
    assert _call(world, copy, "update_item", {"id": 1, "qty": 10})["total"] == 20.0


# -- end to end ----------------------------------------------------------------------------------------
def test_unicode_database_generates_validated_dialogues(tmp_path):
    db = unusual_dbs.build_unicode(tmp_path / "unicode.sqlite")
    out = tmp_path / "out"
    proc = run_cli("--databases", str(db), "--num-dialogues", "8", "--output", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    stats = json.loads((out / "stats.json").read_text())
    assert stats["tools"]["dropped"] == 0
    train = read_jsonl(out / "train.jsonl")
    assert len(train) >= 6
    offered = {t["function"]["name"] for r in train for t in r["tools"]}
    assert offered and all(re.fullmatch(r"[a-z][a-z0-9_]*", n) for n in offered)
    assert any("顧客" in json.dumps(r["messages"], ensure_ascii=False) for r in train)
