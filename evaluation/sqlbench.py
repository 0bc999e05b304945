"""Our own benchmark: tool use on SQL environments held out of training, scored as Pass^k.

Tasks are synthesized on databases the model never saw (by default the built-in demo databases;
for the paper-style setting the Spider test split, `configs/evaluation/*.yaml`), a user simulator
(rules or an LLM) reveals them, and the model under test is the agent, calling the SQL tools
against a private copy of the database. A trial succeeds when the final database hash equals the
gold one and every value the user asked for was communicated (the generation pipeline's own
`db_state` and `answers_communicated` checks). Every trial of a task sees the same task and user; trials differ
only by the sampling seed sent to the model.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from tqdm import tqdm

from generation.config import AgentConfig, GenerationConfig, LLMConfig, UserConfig
from generation.dialogue import DialogueFactory
from generation.environments.guards import QueryLimits
from generation.environments.sources import resolve_sources
from generation.llm.endpoints import EndpointConfig, EndpointsConfig
from generation.llm.pool import LLMPool
from generation.world import SqlWorld

from .outcomes import OutcomeLog, TrialOutcome

SUCCESS_CHECKS = ("db_state", "answers_communicated")


class SqlBenchSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    databases: str = "builtin:demo"  # or a Spider-style directory, or one SQLite file
    db_ids: list[str] | None = None  # e.g. the Spider test split; None = every database found
    tasks_per_database: int = Field(4, ge=1)
    mode: Literal["user_oriented", "task_oriented"] = "user_oriented"
    user: Literal["rules", "llm"] = "rules"
    user_endpoint: EndpointConfig | None = None  # user: llm; None = the model under test's endpoint
    max_tools_per_dialogue: int = Field(12, ge=1)
    max_steps_per_turn: int = Field(8, ge=1)
    max_user_turns: int = Field(30, ge=2)
    concurrency: int = Field(8, ge=1)
    seed: int = 0


def _generation_config(settings: SqlBenchSettings, endpoint: EndpointConfig, trial: int) -> GenerationConfig:
    agent = endpoint.model_copy(update={"extra_body": {**endpoint.extra_body, "seed": settings.seed * 1000 + trial}})
    roles = {"user": settings.user_endpoint.model_dump()} if settings.user_endpoint is not None else {}
    return GenerationConfig(
        databases=settings.databases, db_ids=settings.db_ids, mode=settings.mode, seed=settings.seed,
        max_tools_per_dialogue=settings.max_tools_per_dialogue,
        user=UserConfig(policy=settings.user, max_user_turns=settings.max_user_turns),
        agent=AgentConfig(policy="llm", max_steps_per_turn=settings.max_steps_per_turn),
        llm=LLMConfig(endpoints=EndpointsConfig(default=agent, roles=roles), cache=False),
    )


def _outcome(db_id: str, index: int, trial: int, outcome: Any) -> TrialOutcome:
    task_id = f"{db_id}-{index}"
    record = outcome.records[0]
    checks = {c.name: c.passed for c in record.validation.checks}
    success = all(checks.get(name, False) for name in SUCCESS_CHECKS)
    termination = record.simulation.termination
    detail = {"checks": checks, "termination": termination,
              "turns": record.stats.turns, "tool_calls": record.stats.tool_calls,
              "tasks": [t.description for t in record.tasks]}
    # the endpoint giving up is an error (retried on a rerun); an empty or bad reply is the model's
    error = termination if termination.startswith("llm_unavailable") else None
    return TrialOutcome("sqlbench", db_id, task_id, trial, success, reward=float(success), error=error, detail=detail)


async def _run(endpoint: EndpointConfig, settings: SqlBenchSettings, trials: int, log: OutcomeLog,
               workdir: Path) -> set[str]:
    """Runs the pending trials; returns the tasks skipped because no feasible task could be drawn."""
    sources = resolve_sources(settings.databases, workdir / "databases", settings.db_ids)
    limits = QueryLimits()
    todo = [(s, i, t) for s in sources for i in range(settings.tasks_per_database) for t in range(trials)
            if log.pending("sqlbench", s.db_id, f"{s.db_id}-{i}", t)]
    if not todo:
        return set()
    worlds = {s.db_id: SqlWorld.build(s.open(), limits, settings.seed) for s in {s for s, _, _ in todo}}
    factories, pools = {}, []
    for t in sorted({t for _, _, t in todo}):
        config = _generation_config(settings, endpoint, t)
        pools.append(LLMPool(config.llm.endpoints, None))
        factories[t] = DialogueFactory(config, pools[-1])
    limit = asyncio.Semaphore(settings.concurrency)
    infeasible: set[str] = set()
    progress = tqdm(total=len(todo), desc="sqlbench", unit="trial")

    async def one(source, index: int, trial: int) -> None:
        db_id = source.db_id
        try:
            async with limit:
                outcome = await factories[trial].generate(worlds[db_id], index)
        except Exception as exc:  # one trial going wrong must not stop the others
            log.append(TrialOutcome("sqlbench", db_id, f"{db_id}-{index}", trial, False, 0.0,
                                    error=f"{type(exc).__name__}: {exc}"))
        else:
            if outcome.records:
                log.append(_outcome(db_id, index, trial, outcome))
            else:  # the seed drew no feasible task here: not the model's failure, and not a task
                infeasible.add(f"{db_id}-{index}")
        progress.update()

    try:
        await asyncio.gather(*(one(s, i, t) for s, i, t in todo))
    finally:
        progress.close()
        for pool in pools:
            await pool.close()
    return infeasible


def run_sqlbench(endpoint: EndpointConfig, settings: SqlBenchSettings, trials: int, log: OutcomeLog,
                 workdir: Path) -> dict[str, Any]:
    infeasible = asyncio.run(_run(endpoint, settings, trials, log, workdir))
    outcomes = log.outcomes("sqlbench")
    per_db: dict[str, list[TrialOutcome]] = {}
    for o in outcomes:
        per_db.setdefault(o.category, []).append(o)
    return {"trials": len(outcomes), "errors": sum(o.error is not None for o in outcomes),
            "infeasible_tasks": sorted(infeasible),
            "success_rate": {db: sum(o.success for o in os) / len(os) for db, os in sorted(per_db.items())}}
