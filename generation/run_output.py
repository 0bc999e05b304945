"""What a run leaves in ``--output``: the dataset, JSONL exports, statistics and dataset card, all
assembled from the checkpoint; and the one-line failure when a role got no answer at all."""

from __future__ import annotations

import json
import shutil

import yaml
from collections import Counter
from pathlib import Path
from typing import Any

from common.errors import InputError

from .config import GenerationConfig
from .llm.accounting import Accounting
from .llm.request_log import read_request_log
from .records import saved_row, to_dataset
from .run_folder import CONFIG_FILE
from .shard import REQUEST_LOG
from .hub.card import write_run_card
from .hub.plots import write_plots
from .stats import compute_stats, stats_markdown


def write_run_output(output: Path, config: GenerationConfig, done: dict[int, dict[str, Any]],
                     tool_counts: dict[str, Any], seconds: float, timing: dict[str, float],
                     requests_logged: bool = True) -> dict[str, Any]:
    """``requests_logged`` false: some requests went out where this run's request log is not (a Ray
    node without the output folder), so request counts come from the finished dialogues alone."""
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
    _save_dataset(output, train, rejected)
    if requests_logged:  # dialogues cut short by a kill counted too
        usage.requests_as_logged(read_request_log(output / ".work" / REQUEST_LOG))
    stats = compute_stats(train, rejected, events, tool_counts, seconds, usage.summary())
    stats["timing"] = timing  # this invocation only: a resumed run times what it did itself
    (output / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    (output / "stats.md").write_text(stats_markdown(stats))
    (output / CONFIG_FILE).write_text(yaml.safe_dump(config.model_dump(mode="json"), sort_keys=False))
    write_plots(output / "plots", train, rejected)
    for stale in ("contamination.json", "contamination.md"):  # they judged the records this run replaced
        (output / stale).unlink(missing_ok=True)
    write_run_card(output)
    return stats


def _save_dataset(output: Path, train: list[dict[str, Any]], rejected: list[dict[str, Any]]) -> None:
    from datasets import DatasetDict

    dataset = DatasetDict({"train": to_dataset(train), "rejected": to_dataset(rejected)})
    staging = output / ".dataset.tmp"
    shutil.rmtree(staging, ignore_errors=True)
    # An empty split needs an explicit shard count to load back (datasets 5.2).
    shards = {name: max(1, split.data.nbytes // (500 << 20)) for name, split in dataset.items()}
    dataset.save_to_disk(str(staging), num_shards=shards)
    shutil.rmtree(output / "dataset", ignore_errors=True)
    staging.rename(output / "dataset")
    for name, split in (("train", train), ("rejected", rejected)):
        with open(output / f"{name}.jsonl", "w") as fh:
            for r in split:
                fh.write(json.dumps(saved_row(r), ensure_ascii=False, separators=(",", ":")) + "\n")


def fail_if_no_answer(phases: list[dict[str, Any]]) -> None:
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
