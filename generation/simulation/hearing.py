"""What the rules user heard: the values the agent just reported, the rows they belong to, and the
arguments the user has in mind. Read from the conversation and the tool outputs the agent's words
came from, never made up."""

from __future__ import annotations

import json
import random
import re

from ..tools.writes import is_write
from ..values import fmt, mentions
from .state import DialogueState, SubtaskRef


def given_arguments(state: DialogueState, ref: SubtaskRef) -> list[dict]:
    """The arguments of the subtask's calls as the user has them in mind (a slip included)."""
    t = ref[0]
    return [state.tasks[t].gold_plan[j].arguments | state.stated.get((t, j), {}) for j in state.subtask(ref).calls]


def heard_about(state: DialogueState, intent: dict) -> list[str]:
    """Values the agent just said about the intent's row (found by its name) that no other row of the
    same output has: 'the one with 2036' picks it out."""
    name = intent.get("name")
    if name is None:
        return []
    told = set(heard(state))
    for rows in window(state)[1]:
        mine = [r for r in rows if any(fmt(v) == fmt(name) for v in r.values())]
        if len(mine) == 1 and len(rows) == 1:
            return []  # the only row in view: 'it' does, no need to point at it
        if len(mine) == 1:
            others = {fmt(v) for r in rows if r is not mine[0] for v in r.values()}
            return sorted(v for v in {fmt(x) for x in mine[0].values()} & told if v not in others)
    return []


def window(state: DialogueState) -> tuple[str, list[list[dict]]]:
    """The agent's words and the tool outputs' rows since the user's third-last message, newest first:
    a question or a proposal may sit between a result and the user's answer."""
    reply, outputs, users = "", [], 0
    for m in reversed(state.messages):
        users += m.role == "user"
        if users == 3 or m.role == "system":
            break
        if m.role == "assistant" and m.content:
            reply += " " + m.content
        if m.role == "tool":
            try:
                data = json.loads(m.content or "null")
            except json.JSONDecodeError:
                continue
            rows = data if isinstance(data, list) else [data]
            outputs.append([r for r in rows if isinstance(r, dict) and "error" not in r])
    return reply, outputs


def heard(state: DialogueState) -> list[str]:
    """Values of the latest tool outputs that the agent's last reply states and the task never
    mentions: what a listener would pick up."""
    reply, outputs = window(state)
    # what the user was given or has said: picking that up again is no reaction
    known = " ".join(given_text(state) + [m.content or "" for m in state.messages if m.role == "user"]).lower()
    # a value that is also a word of a field's name ('paid' in 'total paid') is not heard as a value
    field_words = {w for rows in outputs for row in rows for k in row for w in k.lower().split("_")}
    found = [fmt(v) for rows in outputs for row in rows for v in row.values()
             if v is not None and len(fmt(v)) > 1 and fmt(v).lower() not in field_words]
    # a value heard is said on its own or quoted whole: not the 15 inside "2018-03-15"
    quoted = set(re.findall(r'"([^"]*)"', reply))
    loose = re.sub(r'"[^"]*"', " ", reply)
    return sorted({v for v in found if (len(v) > 2 or v.isdigit()) and (v in quoted or mentions(loose, v))
                   and not mentions(known, v.lower())})


def given_text(state: DialogueState) -> list[str]:
    """What the user was given: its goals in words, what it expects to learn, and the values it has in
    mind (not the plan's keys and limits, which it never sees)."""
    texts = []
    for t in state.tasks:
        texts += [t.description, *t.rubric.success_criteria, *t.rubric.checkpoints]
        texts += [s.request + " " + json.dumps(s.intent or {}, default=str) for s in t.subtasks]
    return texts


def side_question(state: DialogueState, rng: random.Random) -> tuple[dict, str, str | None] | None:
    """A field nobody has mentioned yet of a row the agent just reported: (the row, the field, the name
    the agent called it by when it was one of several)."""
    last = next((m for m in reversed(state.messages) if m.role in ("user", "tool")), None)
    if last is None or last.role != "tool":
        return None
    try:
        data = json.loads(last.content or "null")
    except json.JSONDecodeError:
        return None
    reply = next((m.content or "" for m in reversed(state.messages) if m.role == "assistant" and m.content), "")
    rows = [r for r in (data if isinstance(data, list) else [data])[:3] if isinstance(r, dict) and "error" not in r]
    if not rows:
        return None
    row = rng.choice(rows)
    name = None
    if len(rows) > 1:  # one of several: the user names the one it means, as the agent did
        others = {fmt(v) for r in rows if r is not row for v in r.values()}
        said_of_it = [fmt(v) for v in row.values() if mentions(reply, fmt(v)) and fmt(v) not in others]
        named = [v for v in said_of_it if f"{v} (" in reply or f'{v}" (' in reply]  # how the agent named it
        if not said_of_it:
            return None
        name = named[0] if named else f"the one with {said_of_it[0]}"
    said = " ".join(m.content or "" for m in state.messages if m.role in ("user", "assistant")).lower()
    fields = [k for k, v in row.items() if v not in (None, "") and not k.endswith(("id", "_code"))
              and not mentions(said, fmt(v)) and k.replace("_", " ") not in said and not any(c.isdigit() for c in k)
              and not k.startswith(("is_", "has_"))]  # 'what's its is male?' is no question
    return (row, rng.choice(fields), name) if fields else None


def outcome(state: DialogueState) -> tuple[str, str] | None:
    """What the tool outputs since the user's last message came to, when a person would remark on it:
    ('empty', ''), ('not_found', ''), ('tied', the shared count) or ('zero', '0')."""
    for m in reversed(state.messages):
        if m.role == "user":
            return None
        if m.role != "tool":
            continue
        try:
            data = json.loads(m.content or "null")
        except json.JSONDecodeError:
            continue
        if data == [] or (isinstance(data, dict) and data.get("rows") == []):
            return "empty", ""
        if isinstance(data, dict) and (data.get("error") or {}).get("type") == "not_found":
            return "not_found", ""
        rows = [r for r in (data if isinstance(data, list) else [data]) if isinstance(r, dict)]
        counts = [k for k in (rows[0] if rows else {}) if k.endswith("_count")]
        for k in counts:
            values = {r.get(k) for r in rows}
            if len(rows) > 1 and len(values) == 1:
                return "tied", fmt(rows[0][k])
            if len(rows) == 1 and rows[0].get(k) == 0:
                return "zero", "0"
    return None


def written(state: DialogueState) -> set[str]:
    """Values in the outputs of the latest writes (a new row's id, a field just set)."""
    values: set[str] = set()
    for m in state.messages[-12:]:
        if m.role == "tool" and (m.name in state.write_tools or is_write(m.name or "")):
            try:
                data = json.loads(m.content or "null")
            except json.JSONDecodeError:
                continue
            if isinstance(data, dict) and "error" not in data:
                values |= {fmt(v) for v in data.values() if v is not None}
    return values
