"""Each rule that used to live in several copies has one home; these pin it, and that its callers agree."""

import asyncio
import json
import random
from collections import Counter

import pytest

from generation.llm.accounting import Accounting
from generation.llm.client import ChatResult, LLMUnavailable
from generation.llm.jsonreply import UnusableReply, ask, ask_json, fresh_seed
from generation.records import (
    FunctionCall,
    Message,
    PlannedCall,
    Rubric,
    Subtask,
    Task,
    ToolCall,
)
from generation.simulation.state import DialogueState, MadeCall
from generation.simulation.tool_simulator import SimulatedTools
from generation.tasks import llm_writer
from generation.tasks.calls import (
    DanglingReference,
    Reference,
    arguments_text_key,
    canonical_arguments,
    gold_call_made,
    parse_placeholder,
    parse_reference,
    resolve,
    sources,
    with_placeholders,
)
from generation.tools.prep.replies import RETRY_SEED_OFFSET, Asker
from generation.tools.toolsets import Toolset
from generation.tools.writes import is_write, write_kind
from generation.validation.checks import check_required_calls
from generation.validation.judge import judge

# --- write detection -----------------------------------------------------------------------------

WRITES = ["add_passenger", "cancel_booking", "create_order", "update_user_email", "delete_item"]
READS = ["get_weather", "search_flights", "list_orders", "find_hotels", "address_lookup", "added_items"]


def test_write_verbs():
    assert all(is_write(n) for n in WRITES)
    assert not any(is_write(n) for n in READS)
    assert [write_kind(n) for n in WRITES] == ["create", "delete", "create", "update", "delete"]


def test_tool_simulator_and_toolset_agree_on_writes():
    names = WRITES + READS
    spec = {"type": "object", "properties": {}}
    toolset = Toolset("t", "0" * 64, [{"type": "function", "function": {"name": n}} for n in names],
                      {n: spec for n in names})
    by_toolset = {t.name: t.writes for t in toolset.environment(names).tools}
    simulator = SimulatedTools(toolset.specs, toolset.returns, None, Accounting(), "s", random.Random(0), lambda: "")
    by_simulator = {n: simulator.spec(n)["kind"] != "get" for n in names}
    assert by_simulator == by_toolset == {n: n in WRITES for n in names}


def test_llm_task_writer_marks_subtasks_of_named_writes():
    raw = {"description": "Book and cancel.", "gold_plan": [{"tool": "add_passenger", "arguments": {"name": "A"}},
                                                            {"tool": "get_weather", "arguments": {}}],
           "subtasks": [{"request": "add me", "calls": [0]}, {"request": "weather?", "calls": [1]}]}
    task = llm_writer.to_task(raw, "t0", None, None, {"add_passenger", "get_weather"})
    assert [s.writes for s in task.subtasks] == [True, False]


# --- call matching -------------------------------------------------------------------------------

def test_canonical_arguments():
    assert canonical_arguments({"a": 3}) == canonical_arguments({"a": 3.0})  # one JSON number
    assert canonical_arguments({"a": [1.0, {"b": 2.0}]}) == canonical_arguments({"a": [1, {"b": 2}]})
    assert canonical_arguments({"a": 1, "b": 2}) == canonical_arguments({"b": 2, "a": 1})
    assert canonical_arguments({"a": 3}) != canonical_arguments({"a": "3"})
    assert canonical_arguments({"a": 3.5}) != canonical_arguments({"a": 3})
    assert canonical_arguments({"a": True}) != canonical_arguments({"a": 1})
    assert arguments_text_key('{ "b" : 2,\n "a":3.0 }') == canonical_arguments({"a": 3, "b": 2})
    assert arguments_text_key('{"a": 10000000000000000000000}') is not None  # past 64 bits: no crash
    assert arguments_text_key("not json") is None and arguments_text_key("[1]") is None


def _dialogue(arguments_text: str, output: dict) -> list[Message]:
    call = ToolCall(id="c0", function=FunctionCall(name="get_x", arguments=arguments_text))
    return [Message(role="user", content="hi"), Message(role="assistant", content=None, tool_calls=[call]),
            Message(role="tool", tool_call_id="c0", name="get_x", content=json.dumps(output))]


def _task(gold: PlannedCall) -> Task:
    return Task(task_id="t0", description="d", difficulty="easy", subtasks=[Subtask(request="r", calls=[0])],
                rubric=Rubric(success_criteria=[], expected_calls=[], checkpoints=[]), gold_plan=[gold])


@pytest.mark.parametrize("text, gold_args, made", [
    ('{"id": 3.0}', {"id": 3}, True),
    ('{"name":"x",  "id":3}', {"id": 3, "name": "x"}, True),
    ('{"id": "3"}', {"id": 3}, False),
    ('{"id": 4}', {"id": 3}, False),
    ("{bad json", {"id": 3}, False),
])
def test_state_and_required_calls_check_agree(text, gold_args, made):
    gold = PlannedCall(tool="get_x", arguments=gold_args)
    output = {"x": 1}
    try:
        args = json.loads(text)
    except json.JSONDecodeError:
        args = None
    state = DialogueState(mode="task_oriented", tasks=[_task(gold)], messages=[])
    state.calls.append(MadeCall("get_x", args, True, output))
    check = check_required_calls(_dialogue(text, output), [_task(gold)])
    assert state.made(gold) is made
    assert check.passed is made


def test_match_modes():
    gold = PlannedCall(tool="get_x", arguments={"id": 3})
    made = [("get_x", canonical_arguments({"id": 9}))]
    assert not gold_call_made(gold, made, "exact")
    assert gold_call_made(gold, made, "names")
    assert gold_call_made(gold, made, "writes_exact", {"delete_x"})  # a read: by name
    assert not gold_call_made(PlannedCall(tool="get_x", arguments={"id": 3}), made, "writes_exact", {"get_x"})
    error = _dialogue('{"id": 3}', {"error": {"type": "x", "message": "m"}})
    assert not check_required_calls(error, [_task(gold)], "names").passed  # a failed call is not made


# --- binding references --------------------------------------------------------------------------

def test_reference_round_trip():
    for ref in (Reference(0, None, "id"), Reference(12, 3, "member_id")):
        assert parse_reference(str(ref)) == ref
        assert parse_placeholder(ref.placeholder) == ref
        assert parse_placeholder(f"  {ref.placeholder} ") == ref
    assert str(Reference(2, 0, "id")) == "2[0].id" and Reference(2, None, "id").placeholder == "{{call_2.id}}"


@pytest.mark.parametrize("value", ["{{call_x.id}}", "{{call_1.}}", "call_1.id", "{{call_1[a].id}}", "{{call_1.id}",
                                   "{{ call_1.id }}", "the {{call_1.id}}", 3, None])
def test_malformed_placeholders_are_plain_values(value):
    assert parse_placeholder(value) is None


def test_malformed_reference():
    for text in ("1..id", "x.id", "1[].id", "{{call_1.id}}"):
        with pytest.raises(ValueError):
            parse_reference(text)


def test_resolve_and_plan_forms():
    outputs = [[{"id": 7}, {"id": 8}], {"name": "a"}]
    assert resolve(parse_reference("0[1].id"), outputs) == 8
    assert resolve(parse_reference("0.id"), outputs) == 7  # a list without a row: the first
    assert resolve(parse_reference("1.name"), outputs) == "a"
    for bad in ("2.id", "1.id", "0[5].id"):
        with pytest.raises(DanglingReference):
            resolve(parse_reference(bad), outputs)
    call = PlannedCall(tool="t", arguments={"a": 8, "b": "x"}, bindings={"a": "0[1].id"})
    assert with_placeholders(call) == {"a": "{{call_0[1].id}}", "b": "x"}
    assert sources({"a": "0[1].id", "b": "3.name"}) == {0, 3}


def test_llm_writer_bindings_use_the_shared_grammar():
    raw = {"description": "d", "gold_plan": [{"tool": "a", "arguments": {}},
                                            {"tool": "b", "arguments": {"id": " {{call_0[2].id}}", "n": "{{call_x}}"}}]}
    task = llm_writer.to_task(raw, "t", None, None, {"a", "b"})
    assert task.gold_plan[1].bindings == {"id": "0[2].id"}


# --- asking for JSON -----------------------------------------------------------------------------

class FakeClient:
    """Replies from a list, in order; records the seed and messages of every request."""

    def __init__(self, replies):
        self.replies = list(replies)
        self.sent = []

    async def chat(self, role, messages, *, meter, scope=None, tools=None, json_mode=False, seed=None):
        self.sent.append({"role": role, "messages": messages, "seed": seed, "json_mode": json_mode})
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return ChatResult(message={"content": reply}, finish_reason="stop", cached=False)


def _ask(client, rng, **options):
    return asyncio.run(ask_json(client, "judge", [{"role": "user", "content": "q"}], meter=Accounting(),
                                seed=11, reseed=fresh_seed(rng), **options))


def test_malformed_then_valid_is_one_retry_with_a_fresh_seed():
    client, rng = FakeClient(["not json", '{"ok": 1}']), random.Random(5)
    reply = _ask(client, rng)
    assert reply.value == {"ok": 1} and reply.attempts == 2
    assert [s["seed"] for s in client.sent] == [11, random.Random(5).randrange(2**31)]
    assert all(s["json_mode"] for s in client.sent)


def test_valid_first_draws_no_seed():
    client, rng = FakeClient(['{"ok": 1}']), random.Random(5)
    assert _ask(client, rng).attempts == 1
    assert rng.random() == random.Random(5).random()  # a retry seed is drawn only for a retry


def test_unusable_after_the_last_attempt():
    client = FakeClient(['{"x": 1}', "[]"])
    retries = []

    def read(value):
        if not isinstance(value, dict) or "ok" not in value:
            raise ValueError("no ok")
        return value

    with pytest.raises(UnusableReply) as caught:
        _ask(client, random.Random(0), read=read, on_retry=retries.append,
             revise=lambda reason: [{"role": "user", "content": f"again: {reason}"}])
    assert caught.value.reason == "no ok" and caught.value.attempts == 2 and retries == ["no ok"]
    assert client.sent[1]["messages"] == [{"role": "user", "content": "again: no ok"}]


def test_unavailable_is_not_retried():
    client = FakeClient([LLMUnavailable("down"), '{"ok": 1}'])
    with pytest.raises(LLMUnavailable):
        _ask(client, random.Random(0))
    assert len(client.sent) == 1


def test_agent_style_reply_needs_no_json():
    client = FakeClient(["", "plain text"])

    def said(message):
        if not message.get("content"):
            raise ValueError("empty reply")
        return message["content"]

    reply = asyncio.run(ask(client, "agent", [], meter=Accounting(), read=said, seed=None,
                            reseed=fresh_seed(random.Random(0))))
    assert reply.value == "plain text" and not client.sent[0]["json_mode"]


def test_tool_prep_counts_as_before():
    failures = Counter()
    client = FakeClient(["oops", '{"tools": [1]}', "oops", "oops"])
    asker = Asker(client, Accounting(), failures)
    value, _ = asyncio.run(asker.ask("tools", [], 100, lambda v: v["tools"]))
    assert value == [1] and [s["seed"] for s in client.sent] == [100, 100 + RETRY_SEED_OFFSET]
    assert asyncio.run(asker.ask("tools", [], 100, lambda v: v)) == (None, None)
    assert failures == Counter({"tools:retried": 2, "tools:malformed": 1})
    assert asker.last_error["tools"] == "no JSON value in reply"


def test_judge_reports_the_last_problem():
    client = FakeClient(['{"judgment": "maybe"}', "nothing"])
    check = asyncio.run(judge(client, Accounting(), [], [], random.Random(0), seed=1))
    assert not check.passed and check.detail == "judge reply unusable: no JSON value in reply"
