"""The simulated world: a toolset without a backend, its tools played by an LLM.

There is no state to plan on or hash (the state hash is ""), so tasks come from the LLM task
writer and gold calls are matched by tool name.
"""

from __future__ import annotations

import random
from collections import Counter
from contextlib import nullcontext
from typing import Any

from ..llm.prompts import render
from ..records import Check, DialogueRecord, Environment, Message, Task
from ..simulation.tool_simulator import SimulatedTools
from ..simulation.voice import describe_persona
from ..tasks import llm_writer
from ..tools.toolsets import Toolset
from .protocol import SessionContext, ToolOffer


class NoState:
    """A world without state: nothing to hash, nothing to undo."""

    def state_hash(self) -> str:
        return ""

    def savepoint(self, name: str, *, undo: bool = False) -> nullcontext:
        return nullcontext()

    def close(self) -> None:
        pass


class SimulatedToolSession(SimulatedTools):
    stops_on_query_limit = False  # a simulated "limit" error is only text: nothing was cut short

    @property
    def events(self) -> Counter:
        return Counter()


class SimulatedWorld:
    def __init__(self, toolset: Toolset) -> None:
        self.toolset = toolset
        self.name = toolset.name

    def environment(self, tool_names: list[str]) -> Environment:
        return self.toolset.environment(tool_names)

    def system_prompt(self) -> str:
        return render("agent_system_simulated", domain=self.name.replace("_", " ")).strip()

    def start(self, prior: DialogueRecord | None, wall_clock: bool = True) -> NoState:
        return NoState()

    def synthesize_task(self, state: NoState, rng: random.Random, task_id: str,
                        anchor: tuple[Any, str] | None) -> tuple[Task, Any] | None:
        raise NotImplementedError("rule-based tasks need SQL (the config requires tasks.policy: llm)")

    def task_writer_prompt(self, state: NoState, rng: random.Random, count: int, mode: str,
                           persona: str | None = None, scenario: str | None = None) -> str:
        # a tool to start from, drawn per dialogue: the rest of this prompt is the same for all
        focus = rng.choice([s["function"]["name"] for s in self.toolset.specs])
        return render("task_writer_simulated", domain=self.name.replace("_", " "), mode=mode,
                      tools=llm_writer.tools_text(self.toolset.specs), count=count, focus=focus,
                      persona=describe_persona(persona), scenario=scenario or "An ordinary user of the system.")

    def write_task(self, raw: dict[str, Any], task_id: str, state: NoState) -> Task:
        return llm_writer.to_task(raw, task_id, None, None, set(self.toolset.returns))

    def offer(self, tasks: list[Task], limit: int, rng: random.Random, prior: DialogueRecord | None) -> ToolOffer:
        specs = self.toolset.specs
        names = [s["function"]["name"] for s in specs]
        return ToolOffer(names, specs, self.toolset.returns, self.environment(names))

    def session(self, offer: ToolOffer, state: NoState, context: SessionContext) -> SimulatedToolSession:
        return SimulatedToolSession(offer.specs, offer.returns, context.llm.client("tool_simulator"), context.meter,
                                    context.scope, context.rng, context.latest_user, seed=context.seed)

    def call_matching(self, strict_agent: bool) -> tuple[str, frozenset[str]]:
        return "names", frozenset()

    def state_checks(self, messages: list[Message], final_hash: str, gold_hash: str) -> list[Check]:
        return []
