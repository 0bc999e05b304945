"""Tool names and parameter descriptions read like an API a developer wrote (issue: realistic tools).

Over every Spider database (when the shared copy is present) and hand-built schemas: names at most
40 characters, unique, no word twice, singular entities; every parameter says what it is, with an
example from the data or its closed set of values.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from generation.databases.schema import introspect
from generation.tools.naming import MAX_NAME, compose
from generation.tools.synthesis import synthesize_tools
from tests.conftest import ROOT

SPIDER = ROOT.parent / "shared" / "data" / "spider" / "database"


def _tools(path: Path, db_id: str):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as conn:
        return synthesize_tools(introspect(conn, db_id), 50)


def _assert_api_like(tools) -> None:
    names = [t.name for t in tools]
    assert len(names) == len(set(names))
    for name in names:
        nouns = [w for w in name.split("_")[1:] if not w.isdigit()]  # the verb may recur as a noun (rank)
        assert len(name) <= MAX_NAME, name
        assert len({w.rstrip("s") for w in nouns}) == len(nouns), name
    for tool in tools:
        for param, spec in tool.parameters["properties"].items():
            assert spec.get("description", "").strip(), (tool.name, param)


@pytest.mark.skipif(not SPIDER.is_dir(), reason="the shared Spider copy is not here")
def test_every_spider_toolset_has_short_unique_unrepeated_names():
    dbs = sorted(d for d in SPIDER.iterdir() if (d / f"{d.name}.sqlite").exists())
    assert len(dbs) > 100
    for db in dbs:
        _assert_api_like(_tools(db / f"{db.name}.sqlite", db.name))


def _db(path: Path, script: str) -> Path:
    with sqlite3.connect(path) as conn:
        conn.executescript(script)
    return path


def test_names_drop_shared_words_and_keep_the_head_noun(tmp_path):
    path = _db(tmp_path / "shop.sqlite", """
        CREATE TABLE customers (customer_id INTEGER PRIMARY KEY, name TEXT);
        CREATE TABLE customer_customer_demo (id INTEGER PRIMARY KEY,
            customer_id INTEGER REFERENCES customers(customer_id), note TEXT);
        CREATE TABLE asset_parts_of_the_international_maintenance_contracts (part_id INTEGER PRIMARY KEY,
            customer_id INTEGER REFERENCES customers(customer_id), qty INTEGER);
        INSERT INTO customers VALUES (1, 'Ann'), (2, 'Bo');
        INSERT INTO customer_customer_demo VALUES (1, 1, 'x'), (2, 1, 'y');
        INSERT INTO asset_parts_of_the_international_maintenance_contracts VALUES (1, 2, 3), (2, 2, 5), (3, 1, 9);
    """)
    tools = _tools(path, "shop")
    _assert_api_like(tools)
    names = {t.name for t in tools}
    assert {"get_customer", "search_customers", "rank_customers_by_demo_count", "list_demos_for_customer",
            "get_customer_for_demo", "create_customer", "update_customer", "delete_customer"} <= names
    long = [n for n in names if "contract" in n]
    assert long and all(len(n) <= MAX_NAME and not n.endswith("_") for n in long)


def test_a_link_named_for_its_role_names_the_tool(tmp_path):
    path = _db(tmp_path / "org.sqlite", """
        CREATE TABLE employee (employee_id INTEGER PRIMARY KEY, name TEXT, status TEXT,
            hired_on TEXT);
        CREATE TABLE project (project_id INTEGER PRIMARY KEY, title TEXT,
            manager_id INTEGER REFERENCES employee(employee_id));
        INSERT INTO employee VALUES (1, 'Ann', 'active', '2021-03-01'), (2, 'Bo', 'active', '2022-05-09'),
            (3, 'Cy', 'on leave', '2020-01-15'), (4, 'Di', 'on leave', '2023-07-30');
        INSERT INTO project VALUES (1, 'Atlas', 1), (2, 'Borealis', 1), (3, 'Comet', 2);
    """)
    tools = {t.name: t for t in _tools(path, "org")}
    assert "list_projects_for_manager" in tools and "get_manager_for_project" in tools
    assert tools["get_manager_for_project"].description == "Get the manager (a employee) of one project."
    update = tools["update_employee"].parameters["properties"]
    assert update["status"]["enum"] == ["active", "on leave"]  # a closed set of values: an enum
    assert "enum" not in update["name"]  # the field rows are named by stays free
    assert update["hired_on"]["description"].endswith('a date, YYYY-MM-DD, e.g. "2020-01-15". Leave out to keep it.')
    create = tools["create_project"].parameters["properties"]
    assert create["manager_id"]["description"].startswith("Manager of the project (the employee's employee id)")


def test_compose_keeps_whole_words_within_the_limit():
    name = compose("summarize", "very_long_student_enrolment_course_records", "for", "academic_department")
    assert len(name) <= MAX_NAME and name.startswith("summarize_") and name.endswith("_department")
