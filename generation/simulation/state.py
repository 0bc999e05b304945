"""What a conversation has established so far, shared by the user and agent policies."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..records import Message, PlannedCall, Subtask, Task
from ..tasks.calls import arguments_key, gold_call_made
from ..tasks.scenario import Scenario
from ..tools.runtime import limit_error

SubtaskRef = tuple[int, int]  # (task index, subtask index)


@dataclass
class MadeCall:
    name: str
    arguments: dict[str, Any] | None  # None when the agent sent unparsable JSON
    ok: bool
    output: Any
    key: str | None = field(init=False)  # canonical arguments (tasks.calls), computed once

    def __post_init__(self) -> None:
        self.key = arguments_key(self.arguments)


@dataclass
class DialogueState:
    mode: str
    tasks: list[Task]
    messages: list[Message]
    first_task: int = 0  # tasks before this one were finished in an earlier dialogue
    revealed: list[SubtaskRef] = field(default_factory=list)
    done: set[SubtaskRef] = field(default_factory=set)
    requested: list[SubtaskRef] = field(default_factory=list)  # asked for in the latest user message
    verify: list[PlannedCall] = field(default_factory=list)  # writes the user asked to double-check
    calls: list[MadeCall] = field(default_factory=list)
    asked_at: dict[SubtaskRef, int] = field(default_factory=dict)  # message index of the request
    reminders: dict[SubtaskRef, int] = field(default_factory=dict)
    confirmations: set[tuple[int, int]] = field(default_factory=set)  # writes the agent asked to approve
    awaiting_approval: bool = False  # the agent's last reply asks the user to approve a write
    tools: list[dict[str, Any]] = field(default_factory=list)  # function specs offered to the agent
    match: str = "exact"  # how a gold call counts as made: exact | writes_exact | names
    write_tools: frozenset[str] = frozenset()
    failure: str | None = None  # why the dialogue cannot go on (a policy gave up or an endpoint died)
    persona: str | None = None  # how the simulated user talks (simulation/voice.py), chosen on its first turn
    scenario: Scenario | None = None  # who the user is and why they came (tasks/scenario.py)
    told_reason: bool = False  # the rules user has mentioned why it came (once is enough)
    small_talk: bool = False  # the user's last message was a greeting alone: the agent greets back
    # the user asked about another field of a row it just saw: (the row, the field), answered from memory
    side_question: tuple[dict[str, Any], str] | None = None
    asked_side: bool = False  # the user's last message was such a question: it takes up the answer
    asked_for: list[str] = field(default_factory=list)  # arguments the agent's last reply asked the user for
    clarified: set[tuple[int, int]] = field(default_factory=set)  # plan calls the agent already asked about
    # a value the user said by mistake and has not corrected yet, per subtask; ``stated`` holds it per plan
    # call as the argument the user gave, for an agent that proposes what it heard
    slips: dict[SubtaskRef, Any] = field(default_factory=dict)
    stated: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    corrected: bool = False  # the user's last message corrected a value it had given
    outcome: tuple[str, str] | None = None  # the latest results came back empty, missing, tied or zero
    user_turns: int = 0
    completed: bool = False

    @property
    def limit_hit(self) -> bool:
        """A call ran into a query limit: what it returned says nothing about the data."""
        return any(not c.ok and limit_error(c.output) for c in self.calls)

    def subtask(self, ref: SubtaskRef) -> Subtask:
        return self.tasks[ref[0]].subtasks[ref[1]]

    def gold_calls(self, ref: SubtaskRef) -> list[PlannedCall]:
        task = self.tasks[ref[0]]
        return [task.gold_plan[i] for i in self.subtask(ref).calls]

    def pending(self) -> list[SubtaskRef]:
        """Subtasks not yet revealed to the agent, in order."""
        return [
            (t, s)
            for t in range(self.first_task, len(self.tasks))
            for s in range(len(self.tasks[t].subtasks))
            if (t, s) not in self.revealed
        ]

    def made(self, call: PlannedCall) -> bool:
        return gold_call_made(call, [(c.name, c.key) for c in self.calls if c.ok], self.match, self.write_tools)
