"""The rules user sounds like a person: a persona that stays, words of its own, reactions to what it
heard, details held back until asked, and a goal that still gets done exactly."""

from __future__ import annotations

import json
import random
from collections import Counter

from generation.realism.text import bare_words, ngrams
from generation.simulation import voice as V
from generation.simulation.agent_oracle import OracleAgent
from generation.simulation.user_rules import RulesUser
from generation.values import mentions
from tests.test_user_policy import _run, _world


def test_persona_weights_are_respected():
    rng = random.Random(0)
    assert {V.choose_persona(rng, {"terse": 1.0, "chatty": 0.0}) for _ in range(50)} == {"terse"}
    seen = Counter(V.choose_persona(rng, None) for _ in range(600))
    assert set(seen) == set(V.PERSONAS) and min(seen.values()) > 50


def test_requests_never_paste_the_task_text(tmp_path):
    world = _world(tmp_path)
    for seed in range(25):
        tasks, result, _ = _run(world, OracleAgent(), seed)
        task_runs = {g for t in tasks for s in t.subtasks for g in ngrams(bare_words(s.request), 8)}
        task_runs |= {g for t in tasks for g in ngrams(bare_words(t.description), 8)}
        for m in result.messages:
            if m.role == "user":
                assert not set(ngrams(bare_words(m.content), 8)) & task_runs, m.content


def test_one_persona_per_dialogue_and_it_shows(tmp_path):
    world = _world(tmp_path)
    personas, typos = Counter(), 0
    for seed in range(30):
        _tasks, result, same_state = _run(world, OracleAgent(), seed)
        assert result.completed and same_state  # the goal still gets done exactly
        personas[result.state.persona] += 1
        users = " ".join(m.content for m in result.messages if m.role == "user").split()
        found = sum(w in V.TYPOS.values() for w in users)
        if result.state.persona != "non_native":
            assert found == 0, users  # only that voice misspells
        typos += found
    assert len(personas) >= 4 and typos > 0


def test_the_user_reacts_to_values_the_agent_just_reported(tmp_path):
    world = _world(tmp_path)
    reacted = 0
    for seed in range(30):
        tasks, result, _ = _run(world, OracleAgent(), seed)
        task_text = " ".join(t.model_dump_json() for t in tasks).lower()
        messages = result.messages
        for i, m in enumerate(messages):
            if m.role != "user" or i < 3:
                continue
            heard = " ".join(x.content or "" for x in messages[:i] if x.role == "assistant")
            said_before = " ".join(x.content or "" for x in messages[:i] if x.role == "user")
            for word in {w.strip(".,?!") for w in m.content.split() if any(c.isdigit() for c in w)}:
                if word and mentions(heard, word) and not mentions(task_text, word) and not mentions(said_before, word):
                    reacted += 1
                    break
    assert reacted >= 10


def test_a_held_back_detail_is_asked_for_then_given(tmp_path):
    world = _world(tmp_path)
    asked = 0
    for seed in range(40):
        _tasks, result, same_state = _run(world, OracleAgent(), seed)
        messages = result.messages
        for i, m in enumerate(messages[:-1]):
            if m.role == "assistant" and m.content and (m.content.startswith(("Sure. What should", "Happy to.",
                                                                               "Could you tell me"))):
                answer = messages[i + 1]
                assert answer.role == "user"
                asked += 1
        assert result.completed and same_state
    assert asked >= 5


def test_personas_steer_the_rules_user():
    user = RulesUser(personas={"impatient": 1.0})
    assert user.personas == {"impatient": 1.0}
    rng = random.Random(3)
    assert {V.choose_persona(rng, user.personas) for _ in range(20)} == {"impatient"}


def test_a_user_who_misspeaks_corrects_itself_and_the_change_follows_the_correction(tmp_path):
    """The user says a wrong value first; the agent reads it back, the user corrects it, the agent asks
    again with the corrected value, and the write (and the final state) follow the correction."""
    world = _world(tmp_path)
    slipped = 0
    for seed in range(40):
        tasks, result, same_state = _run(world, OracleAgent(), seed, user=RulesUser(personas={"vague": 1.0}))
        assert result.completed and same_state
        slips = [(V.fmt(s.intent["slip"]), V.fmt(s.intent["value"]), t.gold_plan[s.calls[0]].tool)
                 for t in tasks for s in t.subtasks if (s.intent or {}).get("slip") is not None]
        messages = result.messages
        for i, m in enumerate(messages[:-2]):
            if m.role != "assistant" or "Just to confirm" not in (m.content or ""):
                continue
            proposal, answer = m.content.split("Just to confirm")[1], messages[i + 1].content
            for wrong, meant, tool in slips:
                if mentions(proposal, wrong) and mentions(answer, meant) and mentions(answer, wrong):
                    slipped += 1  # read back wrong, corrected: asked again with the corrected value
                    again = next(x.content for x in messages[i + 2:] if x.content).split("Just to confirm")[1]
                    assert mentions(again, meant) and not mentions(again, wrong)
        written = [json.loads(c.function.arguments) for m in messages for c in m.tool_calls or []]
        for wrong, meant, tool in slips:
            meant_written = any(meant in map(V.fmt, a.values()) for a in written)
            assert meant_written or not any(c.function.name == tool for m in messages for c in m.tool_calls or [])
    assert slipped >= 3


class _EmptyHandedAgent:
    """Searches for a name nobody has, then, asked again, does what the user wanted: the user should
    remark on the empty result first."""

    name = "empty-handed"

    def __init__(self):
        self.oracle, self.turns = OracleAgent(), 0

    async def respond(self, state, env, rng):
        from generation.records import FunctionCall, Message, ToolCall

        if state.small_talk or self.turns:
            return await self.oracle.respond(state, env, rng)
        self.turns += 1
        call = ToolCall(id="c0", function=FunctionCall(name="search_players", arguments='{"name": "Nobody"}'))
        state.messages.append(Message(role="assistant", content=None, tool_calls=[call]))
        out = await env.call("search_players", call.function.arguments)
        state.messages.append(Message(role="tool", tool_call_id="c0", name="search_players", content=out.content))
        state.messages.append(Message(role="assistant", content="I couldn't find any players matching that."))


def test_the_user_remarks_on_an_empty_result_and_asks_again(tmp_path):
    world = _world(tmp_path)
    remarked = 0
    for seed in range(12):
        _tasks, result, same_state = _run(world, _EmptyHandedAgent(), seed, user=RulesUser(personas={"terse": 1.0}))
        users = [m.content for m in result.messages if m.role == "user"]
        i = next(k for k, m in enumerate(result.messages) if m.role == "tool")
        answer = next(m.content for m in result.messages[i:] if m.role == "user")
        remarked += any(answer.startswith(p.format(v="")) for p in V.OUTCOMES["empty"])
        assert result.completed and same_state, users  # asked again, it still gets everything done
    assert remarked >= 10
