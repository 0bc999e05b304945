"""Deterministic validation of one simulated dialogue. Each check records what it found."""

from __future__ import annotations

import json
import re
from typing import Any

from ..records import Check, Message, Task
from ..tasks.calls import MadeKey, arguments_text_key, gold_call_made
from ..tools.runtime import limit_error
from ..tools.schema_check import matches
from ..tools.spec import error_schema, truncated_schema
from ..values import facts, fmt, mentions

_QUOTED = re.compile(r'"([^"]*)"')
# a token that may hold figures: "52", "-3.5", "2024-03-07", "LN-70003", "12:30" (a code or date is
# checked whole, so its digits are not taken for numbers of their own)
_TOKEN = re.compile(r"(?<![\w.\-])-?\w[\w.\-:/]*")


def _figures(text: str) -> list[str]:
    """Every token of ``text`` that holds a digit, without trailing punctuation."""
    tokens = (t.rstrip(".-:/") for t in _TOKEN.findall(text))
    return [t for t in tokens if any(ch.isdigit() for ch in t)]


def _call_index(messages: list[Message]) -> dict[str, tuple[str, str]]:
    return {
        tc.id: (tc.function.name, tc.function.arguments)
        for m in messages if m.role == "assistant" and m.tool_calls
        for tc in m.tool_calls
    }


def check_db_state(final_hash: str, gold_hash: str) -> Check:
    same = final_hash == gold_hash
    return Check(name="db_state", passed=same, detail="final state equals the gold plan's" if same
                 else f"final {final_hash[:12]} != gold {gold_hash[:12]}")


def check_required_calls(messages: list[Message], tasks: list[Task], match: str = "exact",
                         writes: set[str] = frozenset()) -> Check:
    """Rubric calls made: ``exact`` (tool and arguments), ``writes_exact`` (writes exact, reads by
    tool: an LLM agent may search with other words), or ``names`` (tool only: simulated tools)."""
    made = _successful_calls(messages)
    missing = [f"{t.task_id}:{c.tool}" for t in tasks for c in t.gold_plan
               if not gold_call_made(c, made, match, writes)]
    total = sum(len(t.gold_plan) for t in tasks)
    return Check(name="required_calls", passed=not missing,
                 detail=f"{total - len(missing)}/{total} rubric calls made with the expected arguments"
                 + (f"; missing {', '.join(missing[:5])}" if missing else ""))


def _successful_calls(messages: list[Message]) -> set[MadeKey]:
    """(tool, canonical arguments) of each call whose output is not an error: the same made calls
    the dialogue state counts while the dialogue runs."""
    results = {m.tool_call_id: m.content for m in messages if m.role == "tool"}
    made = set()
    for call_id, (name, arguments) in _call_index(messages).items():
        try:
            output = json.loads(results.get(call_id) or "null")
        except json.JSONDecodeError:
            continue
        if not (isinstance(output, dict) and "error" in output):
            made.add((name, arguments_text_key(arguments)))
    return made


_ERRORS = error_schema()
_TRUNCATED: dict[int, tuple[dict, dict]] = {}


def _truncated(schema: dict[str, Any]) -> dict[str, Any]:
    entry = _TRUNCATED.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = (schema, truncated_schema(schema))
        _TRUNCATED[id(schema)] = entry
    return entry[1]


def check_output_schemas(messages: list[Message], returns: dict[str, dict[str, Any]]) -> Check:
    calls = _call_index(messages)
    bad, n = [], 0
    for m in messages:
        if m.role != "tool":
            continue
        n += 1
        name = calls.get(m.tool_call_id, (m.name, ""))[0]
        try:
            value = json.loads(m.content or "")
        except json.JSONDecodeError:
            bad.append(f"{name}: not JSON")
            continue
        schema = returns.get(name)
        if schema is None:
            ok = matches(_ERRORS, value)
        elif isinstance(value, dict) and value.get("truncated") is True:
            ok = matches(_truncated(schema), value)
        else:
            ok = matches(schema, value) or matches(_ERRORS, value)
        if not ok:
            bad.append(name)
    return Check(name="output_schema", passed=not bad,
                 detail=f"{n - len(bad)}/{n} tool outputs match their return schema"
                 + (f"; bad: {', '.join(bad[:5])}" if bad else ""))


def _unquote_known(text: str, quoted_facts: set[str]) -> str:
    """``text`` with every known value that contains a double quote, and is stated between double
    quotes, blanked out (longest first): the quoted-span scan would cut it at its inner quotes."""
    for value in sorted(quoted_facts, key=lambda v: (-len(v), v)):
        if value in text:
            text = text.replace(f'"{value}"', " ")
    return text


def check_grounding(messages: list[Message]) -> Check:
    """Every number and quoted value the agent states appears earlier in a tool output or user message."""
    known: set[str] = set()
    with_quotes: set[str] = set()  # known values holding a double quote
    said: list[str] = []
    unsupported: list[str] = []
    for m in messages:
        text = m.content or ""
        if m.role == "tool":
            try:
                found = facts(json.loads(text))
            except json.JSONDecodeError:
                continue
            known |= found
            with_quotes.update(v for v in found if '"' in v)
        elif m.role == "user":
            said.append(text.lower())
        elif m.role == "assistant" and text:
            text = _unquote_known(text, with_quotes)
            quoted = _QUOTED.findall(text)
            rest = _QUOTED.sub(" ", text)
            for value in quoted + _figures(rest):
                if value not in known and not any(mentions(u, value) for u in said):
                    unsupported.append(value)
    return Check(name="grounded", passed=not unsupported,
                 detail="every stated value appears in an earlier tool output" if not unsupported
                 else f"unsupported: {', '.join(unsupported[:5])}")


def _limit_error(content: str) -> str | None:
    """The limit a tool output reports (its error type), if it is a query-limit error."""
    if '"error"' not in content:
        return None
    try:
        return limit_error(json.loads(content))
    except json.JSONDecodeError:
        return None


def check_query_limits(messages: list[Message]) -> Check:
    """No tool call ran into a query limit: its error is about our settings (or, for the
    wall-clock safety net, the machine's load), not the data, so it is never kept."""
    hits = [f"{m.name} ({kind})" for m in messages if m.role == "tool" and (kind := _limit_error(m.content or ""))]
    return Check(name="no_query_limit", passed=not hits,
                 detail="no tool call hit a query limit" if not hits
                 else f"{len(hits)} tool call(s) hit a query limit: {', '.join(hits[:5])}")


def check_answers(messages: list[Message], tasks: list[Task]) -> Check:
    replies = [m.content or "" for m in messages if m.role == "assistant"]
    missing = [a for t in tasks for s in t.subtasks for a in s.answers
               if not any(mentions(r, fmt(a)) for r in replies)]
    total = sum(len(s.answers) for t in tasks for s in t.subtasks)
    return Check(name="answers_communicated", passed=not missing,
                 detail=f"{total - len(missing)}/{total} expected values stated"
                 + (f"; missing {', '.join(missing[:5])}" if missing else ""))


def check_completion(completed: bool, termination: str) -> Check:
    return Check(name="user_complete", passed=completed,
                 detail="user ended with is_task_complete" if completed else f"ended by {termination}")


def check_format(messages: list[Message]) -> Check:
    """Every tool message answers a call that was made, every call gets exactly one answer, and the
    answers follow their calls directly (nothing else is said while calls are open)."""
    calls = _call_index(messages)
    answered = [m.tool_call_id for m in messages if m.role == "tool"]
    problems = []
    if set(answered) != set(calls) or len(answered) != len(set(answered)):
        problems.append("tool calls and tool messages do not pair up")
    elif not _in_order(messages):
        problems.append("a tool message is not right after the call it answers")
    for m in messages:
        if m.role == "tool" and m.name != calls.get(m.tool_call_id, (None,))[0]:
            problems.append(f"tool message {m.tool_call_id} names the wrong tool")
    return Check(name="message_format", passed=not problems, detail="; ".join(problems) or "well-formed")


def _in_order(messages: list[Message]) -> bool:
    open_calls: set[str] = set()
    for m in messages:
        if m.role == "tool":
            if m.tool_call_id not in open_calls:
                return False
            open_calls.discard(m.tool_call_id)
            continue
        if open_calls:
            return False
        if m.role == "assistant" and m.tool_calls:
            open_calls = {tc.id for tc in m.tool_calls}
    return not open_calls
