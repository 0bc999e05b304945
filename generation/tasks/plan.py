"""Building a gold plan by running it: every call executes on the gold copy as it is planned."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..databases.database import DatabaseCopy
from ..records import ExpectedCall, PlannedCall, Subtask
from ..tools.runtime import Toolbox
from ..tools.spec import SqlTool
from .calls import sources, with_placeholders


class Infeasible(Exception):
    """A task's plan cannot run on the current state (error, nothing found, a placeholder with
    nothing to fill it): the task is dropped. Raised by both task writers (rules and LLM)."""


@dataclass
class Step:
    request: str  # what the user says
    goal: str  # the same, as a declarative clause of the end goal
    calls: list[int]
    answers: list[str] = field(default_factory=list)
    writes: bool = False
    intent: dict[str, Any] | None = None


@dataclass
class PlanBuilder:
    toolbox: Toolbox
    copy: DatabaseCopy
    calls: list[PlannedCall] = field(default_factory=list)
    outputs: list[Any] = field(default_factory=list)
    depth: list[int] = field(default_factory=list)  # length of the dependency chain ending at each call
    steps: list[Step] = field(default_factory=list)
    subject: Any = None  # the entity the task is about, for a later task to build on

    def run(self, tool: SqlTool, args: dict[str, Any], bindings: dict[str, str] | None = None) -> Any:
        out = self.toolbox.call(self.copy, tool.name, args)
        if not out.ok:
            raise Infeasible(f"{tool.name}: {out.value['error']['message']}")
        if out.value == [] or (isinstance(out.value, dict) and out.value.get("truncated")):
            raise Infeasible(f"{tool.name}: empty or truncated result")
        bindings = bindings or {}
        self.depth.append(1 + max((self.depth[i] for i in sources(bindings)), default=0))
        self.calls.append(PlannedCall(tool=tool.name, arguments=args, bindings=bindings))
        self.outputs.append(out.value)
        return out.value

    def mark(self) -> tuple[int, int]:
        return len(self.calls), len(self.steps)

    def rewind(self, mark: tuple[int, int]) -> None:
        """Forget the calls and steps planned since ``mark`` (their writes are undone by a savepoint)."""
        calls, steps = mark
        del self.calls[calls:], self.outputs[calls:], self.depth[calls:], self.steps[steps:]

    @property
    def last(self) -> int:
        return len(self.calls) - 1

    def step(self, request: str, goal: str, calls: list[int], answers: list[Any] = (), writes: bool = False,
             intent: dict[str, Any] | None = None) -> None:
        from ..values import fmt

        # a missing value (NULL) is nothing the agent can be expected to state
        self.steps.append(Step(request, goal, calls, [fmt(a) for a in answers if a is not None], writes, intent))

    def subtasks(self) -> list[Subtask]:
        return [Subtask(request=s.request, calls=s.calls, answers=s.answers, writes=s.writes, intent=s.intent)
                for s in self.steps]

    def expected_calls(self) -> list[ExpectedCall]:
        return [ExpectedCall(tool=call.tool, arguments=with_placeholders(call)) for call in self.calls]

    @property
    def chain(self) -> int:
        return max(self.depth, default=0)
