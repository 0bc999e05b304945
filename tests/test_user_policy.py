"""The rules user reveals the goal piece by piece, notices what is missing, and ends only when done."""

import asyncio
import random
import re
from dataclasses import dataclass

from generation.config import GenerationConfig
from generation.episode.tasks import plan_rule_tasks
from generation.databases.guards import QueryLimits
from generation.databases.sources import DatabaseSource
from generation.simulation.agent_oracle import OracleAgent
from generation.simulation.orchestrator import simulate
from generation.simulation.user_rules import RulesUser
from generation.worlds import SqlToolSession, SqlWorld
from tests.support.clubs import build_clubs

META = re.compile(r"\b(dataset|task|assistant|subtask|simulat)", re.I)


@dataclass
class ForgetfulAgent(OracleAgent):
    """Does only the first call it is asked for, then replies without the answers."""

    name: str = "forgetful"

    async def respond(self, state, env, rng):
        requested, state.requested = state.requested, state.requested[:1]
        await super().respond(state, env, rng)
        state.requested = requested
        state.messages[-1].content = "Okay."


def _world(tmp_path):
    db = DatabaseSource("clubs", build_clubs(tmp_path / "clubs.sqlite")).open()
    return SqlWorld.build(db, QueryLimits(), 0)


def _run(world, agent, seed, mode="user_oriented", user=None, scenario_of=None):
    config = GenerationConfig(tasks_per_dialogue={3: 1.0})
    rng = random.Random(seed)
    gold = world.db.copy()
    tasks = plan_rule_tasks(world, config.episode_settings(), rng, gold, "t", __import__("collections").Counter())
    copy = world.db.copy()
    result = asyncio.run(simulate(mode=mode, tasks=tasks, system_prompt="sys", user=user or RulesUser(), agent=agent,
                                  env=SqlToolSession(world.toolbox, world.catalog, copy), rng=rng,
                                  max_user_turns=40, scenario=scenario_of(tasks) if scenario_of else None))
    return tasks, result, copy.state_hash() == gold.state_hash()


def test_reveals_one_or_two_subtasks_per_turn_and_completes(tmp_path):
    world = _world(tmp_path)
    for seed in range(30):
        tasks, result, same_state = _run(world, OracleAgent(), seed)
        assert result.completed and same_state
        subtasks = sum(len(t.subtasks) for t in tasks)
        users = [m.content for m in result.messages if m.role == "user"]
        assert len(users) >= (subtasks + 1) // 2 + 1  # at most two pieces per message, plus the goodbye
        assert not any(META.search(u) for u in users), users


def test_asks_again_for_what_is_missing_and_never_claims_completion(tmp_path):
    world = _world(tmp_path)
    nagged = 0
    for seed in range(10):
        _tasks, result, _ = _run(world, ForgetfulAgent(), seed)
        users = [m.content for m in result.messages if m.role == "user"]
        nagged += sum("missing" in u or "still need" in u or "covered everything" in u for u in users)
        assert not result.completed
    assert nagged > 0


def test_phrasing_varies_with_the_seed(tmp_path):
    world = _world(tmp_path)
    openings = {_run(world, OracleAgent(), seed)[1].messages[1].content.split(" ")[0] for seed in range(20)}
    assert len(openings) > 3


@dataclass
class ClumsyAgent(OracleAgent):
    """Sends a wrong-typed and an injected call first, then does the job properly."""

    name: str = "clumsy"

    async def respond(self, state, env, rng):
        from generation.records import FunctionCall, Message, ToolCall

        bad = [("get_club", '{"club_id": "three"}'),
               ("search_clubs", '{"name": "x\\u0027; DROP TABLE player; --"}'),
               ("update_club", '{"club_id": "1 OR 1=1", "name": "hacked"}'),
               ("no_such_tool", "{}"), ("get_club", "{oops")]
        calls = [ToolCall(id=f"bad_{len(state.messages)}_{i}", function=FunctionCall(name=n, arguments=a))
                 for i, (n, a) in enumerate(bad)]
        state.messages.append(Message(role="assistant", tool_calls=calls))
        for call in calls:
            out = await env.call(call.function.name, call.function.arguments)
            state.messages.append(Message(role="tool", tool_call_id=call.id, name=call.function.name,
                                          content=out.content))
        await super().respond(state, env, rng)


def test_bad_arguments_become_tool_errors_inside_the_dialogue(tmp_path):
    import json

    from generation.validation.checks import check_format, check_output_schemas

    world = _world(tmp_path)
    tasks, result, same_state = _run(world, ClumsyAgent(), 0)
    outputs = [json.loads(m.content) for m in result.messages
               if m.role == "tool" and m.tool_call_id.startswith("bad_")]
    errors = [o["error"]["type"] for o in outputs if isinstance(o, dict) and "error" in o]
    assert {"invalid_arguments", "unknown_tool"} <= set(errors)
    assert [] in outputs  # the injected search text matched nothing and ran nothing
    assert result.completed and same_state  # the injected strings were bound as values
    returns = {t.name: t.returns for t in world.catalog.tools}
    assert check_output_schemas(result.messages, returns).passed
    assert check_format(result.messages).passed
