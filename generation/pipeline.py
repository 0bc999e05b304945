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
from typing import Any, TextIO

from tqdm import tqdm

from common.errors import InputError
from common.tracking import require_wandb

from .checkpoint import checkpoint_entry, cut_torn_tail, read_checkpoint, still_to_do
from .config import GenerationConfig
from .episode import Episodes, Prior
from .episode.outcome import record_of
from .hub.tracking import log_generation
from .llm.accounting import Accounting
from .llm.endpoints import ROLES
from .llm.pool import LLMPool
from .priors import load_priors
from .run_folder import RunFolder
from .run_output import REQUEST_LOG, fail_if_no_answer, write_run_output
from .worlds import World, WorldSet, WorldsRequest, open_worlds
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
        data = self.config.model_dump(mode="json", exclude={"llm": True, "workers": True, "wandb": True,
                                                            "sql": {"timeout_ms"}})
        endpoints = self.config.llm.endpoints
        data["llm"] = {role: endpoints.for_role(role).data_fields() for role in ROLES}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()

    # -- run -----------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        start = time.perf_counter()
        config = self.config
        require_wandb(config.wandb)
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
        if config.workers == 1:
            _run_async(self._loop(done, 0, 1))
        else:
            self._fork_workers(done)
        phases = [json.loads((self.work / f"phase.{k}.json").read_text()) for k in range(config.workers)]
        timing = {"setup_s": round(loop_wall - start, 3), "dialogues_s": round(time.perf_counter() - loop_wall, 3),
                  "dialogues_cpu_s": round(_cpu_seconds() - cpu, 3), "workers": config.workers,
                  "simulation_s": round(max(p["end"] for p in phases) - min(p["start"] for p in phases), 3)}
        stats = write_run_output(self.output, config, read_checkpoint(self.work), self.worlds.tool_counts(),
                                 time.perf_counter() - start, timing)
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

    def _prior(self, index: int) -> Prior | None:
        return self.priors[index] if self.priors is not None else None

    def _world(self, index: int) -> World:
        return self.worlds.for_dialogue(index, record_of(self._prior(index)))

    async def _loop(self, done: dict[int, Any], shard: int, shards: int) -> None:
        config = self.config
        mine = still_to_do(done, range(shard, self.total, shards))
        llm = LLMPool(config.llm.endpoints, self.work / "llm_cache.sqlite" if config.llm.cache else None,
                      self.work / REQUEST_LOG) if config.uses_llm else None
        began = time.time()
        ran, why = Accounting(), {}  # this invocation's requests and first outage per role: see `run`
        name = "dialogues.jsonl" if shards == 1 else f"dialogues.{shard}.jsonl"
        cut_torn_tail(self.work / name)
        try:
            bar = tqdm(total=len(mine), desc="dialogues", unit="dlg", position=shard)
            with open(self.work / name, "a") as sink, bar:
                await self._dialogues(mine, Episodes(config.episode_settings(), llm), llm is not None,
                                      shards, sink, bar, ran, why)
        finally:
            if llm is not None:
                await llm.close()
            # when this process simulated dialogues (environments built): benchmarks time this phase
            (self.work / f"phase.{shard}.json").write_text(json.dumps(
                {"start": began, "end": time.time(), "llm": ran.summary()["roles"], "outages": why}))

    async def _dialogues(self, mine: list[int], episodes: Episodes, uses_llm: bool, shards: int, sink: TextIO,
                         bar: tqdm, ran: Accounting, why: dict[str, str]) -> None:
        config = self.config
        wave = config.llm.concurrent_dialogues // shards
        limit = asyncio.Semaphore(wave or 1 if uses_llm else 1)

        async def one(index: int) -> None:
            try:
                outcome = await episodes.run(self._world(index), index, self._prior(index))
                sink.write(checkpoint_entry(index, outcome))
                sink.flush()
                ran.merge(outcome.usage)
                for role, text in outcome.outages:
                    why.setdefault(role, text)
                bar.update(1)
            finally:
                limit.release()

        pending: set[asyncio.Task] = set()
        # Spread the first wave over a short ramp: dialogues started in lockstep send their
        # requests in bursts and wait on each other's processing for the rest of the run.
        ramp = config.llm.ramp_up_s / max(1, wave) if uses_llm else 0.0
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
