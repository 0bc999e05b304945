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
from .dialogue import DialogueFactory, Prior
from .environments.guards import QueryLimits
from .environments.sources import DatabaseSource, resolve_sources
from .errors import InputError
from .llm.accounting import Accounting
from .llm.endpoints import ROLES
from .llm.pool import LLMPool
from .records import DialogueRecord, Message, to_dataset
from .stats import compute_stats, dataset_card, stats_markdown
from .toolset import load_toolset
from .world import SqlWorld


class GenerationPipeline:
    def __init__(self, config: GenerationConfig, output: Path, cache_dir: Path | None = None) -> None:
        self.config = config
        self.output = output
        self.work = output / ".work"
        self.cache_dir = cache_dir or output / ".work" / "databases"
        self.limits = QueryLimits(config.sql.timeout_ms, config.sql.row_cap)
        self._worlds: dict[str, SqlWorld] = {}

    # -- setup ---------------------------------------------------------------------------
    def _build_worlds(self, sources: list[DatabaseSource]) -> None:
        # Open (and so check) every database before any progress output, so bad input fails first.
        opened = [s.open() for s in sources]
        for db in tqdm(opened, desc="environments", unit="db"):
            self._worlds[db.db_id] = SqlWorld.build(db, self.limits, self.config.seed)

    def _fingerprint(self) -> str:
        """The config as far as it shapes the data: a server that moved or a new concurrency limit
        may resume a run; a different model, seed or task mix may not."""
        data = self.config.model_dump(mode="json", exclude={"llm"})
        endpoints = self.config.llm.endpoints
        data["llm"] = {role: endpoints.for_role(role).data_fields() for role in ROLES}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()

    def _checkpoint(self) -> dict[int, Any]:
        """Finished dialogues from an earlier run of the same config into the same output."""
        self.work.mkdir(parents=True, exist_ok=True)
        marker = self.work / "config.sha256"
        if marker.exists() and marker.read_text().strip() != self._fingerprint():
            raise InputError(
                f"{self.output} holds a run made with a different config; choose a new --output or delete it"
            )
        marker.write_text(self._fingerprint())
        done: dict[int, dict[str, Any]] = {}
        path = self.work / "dialogues.jsonl"
        if path.exists():
            for line in path.read_text().splitlines():
                try:
                    entry = orjson.loads(line)
                except orjson.JSONDecodeError:
                    break  # a line cut short by a kill: that dialogue is redone
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
        return asyncio.run(self._run())

    async def _run(self) -> dict[str, Any]:
        start = time.perf_counter()
        config = self.config
        toolset = load_toolset(Path(config.toolset)) if config.execution == "simulated" else None
        sources = [] if toolset else resolve_sources(config.databases, self.cache_dir, config.db_ids)
        by_id = {s.db_id: s for s in sources}
        priors = self._priors() if config.continue_from else None
        done = self._checkpoint()
        total = len(priors) if priors is not None else config.num_dialogues
        if not toolset:
            used = {p.record.environment.db_id for p in priors if p.record} if priors else set()
            missing = sorted(used - set(by_id))
            if missing:
                raise InputError(f"records need databases not in {config.databases}: {', '.join(missing)}")
            wanted = used if used else {s.db_id for s in sources[:total]}
            if priors and any(p.record is None for p in priors):
                wanted |= {s.db_id for s in sources[:total]}
            self._build_worlds([s for s in sources if s.db_id in wanted])
        llm = LLMPool(config.llm.endpoints, self.work / "llm_cache.sqlite" if config.llm.cache else None) \
            if config.uses_llm else None
        factory = DialogueFactory(config, llm, toolset)
        worlds = [self._worlds[s.db_id] for s in sources if s.db_id in self._worlds]

        def world_for(index: int) -> SqlWorld | None:
            if toolset:
                return None
            prior = priors[index] if priors is not None else None
            if prior is not None and prior.record is not None:
                return self._worlds[prior.record.environment.db_id]
            return worlds[index % len(worlds)]

        limit = asyncio.Semaphore(config.llm.concurrent_dialogues if llm else 1)
        setup_s = time.perf_counter() - start
        loop_wall, loop_cpu = time.perf_counter(), time.process_time()
        try:
            with open(self.work / "dialogues.jsonl", "a") as sink, tqdm(
                total=total, initial=len(done), desc="dialogues", unit="dlg"
            ) as bar:
                async def one(index: int) -> None:
                    try:
                        prior = priors[index] if priors is not None else None
                        outcome = await factory.generate(world_for(index), index, prior)
                        # records serialized by pydantic straight to JSON: the contract's row form
                        line = (f'{{"index": {index}, "records": [{", ".join(r.model_dump_json() for r in outcome.records)}], '
                                f'"events": {json.dumps(dict(outcome.events))}, "usage": {json.dumps(outcome.usage)}}}')
                        sink.write(line + "\n")
                        sink.flush()
                        done[index] = line  # parsed once, when the output is assembled
                        bar.update(1)
                    finally:
                        limit.release()

                pending = set()
                for index in range(total):
                    if index in done:
                        continue
                    await limit.acquire()
                    pending.add(asyncio.create_task(one(index)))
                    pending = {t for t in pending if not t.done() or t.result()}
                await asyncio.gather(*pending)
        finally:
            if llm is not None:
                await llm.close()
        timing = {"setup_s": round(setup_s, 3), "dialogues_s": round(time.perf_counter() - loop_wall, 3),
                  "dialogues_cpu_s": round(time.process_time() - loop_cpu, 3)}
        return self._write(done, time.perf_counter() - start, timing)

    def _write(self, done: dict[int, dict[str, Any]], seconds: float, timing: dict[str, float]) -> dict[str, Any]:
        from datasets import DatasetDict

        events: Counter = Counter()
        usage = Accounting()
        rows: list[dict[str, Any]] = []  # already in the contract's row form (DialogueRecord.to_row)
        for index in sorted(done):
            if isinstance(done[index], str):
                done[index] = orjson.loads(done[index])
            events.update(done[index]["events"])
            usage.merge(done[index].get("usage") or {})
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
        stats = compute_stats(train, rejected, events, self._tool_counts(), seconds, usage.summary())
        stats["timing"] = timing  # this invocation only: a resumed run times what it did itself
        (self.output / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")
        (self.output / "stats.md").write_text(stats_markdown(stats))
        (self.output / "README.md").write_text(dataset_card(stats, self.config))
        return stats

    def _tool_counts(self) -> dict[str, Any]:
        reasons: Counter = Counter()
        kept = dropped = 0
        for world in self._worlds.values():
            kept += len(world.report.kept)
            dropped += len(world.report.dropped)
            reasons.update(world.report.reasons)
        return {"kept": kept, "dropped": dropped, "dropped_reasons": dict(sorted(reasons.items()))}
