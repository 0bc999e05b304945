"""The oracle agent: runs, through the real tools, the gold calls the user's request needs.

Independent calls go out together (parallel tool calls); a call that needs an earlier call's
output waits for the next step. The reply states only values found in the tool outputs.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from ..records import FunctionCall, Message, PlannedCall, ToolCall
from ..tasks.calls import same_call, sources
from ..values import fmt
from .policies import ToolAccess
from .state import DialogueState, MadeCall

INTROS = ("Here is what I found.", "Sure.", "Done.", "Okay, here you go.", "All set.")


@dataclass
class OracleAgent:
    max_steps_per_turn: int = 8
    confirm_writes: bool = True  # ask the user to approve a change before making it (user_oriented)
    name: str = "oracle"

    async def respond(self, state: DialogueState, env: ToolAccess, rng: random.Random) -> None:
        # (task index, plan index, call); verification reads have no plan index
        queue: list[tuple[int, int, PlannedCall]] = []
        for t, s in state.requested:
            task = state.tasks[t]
            for j in task.subtasks[s].calls:
                call = task.gold_plan[j]
                if not state.made(call) and all(q[:2] != (t, j) for q in queue):
                    queue.append((t, j, call))
        queue += [(-1, -1, c) for c in self._verification_calls(state, env)]
        lines = self._already_known(state, env, queue)
        approval = self._needs_approval(state, env, queue)
        if approval:
            first = next(p for p, q in enumerate(queue) if q in approval)
            queue = queue[:first]  # look things up now; change nothing before the user agrees
        steps = 0
        while queue and steps < self.max_steps_per_turn:
            ready = _ready(queue, env) or queue[:1]
            queue = [q for q in queue if all(q is not r for r in ready)]
            lines += await self._step(state, env, [c for _, _, c in ready], len(state.messages))
            steps += 1
        if approval:
            state.confirmations.update((t, j) for t, j, _ in approval)
            state.awaiting_approval = True
            asks = "; ".join(_proposal(env, c) for _, _, c in approval)
            lines.append(f"Before I change anything, please confirm: {asks}. Shall I go ahead?")
        text = " ".join([INTROS[rng.randrange(len(INTROS))]] + lines) if lines else (
            "Is there anything else I can look up or change for you?"
        )
        state.messages.append(Message(role="assistant", content=text))

    def _needs_approval(self, state: DialogueState, env: ToolAccess, queue) -> list:
        if not self.confirm_writes or state.mode != "user_oriented":
            return []
        return [q for q in queue if q[0] >= 0 and _is_write(env, q[2]) and q[:2] not in state.confirmations]

    async def _step(self, state: DialogueState, env: ToolAccess, calls: list[PlannedCall], n: int) -> list[str]:
        tool_calls = [
            ToolCall(id=f"call_{n}_{i}", function=FunctionCall(name=c.tool, arguments=json.dumps(c.arguments)))
            for i, c in enumerate(calls)
        ]
        state.messages.append(Message(role="assistant", content=None, tool_calls=tool_calls))
        lines = []
        for tc, call in zip(tool_calls, calls):
            out = await env.call(call.tool, tc.function.arguments)
            state.calls.append(MadeCall(call.tool, call.arguments, out.ok, out.value))
            state.messages.append(Message(role="tool", tool_call_id=tc.id, name=call.tool, content=out.content))
            lines.append(describe(call.tool, env.spec(call.tool), out.value, out.ok))
        return lines

    @staticmethod
    def _already_known(state: DialogueState, env: ToolAccess, queue) -> list[str]:
        """Answer from earlier outputs when a request needs no new call (no re-calling)."""
        lines = []
        for ref in state.requested:
            calls = state.gold_calls(ref)
            if any(q[2] is c for q in queue for c in calls):
                continue
            for call in calls:
                made = next(c for c in reversed(state.calls) if c.ok and same_call(c.name, c.key, call))
                lines.append("As I found earlier: " + describe(call.tool, env.spec(call.tool), made.output, True))
        return lines

    @staticmethod
    def _verification_calls(state: DialogueState, env: ToolAccess) -> list[PlannedCall]:
        """Re-read each written record by its key (a deleted one should now be missing)."""
        checks = []
        for write in state.verify:
            spec = env.spec(write.tool)
            getter = spec.get("verify_with") if isinstance(spec, dict) else None
            made = next((c for c in reversed(state.calls) if c.name == write.tool and c.ok), None)
            if getter and made is not None:
                key_param, field = getter["param"], getter["field"]
                checks.append(PlannedCall(tool=getter["tool"], arguments={key_param: made.output[field]}))
        return checks


def _is_write(env: ToolAccess, call: PlannedCall) -> bool:
    return env.spec(call.tool).get("kind") in ("create", "update", "delete")


def _proposal(env: ToolAccess, call: PlannedCall) -> str:
    spec = env.spec(call.tool)
    verb = {"create": "create a new", "update": "update the", "delete": "delete the"}[spec["kind"]]
    return f"{verb} {spec['entity']} record with " + _record(call.arguments)


def _ready(queue: list[tuple[int, int, PlannedCall]], env: ToolAccess) -> list[tuple[int, int, PlannedCall]]:
    """Calls that can go out together now: their inputs are known, and no write is reordered.

    A call waits for the earlier calls it takes values from; a write waits for every earlier
    call, and every call waits for an earlier write, so the database sees the planned order.
    """
    writes = [_is_write(env, c) for _, _, c in queue]
    ready = []
    for p, (t, j, call) in enumerate(queue):
        deps = sources(call.bindings)
        blocked = any(
            writes[q] or writes[p] or (queue[q][0] == t and queue[q][1] in deps) for q in range(p)
        )
        if not blocked:
            ready.append(queue[p])
    return ready


def describe(tool: str, spec: dict[str, Any], value: Any, ok: bool) -> str:
    """One sentence about a tool output, quoting text values and stating numbers as they are."""
    if not ok:
        # no tool name: names carry digits (cafe_2, n_18_49) that grounding would take for stated values
        return f'That call returned an error: "{value["error"]["message"]}"'
    kind = spec.get("kind", "") if isinstance(spec, dict) else ""
    if isinstance(value, dict) and value.get("truncated"):
        rows = value["rows"]
        return f"There are more than {len(rows)} matches; the first {len(rows)}: " + _rows(rows)
    if isinstance(value, list):
        if not value:
            return "Nothing matched."
        return f"I found {len(value)} record{'s' if len(value) != 1 else ''}: " + _rows(value)
    prefix = {"create": "Created:", "update": "Updated:", "delete": "Deleted:"}.get(kind, "Record:")
    return f"{prefix} {_record(value)}."


def _rows(rows: list[dict[str, Any]]) -> str:
    return "; ".join(_record(r) for r in rows[:10]) + ("; ..." if len(rows) > 10 else ".")


def _record(row: dict[str, Any]) -> str:
    return ", ".join(f"{k}: {_value(v)}" for k, v in row.items())


def _value(v: Any) -> str:
    return f'"{v}"' if isinstance(v, str) else fmt(v)
