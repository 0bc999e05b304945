"""One dialogue record read for the realism figures: user turns, the agent turn after each, tool
outputs in order, and the task text and values the user was given."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .text import scalar_leaves, value_text

MIN_REACTIVE_CHARS = 3  # a shorter returned string ("M", "no") is not a value a person picks up
# Flag-like strings a tool may return that a user says anyway ("Yes, proceed."): no pick-up.
FLAG_VALUES = frozenset({"yes", "no", "none", "null", "true", "false", "n/a", "unknown", "other", "all", "any",
                         "new", "old", "okay"})


@dataclass
class ToolOutput:
    tool: str
    data: Any  # the parsed JSON (the raw text when it is not JSON)

    @property
    def is_error(self) -> bool:
        return isinstance(self.data, dict) and "error" in self.data


@dataclass
class Reply:
    text: str
    after_error: bool  # a call of the latest batch in the same agent turn returned {"error": ...}


@dataclass
class AgentTurn:
    """What the agent did between one user message and the next."""

    calls: list[str] = field(default_factory=list)
    outputs: list[ToolOutput] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)

    @property
    def last_text(self) -> str:
        return self.replies[-1].text if self.replies else ""


@dataclass
class Dialogue:
    mode: str
    user_turns: list[str]
    agent_turns: list[AgentTurn]  # agent_turns[i] answers user_turns[i]
    task_texts: list[str]  # descriptions, subtask requests, rubric criteria and checkpoints
    task_values: list[str]  # values of gold arguments and expected answers, as text
    tools: list[dict[str, Any]]  # OpenAI function specs offered
    environment: dict[str, Any]
    stats: dict[str, Any]

    def outputs_before(self, user_index: int) -> list[ToolOutput]:
        return [o for turn in self.agent_turns[:user_index] for o in turn.outputs]

    def tool_values(self) -> list[str]:
        return [t for turn in self.agent_turns for o in turn.outputs for v in scalar_leaves(o.data)
                for t in value_text(v)]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _parse_output(content: str | None) -> Any:
    try:
        return json.loads(content or "")
    except (json.JSONDecodeError, TypeError):
        return content or ""


def _turns(messages: list[dict[str, Any]]) -> tuple[list[str], list[AgentTurn]]:
    users: list[str] = []
    turns: list[AgentTurn] = []
    names: dict[str, str] = {}
    batch_errors: list[bool] = []
    for m in messages:
        if m["role"] == "user":
            users.append(m.get("content") or "")
            turns.append(AgentTurn())
            batch_errors = []
        elif not turns or m["role"] == "system":
            continue  # the system prompt, or context before the first user message
        elif m["role"] == "assistant":
            if (m.get("content") or "").strip():
                turns[-1].replies.append(Reply(m["content"], any(batch_errors)))
            if m.get("tool_calls"):
                batch_errors = []
                for call in m["tool_calls"]:
                    names[call["id"]] = call["function"]["name"]
                    turns[-1].calls.append(call["function"]["name"])
        elif m["role"] == "tool":
            output = ToolOutput(m.get("name") or names.get(m.get("tool_call_id") or "", ""),
                                _parse_output(m.get("content")))
            turns[-1].outputs.append(output)
            batch_errors.append(output.is_error)
    return users, turns


def _task_parts(tasks: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    texts: list[str] = []
    values: list[str] = []
    for task in tasks:
        texts.append(task.get("description") or "")
        rubric = task.get("rubric") or {}
        texts += rubric.get("success_criteria") or []
        texts += rubric.get("checkpoints") or []
        for sub in task.get("subtasks") or []:
            texts.append(sub.get("request") or "")
            values += [t for a in sub.get("answers") or [] for t in value_text(a)]
        for call in task.get("gold_plan") or []:
            values += [t for v in scalar_leaves(call.get("arguments") or {}) for t in value_text(v)]
    return texts, values


def read_dialogue(record: dict[str, Any]) -> Dialogue:
    """A record row (``DialogueRecord.to_row`` dict, a train.jsonl line or a dataset row)."""
    users, turns = _turns(record.get("messages") or [])
    texts, values = _task_parts([_json(t) for t in record.get("tasks") or []])
    return Dialogue(
        mode=(record.get("simulation") or {}).get("mode") or "unknown",
        user_turns=users, agent_turns=turns, task_texts=texts, task_values=values,
        tools=[_json(t) for t in record.get("tools") or []],
        environment=_json(record.get("environment")) or {},
        stats=record.get("stats") or {},
    )


def reactive_candidates(values: list[Any]) -> list[str]:
    """Returned values a user could pick up: numbers, and strings of at least three characters that
    are not flag words (yes, no, none, true, ...)."""
    out = []
    for v in values:
        if isinstance(v, str) and (len(v.strip()) < MIN_REACTIVE_CHARS or v.strip().lower() in FLAG_VALUES):
            continue
        out += value_text(v)
    return out
