"""One dialogue from start to record: plan its tasks, simulate each mode, validate, record.

Which policy plays each role (rules or LLM for tasks and user, oracle or LLM for the agent, an
optional LLM judge) and how tools run (SQL or simulated) come from the config: the paper's
Table-3 pipelines and any mix of them.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from .config import GenerationConfig
from .environments.database import DatabaseCopy
from .llm.accounting import Accounting
from .llm.client import request_seed
from .llm.pool import LLMPool
from .llm.prompts import render
from .records import Check, DialogueRecord, Message, Simulation, Task, Validation
from .replay import replay
from .simulation.agent_llm import LLMAgent
from .simulation.agent_oracle import OracleAgent
from .simulation.orchestrator import SqlToolEnvironment, dialogue_stats, simulate
from .simulation.tool_simulator import SimulatedToolEnvironment
from .simulation.user_llm import LLMUser
from .simulation.user_rules import RulesUser
from .tasks import llm_writer
from .toolset import Toolset
from .validation import checks
from .validation.judge import judge
from .world import SqlWorld

MODE_TAG = {"user_oriented": "uo", "task_oriented": "to"}


@dataclass
class DialogueOutcome:
    records: list[DialogueRecord] = field(default_factory=list)
    events: Counter = field(default_factory=Counter)
    usage: dict[str, Any] = field(default_factory=dict)
    outages: list[tuple[str, str]] = field(default_factory=list)  # (role, why) of LLM calls that gave up

    @property
    def retry(self) -> bool:
        """An endpoint failed, or a query ran past the wall-clock safety net (the machine's load,
        not the data): the records stand as rejections, and a rerun tries again."""
        return bool(self.outages) or self.events.get("queries_timed_out", 0) > 0


@dataclass
class Prior:
    """Where a dialogue starts: an earlier record (state restored by replay) or a plain chat."""

    id: str
    messages: list[Message]
    record: DialogueRecord | None = None


def _fresh(world: SqlWorld, prior: Prior | None, wall_clock: bool = True) -> DatabaseCopy:
    """The database a dialogue starts from; the gold copy (``wall_clock`` False) plans on the step
    budget alone, so which tasks exist never depends on the machine's load."""
    if prior is None or prior.record is None:
        return world.db.copy(wall_clock)
    return replay(prior.record, world.db, world.toolbox.limits, wall_clock).copy


def plan_tasks(world: SqlWorld, config: GenerationConfig, rng: random.Random, gold: DatabaseCopy,
               prefix: str, events: Counter, wanted: int | None = None) -> list[Task]:
    """Rule-based tasks, each planned on (and applied to) the gold copy."""
    wanted = wanted or task_count(config, rng)
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
        _count(events, task)
        anchor = (subject, task.task_id) if subject is not None else None
    return tasks


def task_count(config: GenerationConfig, rng: random.Random) -> int:
    counts, weights = zip(*sorted(config.tasks_per_dialogue.items()))
    return rng.choices(counts, weights)[0]


def _count(events: Counter, task: Task) -> None:
    events[f"tasks_{task.difficulty}"] += 1
    events["tasks_followup" if task.builds_on else "tasks_independent"] += 1


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


class DialogueFactory:
    def __init__(self, config: GenerationConfig, llm: LLMPool | None, toolset: Toolset | None = None) -> None:
        self.config = config
        self.llm = llm
        self.toolset = toolset

    # -- tasks -----------------------------------------------------------------------------
    async def _llm_tasks(self, world: SqlWorld | None, gold: DatabaseCopy | None, rng: random.Random,
                         prefix: str, meter: Accounting, events: Counter, mode: str) -> list[Task]:
        count = task_count(self.config, rng)
        if world is not None:
            specs = [t.openai_spec() for t in world.catalog.tools]
            prompt = render("task_writer_sql", domain=world.db.db_id.replace("_", " "), tools=llm_writer.tools_text(specs),
                            schema=llm_writer.schema_text(world), data_view=llm_writer.data_view(gold, world, rng),
                            count=count)
            known = set(world.toolbox.tools)
        else:
            # a tool to start from, drawn per dialogue: the rest of this prompt is the same for all
            focus = rng.choice([s["function"]["name"] for s in self.toolset.specs])
            prompt = render("task_writer_simulated", domain=self.toolset.name.replace("_", " "), mode=mode,
                            tools=llm_writer.tools_text(self.toolset.specs), count=count, focus=focus)
            known = set(self.toolset.returns)
        raw_tasks = await llm_writer.write_tasks(self.llm.client("task_writer"), meter, prompt, rng,
                                                 seed=request_seed(prefix, "task_writer"))
        tasks = []
        for raw in raw_tasks[:count]:
            task_id = f"{prefix}-t{len(tasks)}"
            if gold is not None:
                gold.conn.execute("SAVEPOINT task")
            try:
                task = llm_writer.to_task(raw, task_id, world.toolbox if world else None, gold, known)
            except llm_writer.Infeasible as exc:
                events["task_synthesis_failed"] += 1
                events[f"task_infeasible: {str(exc).split(':')[0][:40]}"] += 1
                if gold is not None:
                    gold.conn.execute("ROLLBACK TO task")
                    gold.conn.execute("RELEASE task")
                continue
            if gold is not None:
                gold.conn.execute("RELEASE task")
            tasks.append(task)
            _count(events, task)
        events["task_synthesis_failed"] += max(0, count - len(raw_tasks[:count]))
        return tasks

    # -- one dialogue ----------------------------------------------------------------------------
    async def generate(self, world: SqlWorld | None, index: int, prior: Prior | None = None) -> DialogueOutcome:
        config = self.config
        outcome = DialogueOutcome()
        meter = Accounting()
        rng = random.Random(f"{config.seed}:{index}")
        name = world.db.db_id if world is not None else self.toolset.name
        prefix = f"{name}-s{config.seed}-{index:06d}"
        tasks, gold_hash = await self._plan(world, prior, rng, prefix, meter, outcome.events)
        if not tasks:
            outcome.records = [self._without_tasks(world, mode, prefix, prior, meter, gold_hash)
                               for mode in config.modes]
        else:
            await self._each_mode(outcome, world, index, prefix, tasks, gold_hash, prior, rng, meter)
        outcome.usage = meter.summary()
        outcome.outages = meter.outages
        return outcome

    async def _plan(self, world: SqlWorld | None, prior: Prior | None, rng: random.Random, prefix: str,
                    meter: Accounting, events: Counter) -> tuple[list[Task], str]:
        """The dialogue's new tasks, and the hash of the gold state they lead to ("" without SQL)."""
        config = self.config
        if world is None:
            return await self._llm_tasks(None, None, rng, prefix, meter, events, config.modes[0]), ""
        gold = _fresh(world, prior, wall_clock=False)
        try:
            if config.tasks.policy == "llm":
                tasks = await self._llm_tasks(world, gold, rng, prefix, meter, events, config.modes[0])
            else:
                tasks = plan_tasks(world, config, rng, gold, prefix, events)
            return tasks, gold.state_hash()
        finally:
            gold.close()

    async def _each_mode(self, outcome: DialogueOutcome, world: SqlWorld | None, index: int, prefix: str,
                         tasks: list[Task], gold_hash: str, prior: Prior | None, rng: random.Random,
                         meter: Accounting) -> None:
        config = self.config
        if world is not None:
            tool_names = offered_tools(world, tasks, config.max_tools_per_dialogue, rng)
            if prior is not None and prior.record is not None:  # earlier calls must stay re-executable
                tool_names = list(dict.fromkeys([t.name for t in prior.record.environment.tools] + tool_names))
            specs = [world.toolbox.tools[n].openai_spec() for n in tool_names]
            environment = world.environment(tool_names)
            returns = {n: world.toolbox.tools[n].returns for n in tool_names}
        else:
            specs = self.toolset.specs
            tool_names = [s["function"]["name"] for s in specs]
            environment = self.toolset.environment(tool_names)
            returns = self.toolset.returns
        system = self._system(world)
        history = _history(prior, system)
        earlier = prior.record.tasks if prior is not None and prior.record is not None else []
        all_tasks = earlier + tasks
        for mode in config.modes:
            outcome.events["tasks_attempted"] += len(tasks)
            record = await self._simulate(world, mode, index, prefix, all_tasks, len(earlier), history, system,
                                          specs, tool_names, environment, returns, gold_hash, prior, meter,
                                          outcome.events)
            if record.validation.passed:
                outcome.events["tasks_validated"] += len(tasks)
            outcome.records.append(record)

    def _system(self, world: SqlWorld | None) -> str:
        if world is not None:
            return world.system_prompt()
        return render("agent_system_simulated", domain=self.toolset.name.replace("_", " ")).strip()

    def _without_tasks(self, world: SqlWorld | None, mode: str, prefix: str, prior: Prior | None,
                       meter: Accounting, gold_hash: str) -> DialogueRecord:
        """A rejected record for a dialogue that got no task, so that every dialogue has its record
        and its reason: the task writer's endpoint failed (a rerun asks again) or no task was feasible."""
        config = self.config
        if meter.outages:
            check = Check(name="llm_available", passed=False, detail=meter.outages[0][1])
            termination = f"llm_unavailable: {meter.outages[0][1]}"
        else:
            check = Check(name="feasible_tasks", passed=False, detail="no task could be written whose plan runs")
            termination = "no_feasible_task"
        if prior is not None and prior.record is not None:  # the earlier dialogue as it was: it still replays
            earlier = prior.record
            messages, specs, environment, tasks = earlier.messages, earlier.tools, earlier.environment, earlier.tasks
        else:
            system = self._system(world)
            messages = _history(prior, system) or [Message(role="system", content=system)]
            specs, tasks = [], []
            environment = world.environment([]) if world is not None else self.toolset.environment([])
        return DialogueRecord(
            id=f"{prefix}-{MODE_TAG[mode]}", messages=messages, tools=specs, environment=environment, tasks=tasks,
            simulation=Simulation(
                mode=mode, execution=config.execution, user_policy=config.user.policy,
                agent_policy=config.agent.policy, seed=config.seed,
                source_record_id=prior.id if prior is not None else None, termination=termination,
            ),
            validation=Validation(passed=False, checks=[check], final_db_hash=gold_hash, gold_db_hash=gold_hash),
            stats=dialogue_stats(messages, len(tasks)),
        )

    async def _simulate(self, world, mode, index, prefix, all_tasks, first_task, history, system, specs,
                        tool_names, environment, returns, gold_hash, prior, meter, events) -> DialogueRecord:
        config = self.config
        rng = random.Random(f"{config.seed}:{index}:{mode}")
        scope = f"{prefix}-{MODE_TAG[mode]}"
        seed = request_seed(scope)  # in every request of this dialogue: see request_seed
        outages = len(meter.outages)
        copy = _fresh(world, prior) if world is not None else None
        messages_ref: list[Message] = []
        if world is not None:
            env = SqlToolEnvironment(world.toolbox, world.catalog, copy)
        else:
            env = SimulatedToolEnvironment(specs, returns, self.llm.client("tool_simulator"), meter, scope, rng,
                                           lambda: next((m.content for m in reversed(messages_ref) if m.role == "user"), ""),
                                           seed=seed)
        if config.user.policy == "llm":
            user = LLMUser(self.llm.client("user"), meter, scope, seed=seed)
        else:
            user = RulesUser(config.user.max_subtasks_per_turn, config.user.combine_probability,
                             config.user.confirm_write_probability)
        if config.agent.policy == "llm":
            agent = LLMAgent(self.llm.client("agent"), meter, scope, config.agent.max_steps_per_turn, seed=seed)
        else:
            agent = OracleAgent(config.agent.max_steps_per_turn, config.agent.confirm_writes)
        match, write_tools = self._match(world)
        try:
            result = await simulate(mode=mode, tasks=all_tasks, system_prompt=system, user=user, agent=agent, env=env,
                                    rng=rng, max_user_turns=config.user.max_user_turns, history=history,
                                    first_task=first_task, tools=specs, messages_out=messages_ref,
                                    match=match, write_tools=write_tools)
            final_hash = copy.state_hash() if copy is not None else ""
        finally:
            if copy is not None:
                copy.close()
        meter.close_scope(scope)
        events.update(result.events)  # text_cells_truncated, queries_over_step_budget, queries_timed_out
        found = self._checks(world, result, all_tasks, returns, final_hash, gold_hash)
        if config.judge.policy == "llm" and len(meter.outages) == outages:  # no verdict on a broken dialogue
            found.append(await judge(self.llm.client("judge"), meter, all_tasks[first_task:], result.messages, rng,
                                     seed=seed))
        if len(meter.outages) > outages:  # an endpoint failed on the way: that is the reason, whatever else
            found.append(Check(name="llm_available", passed=False, detail=meter.outages[outages][1]))
        validation = Validation(passed=all(c.passed for c in found), checks=found,
                                final_db_hash=final_hash, gold_db_hash=gold_hash)
        return DialogueRecord(
            id=scope, messages=result.messages, tools=specs, environment=environment, tasks=all_tasks,
            simulation=Simulation(
                mode=mode, execution=config.execution, user_policy=user.name, agent_policy=agent.name,
                seed=config.seed, source_record_id=prior.id if prior is not None else None,
                completed=result.completed, termination=result.termination,
            ),
            validation=validation, stats=result.stats,
        )

    def _match(self, world: SqlWorld | None) -> tuple[str, frozenset[str]]:
        """How strictly gold calls must be matched: exactly for the oracle, writes only for an LLM
        agent on SQL (the final state is checked anyway), by tool name for simulated tools."""
        if world is None:
            return "names", frozenset()
        writes = frozenset(n for n, t in world.toolbox.tools.items() if t.writes)
        return ("exact" if self.config.agent.policy == "oracle" else "writes_exact"), writes

    def _checks(self, world, result, tasks, returns, final_hash, gold_hash) -> list:
        match, writes = self._match(world)
        found = []
        if world is not None:
            found.append(checks.check_db_state(final_hash, gold_hash))
            found.append(checks.check_query_limits(result.messages))
        found.append(checks.check_required_calls(result.messages, tasks, match, writes))
        found += [
            checks.check_output_schemas(result.messages, returns),
            checks.check_grounding(result.messages),
            checks.check_answers(result.messages, tasks),
            checks.check_completion(result.completed, result.termination),
            checks.check_format(result.messages),
        ]
        return found


def _history(prior: Prior | None, system: str) -> list[Message] | None:
    if prior is None:
        return None
    if prior.record is not None:
        return prior.messages
    # a plain chat: our system prompt (with the tools' instructions) leads, its own system text stays
    own = [m for m in prior.messages if m.role == "system"]
    rest = [m for m in prior.messages if m.role != "system"]
    text = system + ("\n\n" + "\n".join(m.content or "" for m in own) if own else "")
    return [Message(role="system", content=text)] + rest
