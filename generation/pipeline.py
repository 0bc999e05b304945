"""The generation run: dialogues one by one, checkpointed, then written as a DatasetDict.

Each finished dialogue is appended to a checkpoint file right away, so a killed run resumes
where it stopped, and the output is only assembled from the checkpoint at the end.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .config import GenerationConfig
from .dialogue import generate_dialogue
from .environments.guards import QueryLimits
from .environments.sources import DatabaseSource, resolve_sources
from .errors import InputError
from .records import DialogueRecord, to_dataset
from .stats import compute_stats, stats_markdown
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
    def _world(self, source: DatabaseSource) -> SqlWorld:
        return self._worlds[source.db_id]

    def _build_worlds(self, sources: list[DatabaseSource]) -> None:
        # Open (and so check) every database before any progress output, so bad input fails first.
        opened = [s.open() for s in sources]
        for db in tqdm(opened, desc="environments", unit="db"):
            self._worlds[db.db_id] = SqlWorld.build(db, self.limits, self.config.seed)

    def _fingerprint(self) -> str:
        return hashlib.sha256(self.config.model_dump_json().encode()).hexdigest()

    def _checkpoint(self) -> dict[int, dict[str, Any]]:
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
                    entry = json.loads(line)
                except json.JSONDecodeError:
                    break  # a line cut short by a kill: that dialogue is redone
                done[entry["index"]] = entry
        return done

    def _priors(self) -> list[DialogueRecord]:
        from datasets import load_from_disk

        path = Path(self.config.continue_from)
        try:
            data = load_from_disk(str(path))
        except Exception as exc:  # datasets raises several types for a bad directory
            raise InputError(f"cannot load dataset to continue from {path}: {exc}") from None
        split = data["train"] if hasattr(data, "keys") else data
        if "messages" not in split.column_names:
            raise InputError(f"dataset {path} has no 'messages' column")
        return [DialogueRecord.from_row(row) for row in split]

    # -- run -----------------------------------------------------------------------------
    def run(self) -> dict[str, Any]:
        start = time.perf_counter()
        sources = resolve_sources(self.config.databases, self.cache_dir, self.config.db_ids)
        by_id = {s.db_id: s for s in sources}
        priors = self._priors() if self.config.continue_from else None
        done = self._checkpoint()
        total = len(priors) if priors is not None else self.config.num_dialogues
        used = sorted({p.environment.db_id for p in priors}) if priors is not None else [
            s.db_id for s in sources[:total]]
        self._build_worlds([by_id[d] for d in used if d in by_id])
        with open(self.work / "dialogues.jsonl", "a") as sink, tqdm(
            total=total, initial=len(done), desc="dialogues", unit="dlg"
        ) as bar:
            for index in range(total):
                if index in done:
                    continue
                prior = priors[index] if priors is not None else None
                if prior is not None and prior.environment.db_id not in by_id:
                    raise InputError(f"record {prior.id} needs database {prior.environment.db_id}, "
                                     f"which is not in {self.config.databases}")
                source = by_id[prior.environment.db_id] if prior else sources[index % len(sources)]
                outcome = generate_dialogue(self._world(source), self.config, index, prior)
                entry = {"index": index, "records": [r.to_row() for r in outcome.records],
                         "events": dict(outcome.events)}
                sink.write(json.dumps(entry, ensure_ascii=False) + "\n")
                sink.flush()
                done[index] = entry
                bar.update(1)
        return self._write(done, sources, time.perf_counter() - start)

    def _write(self, done: dict[int, dict[str, Any]], sources: list[DatabaseSource], seconds: float) -> dict[str, Any]:
        from datasets import DatasetDict

        events: Counter = Counter()
        records: list[DialogueRecord] = []
        for index in sorted(done):
            events.update(done[index]["events"])
            records += [DialogueRecord.from_row(r) for r in done[index]["records"]]
        train = [r for r in records if r.validation.passed]
        rejected = [r for r in records if not r.validation.passed]
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
                    fh.write(r.model_dump_json() + "\n")
        tools = self._tool_counts([s for s in sources if s.db_id in self._worlds])
        stats = compute_stats(train, rejected, events, tools, seconds)
        (self.output / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")
        (self.output / "stats.md").write_text(stats_markdown(stats))
        (self.output / "README.md").write_text(self._card(stats))
        return stats

    def _card(self, stats: dict[str, Any]) -> str:
        """A dataset card: what the data is, how it was made, and its statistics."""
        import yaml

        from .records import SCHEMA_VERSION

        return (
            "# Tool-use dialogues over SQL databases\n\n"
            f"Dialogue records (schema {SCHEMA_VERSION}): `messages` + `tools` in OpenAI chat format, "
            "with the environment (SQL of every tool), tasks with rubrics and gold plans, simulation "
            "settings, validation results and statistics per dialogue. Split `train` holds the validated "
            "dialogues, `rejected` the others with their reasons.\n\n"
            "## Statistics\n\n" + stats_markdown(stats) +
            "\n## Generation config\n\n```yaml\n"
            + yaml.safe_dump(self.config.model_dump(mode="json"), sort_keys=False) + "```\n"
        )

    def _tool_counts(self, sources: list[DatabaseSource]) -> dict[str, Any]:
        reasons: Counter = Counter()
        kept = dropped = 0
        for s in sources:
            report = self._worlds[s.db_id].report
            kept += len(report.kept)
            dropped += len(report.dropped)
            reasons.update(report.reasons)
        return {"kept": kept, "dropped": dropped, "dropped_reasons": dict(sorted(reasons.items()))}
