"""Small hand-made dialogues for the validation tests: one task about a concert database."""

from __future__ import annotations

import json
from typing import Any

from generation.records import (
    FunctionCall,
    Message,
    PlannedCall,
    Rubric,
    Subtask,
    Task,
    ToolCall,
)

REQUEST = "How many singers are from France?"
COUNT = {"country": "France"}


def called(*calls: tuple[str, dict[str, Any]], first_id: int = 1) -> Message:
    """An assistant message making ``calls`` (tool, arguments), with ids c1, c2, ..."""
    return Message(role="assistant", tool_calls=[
        ToolCall(id=f"c{first_id + i}", function=FunctionCall(name=tool, arguments=json.dumps(args)))
        for i, (tool, args) in enumerate(calls)])


def answered(call_id: str, tool: str, value: Any) -> Message:
    content = value if isinstance(value, str) else json.dumps(value)
    return Message(role="tool", tool_call_id=call_id, name=tool, content=content)


def dialogue(reply: str = "There are 3 singers from France.", *, tool: str = "count_singers",
             args: dict[str, Any] = COUNT, output: Any = None, request: str = REQUEST) -> list[Message]:
    """One task: the user asks, the agent calls one tool, the tool answers, the agent replies."""
    return [Message(role="system", content="You help with the concert database."),
            Message(role="user", content=request),
            called((tool, args)),
            answered("c1", tool, {"count": 3} if output is None else output),
            Message(role="assistant", content=reply)]


def task(*calls: tuple[str, dict[str, Any]], answers: tuple[str, ...] = ("3",), task_id: str = "t1") -> Task:
    plan = [PlannedCall(tool=t, arguments=a) for t, a in calls or [("count_singers", COUNT)]]
    return Task(task_id=task_id, description="Know how many singers come from France.", difficulty="easy",
                subtasks=[Subtask(request=REQUEST, calls=list(range(len(plan))), answers=list(answers))],
                rubric=Rubric(success_criteria=["states the count"], expected_calls=[], checkpoints=[]),
                gold_plan=plan)
