"""Our own benchmark: tool use on SQL environments held out of training, scored as Pass^k.

Tasks are synthesized on databases the model never saw (by default the built-in demo databases;
for the paper-style setting the Spider test split, `configs/evaluation/*.yaml`), a user simulator
(rules or an LLM) reveals them, and the model under test is the agent, calling the SQL tools
against a private copy of the database. A trial succeeds when the final database hash equals the
gold one and every value the user asked for was communicated (``Episodes.trial`` decides, with
the generation pipeline's own checks). Every trial of a task sees the same task and user; trials differ
only by the sampling seed sent to the model.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from tqdm import tqdm

from generation.databases.guards import QueryLimits
from generation.databases.sources import resolve_sources
from generation.config import default_episode_settings
from generation.episode import EpisodeSettings, Episodes, TrialResult
from generation.llm.endpoints import EndpointConfig, EndpointsConfig
from generation.llm.pool import LLMPool
from generation.worlds import SqlWorld

from .attribution import attribute, failure_counts
from .outcomes import OutcomeLog, TrialOutcome


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


def _episode_settings(settings: SqlBenchSettings) -> EpisodeSettings:
    """The model under test is the agent; everything else is generation's default episode."""
    return default_episode_settings(
        seed=settings.seed, modes=(settings.mode,), max_tools_per_dialogue=settings.max_tools_per_dialogue,
        user_policy=settings.user, max_user_turns=settings.max_user_turns,
        agent_policy="llm", max_steps_per_turn=settings.max_steps_per_turn,
        personas={"precise": 1.0},  # one steady voice, so trials differ only by the model under test
    )


def _endpoints(settings: SqlBenchSettings, endpoint: EndpointConfig, trial: int) -> EndpointsConfig:
    """Trials differ only by the sampling seed sent to the model."""
    agent = endpoint.model_copy(update={"extra_body": {**endpoint.extra_body, "seed": settings.seed * 1000 + trial}})
    roles = {"user": settings.user_endpoint.model_dump()} if settings.user_endpoint is not None else {}
    return EndpointsConfig(default=agent, roles=roles)


def _outcome(db_id: str, index: int, trial: int, result: TrialResult) -> TrialOutcome:
    record = result.record
    detail = {"checks": result.checks, "termination": result.termination,
              "turns": record.stats.turns, "tool_calls": record.stats.tool_calls,
              "tasks": [t.description for t in record.tasks], "feasible": result.feasible,
              "failure": attribute(result)}  # where a failed trial went wrong (evaluation/attribution.py)
    # the endpoint giving up is an error (retried on a rerun); an empty or bad reply is the model's
    error = result.termination if result.endpoint_failed else None
    return TrialOutcome("sqlbench", db_id, f"{db_id}-{index}", trial, result.success, reward=float(result.success),
                        error=error, detail=detail)


async def _run(endpoint: EndpointConfig, settings: SqlBenchSettings, trials: int, log: OutcomeLog,
               workdir: Path) -> None:
    """Runs the pending trials."""
    sources = resolve_sources(settings.databases, workdir / "databases", settings.db_ids)
    limits = QueryLimits()
    todo = [(s, i, t) for s in sources for i in range(settings.tasks_per_database) for t in range(trials)
            if log.pending("sqlbench", s.db_id, f"{s.db_id}-{i}", t)]
    if not todo:
        return
    worlds = {s.db_id: SqlWorld.build(s.open(), limits, settings.seed) for s in {s for s, _, _ in todo}}
    episode_settings = _episode_settings(settings)
    episodes, pools = {}, []
    for t in sorted({t for _, _, t in todo}):
        pools.append(LLMPool(_endpoints(settings, endpoint, t), None))
        episodes[t] = Episodes(episode_settings, pools[-1])
    limit = asyncio.Semaphore(settings.concurrency)
    progress = tqdm(total=len(todo), desc="sqlbench", unit="trial")

    async def one(source, index: int, trial: int) -> None:
        db_id = source.db_id
        try:
            async with limit:
                result = await episodes[trial].trial(worlds[db_id], index)
        except Exception as exc:  # one trial going wrong must not stop the others
            log.append(TrialOutcome("sqlbench", db_id, f"{db_id}-{index}", trial, False, 0.0,
                                    error=f"{type(exc).__name__}: {exc}", detail={"failure": "tool_error"}))
        else:
            log.append(_outcome(db_id, index, trial, result))
        progress.update()

    try:
        await asyncio.gather(*(one(s, i, t) for s, i, t in todo))
    finally:
        progress.close()
        for pool in pools:
            await pool.close()


def run_sqlbench(endpoint: EndpointConfig, settings: SqlBenchSettings, trials: int, log: OutcomeLog,
                 workdir: Path) -> dict[str, Any]:
    asyncio.run(_run(endpoint, settings, trials, log, workdir))
    outcomes = log.outcomes("sqlbench")
    per_db: dict[str, list[TrialOutcome]] = {}
    for o in outcomes:
        per_db.setdefault(o.category, []).append(o)
    return {"trials": len(outcomes), "errors": sum(o.error is not None for o in outcomes),
            # a seed that drew no feasible task: a failed trial, listed so that a reader can tell
            "infeasible_tasks": sorted({o.task_id for o in outcomes if (o.detail or {}).get("feasible") is False}),
            "success_rate": {db: sum(o.success for o in os) / len(os) for db, os in sorted(per_db.items())},
            "failure_counts": failure_counts(outcomes)}
