"""Putting a record together: the conversation a dialogue continues, and the record of a dialogue
that got no task."""

from __future__ import annotations

from ..llm.accounting import Accounting
from ..records import Check, DialogueRecord, Message, Simulation, Validation
from ..simulation.orchestrator import dialogue_stats
from ..worlds.protocol import World
from .outcome import NO_FEASIBLE_TASK, Prior, record_of
from .settings import EpisodeSettings

MODE_TAG = {"user_oriented": "uo", "task_oriented": "to"}


def history(prior: Prior | None, system: str) -> list[Message] | None:
    """The messages a continued dialogue starts with (None: a fresh one)."""
    if prior is None:
        return None
    if prior.record is not None:
        return prior.messages
    # a plain chat: our system prompt (with the tools' instructions) leads, its own system text stays
    own = [m for m in prior.messages if m.role == "system"]
    rest = [m for m in prior.messages if m.role != "system"]
    text = system + ("\n\n" + "\n".join(m.content or "" for m in own) if own else "")
    return [Message(role="system", content=text)] + rest


def without_tasks(world: World, settings: EpisodeSettings, mode: str, prefix: str, prior: Prior | None,
                  meter: Accounting, gold_hash: str) -> DialogueRecord:
    """A rejected record for a dialogue that got no task, so that every dialogue has its record
    and its reason: the task writer's endpoint failed (a rerun asks again) or no task was feasible."""
    if meter.outages:
        check = Check(name="llm_available", passed=False, detail=meter.outages[0][1])
        termination = f"llm_unavailable: {meter.outages[0][1]}"
    else:
        check = Check(name="feasible_tasks", passed=False, detail="no task could be written whose plan runs")
        termination = NO_FEASIBLE_TASK
    earlier = record_of(prior)
    if earlier is not None:  # the earlier dialogue as it was: it still replays
        messages, specs, environment, tasks = earlier.messages, earlier.tools, earlier.environment, earlier.tasks
    else:
        system = world.system_prompt()
        messages = history(prior, system) or [Message(role="system", content=system)]
        specs, tasks = [], []
        environment = world.environment([])
    return DialogueRecord(
        id=f"{prefix}-{MODE_TAG[mode]}", messages=messages, tools=specs, environment=environment, tasks=tasks,
        simulation=Simulation(
            mode=mode, execution=settings.execution, user_policy=settings.user_policy,
            agent_policy=settings.agent_policy, seed=settings.seed,
            source_record_id=prior.id if prior is not None else None, termination=termination,
        ),
        validation=Validation(passed=False, checks=[check], final_db_hash=gold_hash, gold_db_hash=gold_hash),
        stats=dialogue_stats(messages, len(tasks)),
    )
