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
from ..values import facts, fmt, mentions
from .policies import ToolAccess
from .replies import describe, describe_check, lead, row_name, say, side_answer
from .state import DialogueState, MadeCall

THANKS = ("No problem. ", "Got it, thanks for catching that. ", "Sure, I'll use that instead. ", "Noted. ")
IDLE = "Is there anything else I can look up or change for you?"
GREETINGS = ("Hi! Sure, what can I do for you?", "Hello! Happy to help. What do you need?",
             "Hi there. Of course, what would you like to do?", "Hello! What can I look up or change for you?")


@dataclass
class OracleAgent:
    max_steps_per_turn: int = 8
    confirm_writes: bool = True  # ask the user to approve a change before making it (user_oriented)
    name: str = "oracle"

    async def respond(self, state: DialogueState, env: ToolAccess, rng: random.Random) -> None:
        if state.small_talk:
            state.messages.append(Message(role="assistant", content=GREETINGS[rng.randrange(len(GREETINGS))]))
            return
        if state.side_question:
            row, key = state.side_question  # the user named the row if it was one of several
            state.side_question = None
            state.messages.append(Message(role="assistant", content=side_answer(row, key, rng)))
            return
        # (task index, plan index, call); verification reads have no plan index
        queue: list[tuple[int, int, PlannedCall]] = []
        for t, s in state.requested:
            task = state.tasks[t]
            for j in task.subtasks[s].calls:
                call = task.gold_plan[j]
                if not state.made(call) and all(q[:2] != (t, j) for q in queue):
                    queue.append((t, j, call))
        checks = [(-1, -1, c) for c in self._verification_calls(state, env)]
        queue += checks
        calls_before = len(state.calls)
        lines, queue = self._already_known(state, env, queue)
        approval = self._needs_approval(state, env, queue)
        if approval:
            first = next(p for p, q in enumerate(queue) if q in approval)
            queue = queue[:first]  # look things up now; change nothing before the user agrees
        steps, question = 0, None
        while queue and steps < self.max_steps_per_turn:
            ready = _ready(queue, env) or queue[:1]
            question = self._clarify(state, env, ready)
            if question:
                break  # what is known ran; the rest waits for the user's answer
            queue = [q for q in queue if all(q is not r for r in ready)]
            lines += await self._step(state, env, ready, len(state.messages), rng)
            steps += 1
        if question is None and approval:
            question = self._clarify(state, env, approval)
        if question:
            lines.append(question)
        elif approval:
            state.confirmations.update((t, j) for t, j, _ in approval)
            state.awaiting_approval = True
            asks = " and ".join(_proposal(state, env, _as_stated(state, t, j, c)) for t, j, c in approval)
            thanks = THANKS[rng.randrange(len(THANKS))] if state.corrected else ""
            lines.append(f"{thanks}Just to confirm: I'll {asks}. Shall I go ahead?")
        state.corrected = False
        if state.verify and not any(q[0] < 0 for q in checks):
            lines.append("The change went through without errors; I have no separate lookup to re-check it.")
        reads = [c for c in state.calls[calls_before:] if c.ok and not _is_write(env, PlannedCall(tool=c.name,
                                                                                                   arguments={}))]
        opening = lead(rng) if reads and len(reads) == len(state.calls[calls_before:]) and not checks else ""
        text = opening + " ".join(lines) if lines else IDLE
        state.messages.append(Message(role="assistant", content=text))

    @staticmethod
    def _clarify(state: DialogueState, env: ToolAccess, calls) -> str | None:
        """The question for details a call needs that nobody has given yet (a value neither the user said
        nor a tool returned). Asked once per call."""
        for t, j, call in calls:
            if t < 0 or (t, j) in state.clarified:
                continue
            unknown = [k for k, v in _as_stated(state, t, j, call).arguments.items()
                       if k not in call.bindings and k not in UNASKED and not _known(state, v)]
            if unknown:
                state.clarified.add((t, j))
                state.asked_for = unknown
                return _question(env.spec(call.tool), unknown)
        return None

    def _needs_approval(self, state: DialogueState, env: ToolAccess, queue) -> list:
        asks = self.confirm_writes and state.mode == "user_oriented"
        # a value the user gave differs from the plan: read it back, whatever the setting, so it can be fixed
        return [q for q in queue if q[0] >= 0 and _is_write(env, q[2]) and q[:2] not in state.confirmations
                and (asks or q[:2] in state.stated)]

    async def _step(self, state: DialogueState, env: ToolAccess, ready: list, n: int,
                    rng: random.Random) -> list[str]:
        calls = [c for _, _, c in ready]
        tool_calls = [
            ToolCall(id=f"call_{n}_{i}", function=FunctionCall(name=c.tool, arguments=json.dumps(c.arguments)))
            for i, c in enumerate(calls)
        ]
        state.messages.append(Message(role="assistant", content=None, tool_calls=tool_calls))
        lines = []
        for tc, (t, j, call) in zip(tool_calls, ready):
            before = _before(state, env, env.spec(call.tool), call)
            out = await env.call(call.tool, tc.function.arguments)
            state.calls.append(MadeCall(call.tool, call.arguments, out.ok, out.value))
            state.messages.append(Message(role="tool", tool_call_id=tc.id, name=call.tool, content=out.content))
            spec = env.spec(call.tool)
            line = (describe_check(spec, out.value, out.ok) if t < 0
                    else describe(spec, out.value, out.ok, _answers(state, t, j), rng))
            lines.append(line[:-1] + f" (it was {before})." if before and out.ok and line.endswith(".") else line)
        return lines

    @staticmethod
    def _already_known(state: DialogueState, env: ToolAccess, queue) -> tuple[list[str], list]:
        """Answer from earlier outputs when a request needs no new call; a read made before a later
        change is made again instead, so nothing stale is repeated."""
        lines = []
        for ref in state.requested:
            t, s = ref
            since = [m.content or "" for m in state.messages[state.asked_at.get(ref, 0):] if m.role == "assistant"]
            answers = state.tasks[t].subtasks[s].answers
            if any(since) and all(any(mentions(r, a) for r in since) for a in answers):
                continue  # answered since the user asked: no need to say it again
            for j in state.tasks[t].subtasks[s].calls:
                call = state.tasks[t].gold_plan[j]
                if any(q[2] is call for q in queue):
                    continue
                at = max(i for i, c in enumerate(state.calls) if c.ok and same_call(c.name, c.key, call))
                spec = env.spec(call.tool)
                changed = any(c.ok and env.spec(c.name).get("kind") in WRITES and
                              env.spec(c.name).get("entity") == spec.get("entity") for c in state.calls[at + 1:])
                if changed and spec.get("kind") not in WRITES:
                    queue.append((t, j, call))  # read it again: what it said may be stale
                    continue
                said = describe(spec, state.calls[at].output, True, _answers(state, t, j), random.Random(at))
                lines.append(("That was already done: " if spec.get("kind") in WRITES else "Like I said: ") + said)
        return lines, queue

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


def _as_stated(state: DialogueState, t: int, j: int, call: PlannedCall) -> PlannedCall:
    """The call with the values the user actually gave (a slip it has not corrected yet)."""
    stated = state.stated.get((t, j))
    return call.model_copy(update={"arguments": call.arguments | stated}) if stated else call


def _is_write(env: ToolAccess, call: PlannedCall) -> bool:
    return env.spec(call.tool).get("kind") in ("create", "update", "delete")


UNASKED = ("limit", "ascending")  # arguments the agent chooses itself
WRITES = ("create", "update", "delete")


def _known(state: DialogueState, value: Any) -> bool:
    """The conversation has this value: the user said it or a tool returned it."""
    text = fmt(value)
    if any(m.role == "user" and mentions(m.content or "", text) for m in state.messages):
        return True
    for m in state.messages:
        if m.role == "tool":
            try:
                if text in facts(json.loads(m.content or "null")):
                    return True
            except json.JSONDecodeError:
                continue
    return False


def _question(spec: dict[str, Any], names: list[str]) -> str:
    fields = [spec.get("fields", {}).get(n) or n.replace("_", " ") for n in names]
    if spec.get("kind") == "update" and len(fields) == 1:
        return f"Sure. What should the new {fields[0]} be?"
    if spec.get("kind") == "create":
        return f"Happy to. What are its details? I'll need the {', '.join(fields[:-1]) + ' and ' if len(fields) > 1 else ''}{fields[-1]}."
    return f"Could you tell me the {' and '.join(fields)}?"


def _answers(state: DialogueState, t: int, j: int) -> list[str]:
    """The values the user's requests expect from plan call ``j`` of task ``t`` (none for checks)."""
    if t < 0:
        return []
    return [a for s in state.tasks[t].subtasks if j in s.calls for a in s.answers]


def _proposal(state: DialogueState, env: ToolAccess, call: PlannedCall) -> str:
    """'change the fee of Joe Sharp to 86.27': the write in words, naming the row as the user knows it."""
    spec = env.spec(call.tool)
    kind, entity, key = spec["kind"], spec.get("entity", "record"), spec.get("key")
    fields = spec.get("fields", {})
    if kind == "create":
        label = spec.get("label")
        named = f" {say(call.arguments[label])}" if label and label in call.arguments else ""
        rest = [_linked_name(state, env, k, v) or f"{fields.get(k, k.replace('_', ' '))} {say(v)}"
                for k, v in call.arguments.items() if k != label and v not in (None, "")][:6]
        return f"add a new {entity}{named}" + (f" with {', '.join(rest)}" if rest else "")
    row = _known_row(state, env, spec, call.arguments.get(key)) if key else None
    name = row_name(row, spec) if row else f"{entity} {say(call.arguments.get(key))}"
    if kind == "delete":
        return f"delete {name} (this can't be undone)"
    # the value it has now, when the conversation has seen it: the user can tell the right field is changing
    changes = [f"the {fields.get(k, k.replace('_', ' '))} of {name} "
               + (f"from {say(row[k])} " if row and row.get(k) not in (None, "", v) else "") + f"to {say(v)}"
               for k, v in call.arguments.items() if k != key]
    return "change " + " and ".join(changes) if changes else f"update {name}"


def _before(state: DialogueState, env: ToolAccess, spec: dict[str, Any], call: PlannedCall) -> str | None:
    """What an update overwrites, when the conversation has seen it: 'it was 1928'."""
    key = spec.get("key")
    if spec.get("kind") != "update" or not key:
        return None
    row = _known_row(state, env, spec, call.arguments.get(key)) or {}
    old = [row[k] for k, v in call.arguments.items() if k != key and row.get(k) not in (None, "", v)]
    return say(old[0]) if len(old) == 1 else None


def _linked_name(state: DialogueState, env: ToolAccess, param: str, value: Any) -> str | None:
    """'customer Sean Doyle' for customer_id 16, when the conversation has seen that row by its key."""
    for made in reversed(state.calls):
        spec = env.spec(made.name)
        if spec.get("key") != param or not spec.get("label"):
            continue
        for row in made.output if isinstance(made.output, list) else [made.output]:
            if isinstance(row, dict) and row.get(param) == value and row.get(spec["label"]) not in (None, ""):
                return f"{spec.get('entity', 'record')} {row_name(row, spec)}"
    return None


def _known_row(state: DialogueState, env: ToolAccess, spec: dict[str, Any], value: Any) -> dict[str, Any] | None:
    """The latest row of the tool's entity the conversation has seen with this key value (a row of
    another entity may carry the same value as a link)."""
    key = spec.get("key")
    for made in reversed(state.calls):
        if env.spec(made.name).get("entity") != spec.get("entity"):
            continue
        rows = made.output if isinstance(made.output, list) else [made.output]
        for row in rows:
            if isinstance(row, dict) and key in row and row[key] == value:
                return row
    return None


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
