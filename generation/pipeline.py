"""The generation run: dialogues (concurrently when LLMs are involved), checkpointed, then written.

Each finished dialogue is appended to a checkpoint file right away, so a killed run resumes
where it stopped; LLM responses sit in a persistent cache, so a dialogue cut short mid-way is
redone without paying again for the calls it had made. The output is assembled at the end.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
from tqdm import tqdm

from .config import GenerationConfig
from .dialogue import DialogueFactory, DialogueOutcome, Prior
from .environments.sources import DatabaseSource, resolve_sources
from common.errors import InputError
from .llm.accounting import Accounting
from .llm.endpoints import ROLES
from .llm.pool import LLMPool
from .llm.request_log import read_request_log
from .records import DialogueRecord, Message, to_dataset
from .run_folder import RunFolder
from .stats import compute_stats, dataset_card, stats_markdown
from .toolset import load_toolset
from .world import SqlWorld

REQUEST_LOG = "requests.log"  # in .work/: every LLM request sent, by role and outcome


class GenerationPipeline:
    def __init__(self, config: GenerationConfig, output: Path, cache_dir: Path | None = None) -> None:
        self.config = config
        self.output = output
        self.work = output / ".work"
        self.cache_dir = cache_dir or output / ".work" / "databases"
        self.limits = config.sql.limits()
        self._worlds: dict[str, SqlWorld] = {}

    # -- setup ---------------------------------------------------------------------------
    def _build_worlds(self, sources: list[DatabaseSource]) -> None:
        # Open (and so check) every database before any progress output, so bad input fails first.
        opened = [s.open() for s in sources]
        for db in tqdm(opened, desc="environments", unit="db"):
            self._worlds[db.db_id] = SqlWorld.build(db, self.limits, self.config.seed)

    def _fingerprint(self) -> str:
        """The config as far as it shapes the data: a server that moved, a new concurrency limit or
        time limit may resume a run; a different model, seed or task mix may not."""
        # sql.timeout_ms too: a wall-clock hit only marks a dialogue to redo, so it may be raised
        data = self.config.model_dump(mode="json", exclude={"llm": True, "workers": True, "sql": {"timeout_ms"}})
        endpoints = self.config.llm.endpoints
        data["llm"] = {role: endpoints.for_role(role).data_fields() for role in ROLES}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()

    def _checkpoint(self) -> dict[int, Any]:
        """Finished dialogues from an earlier run of the same config into the same output: the
        entry that stands for each dialogue index, from every worker's file.

        Only newline-terminated lines count (the tail a kill cut short is redone, and cut off before
        the next append); an unreadable line hides nothing after it. An entry marked ``retry`` (an
        endpoint failed) stands until a later attempt replaces it; a finished one is never replaced.
        Each entry keeps the usage of the ones it displaced, so the accounting covers every request."""
        done: dict[int, dict[str, Any]] = {}
        for path in sorted(self.work.glob("dialogues*.jsonl")):  # one file per worker
            data = path.read_bytes()
            for line in data[: data.rfind(b"\n") + 1].splitlines():
                try:
                    entry = orjson.loads(line)
                except orjson.JSONDecodeError:
                    continue
                if not isinstance(entry, dict) or not isinstance(entry.get("index"), int):
                    continue
                old = done.get(entry["index"])
                if old is not None and not old.get("retry") and entry.get("retry"):
                    old, entry = entry, old  # a failed attempt after a finished one (workers changed)
                if old is not None:
                    entry["earlier_usage"] = old.pop("earlier_usage", []) + [old.get("usage") or {}]
                done[entry["index"]] = entry
        return done

    def _priors(self) -> list[Prior]:
        from datasets import load_from_disk

        path = Path(self.config.continue_from)
        try:
            data = load_from_disk(str(path))
        except Exception as exc:  # datasets raises several types for a bad directory
            raise InputError(f"cannot load dataset to continue from {path}: {exc}") from None
        split = data["train"] if hasattr(data, "keys") else data
        if "messages" not in split.column_names:
            raise InputError(f"dataset {path} has no 'messages' column")
        if self.config.continue_plain or "environment" not in split.column_names:
            priors = []
            for i, row in enumerate(split):
                try:
                    messages = [Message.model_validate({k: v for k, v in m.items() if v is not None})
                                for m in row["messages"]]
                except Exception as exc:
                    raise InputError(f"dataset {path}: row {i}: bad message: {str(exc).splitlines()[0]}") from None
                priors.append(Prior(id=str(row.get("id") or f"chat-{i}"), messages=messages))
            return priors
        records = [DialogueRecord.from_row(row) for row in split]
        return [Prior(id=r.id, messages=r.messages, record=r) for r in records]

    # -- run -----------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        start = time.perf_counter()
        config = self.config
        folder = RunFolder(self.output)
        folder.claim()
        self.toolset = load_toolset(Path(config.toolset)) if config.execution == "simulated" else None
        self.sources = [] if self.toolset else resolve_sources(config.databases, self.cache_dir, config.db_ids)
        fingerprints = {s.db_id: s.checked_fingerprint() for s in self.sources}
        self.priors = self._priors() if config.continue_from else None
        done = self._checkpoint()
        folder.check_resume(self._fingerprint(), done, fingerprints)
        self.total = len(self.priors) if self.priors is not None else config.num_dialogues
        self._check_prior_databases()
        folder.mark_started(self._fingerprint())
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
        stats = self._write(self._checkpoint(), time.perf_counter() - start, timing)
        _fail_if_no_answer(phases)
        return stats

    def _check_prior_databases(self) -> None:
        if self.toolset or not self.priors:
            return
        known = {s.db_id for s in self.sources}
        missing = sorted({p.record.environment.db_id for p in self.priors if p.record} - known)
        if missing:
            raise InputError(f"records need databases not in {self.config.databases}: {', '.join(missing)}")

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
        config, priors, toolset = self.config, self.priors, self.toolset
        mine = _todo(done, range(shard, self.total, shards))
        if not toolset:
            used = {p.record.environment.db_id for p in priors if p.record} if priors else set()
            if not used or any(p.record is None for p in priors or []):
                used |= {s.db_id for s in self.sources[: self.total]}
            self._build_worlds([s for s in self.sources if s.db_id in used])
        worlds = [self._worlds[s.db_id] for s in self.sources if s.db_id in self._worlds]

        def world_for(index: int) -> SqlWorld | None:
            if toolset:
                return None
            prior = priors[index] if priors is not None else None
            if prior is not None and prior.record is not None:
                return self._worlds[prior.record.environment.db_id]
            return worlds[index % len(worlds)]

        llm = LLMPool(config.llm.endpoints, self.work / "llm_cache.sqlite" if config.llm.cache else None,
                      self.work / REQUEST_LOG) if config.uses_llm else None
        began = time.time()
        ran, why = Accounting(), {}  # this invocation's requests and first outage per role: see `run`
        factory = DialogueFactory(config, llm, toolset)
        limit = asyncio.Semaphore(config.llm.concurrent_dialogues // shards or 1 if llm else 1)
        name = "dialogues.jsonl" if shards == 1 else f"dialogues.{shard}.jsonl"
        _cut_torn_tail(self.work / name)
        try:
            bar = tqdm(total=len(mine), desc="dialogues", unit="dlg", position=shard)
            with open(self.work / name, "a") as sink, bar:
                async def one(index: int) -> None:
                    try:
                        prior = priors[index] if priors is not None else None
                        outcome = await factory.generate(world_for(index), index, prior)
                        sink.write(_entry(index, outcome))
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
                ramp = config.llm.ramp_up_s / max(1, config.llm.concurrent_dialogues // shards) if llm else 0.0
                for started, index in enumerate(mine):
                    if ramp and started < config.llm.concurrent_dialogues // shards:
                        await asyncio.sleep(ramp)
                    await limit.acquire()
                    pending.add(asyncio.create_task(one(index)))
                    pending = {t for t in pending if not t.done() or t.result()}
                await asyncio.gather(*pending)
        finally:
            if llm is not None:
                await llm.close()
            # when this process simulated dialogues (environments built): benchmarks time this phase
            (self.work / f"phase.{shard}.json").write_text(json.dumps(
                {"start": began, "end": time.time(), "llm": ran.summary()["roles"], "outages": why}))

    def _write(self, done: dict[int, dict[str, Any]], seconds: float, timing: dict[str, float]) -> dict[str, Any]:
        from datasets import DatasetDict

        events: Counter = Counter()
        usage = Accounting()
        rows: list[dict[str, Any]] = []  # already in the contract's row form (DialogueRecord.to_row)
        for index in sorted(done):
            events.update(done[index]["events"])
            for spent in [done[index].get("usage") or {}] + done[index].get("earlier_usage", []):
                usage.merge(spent)  # also attempts a rerun replaced: every request sent is counted
            rows += done[index]["records"]
        train = [r for r in rows if r["validation"]["passed"]]
        rejected = [r for r in rows if not r["validation"]["passed"]]
        dataset = DatasetDict({"train": to_dataset(train), "rejected": to_dataset(rejected)})
        staging = self.output / ".dataset.tmp"
        shutil.rmtree(staging, ignore_errors=True)
        # An empty split needs an explicit shard count to load back (datasets 5.2).
        shards = {name: max(1, split.data.nbytes // (500 << 20)) for name, split in dataset.items()}
        dataset.save_to_disk(str(staging), num_shards=shards)
        shutil.rmtree(self.output / "dataset", ignore_errors=True)
        staging.rename(self.output / "dataset")
        for name, split in (("train", train), ("rejected", rejected)):
            with open(self.output / f"{name}.jsonl", "w") as fh:
                for r in split:
                    fh.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n")
        usage.requests_as_logged(read_request_log(self.work / REQUEST_LOG))  # dialogues cut short by a kill too
        stats = compute_stats(train, rejected, events, self._tool_counts(), seconds, usage.summary())
        stats["timing"] = timing  # this invocation only: a resumed run times what it did itself
        (self.output / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")
        (self.output / "stats.md").write_text(stats_markdown(stats))
        (self.output / "README.md").write_text(dataset_card(stats, self.config))
        return stats

    def _tool_counts(self) -> dict[str, Any]:
        reasons: Counter = Counter()
        skipped_reasons: Counter = Counter()
        kept = dropped = skipped = 0
        for world in self._worlds.values():
            kept += len(world.report.kept)
            dropped += len(world.report.dropped)
            reasons.update(world.report.reasons)
            skipped += len(world.report.skipped)  # views, generated or blob columns: no tool is built on them
            skipped_reasons.update(world.report.skipped_reasons)
        return {"kept": kept, "dropped": dropped, "dropped_reasons": dict(sorted(reasons.items())),
                "skipped": skipped, "skipped_reasons": dict(sorted(skipped_reasons.items()))}


def _todo(done: dict[int, Any], indices: range) -> list[int]:
    """The dialogues still to do: not yet checkpointed, or checkpointed as failed at an endpoint
    (redone: their cached calls make that cheap)."""
    return [i for i in indices if i not in done or done[i].get("retry")]


def _entry(index: int, outcome: DialogueOutcome) -> str:
    """A dialogue's checkpoint line; ``retry`` marks one whose endpoint failed, for a rerun to redo."""
    # records serialized by pydantic straight to JSON: the contract's row form
    records = ", ".join(r.model_dump_json() for r in outcome.records)
    retry = ', "retry": true' if outcome.retry else ""
    return (f'{{"index": {index}, "records": [{records}], "events": {json.dumps(dict(outcome.events))}, '
            f'"usage": {json.dumps(outcome.usage)}{retry}}}\n')


def _cut_torn_tail(path: Path) -> None:
    """Drop a last line without its newline (a kill mid-write), so the next entry starts on a line
    of its own; the reader ignores that tail anyway, and its dialogue is redone."""
    if not path.exists():
        return
    with open(path, "rb+") as fh:
        size = end = fh.seek(0, 2)
        while end > 0:  # backwards in blocks: an entry can be long, the file longer
            start = max(0, end - (1 << 20))
            fh.seek(start)
            found = fh.read(end - start).rfind(b"\n")
            if found >= 0:
                if start + found + 1 < size:
                    fh.truncate(start + found + 1)
                return
            end = start
        fh.truncate(0)


def _fail_if_no_answer(phases: list[dict[str, Any]]) -> None:
    """A role whose requests all failed in this run (its endpoint down, or the model unknown) made
    every dialogue a rejection: say where and why in one line and exit non-zero. The dialogues are
    checkpointed as rejections that the next run retries."""
    usage = Accounting()
    for phase in phases:
        usage.merge({"roles": phase.get("llm", {})})
    for role, spent in sorted(usage.roles.items()):
        why = next((p["outages"][role] for p in phases if role in p.get("outages", {})), None)
        if spent.requests and not spent.calls and why:
            counts = ", ".join(f"{k}: {n}" for k, n in sorted(spent.failures_by_status.items()))
            raise InputError(f"no {role} request was answered ({spent.requests} sent; failed: {counts}): {why}; "
                             "finished dialogues are kept, rerun the same command to retry")


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
