"""Runs one conversation: user and agent take turns over a dialogue's own tool session."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..records import Message, Stats, Task
from .policies import AgentPolicy, ToolSession, UserPolicy
from ..tasks.scenario import Scenario
from .state import DialogueState


@dataclass
class SimulationResult:
    messages: list[Message]
    completed: bool
    termination: str
    stats: Stats
    state: DialogueState
    events: Counter = field(default_factory=Counter)


async def simulate(
    *,
    mode: str,
    tasks: list[Task],
    system_prompt: str,
    user: UserPolicy,
    agent: AgentPolicy,
    env: ToolSession,
    rng: random.Random,
    max_user_turns: int,
    history: list[Message] | None = None,
    first_task: int = 0,
    tools: list[dict[str, Any]] | None = None,
    messages_out: list[Message] | None = None,
    match: str = "exact",
    write_tools: frozenset[str] = frozenset(),
    persona: str | None = None,
    scenario: Scenario | None = None,
) -> SimulationResult:
    messages = messages_out if messages_out is not None else []
    messages += list(history) if history else [Message(role="system", content=system_prompt)]
    state = DialogueState(mode=mode, tasks=tasks, messages=messages, first_task=first_task, tools=tools or [],
                          match=match, write_tools=write_tools, persona=persona,
                          scenario=scenario)
    termination = "max_user_turns"
    while state.user_turns < max_user_turns:
        turn = await user.next_turn(state, rng)
        if state.failure:
            termination = state.failure
            break
        state.user_turns += 1
        state.messages.append(Message(role="user", content=turn.user_message))
        if turn.is_task_complete:
            state.completed, termination = True, "user_complete"
            break
        if not (state.requested or state.verify or state.small_talk or state.side_question):
            termination = "user_gave_up"
            break
        await agent.respond(state, env, rng)
        if state.failure:
            termination = state.failure
            break
        if env.stops_on_query_limit and state.limit_hit:  # it cannot be kept: stop here
            termination = "query_limit"
            break
    return SimulationResult(
        messages=state.messages,
        completed=state.completed,
        termination=termination,
        stats=dialogue_stats(state.messages, len(tasks)),
        state=state,
        events=env.events,
    )


def dialogue_stats(messages: list[Message], tasks: int) -> Stats:
    """The paper's units: Turn = every non-system message, Step = tool-calling iterations."""
    turns = [m for m in messages if m.role != "system"]
    tool_steps = [m for m in turns if m.role == "assistant" and m.tool_calls]
    return Stats(
        turns=len(turns),
        steps=len(tool_steps),
        tasks=tasks,
        tool_calls=sum(len(m.tool_calls) for m in tool_steps),
        user_requests=sum(1 for m in turns if m.role == "user"),
    )
