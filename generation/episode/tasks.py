"""The two task writers: rules (synthesized from rows) and an LLM (a rubric-backed goal with a plan).

Either plans on the dialogue's gold state: a task whose plan cannot run there is dropped
(``Infeasible``), and the gold state after all tasks is the target the dialogue must reach.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..llm.accounting import Accounting
from ..llm.client import request_seed
from ..records import Task
from ..tasks import llm_writer
from ..tasks.plan import Infeasible
from ..worlds.protocol import World, WorldState

if TYPE_CHECKING:
    from ..llm.pool import LLMPool
    from .settings import EpisodeSettings


@dataclass
class Planning:
    """What a task writer works with for one dialogue."""

    world: World
    settings: EpisodeSettings
    llm: LLMPool | None
    rng: random.Random
    gold: WorldState
    prefix: str
    meter: Accounting
    events: Counter
    persona: str | None = None  # the dialogue's user voice: the task writer writes for that person
    scenario: str | None = None  # who that person is and why they came: the goals serve it


def task_count(settings: EpisodeSettings, rng: random.Random) -> int:
    counts, weights = zip(*sorted(settings.tasks_per_dialogue.items()))
    return rng.choices(counts, weights)[0]


def count_task(events: Counter, task: Task) -> None:
    events[f"tasks_{task.difficulty}"] += 1
    events["tasks_followup" if task.builds_on else "tasks_independent"] += 1


def plan_rule_tasks(world: World, settings: EpisodeSettings, rng: random.Random, gold: WorldState, prefix: str,
                    events: Counter, wanted: int | None = None) -> list[Task]:
    """Rule-based tasks, each planned on (and applied to) the gold state."""
    wanted = wanted or task_count(settings, rng)
    tasks: list[Task] = []
    anchor = None
    for k in range(wanted):
        task_id = f"{prefix}-t{k}"
        use_anchor = anchor if anchor is not None and rng.random() < settings.followup_probability else None
        made = world.synthesize_task(gold, rng, task_id, use_anchor)
        if made is None and use_anchor is not None:
            made = world.synthesize_task(gold, rng, task_id, None)
        if made is None:
            events["task_synthesis_failed"] += 1
            continue
        task, subject = made
        tasks.append(task)
        count_task(events, task)
        anchor = (subject, task.task_id) if subject is not None else None
    return tasks


async def rule_tasks(p: Planning) -> list[Task]:
    return plan_rule_tasks(p.world, p.settings, p.rng, p.gold, p.prefix, p.events)


async def llm_tasks(p: Planning) -> list[Task]:
    """Tasks the LLM task writer proposes, each kept only if its plan runs on the gold state."""
    count = task_count(p.settings, p.rng)
    prompt = p.world.task_writer_prompt(p.gold, p.rng, count, p.settings.modes[0], p.persona, p.scenario)
    raw_tasks = await llm_writer.write_tasks(p.llm.client("task_writer"), p.meter, prompt, p.rng,
                                             seed=request_seed(p.prefix, "task_writer"))
    tasks: list[Task] = []
    for raw in raw_tasks[:count]:
        try:
            with p.gold.savepoint("task"):
                task = p.world.write_task(raw, f"{p.prefix}-t{len(tasks)}", p.gold)
        except Infeasible as exc:
            p.events["task_synthesis_failed"] += 1
            p.events[f"task_infeasible: {str(exc).split(':')[0][:40]}"] += 1
            continue
        tasks.append(task)
        count_task(p.events, task)
    p.events["task_synthesis_failed"] += max(0, count - len(raw_tasks[:count]))
    return tasks
