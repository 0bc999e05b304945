"""The run's checkpoint: one JSON line per finished dialogue in ``.work/dialogues*.jsonl``.

Each finished dialogue is appended at once, so a killed run resumes where it stopped; the output
is assembled from these lines at the end.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from tqdm import tqdm

from .episode import DialogueOutcome
from .llm.accounting import Accounting


def read_checkpoint(work: Path) -> dict[int, dict[str, Any]]:
    """Finished dialogues from an earlier run of the same config into the same output: the
    entry that stands for each dialogue index, from every worker's file.

    Only newline-terminated lines count (the tail a kill cut short is redone, and cut off before
    the next append); an unreadable line hides nothing after it. An entry marked ``retry`` (an
    endpoint failed) stands until a later attempt replaces it; a finished one is never replaced.
    Each entry keeps the usage of the ones it displaced, so the accounting covers every request."""
    done: dict[int, dict[str, Any]] = {}
    for path in sorted(work.glob("dialogues*.jsonl")):  # one file per worker
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


def still_to_do(done: dict[int, Any], indices: range) -> list[int]:
    """The dialogues still to do: not yet checkpointed, or checkpointed as failed at an endpoint
    (redone: their cached calls make that cheap)."""
    return [i for i in indices if i not in done or done[i].get("retry")]


def checkpoint_entry(index: int, outcome: DialogueOutcome, node: str | None = None) -> str:
    """A dialogue's checkpoint line; ``retry`` marks one whose endpoint failed, for a rerun to redo;
    ``node``: the Ray node that ran it (a cluster run's only trace of where work went)."""
    # records serialized by pydantic straight to JSON: the contract's row form
    records = ", ".join(r.model_dump_json() for r in outcome.records)
    retry = ', "retry": true' if outcome.retry else ""
    where = f', "node": {json.dumps(node)}' if node else ""
    return (f'{{"index": {index}, "records": [{records}], "events": {json.dumps(dict(outcome.events))}, '
            f'"usage": {json.dumps(outcome.usage)}{retry}{where}}}\n')


def cut_torn_tail(path: Path) -> None:
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


@dataclass
class Finished:
    """A finished dialogue, as the checkpoint's writer needs it (from this process or a remote one)."""

    index: int
    line: str  # its checkpoint entry
    usage: dict[str, Any] = field(default_factory=dict)
    outages: list[tuple[str, str]] = field(default_factory=list)  # (role, why) of LLM calls that gave up
    node: str | None = None  # the Ray node that ran it


class CheckpointWriter:
    """The one writer of a checkpoint file: appends each finished dialogue at once, and tallies what
    this invocation's dialogues spent and the first outage per role (see ``phase``)."""

    def __init__(self, path: Path, total: int, position: int = 0) -> None:
        cut_torn_tail(path)
        self._sink = open(path, "a")
        self._bar = tqdm(total=total, desc="dialogues", unit="dlg", position=position)
        self.began = time.time()
        self.ran = Accounting()
        self.outages: dict[str, str] = {}

    def add(self, finished: Finished) -> None:
        self._sink.write(finished.line)
        self._sink.flush()
        self.ran.merge(finished.usage)
        for role, text in finished.outages:
            self.outages.setdefault(role, text)
        self._bar.update(1)

    def close(self) -> dict[str, Any]:
        """This invocation's phase: when dialogues ran, what their LLM requests did, why a role failed."""
        self._sink.close()
        self._bar.close()
        return {"start": self.began, "end": time.time(), "llm": self.ran.summary()["roles"],
                "outages": self.outages}
