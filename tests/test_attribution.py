"""Failure attribution of the SQL benchmark: the precedence on constructed evidence, the counts, and
one label per way of failing from agents (and LLM users) that go wrong on purpose over loopback HTTP."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.attribution import PRECEDENCE, Evidence, attribute, failure_counts, label
from evaluation.outcomes import OutcomeLog, TrialOutcome
from evaluation.sqlbench import SqlBenchSettings, run_sqlbench
from generation.llm.endpoints import EndpointConfig
from generation.records import (Check, DialogueRecord, Environment, FunctionCall, Message, PlannedCall, Rubric,
                                Simulation, Stats, Subtask, Task, ToolCall, Validation)
from generation.tools.runtime import error_output
from generation.worlds.sql import SqlToolSession
from loopback.base import server_process

FAILED = {"db_state": False, "answers_communicated": False, "required_calls": False, "no_query_limit": True,
          "output_schema": True, "message_format": True, "grounded": True, "user_complete": False}


def _e(termination: str = "user_gave_up", gap: str | None = "wrong_call", env: tuple[str, ...] = (),
       success: bool = False, **checks: bool) -> Evidence:
    return Evidence(success, termination, {**FAILED, **checks}, env, gap)


@pytest.mark.parametrize("evidence, expected", [
    (_e(success=True, env=("database_error",), termination="agent_step_cap"), None),
    # the environment first: whatever else went wrong, nothing after it judges the agent
    (_e("agent_step_cap", "unasked", env=("database_error",)), "tool_error"),
    (_e("llm_unavailable: agent at http://x: HTTP 500", "no_call"), "tool_error"),
    (_e("query_limit", "wrong_call"), "tool_error"),
    (_e("no_feasible_task", None), "tool_error"),
    (_e("user_rejected: meta language", "misreported", no_query_limit=False), "tool_error"),
    (_e("user_complete", "misreported", output_schema=False), "tool_error"),
    # then the budget, over any gap it left behind
    (_e("agent_step_cap", "unasked"), "step_cap"),
    (_e("max_user_turns", "misreported"), "step_cap"),
    # then the user simulator
    (_e("user_rejected: pastes the goal verbatim", "wrong_call"), "user_off_script"),
    (_e("user_complete", "unasked"), "user_off_script"),
    # then the first unfinished subtask
    (_e("user_gave_up", "wrong_call"), "agent_wrong_call"),
    (_e("agent_empty_reply", "no_call"), "agent_no_call"),
    (_e("user_gave_up", "misreported", answers_communicated=False, grounded=False), "agent_misreported"),
    # every subtask finished, the state still differs: a write too many
    (_e("user_complete", None, answers_communicated=True, required_calls=True), "agent_wrong_call"),
])
def test_precedence_on_constructed_evidence(evidence, expected):
    assert label(evidence) == expected
    assert expected is None or expected in PRECEDENCE


def test_failure_counts_per_category_and_overall():
    outcomes = [TrialOutcome("sqlbench", "shop", "shop-0", 0, True, detail={"failure": None}),
                TrialOutcome("sqlbench", "shop", "shop-0", 1, False, detail={"failure": "step_cap"}),
                TrialOutcome("sqlbench", "clinic", "clinic-0", 0, False, detail={"failure": "agent_no_call"}),
                TrialOutcome("sqlbench", "clinic", "clinic-1", 0, False)]  # logged before labels existed
    counts = failure_counts(outcomes)
    assert set(counts) == {"clinic", "shop", "overall"}
    assert counts["shop"] == {**dict.fromkeys(PRECEDENCE, 0), "step_cap": 1}
    assert counts["clinic"] == {**dict.fromkeys(PRECEDENCE, 0), "agent_no_call": 1, "unlabelled": 1}
    assert sum(counts["overall"].values()) == 3


def _run(tmp_path: Path, agent: str = "ok", user: str = "ok", **changes) -> dict[str, TrialOutcome]:
    """One trial per task, 3 tasks on each demo database; an LLM user when a user mode is asked for."""
    with server_process("loopback.faulty_agent", "--agent", agent, "--user", user) as (_, url):
        endpoint = EndpointConfig(base_url=url, model="scripted", timeout_s=5, max_attempts=1, retry_initial_s=0)
        settings = SqlBenchSettings(tasks_per_database=3, user="rules" if user == "ok" else "llm", **changes)
        with OutcomeLog(tmp_path / "outcomes.jsonl") as log:
            summary = run_sqlbench(endpoint, settings, 1, log, tmp_path)
            outcomes = {o.task_id: o for o in log.outcomes("sqlbench")}
    assert len(outcomes) == 9 and summary["failure_counts"] == failure_counts(outcomes.values())
    for o in outcomes.values():  # a success has no label, every failure has one
        assert (o.detail["failure"] is None) == o.success, o
    return outcomes


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> set[str]:
    """The tasks the scripted (correct) agent solves: the faulty agents are judged on these too."""
    outcomes = _run(tmp_path_factory.mktemp("ok"))
    solved = {t for t, o in outcomes.items() if o.success}
    assert solved and all(outcomes[t].detail["failure"] is None for t in solved)
    return solved


def _labels(outcomes: dict[str, TrialOutcome]) -> set[str | None]:
    return {o.detail["failure"] for o in outcomes.values()}


@pytest.mark.parametrize("agent, user, changes, expected", [
    ("silent", "ok", {}, "agent_no_call"),  # words only: never calls
    ("wrong_tool", "ok", {}, "agent_wrong_call"),  # another tool than the one asked for
    ("loop", "ok", {"max_steps_per_turn": 2}, "step_cap"),  # calls at every step, never replies
    ("ok", "ok", {"max_user_turns": 2}, "step_cap"),  # the user's turns run out
    ("down", "ok", {}, "tool_error"),  # the agent's endpoint fails
    ("ok", "quit", {}, "user_off_script"),  # the user says is_task_complete before asking anything
])
def test_every_trial_gets_the_label(tmp_path, agent, user, changes, expected):
    outcomes = _run(tmp_path, agent, user, **changes)
    labels = {t: o.detail["failure"] for t, o in outcomes.items()}
    # two user turns are enough for a one-request task: that trial may still succeed
    assert set(labels.values()) - {None} == {expected} and sum(v is None for v in labels.values()) <= 1, labels
    if agent == "down":  # an endpoint failure stays an error, retried on a rerun
        assert all(o.error for o in outcomes.values())


def test_wrong_arguments(tmp_path):
    outcomes = _run(tmp_path, "wrong_args")
    assert _labels(outcomes) - {None} == {"agent_wrong_call"}


def test_misreported_results_on_solved_tasks(tmp_path, solved):
    outcomes = _run(tmp_path, "misreport")  # the scripted calls, then a reply that states no result
    assert {outcomes[t].detail["failure"] for t in solved} == {"agent_misreported"}
    assert _labels(outcomes) <= {"agent_misreported", "agent_wrong_call"}  # its calls are not always right


def test_user_who_leaves_after_the_first_request(tmp_path):
    outcomes = _run(tmp_path, "ok", "quit_after_first")
    labels = [o.detail["failure"] for o in outcomes.values()]
    assert labels.count("user_off_script") >= 3, labels  # the first piece done, the rest never asked
    assert set(labels) <= {None, "user_off_script", "agent_wrong_call", "agent_no_call"}


@pytest.mark.parametrize("kind", ["query_limit", "database_error"])
def test_environment_errors(tmp_path, monkeypatch, kind):
    async def broken(self, name: str, arguments: str):
        return error_output(kind, "injected by the test")

    monkeypatch.setattr(SqlToolSession, "call", broken)
    outcomes = _run(tmp_path, "ok")
    assert _labels(outcomes) == {"tool_error"}
    if kind == "query_limit":  # the dialogue stops at the limit
        assert {o.detail["termination"] for o in outcomes.values()} == {"query_limit"}


def test_a_constraint_the_agents_values_break_is_the_agents_error(tmp_path, monkeypatch):
    async def clash(self, name: str, arguments: str):
        return error_output("database_error", "UNIQUE constraint failed: customers.email")

    monkeypatch.setattr(SqlToolSession, "call", clash)
    assert "tool_error" not in _labels(_run(tmp_path, "ok"))


def _record(said: list[tuple[str, str | None]], termination: str = "user_complete") -> DialogueRecord:
    """A two-subtask task (find a customer, then count its orders) and a dialogue: (role, text) pairs,
    where an agent line starting with ``call:`` makes the gold lookup and gets the customer back."""
    plan = [PlannedCall(tool="search_customers", arguments={"name": "Ann"}),
            PlannedCall(tool="summarize_orders", arguments={"customer_id": 7})]
    task = Task(task_id="t0", description="find Ann, count her orders", difficulty="easy", gold_plan=plan,
                subtasks=[Subtask(request="find Ann", calls=[0], answers=["7"]),
                          Subtask(request="count", calls=[1], answers=["3"])],
                rubric=Rubric(success_criteria=[], expected_calls=[], checkpoints=[]))
    messages = [Message(role="system", content="tools")]
    for n, (role, text) in enumerate(said):
        if role == "assistant" and text and text.startswith("call:"):
            call = ToolCall(id=f"c{n}", function=FunctionCall(name="search_customers", arguments='{"name": "Ann"}'))
            messages += [Message(role="assistant", tool_calls=[call]),
                         Message(role="tool", tool_call_id=f"c{n}", name="search_customers",
                                 content='[{"customer_id": 7, "name": "Ann"}]')]
        else:
            messages.append(Message(role=role, content=text))
    checks = [Check(name=name, passed=passed, detail="") for name, passed in FAILED.items()]
    return DialogueRecord(
        id="r", messages=messages, tools=[], tasks=[task],
        environment=Environment(db_id="shop", source_sha256="x", tools=[]),
        simulation=Simulation(mode="user_oriented", execution="sql", user_policy="llm", agent_policy="llm", seed=0,
                              termination=termination, completed=termination == "user_complete"),
        validation=Validation(passed=False, checks=checks, final_db_hash="a", gold_db_hash="a"),
        stats=Stats(turns=0, steps=0, tasks=1, tool_calls=0, user_requests=0))


FOUND = [("user", "find Ann"), ("assistant", "call:"), ("assistant", "Ann is customer 7.")]


@pytest.mark.parametrize("said, termination, expected", [
    (FOUND + [("user", "bye")], "user_complete", "user_off_script"),  # the count was never asked for
    (FOUND + [("user", "and her orders?"), ("assistant", "She has a few."), ("user", "hm, bye")], "user_gave_up",
     "agent_no_call"),
    (FOUND + [("user", "and her orders?"), ("assistant", "call:"), ("assistant", "Done."), ("user", "bye")],
     "user_gave_up", "agent_wrong_call"),  # looked up the customer again instead of counting
    (FOUND + [("user", "and her orders?"), ("assistant", "Shall I count them?"), ("user", "bye")], "user_complete",
     "user_off_script"),  # it said is_task_complete while the agent waited on its answer
    ([("user", "find Ann"), ("assistant", "call:"), ("assistant", "Found her."), ("user", "the id?"),
      ("assistant", "I cannot say."), ("user", "bye")], "user_gave_up", "agent_misreported"),
    ([("user", "find Ann"), ("assistant", "Ann is customer 7."), ("user", "bye")], "user_gave_up",
     "agent_no_call"),  # a value stated without the call is not the call
])
def test_first_unfinished_subtask_on_constructed_records(said, termination, expected):
    assert attribute(_record(said, termination)) == expected
