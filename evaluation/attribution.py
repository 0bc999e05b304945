"""Why a failed SQL-benchmark trial failed: one label per trial, from the record's structured parts
(termination, validation checks, tool calls and their outputs, the tasks' gold plans), not its prose.

Labels, first that applies wins (``PRECEDENCE``):

1. ``tool_error``: the environment broke (an endpoint gave up, a query limit, a database or tool
   simulator error, no feasible task, tool outputs off their schema): nothing after it judges the agent.
2. ``step_cap``: our budget cut the dialogue (the agent's steps per turn, or the user's turns), so
   what is missing afterwards was never tried; a reader should see budget cuts apart from mistakes.
3. ``user_off_script``: the user simulator's reply was unusable, or it ended (gave up, or said
   is_task_complete) before asking for a subtask the agent had not got wrong yet, or said
   is_task_complete while the agent waited on its answer (a confirmation it asked for).
4. The first unfinished subtask, in the order the user reveals them, says which agent mistake it was
   (a later subtask often fails only because the user left after the first one did):
   ``agent_wrong_call`` (it called, but not the gold tool with the gold arguments; or its lookups
   never returned the value asked for), ``agent_no_call`` (asked, it answered without any call),
   ``agent_misreported`` (the calls were right, the value asked for was not stated after them).
5. Every subtask finished yet the trial failed: the final state differs, so an extra or repeated
   write: ``agent_wrong_call``.

The grounding check does not decide a label: success needs only the state and the stated values
(``SUCCESS_CHECKS``), so a wrong value stated beside the right one fails nothing.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from generation.episode import SUCCESS_CHECKS, TrialResult
from generation.records import DialogueRecord, Message, Subtask, Task
from generation.tasks.calls import arguments_text_key, gold_call_made
from generation.values import facts, fmt, mentions

from .outcomes import TrialOutcome

PRECEDENCE = ("tool_error", "step_cap", "user_off_script", "agent_wrong_call", "agent_no_call", "agent_misreported")
# errors a tool output reports that the environment caused; unknown_tool, invalid_arguments and
# not_found answer what the agent sent, so they are the agent's (a wrong call)
ENV_ERRORS = frozenset({"database_error", "simulation_error", "query_limit", "timeout"})
# SQLite's wording for a UNIQUE, NOT NULL, FOREIGN KEY or CHECK failure (sqlite3.IntegrityError), the
# one database error that the agent's arguments cause rather than the environment
_CONSTRAINT = "constraint failed"
ENV_TERMINATIONS = ("llm_unavailable", "query_limit", "no_feasible_task")
ENV_CHECKS = ("llm_available", "feasible_tasks", "no_query_limit", "output_schema", "message_format")
CAP_TERMINATIONS = ("agent_step_cap", "max_user_turns")
# how the first unfinished subtask went; "unasked": the user never asked for it, or ended while the
# agent waited on its answer
GAPS = ("unasked", "wrong_call", "no_call", "misreported")


@dataclass(frozen=True)
class Evidence:
    """What the label is decided from; built from a record by ``evidence``, or by hand in tests."""

    success: bool
    termination: str
    checks: Mapping[str, bool]
    env_errors: tuple[str, ...] = ()  # ENV_ERRORS types that tool outputs reported
    gap: str | None = None  # one of GAPS, or None when every subtask finished


def label(e: Evidence) -> str | None:
    """The failure label under ``PRECEDENCE`` (None for a success)."""
    if e.success:
        return None
    if (e.env_errors or e.termination.startswith(ENV_TERMINATIONS)
            or any(e.checks.get(name) is False for name in ENV_CHECKS)):
        return "tool_error"
    if e.termination in CAP_TERMINATIONS:
        return "step_cap"
    if e.termination.startswith("user_rejected") or e.gap == "unasked":
        return "user_off_script"
    if e.gap is not None:
        return f"agent_{e.gap}"
    return "agent_wrong_call"


def attribute(trial: TrialResult | DialogueRecord) -> str | None:
    """The failure label of one trial (None: it succeeded)."""
    return label(evidence(trial.record if isinstance(trial, TrialResult) else trial))


def evidence(record: DialogueRecord) -> Evidence:
    checks = {c.name: c.passed for c in record.validation.checks}
    calls = _calls(record.messages)
    errors = tuple(sorted({c.error for c in calls if c.error in ENV_ERRORS}))
    return Evidence(all(checks.get(n, False) for n in SUCCESS_CHECKS), record.simulation.termination, checks,
                    errors, _first_gap(record, calls))


@dataclass(frozen=True)
class _Call:
    at: int  # index of the assistant message that made it
    tool: str
    key: str | None  # canonical arguments (tasks.calls)
    output: Any
    error: str | None  # the error type its output reports

    @property
    def ok(self) -> bool:
        return self.error is None


def _calls(messages: list[Message]) -> list[_Call]:
    outputs = {m.tool_call_id: m.content or "" for m in messages if m.role == "tool"}
    found = []
    for i, m in enumerate(messages):
        for tc in (m.tool_calls or []) if m.role == "assistant" else []:
            try:
                value = json.loads(outputs.get(tc.id) or "null")
            except json.JSONDecodeError:
                value = {"error": {"type": "simulation_error"}}  # not JSON: our tools never answer so
            error = value["error"] if isinstance(value, dict) and "error" in value else None  # as checks.py
            kind = None if error is None else str(error.get("type") or "error") if isinstance(error, dict) else "error"
            if kind == "database_error" and _CONSTRAINT in str(error.get("message", "")):
                kind = "constraint_violation"  # the values the agent sent broke a key or rule: its call
            found.append(_Call(i, tc.function.name, arguments_text_key(tc.function.arguments), value, kind))
    return found


def _first_gap(record: DialogueRecord, calls: list[_Call]) -> str | None:
    """How the first unfinished subtask went (see the module docstring); None if all finished."""
    match = "exact" if record.simulation.agent_policy == "oracle" else "writes_exact"  # as play.py matches
    writes = {t.name for t in record.environment.tools if t.writes}
    messages = record.messages
    done_at = 0  # where the subtasks so far were all finished
    for task in record.tasks:
        for sub in task.subtasks:
            gold = [task.gold_plan[i] for i in sub.calls]
            made = [_made_at(c, calls, match, writes) for c in gold]
            said = None if None in made else _said_at(messages, sub, max(made, default=done_at))
            if said is not None:
                done_at = max(done_at, said, *made)
                continue
            asked = _asked(record, done_at)
            if asked is None:
                return "unasked"
            if None in made:
                return _missing_call(record, calls, asked)
            exact = all(_made_at(c, calls, "exact", writes) is not None for c in gold)
            return "misreported" if exact or _fetched(sub, task, calls) else "wrong_call"
    return None


def _made_at(gold: Any, calls: list[_Call], match: str, writes: set[str]) -> int | None:
    """Where a successful call first satisfied the gold call (None: never)."""
    return next((c.at for c in calls if c.ok and gold_call_made(gold, [(c.tool, c.key)], match, writes)), None)


def _said_at(messages: list[Message], sub: Subtask, after: int) -> int | None:
    """Where the last of the subtask's expected values was first stated after its calls (None: one never was)."""
    said = 0
    for answer in sub.answers:
        at = next((i for i, m in enumerate(messages) if i > after and m.role == "assistant"
                   and mentions(m.content or "", fmt(answer))), None)
        if at is None:
            return None
        said = max(said, at)
    return max(said, after)


def _fetched(sub: Subtask, task: Task, calls: list[_Call]) -> bool:
    """Every expected value was among the outputs of the agent's calls of the subtask's tools: the
    agent had it (read with other arguments, it would not: that is a wrong call)."""
    tools = {task.gold_plan[i].tool for i in sub.calls}
    seen: set[str] = set()
    for c in calls:
        if c.ok and c.tool in tools:
            facts(c.output, seen)
    return all(fmt(a) in seen for a in sub.answers)


def _asked(record: DialogueRecord, done_at: int) -> int | None:
    """The first user request (one the agent answered) that can have asked for the subtask after those
    finished by ``done_at``; None: the user never made one, so it never asked for that subtask."""
    messages = record.messages
    answered = [i for i, m in enumerate(messages[:-1]) if m.role == "user" and messages[i + 1].role == "assistant"]
    if record.simulation.mode == "task_oriented" or done_at == 0:
        return next(iter(answered), None)  # all asked in the opening request, or it is the first subtask
    # asked in a request after the one whose answer finished the earlier subtasks: an LLM user that asked
    # for two at once and said is_task_complete after one counts as ending early
    opened = max((i for i in answered if i <= done_at), default=0)
    return next((i for i in answered if i > opened), None)


def _missing_call(record: DialogueRecord, calls: list[_Call], asked: int) -> str:
    """A gold call of the asked-for subtask never succeeded: did the agent call at all?"""
    messages = record.messages
    if any(c.at > asked for c in calls):
        return "wrong_call"
    # the user said is_task_complete while the agent waited on it (a confirmation or a question): the
    # one place prose decides, since a record marks no question; a claim ("Done.") stays the agent's
    last = next((m for m in reversed(messages[:-1]) if m.role == "assistant"), None)
    waiting = last is not None and (last.content or "").rstrip().endswith("?")
    return "unasked" if record.simulation.termination == "user_complete" and waiting else "no_call"


def failure_counts(outcomes: Iterable[TrialOutcome]) -> dict[str, dict[str, int]]:
    """Failed trials per label, per category and ``overall``; every label is listed (0 when none), and
    ``unlabelled`` is added where failed trials carry no label (logged before labels existed)."""
    counts: dict[str, Counter] = {"overall": Counter()}
    for o in outcomes:
        if o.success:
            continue
        name = (o.detail or {}).get("failure") or "unlabelled"
        for key in (o.category, "overall"):
            counts.setdefault(key, Counter())[name] += 1
    return {key: {**{name: c[name] for name in PRECEDENCE}, **({"unlabelled": c["unlabelled"]}
                                                                 if c["unlabelled"] else {})}
            for key, c in sorted(counts.items())}
