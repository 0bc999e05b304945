"""What a world offers a dialogue: tools to offer, a state to plan and act on, a tool session.

Two worlds fill it: ``SqlWorld`` (calls run on a private database copy, the state has a hash)
and ``SimulatedWorld`` (an LLM answers within each tool's return schema; no state to hash).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from ..records import Check, DialogueRecord, Environment, Message, Task
from ..simulation.policies import ToolSession

if TYPE_CHECKING:
    from ..llm.accounting import Accounting
    from ..llm.pool import LLMPool


class WorldState(Protocol):
    """The state a dialogue plans its tasks on (gold) or its agent acts on."""

    def state_hash(self) -> str: ...

    def savepoint(self, name: str, *, undo: bool = False) -> AbstractContextManager[None]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class ToolOffer:
    """The tools one dialogue offers: names, OpenAI specs, return schemas, the record's environment."""

    names: list[str]
    specs: list[dict[str, Any]]
    returns: dict[str, dict[str, Any]]
    environment: Environment


@dataclass
class SessionContext:
    """What a tool session may need besides the world: the LLM (simulated tools) and the dialogue's
    accounting scope, random stream, request seed and latest user message."""

    llm: LLMPool | None
    meter: Accounting
    scope: str
    rng: random.Random
    seed: int
    latest_user: Callable[[], str]


class World(Protocol):
    name: str

    def system_prompt(self) -> str: ...

    def environment(self, tool_names: list[str]) -> Environment: ...

    def start(self, prior: DialogueRecord | None, wall_clock: bool = True) -> WorldState:
        """The state a dialogue starts from (after ``prior``'s calls); ``wall_clock`` False for the gold
        state, which must not depend on the machine's load."""

    def synthesize_task(self, state: WorldState, rng: random.Random, task_id: str,
                        anchor: tuple[Any, str] | None) -> tuple[Task, Any] | None: ...

    def task_writer_prompt(self, state: WorldState, rng: random.Random, count: int, mode: str,
                           persona: str | None = None, scenario: str | None = None) -> str: ...

    def write_task(self, raw: dict[str, Any], task_id: str, state: WorldState) -> Task:
        """A task from the task writer's object; raises ``Infeasible`` when its plan cannot run."""

    def offer(self, tasks: list[Task], limit: int, rng: random.Random, prior: DialogueRecord | None) -> ToolOffer: ...

    def session(self, offer: ToolOffer, state: WorldState, context: SessionContext) -> ToolSession: ...

    def call_matching(self, strict_agent: bool) -> tuple[str, frozenset[str]]:
        """How gold calls are matched (see validation.checks) and which tools write."""

    def state_checks(self, messages: list[Message], final_hash: str, gold_hash: str) -> list[Check]: ...
