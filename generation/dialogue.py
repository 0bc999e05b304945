"""One dialogue from start to record: plan its tasks, simulate each mode, validate, record."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

from .config import GenerationConfig
from .environments.database import DatabaseCopy
from .records import DialogueRecord, Simulation, Task, Validation
from .replay import replay
from .simulation.agent_oracle import OracleAgent
from .simulation.orchestrator import SqlToolEnvironment, simulate
from .simulation.user_rules import RulesUser
from .validation import checks
from .world import SqlWorld

MODE_TAG = {"user_oriented": "uo", "task_oriented": "to"}


@dataclass
class DialogueOutcome:
    records: list[DialogueRecord] = field(default_factory=list)
    events: Counter = field(default_factory=Counter)


def _fresh(world: SqlWorld, prior: DialogueRecord | None, config: GenerationConfig) -> DatabaseCopy:
    if prior is None:
        return world.db.copy()
    return replay(prior, world.db, world.toolbox.limits).copy


def _rerun_gold(world: SqlWorld, prior: DialogueRecord | None, config: GenerationConfig,
                tasks: list[Task]) -> str | None:
    """Feasibility: the gold plans, run again on a fresh copy, reach the same state without errors."""
    copy = _fresh(world, prior, config)
    try:
        for task in tasks:
            for call in task.gold_plan:
                if not world.toolbox.call(copy, call.tool, call.arguments).ok:
                    return None
        return copy.state_hash()
    finally:
        copy.close()


def plan_tasks(world: SqlWorld, config: GenerationConfig, rng: random.Random, gold: DatabaseCopy,
               prefix: str, events: Counter) -> list[Task]:
    counts, weights = zip(*sorted(config.tasks_per_dialogue.items()))
    wanted = rng.choices(counts, weights)[0]
    tasks: list[Task] = []
    anchor = None
    for k in range(wanted):
        task_id = f"{prefix}-t{k}"
        use_anchor = anchor if anchor is not None and rng.random() < config.followup_probability else None
        made = world.synthesizer.synthesize(gold, rng, task_id, use_anchor)
        if made is None and use_anchor is not None:
            made = world.synthesizer.synthesize(gold, rng, task_id, None)
        if made is None:
            events["task_synthesis_failed"] += 1
            continue
        task, subject = made
        tasks.append(task)
        events[f"tasks_{task.difficulty}"] += 1
        events["tasks_followup" if task.builds_on else "tasks_independent"] += 1
        anchor = (subject, task.task_id) if subject is not None else None
    return tasks


def offered_tools(world: SqlWorld, tasks: list[Task], limit: int, rng: random.Random) -> list[str]:
    """The tools the tasks need, the readers that confirm their writes, then related distractors."""
    needed = {c.tool for t in tasks for c in t.gold_plan}
    tables = world.catalog.tables_used(sorted(needed))
    for name in list(needed):
        tool = world.toolbox.tools[name]
        getter = world.catalog.get("get", tool.table)
        if tool.writes and getter is not None:
            needed.add(getter.name)
    related = [t.name for t in world.catalog.tools if t.table in tables and t.name not in needed]
    others = [t.name for t in world.catalog.tools if t.table not in tables]
    rng.shuffle(related)
    rng.shuffle(others)
    chosen = needed | set((related + others)[: max(0, limit - len(needed))])
    return [t.name for t in world.catalog.tools if t.name in chosen]


def generate_dialogue(world: SqlWorld, config: GenerationConfig, index: int,
                      prior: DialogueRecord | None = None) -> DialogueOutcome:
    outcome = DialogueOutcome()
    rng = random.Random(f"{config.seed}:{index}")
    prefix = f"{world.db.db_id}-s{config.seed}-{index:06d}"
    gold = _fresh(world, prior, config)
    try:
        tasks = plan_tasks(world, config, rng, gold, prefix, outcome.events)
        gold_hash = gold.state_hash()
    finally:
        gold.close()
    if not tasks:
        outcome.events["dialogue_without_feasible_task"] += 1
        return outcome
    if _rerun_gold(world, prior, config, tasks) != gold_hash:
        outcome.events["gold_plan_not_reproducible"] += 1
        outcome.events["task_synthesis_failed"] += len(tasks)
        return outcome
    tool_names = offered_tools(world, tasks, config.max_tools_per_dialogue, rng)
    if prior is not None:  # the earlier calls must stay re-executable from this record
        tool_names = list(dict.fromkeys([t.name for t in prior.environment.tools] + tool_names))
    specs = [world.toolbox.tools[n].openai_spec() for n in tool_names]
    history = prior.messages if prior is not None else None
    all_tasks = (prior.tasks if prior is not None else []) + tasks
    for mode in config.modes:
        outcome.events["tasks_attempted"] += len(tasks)
        mode_rng = random.Random(f"{config.seed}:{index}:{mode}")
        copy = _fresh(world, prior, config)
        try:
            result = simulate(
                mode=mode, tasks=all_tasks, system_prompt=world.system_prompt(),
                user=RulesUser(config.user.max_subtasks_per_turn, config.user.combine_probability,
                               config.user.confirm_write_probability),
                agent=OracleAgent(config.agent.max_steps_per_turn, config.agent.confirm_writes),
                env=SqlToolEnvironment(world.toolbox, world.catalog, copy), rng=mode_rng,
                max_user_turns=config.user.max_user_turns, history=history,
                first_task=len(all_tasks) - len(tasks),
            )
            final_hash = copy.state_hash()
        finally:
            copy.close()
        returns = {n: world.toolbox.tools[n].returns for n in tool_names}
        found = [
            checks.check_db_state(final_hash, gold_hash),
            checks.check_required_calls(result.messages, all_tasks),
            checks.check_output_schemas(result.messages, returns),
            checks.check_grounding(result.messages),
            checks.check_answers(result.messages, all_tasks),
            checks.check_completion(result.completed, result.termination),
            checks.check_format(result.messages),
        ]
        validation = Validation(passed=all(c.passed for c in found), checks=found,
                                final_db_hash=final_hash, gold_db_hash=gold_hash)
        if validation.passed:
            outcome.events["tasks_validated"] += len(tasks)
        outcome.records.append(DialogueRecord(
            id=f"{prefix}-{MODE_TAG[mode]}",
            messages=result.messages,
            tools=specs,
            environment=world.environment(tool_names),
            tasks=all_tasks,
            simulation=Simulation(
                mode=mode, execution="sql", user_policy=config.user.policy, agent_policy=config.agent.policy,
                seed=config.seed, source_record_id=prior.id if prior is not None else None,
                completed=result.completed, termination=result.termination,
            ),
            validation=validation,
            stats=result.stats,
        ))
    return outcome
