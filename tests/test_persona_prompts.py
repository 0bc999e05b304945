"""One persona knob steers every user policy: the rules user's voice, the LLM user's prompt and the
LLM task writer's prompt, all from the same per-dialogue draw."""

from __future__ import annotations

import random

from generation.records import Message
from generation.simulation.state import DialogueState
from generation.simulation.user_llm import LLMUser
from generation.simulation.voice import PERSONA_TEXT, persona_of
from generation.databases.guards import QueryLimits
from generation.databases.sources import DatabaseSource
from generation.worlds import SqlWorld
from tests.support.clubs import build_clubs


def test_the_persona_is_one_draw_per_dialogue_and_follows_the_weights():
    assert persona_of(0, 7, None) == persona_of(0, 7, None)
    assert {persona_of(0, i, {"vague": 1.0}) for i in range(30)} == {"vague"}
    assert len({persona_of(0, i, None) for i in range(60)}) >= 5


def test_the_task_writer_prompt_carries_the_persona(tmp_path):
    db = DatabaseSource("clubs", build_clubs(tmp_path / "clubs.sqlite")).open()
    world = SqlWorld.build(db, QueryLimits(), 0)
    gold = world.start(None, wall_clock=False)
    try:
        prompt = world.task_writer_prompt(gold, random.Random(0), 2, "user_oriented", "impatient")
    finally:
        gold.close()
    assert PERSONA_TEXT["impatient"] in prompt


def test_the_llm_user_prompt_carries_the_persona():
    state = DialogueState(mode="user_oriented", tasks=[], messages=[Message(role="system", content="s")],
                          persona="non_native")
    view = LLMUser(client=None, meter=None, scope="d-uo")._view(state)  # what the first request sends
    assert PERSONA_TEXT["non_native"] in view[0]["content"]


def test_the_scenario_is_one_draw_per_dialogue_and_fits_rule_tasks(tmp_path):
    from generation.tasks.scenario import ROLES_READ, ROLES_WRITE, scenario_for
    from tests.test_user_policy import _world
    from generation.config import GenerationConfig
    from generation.episode.tasks import plan_rule_tasks
    from collections import Counter

    assert scenario_for(0, 3, "clubs") == scenario_for(0, 3, "clubs")  # before tasks: what an LLM writer gets
    assert len({scenario_for(0, i, "clubs").text for i in range(30)}) >= 10
    world = _world(tmp_path)
    for seed in range(20):
        gold = world.db.copy()
        tasks = plan_rule_tasks(world, GenerationConfig().episode_settings(), random.Random(seed), gold, "t", Counter())
        scenario = scenario_for(0, seed, world.name, tasks)
        writes = any(s.writes for t in tasks for s in t.subtasks)
        roles = ROLES_WRITE if writes else ROLES_READ
        assert any(scenario.text.lower().startswith(r.format(domain="clubs")[:25].lower()) for r in roles), scenario


def test_the_task_writer_prompt_carries_the_scenario(tmp_path):
    db = DatabaseSource("clubs", build_clubs(tmp_path / "clubs.sqlite")).open()
    world = SqlWorld.build(db, QueryLimits(), 0)
    gold = world.start(None, wall_clock=False)
    try:
        prompt = world.task_writer_prompt(gold, random.Random(0), 2, "user_oriented", "terse",
                                          "A team lead tidying up the clubs records; a colleague flagged mistakes.")
    finally:
        gold.close()
    assert "A team lead tidying up the clubs records; a colleague flagged mistakes." in prompt


def test_the_llm_user_prompt_carries_the_scenario():
    from generation.tasks.scenario import scenario_for

    scenario = scenario_for(0, 5, "clubs")
    state = DialogueState(mode="user_oriented", tasks=[], messages=[Message(role="system", content="s")],
                          persona="terse", scenario=scenario)
    view = LLMUser(client=None, meter=None, scope="d-uo")._view(state)
    assert scenario.text in view[0]["content"] and PERSONA_TEXT["terse"] in view[0]["content"]


def test_the_rules_user_tells_its_reason_at_most_once(tmp_path):
    from generation.simulation.agent_oracle import OracleAgent
    from generation.simulation.user_rules import RulesUser
    from generation.tasks.scenario import scenario_for
    from tests.test_user_policy import _run, _world

    world = _world(tmp_path)
    told = 0
    for seed in range(30):
        tasks, result, _ = _run(world, OracleAgent(), seed, user=RulesUser(personas={"chatty": 1.0}),
                                scenario_of=lambda ts: scenario_for(0, seed, "clubs", ts))
        said = [m.content for m in result.messages if m.role == "user" and result.state.scenario.said in m.content]
        assert len(said) <= 1
        told += len(said)
    assert told >= 5
