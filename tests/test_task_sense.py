"""Tasks a person would set: updates change a quantity by a plausible step or pick another of a
field's repeating values (never a name, key or link), new rows name their linked rows and never come
out empty, new codes look like the ones in use, and every dialogue has a scenario its goals fit."""

from __future__ import annotations

import random
import sqlite3
from collections import Counter

import pytest

from generation.config import GenerationConfig
from generation.databases.guards import QueryLimits
from generation.databases.sources import DatabaseSource
from generation.episode.tasks import plan_rule_tasks
from generation.records import DialogueRecord
from generation.tasks.scenario import ROLES_WRITE, scenario_for
from generation.tools.arguments import column_values, fresh_key
from generation.worlds import SqlWorld
from tests.conftest import ROOT, read_jsonl


@pytest.fixture(scope="module")
def ticketing(tmp_path_factory):
    path = tmp_path_factory.mktemp("tk") / "ticketing.sqlite"
    with sqlite3.connect(path) as conn:
        conn.executescript((ROOT / "docs/examples/ticketing.sql").read_text())
    return SqlWorld.build(DatabaseSource("ticketing", path).open(), QueryLimits(), 0)


def _tasks(world, seeds=range(60)):
    settings = GenerationConfig().episode_settings()
    for seed in seeds:
        gold = world.db.copy()
        yield gold, plan_rule_tasks(world, settings, random.Random(seed), gold, f"t{seed}", Counter())


def test_updates_are_plausible_changes(ticketing):
    schema, seen = ticketing.db.schema, 0
    links = {(fk.table, c) for fk in schema.foreign_keys for c in fk.columns}
    original = ticketing.db.copy()
    for _gold, tasks in _tasks(ticketing):
        for task in tasks:
            for sub in task.subtasks:
                if (sub.intent or {}).get("act") != "update":
                    continue
                call = task.gold_plan[sub.calls[-1]]
                table = ticketing.catalog.by_name[call.tool].table
                t = schema.table(table)
                for param, value in call.arguments.items():
                    column = next(c for c in t.columns if c.param == param)
                    if column.name in t.primary_key:
                        continue
                    seen += 1
                    assert t.label is None or column.name != t.label.name  # never renamed
                    assert (table, column.name) not in links  # never moved to another parent
                    observed = column_values(original, table, column.name)
                    if column.is_numeric:
                        assert min(observed) <= value <= max(observed), (column.name, value)
                    else:
                        assert column.is_categorical and value in observed, (column.name, value)
                    assert sub.intent.get("slip") != value
    assert seen >= 20


def test_new_rows_name_their_links_and_are_never_empty(ticketing):
    named = 0
    for _gold, tasks in _tasks(ticketing):
        for task in tasks:
            for sub in task.subtasks:
                if (sub.intent or {}).get("act") != "create":
                    continue
                create = task.gold_plan[sub.calls[-1]]
                assert create.arguments
                table = ticketing.db.schema.table(ticketing.catalog.by_name[create.tool].table)
                columns = {c.param: c.name for c in table.columns}
                match = " AND ".join(f'"{columns[k]}" IS ?' for k in create.arguments)
                copy = ticketing.db.copy()
                assert not copy.conn.execute(f'SELECT 1 FROM "{table.name}" WHERE {match}',
                                             list(create.arguments.values())).fetchone()  # no copy of a row
                said = dict((f, v) for f, v in sub.intent["values"])
                for param, ref in create.bindings.items():
                    named += 1
                    parent = task.gold_plan[int(ref.split("[")[0])]
                    assert parent.tool.startswith("search_")  # the agent looks the named row up
                    assert any(v == list(parent.arguments.values())[0] for v in said.values())
    assert named >= 5


def test_new_codes_look_like_the_ones_in_use(tmp_path):
    path = tmp_path / "airports.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE airport (code TEXT PRIMARY KEY, city TEXT)")
        conn.executemany("INSERT INTO airport VALUES (?, ?)", [("ABQ", "Albuquerque"), ("BOS", "Boston"),
                                                                ("LN-104", "Lincoln")])
    copy = DatabaseSource("airports", path).open().copy()
    codes = {fresh_key(copy, "airport", "code", "string") for _ in range(3)}
    for code in codes:
        assert code not in ("ABQ", "BOS", "LN-104")
        assert (len(code) == 3 and code.isupper() and code.isalpha()) or (code.startswith(tuple("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
                                                                          and code[2] == "-" and code[3:].isdigit())


def test_every_record_carries_a_persona_and_a_scenario_its_goals_fit(demo_run):
    for row in read_jsonl(demo_run / "train.jsonl")[:80]:
        record = DialogueRecord.model_validate(row)
        index = int(record.id.split("-")[-2])
        expected = scenario_for(record.simulation.seed, index, record.environment.db_id, record.tasks)
        assert record.simulation.scenario == expected.text and record.simulation.persona
        if any(s.writes for t in record.tasks for s in t.subtasks):
            assert any(record.simulation.scenario.lower().startswith(r.format(domain="")[:12].lower())
                       for r in ROLES_WRITE)
