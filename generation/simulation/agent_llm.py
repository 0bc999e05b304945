"""The LLM agent: OpenAI tool calling against the dialogue's tools, several steps per turn.

Malformed output never crashes a dialogue: bad JSON arguments, unknown tools and arguments that
fail the schema come back to the model as structured tool errors (the environment does that);
an empty reply is asked again once; a dead endpoint ends the dialogue with a recorded reason.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from ..llm.accounting import Accounting
from ..llm.client import LLMClient, LLMUnavailable
from ..llm.jsonreply import UnusableReply, ask, fresh_seed
from ..records import FunctionCall, Message, ToolCall
from ..tools.runtime import ToolOutput, error_output
from .policies import ToolAccess
from .state import DialogueState, MadeCall


def wire(message: Message) -> dict[str, Any]:
    """A record message as the chat-completions API takes it."""
    return message.model_dump(exclude_none=True, exclude={"reasoning_content"})


@dataclass
class LLMAgent:
    client: LLMClient
    meter: Accounting
    scope: str
    max_steps_per_turn: int = 8
    seed: int | None = None  # the dialogue's request seed (see request_seed)
    name: str = "llm"

    def __post_init__(self) -> None:
        self._wire: list[dict[str, Any]] = []  # messages already converted: the dialogue only grows

    def _messages(self, state: DialogueState) -> list[dict[str, Any]]:
        self._wire += [wire(m) for m in state.messages[len(self._wire):]]
        return list(self._wire)

    async def respond(self, state: DialogueState, env: ToolAccess, rng: random.Random) -> None:
        used = {tc.id for m in state.messages for tc in m.tool_calls or []}
        for step in range(self.max_steps_per_turn):
            message = await self._ask(state, rng)
            if message is None:
                return
            calls = _tool_calls(message, len(state.messages), used)
            content = message.get("content") or None
            state.messages.append(Message(role="assistant", content=content,
                                          tool_calls=calls or None,
                                          reasoning_content=message.get("reasoning_content") or None))
            if not calls:
                return
            for call in calls:
                out = await _execute(call, env, state)
                state.calls.append(MadeCall(call.function.name, _args(call.function.arguments), out.ok, out.value))
                state.messages.append(Message(role="tool", tool_call_id=call.id, name=call.function.name,
                                              content=out.content))
            if state.failure:
                return
        state.messages.append(Message(role="assistant", content="I could not finish that within my step limit."))
        state.failure = state.failure or "agent_step_cap"

    async def _ask(self, state: DialogueState, rng: random.Random) -> dict[str, Any] | None:
        try:
            reply = await ask(self.client, "agent", self._messages(state), meter=self.meter, scope=self.scope,
                              tools=state.tools, read=_said_something, seed=self.seed, reseed=fresh_seed(rng))
        except LLMUnavailable as exc:
            state.failure = f"llm_unavailable: {exc}"
            return None
        except UnusableReply:
            state.failure = "agent_empty_reply"
            state.messages.append(Message(role="assistant", content=""))
            return None
        return reply.value


def _said_something(message: dict[str, Any]) -> dict[str, Any]:
    """The reply is tool calls or text, not JSON: only an empty one is asked again."""
    if (message.get("content") or "").strip() or message.get("tool_calls"):
        return message
    raise ValueError("empty reply")


async def _execute(call: ToolCall, env: ToolAccess, state: DialogueState) -> ToolOutput:
    """Run one call; a simulated tool whose LLM is down ends the dialogue (every call still gets
    an answer, so the record stays well-formed)."""
    if state.failure:
        return error_output("simulation_error", "not run: the tool backend is unavailable")
    try:
        return await env.call(call.function.name, call.function.arguments)
    except LLMUnavailable as exc:
        state.failure = f"llm_unavailable: {exc}"
        return error_output("simulation_error", f"tool backend unavailable: {exc}")


def _tool_calls(message: dict[str, Any], n: int, used: set[str]) -> list[ToolCall]:
    """The reply's tool calls, normalized: string arguments, and ids unique within the dialogue."""
    calls = []
    for i, raw in enumerate(message.get("tool_calls") or []):
        raw = raw if isinstance(raw, dict) else {}
        function = raw.get("function") if isinstance(raw.get("function"), dict) else {}
        arguments = function.get("arguments", "")
        if not isinstance(arguments, str):
            arguments = json.dumps(arguments, ensure_ascii=False)
        call_id = str(raw.get("id") or "")
        if not call_id or call_id in used:
            call_id = f"call_{n}_{i}"
        used.add(call_id)
        calls.append(ToolCall(id=call_id, function=FunctionCall(name=str(function.get("name") or ""), arguments=arguments)))
    return calls


def _args(arguments: str) -> dict[str, Any] | None:
    try:
        value = json.loads(arguments)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None
