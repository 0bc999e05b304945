"""The generation run: dialogues (concurrently when LLMs are involved), checkpointed, then written.

Each finished dialogue is appended to a checkpoint file right away (``checkpoint.py``), so a killed
run resumes where it stopped; LLM responses sit in a persistent cache, so a dialogue cut short
mid-way is redone without paying again for the calls it had made. The output is assembled at the
end (``run_output.py``).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from pathlib import Path
from typing import Any

from common.errors import InputError
from common.tracking import require_wandb

from .checkpoint import CheckpointWriter, read_checkpoint, still_to_do
from .config import GenerationConfig
from .episode import Prior
from .hub.tracking import log_generation
from .llm.endpoints import ROLES
from .priors import load_priors
from .run_folder import RunFolder
from .run_output import fail_if_no_answer, write_run_output
from .shard import Shard
from .worlds import WorldSet, WorldsRequest, open_worlds
from .worlds.designed import DesignRequest


class GenerationPipeline:
    def __init__(self, config: GenerationConfig, output: Path, cache_dir: Path | None = None) -> None:
        self.config = config
        self.output = output
        self.work = output / ".work"
        self.cache_dir = cache_dir or output / ".work" / "databases"

    def _fingerprint(self) -> str:
        """The config as far as it shapes the data: a server that moved, a new concurrency limit or
        time limit may resume a run; a different model, seed or task mix may not."""
        # sql.timeout_ms too: a wall-clock hit only marks a dialogue to redo, so it may be raised
        # W&B settings only say where figures go
        data = self.config.model_dump(mode="json", exclude={"llm": True, "workers": True, "ray": True, "wandb": True,
                                                            "sql": {"timeout_ms"}})
        endpoints = self.config.llm.endpoints
        data["llm"] = {role: endpoints.for_role(role).data_fields() for role in ROLES}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()

    # -- run -----------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        start = time.perf_counter()
        config = self.config
        require_wandb(config.wandb)
        if config.ray:
            from common.ray_cluster import check_cluster

            check_cluster(config.ray)
        folder = RunFolder(self.output)
        folder.claim()
        self.worlds: WorldSet = open_worlds(WorldsRequest(
            execution=config.execution, databases=config.databases, db_ids=config.db_ids,
            limits=config.sql.limits(), seed=config.seed, toolset=config.toolset, cache_dir=self.cache_dir,
            design=self._design_request()))
        fingerprints = self.worlds.fingerprints()
        self.priors: list[Prior] | None = load_priors(config) if config.continue_from else None
        done = read_checkpoint(self.work)
        folder.check_resume(self._fingerprint(), done, fingerprints)
        self.total = len(self.priors) if self.priors is not None else config.num_dialogues
        if self.priors:
            self.worlds.check_priors([p.record for p in self.priors if p.record])
        folder.mark_started(self._fingerprint())
        # Built here, before any fork: workers inherit the worlds and the parent can count their tools.
        self.worlds.prepare([p.record for p in self.priors] if self.priors is not None else None, self.total)
        loop_wall = time.perf_counter()
        cpu = _cpu_seconds()
        phases = self._simulate(done)
        timing = {"setup_s": round(loop_wall - start, 3), "dialogues_s": round(time.perf_counter() - loop_wall, 3),
                  "dialogues_cpu_s": round(_cpu_seconds() - cpu, 3), "workers": config.workers,
                  "simulation_s": round(max(p["end"] for p in phases) - min(p["start"] for p in phases), 3)}
        if config.ray:
            timing.update(ray_actors=phases[0]["actors"], ray_dialogues_per_node=phases[0]["dialogues_per_node"])
        stats = write_run_output(self.output, config, read_checkpoint(self.work), self.worlds.tool_counts(),
                                 time.perf_counter() - start, timing,
                                 requests_logged=all(p.get("requests_logged", True) for p in phases))
        fail_if_no_answer(phases)
        if config.wandb.project:
            log_generation(config.wandb, stats, config, self.output)
        return stats

    def _design_request(self) -> DesignRequest | None:
        tools = self.config.tools
        if tools.policy == "rules":
            return None
        return DesignRequest(tools.policy, tools.design_settings(self.config.seed), self.config.llm.endpoints,
                             self.work, self.config.llm.cache)

    def _simulate(self, done: dict[int, Any]) -> list[dict[str, Any]]:
        """Run the dialogues still to do, here, in forked workers or on a Ray cluster; each way's
        phases (when it ran, what its LLM requests did)."""
        config = self.config
        if config.ray:
            from .cluster import run_on_ray

            todo = still_to_do(done, range(self.total))
            return [run_on_ray(config, self.worlds, self.priors, todo, self.work)]
        if config.workers == 1:
            _run_async(self._loop(done, 0, 1))
        else:
            self._fork_workers(done)
        return [json.loads((self.work / f"phase.{k}.json").read_text()) for k in range(config.workers)]

    def _fork_workers(self, done: dict[int, Any]) -> None:
        """Shard dialogues over processes (index % workers): each has its own event loop, worlds and
        checkpoint file; the LLM cache is one SQLite file they share."""
        import multiprocessing

        context = multiprocessing.get_context("fork")
        procs = [context.Process(target=_worker, args=(self, done, k, self.config.workers))
                 for k in range(self.config.workers)]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join()
        failed = [k for k, proc in enumerate(procs) if proc.exitcode != 0]
        if failed:
            raise InputError(f"worker(s) {failed} failed; finished dialogues are kept, rerun to resume")

    async def _loop(self, done: dict[int, Any], shard: int, shards: int) -> None:
        mine = still_to_do(done, range(shard, self.total, shards))
        runner = Shard(self.config, self.worlds, self.priors, self.work)
        writer = CheckpointWriter(self.work / ("dialogues.jsonl" if shards == 1 else f"dialogues.{shard}.jsonl"),
                                  len(mine), position=shard)
        try:
            await self._dialogues(mine, runner, shards, writer)
        finally:
            await runner.close()
            # when this process simulated dialogues (environments built): benchmarks time this phase
            (self.work / f"phase.{shard}.json").write_text(json.dumps(writer.close()))

    async def _dialogues(self, mine: list[int], runner: Shard, shards: int, writer: CheckpointWriter) -> None:
        uses_llm = runner.llm is not None
        wave = self.config.llm.concurrent_dialogues // shards
        limit = asyncio.Semaphore(wave or 1 if uses_llm else 1)

        async def one(index: int) -> None:
            try:
                writer.add(await runner.run(index))
            finally:
                limit.release()

        pending: set[asyncio.Task] = set()
        # Spread the first wave over a short ramp: dialogues started in lockstep send their
        # requests in bursts and wait on each other's processing for the rest of the run.
        ramp = self.config.llm.ramp_up_s / max(1, wave) if uses_llm else 0.0
        for started, index in enumerate(mine):
            if ramp and started < wave:
                await asyncio.sleep(ramp)
            await limit.acquire()
            pending.add(asyncio.create_task(one(index)))
            pending = {t for t in pending if not t.done() or t.result()}
        await asyncio.gather(*pending)


def _cpu_seconds() -> float:
    """CPU time of this process and of the workers it has waited for."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _worker(pipeline: GenerationPipeline, done: dict[int, Any], shard: int, shards: int) -> None:
    _run_async(pipeline._loop(done, shard, shards))


def _run_async(coroutine) -> Any:
    """uvloop when installed (faster event loop and sockets: most of our per-request overhead)."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coroutine)
    return uvloop.run(coroutine)
