"""The LLM user simulator: the paper's behaviour rules, structured output, and two guards.

Its view of the dialogue is append-only (its instructions and goal first, then each agent reply
with the tool results as a new message), so a serving engine reuses the cached prefix.
A reply that pastes the goal verbatim or speaks of datasets/assistants/tasks is asked again once,
then recorded as a rejection.
"""

from __future__ import annotations

import json
import random
import re
from dataclasses import dataclass
from typing import Any

from ..llm.accounting import Accounting
from ..llm.client import LLMClient, LLMUnavailable
from ..llm.jsonreply import UnusableReply, ask_json, fresh_seed
from ..llm.prompts import render
from .policies import UserTurn
from .state import DialogueState
from .voice import describe_persona

TOOL_RESULT_CHARS = 400
META = re.compile(r"\b(dataset|assistant|task definition|simulat\w*|language model|as an ai)\b", re.I)


def problem_with(message: str, goal: str) -> str | None:
    """Why a user message is unusable, or None."""
    if not message.strip():
        return "empty message"
    if META.search(message):
        return "meta language"
    text, source = " ".join(message.lower().split()), " ".join(goal.lower().split())
    window = max(40, int(0.6 * len(source)))
    if len(text) < window:  # too short to hold a pasted stretch of the goal
        return None
    if any(source[i:i + window] in text for i in range(0, max(1, len(source) - window + 1), 4)):
        return "pastes the goal verbatim"
    return None


def _scenario(state: DialogueState) -> str:
    return state.scenario.text if state.scenario else "An ordinary user of the records system."


@dataclass
class LLMUser:
    client: LLMClient
    meter: Accounting
    scope: str
    seed: int | None = None  # the dialogue's request seed (see request_seed)
    name: str = "llm"

    def _goal(self, state: DialogueState) -> str:
        return "\n".join(f"- {t.description}" for t in state.tasks[state.first_task:])

    def __post_init__(self) -> None:
        self._view_cache: list[dict[str, Any]] = []
        self._seen = 0  # messages of the dialogue already folded into the cached view
        self._pending: list[str] = []

    def _view(self, state: DialogueState) -> list[dict[str, Any]]:
        """System + goal, then the conversation from the user's side: its words are 'assistant'.

        Built incrementally: earlier messages of the view never change (prefix-cache friendly)."""
        if not self._view_cache:  # the opening cue stays, so every later view extends this one
            self._view_cache = [{"role": "system", "content": render("user_simulator", goal=self._goal(state),
                                                                 persona=describe_persona(state.persona),
                                                                 scenario=_scenario(state))},
                                {"role": "user", "content": "(The agent is waiting for you to start.)"}]
        view, pending = self._view_cache, self._pending
        for m in state.messages[self._seen:]:
            if m.role == "system":
                continue
            if m.role == "user":
                if pending:
                    view.append({"role": "user", "content": "\n".join(pending)})
                    pending.clear()
                view.append({"role": "assistant", "content": json.dumps({"user_message": m.content})})
            elif m.role == "assistant" and m.content:
                pending.append(f"Agent: {m.content}")
            elif m.role == "tool":  # the gist is enough to judge progress; keeps the view small
                content = m.content or ""
                pending.append(f"Tool result ({m.name}): {content[:TOOL_RESULT_CHARS]}"
                               + (" ..." if len(content) > TOOL_RESULT_CHARS else ""))
        self._seen = len(state.messages)
        return view + [{"role": "user", "content": "\n".join(pending)}] if pending else list(view)

    async def next_turn(self, state: DialogueState, rng: random.Random) -> UserTurn:
        goal = self._goal(state)
        view = self._view(state)

        def read(data: Any) -> UserTurn:
            if not isinstance(data, dict):
                raise ValueError("reply is not a JSON object")
            turn = UserTurn(str(data.get("user_message") or ""), data.get("is_task_complete") is True)
            if (problem := problem_with(turn.user_message, goal)) is not None:
                raise ValueError(problem)
            return turn

        try:
            reply = await ask_json(self.client, "user", view, meter=self.meter, scope=self.scope, read=read,
                                   seed=self.seed, reseed=fresh_seed(rng), revise=lambda reason: view + [
                                       {"role": "user", "content": render("user_turn_rejected", reason=reason)}])
        except LLMUnavailable as exc:
            state.failure = f"llm_unavailable: {exc}"
            return UserTurn("", False)
        except UnusableReply as exc:
            state.failure = f"user_rejected: {exc.reason}"
            return UserTurn("", False)
        # an LLM user does not say which pieces it asked for: the next pending ones in order
        if not reply.value.is_task_complete:
            state.requested = state.pending()[:1] or state.requested
            for ref in state.requested:
                if ref not in state.revealed:
                    state.revealed.append(ref)
        return reply.value
