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
