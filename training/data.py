"""Training data from dialogue records: mixing, validated-only, a validation split by database, checks.

Sources are local datasets (``load_from_disk``) or Hub ids; each may be downsampled and weighted.
The validation split holds out whole databases (``environment.db_id``), so no schema seen in
training appears in validation.
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from common.errors import InputError


class DataError(InputError, ValueError):
    """A dataset or record that cannot be trained on; the message names it."""


@dataclass
class DataArguments:
    """The data section of a training config (beside SFTConfig and ModelConfig fields)."""

    datasets: list[str] = field(default_factory=list, metadata={"help": "local dataset dirs or Hub ids"})
    dataset_weights: list[float] | None = field(default=None, metadata={"help": "mixing weight per dataset"})
    dataset_max_samples: list[int] | None = field(default=None, metadata={"help": "downsample each dataset to N rows"})
    validated_only: bool = field(default=True, metadata={"help": "keep only records that passed validation"})
    validation_fraction: float = field(default=0.1, metadata={"help": "share of databases held out"})
    mix_seed: int = field(default=0, metadata={"help": "seed for downsampling and mixing"})
    reasoning: str = field(default="keep", metadata={
        "help": "assistant reasoning_content: keep (the chat template renders it, e.g. <think> for Qwen3) or drop"})
    wandb_project: str | None = field(default=None, metadata={"help": "W&B project (run name: run_name)"})


def _load(source: str):
    from datasets import DatasetDict, load_dataset, load_from_disk

    try:
        data = load_from_disk(source) if Path(source).exists() else load_dataset(source)
    except Exception as exc:  # datasets raises many types for a bad path or id
        raise DataError(f"cannot load dataset {source}: {str(exc).splitlines()[0]}") from None
    split = data["train"] if isinstance(data, DatasetDict) else data
    if "messages" not in split.column_names:
        raise DataError(f"dataset {source} has no 'messages' column")
    return split


def check_record(row: dict[str, Any], where: str) -> None:
    """Every tool-call argument parses as a JSON object and every tool is a valid function spec."""
    for spec in row.get("tools") or []:
        spec = json.loads(spec) if isinstance(spec, str) else spec
        function = spec.get("function") if isinstance(spec, dict) else None
        if not isinstance(function, dict) or not function.get("name"):
            raise DataError(f"{where}: a tools entry is not an OpenAI function spec")
        try:
            Draft202012Validator.check_schema(function.get("parameters") or {"type": "object"})
        except SchemaError as exc:
            raise DataError(f"{where}: tool {function['name']} has invalid parameters: {exc.message}") from None
    for message in row["messages"]:
        for call in message.get("tool_calls") or []:
            if not isinstance(_arguments(call, where), dict):
                raise DataError(f"{where}: tool call {call.get('id')} arguments are not a JSON object")


def _arguments(call: dict[str, Any], where: str) -> Any:
    """A call's arguments as an object: records of schema 1.4 hold it, earlier ones its JSON text."""
    try:
        args = call["function"]["arguments"]
        return json.loads(args) if isinstance(args, str) else args
    except (json.JSONDecodeError, TypeError, KeyError):
        raise DataError(f"{where}: tool call {call.get('id')} has arguments that are not JSON") from None


def _message(message: dict[str, Any], dropped: set[str]) -> dict[str, Any]:
    """A message as SFTTrainer takes it: tool-call arguments as objects, so every chat template (ours,
    TRL's Qwen3, Qwen2.5, Llama 3.1, gpt-oss) writes them once."""
    out = {k: v for k, v in message.items() if v is not None and k not in dropped}
    if out.get("tool_calls"):
        out["tool_calls"] = [call | {"function": call["function"] | {"arguments": _arguments(call, "record")}}
                             for call in out["tool_calls"]]
    return out


def _db(row: dict[str, Any]) -> str:
    env = row.get("environment")
    env = json.loads(env) if isinstance(env, str) else env
    return (env or {}).get("db_id") or "unknown"


def build_splits(args: DataArguments):
    """(train, validation) datasets with just ``messages`` and ``tools``, as SFTTrainer takes them."""
    from datasets import Dataset, Features, Json, List, Value

    if not args.datasets:
        raise DataError("no datasets given (data section: datasets)")
    for name, values in (("dataset_weights", args.dataset_weights), ("dataset_max_samples", args.dataset_max_samples)):
        if values is not None and len(values) != len(args.datasets):
            raise DataError(f"{name} has {len(values)} entries for {len(args.datasets)} datasets")
    rng = random.Random(args.mix_seed)
    rows: list[dict[str, Any]] = []
    for i, source in enumerate(args.datasets):
        split = _load(source)
        records = [r for r in split if not args.validated_only or (r.get("validation") or {}).get("passed", True)]
        if args.dataset_max_samples is not None:
            records = rng.sample(records, min(len(records), args.dataset_max_samples[i]))
        if args.dataset_weights is not None:  # weight w: repeat the source w times (fractions sampled)
            whole, part = divmod(args.dataset_weights[i], 1.0)
            records = records * int(whole) + rng.sample(records, int(round(part * len(records))))
        for j, row in enumerate(records):
            check_record(row, f"dataset {source}, record {row.get('id') or j}")
        rows += records
    if not rows:
        raise DataError("no records left to train on (all filtered out?)")
    dbs = sorted({_db(r) for r in rows}, key=lambda d: hashlib.sha1(d.encode()).hexdigest())
    held = set(dbs[: int(round(args.validation_fraction * len(dbs)))]) if len(dbs) > 1 else set()
    if args.reasoning not in ("keep", "drop"):
        raise DataError(f"reasoning must be keep or drop, not {args.reasoning!r}")
    dropped = {"reasoning_content"} if args.reasoning == "drop" else set()
    # each message is one JSON value: a struct would give every message every key of every other one
    # (and every argument key of every call), filled with nulls that chat templates print or trip on
    features = Features({"messages": List(Json()), "tools": Value("string")})
    columns = lambda part: Dataset.from_list(  # noqa: E731
        [{"messages": [_message(m, dropped) for m in r["messages"]],
          # one JSON string per row (TRL parses it): Arrow would merge the specs' keys across rows
          "tools": json.dumps([json.loads(t) if isinstance(t, str) else t for t in r.get("tools") or []])}
         for r in part], features=features)
    train = [r for r in rows if _db(r) not in held]
    validation = [r for r in rows if _db(r) in held]
    return columns(train), (columns(validation) if validation else None), sorted(held)
