"""The two roles of a simulation, as small interfaces any policy (rules, oracle, LLM) can fill."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any, Protocol

from ..tools.runtime import ToolOutput
from .state import DialogueState


@dataclass(frozen=True)
class UserTurn:
    user_message: str
    is_task_complete: bool


class ToolAccess(Protocol):
    """What an agent may do to the world: call a tool by name with JSON arguments."""

    async def call(self, name: str, arguments: str) -> ToolOutput: ...

    def spec(self, name: str) -> dict[str, Any]: ...


class ToolSession(ToolAccess, Protocol):
    """The tools as one dialogue's agent calls them, and what those calls ran into."""

    stops_on_query_limit: bool  # a call that hit a query limit cannot be kept: the dialogue ends there

    @property
    def events(self) -> Counter: ...


class UserPolicy(Protocol):
    name: str

    async def next_turn(self, state: DialogueState, rng: random.Random) -> UserTurn:
        """The user's next message; it may also set ``state.requested`` and ``state.verify``."""


class AgentPolicy(Protocol):
    name: str

    async def respond(self, state: DialogueState, env: ToolAccess, rng: random.Random) -> None:
        """Append the agent's messages (tool calls, tool outputs, final reply) to the state."""
