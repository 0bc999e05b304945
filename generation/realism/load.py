"""Reading the records a realism report covers: a run folder, a .jsonl file or a saved dataset."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal

from common.errors import InputError

Split = Literal["train", "rejected", "all"]


def _splits(split: Split) -> list[str]:
    return ["train", "rejected"] if split == "all" else [split]


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{number} is not a JSON record ({exc.msg})") from None
    return rows


def _read_saved_dataset(path: Path, split: Split) -> list[dict[str, Any]]:
    from datasets import Dataset, DatasetDict, load_from_disk

    try:
        loaded = load_from_disk(str(path))
    except (FileNotFoundError, ValueError) as exc:
        raise InputError(f"{path} is not a saved dataset ({str(exc).splitlines()[0]})") from None
    if isinstance(loaded, Dataset):
        return [dict(r) for r in loaded]
    assert isinstance(loaded, DatasetDict)
    return [dict(r) for s in _splits(split) if s in loaded for r in loaded[s]]


def load_records(path: Path, split: Split = "train") -> list[dict[str, Any]]:
    """The record rows at ``path``: a run folder (its ``<split>.jsonl``, else its ``dataset/``), a
    ``.jsonl`` file, or a folder written by ``save_to_disk``. Raises InputError when there are none."""
    if not path.exists():
        raise InputError(f"{path} does not exist")
    if path.is_file():
        if path.suffix != ".jsonl":
            raise InputError(f"{path} is neither a .jsonl file nor a folder")
        rows = _read_jsonl(path)
    elif all((path / f"{s}.jsonl").is_file() for s in _splits(split)):
        rows = [r for s in _splits(split) for r in _read_jsonl(path / f"{s}.jsonl")]
    elif (path / "dataset").is_dir():
        rows = _read_saved_dataset(path / "dataset", split)
    elif any((path / marker).exists() for marker in ("dataset_dict.json", "state.json")):
        rows = _read_saved_dataset(path, split)
    else:
        raise InputError(f"{path} holds no train.jsonl and is not a saved dataset")
    if not rows:
        raise InputError(f"{path} holds no dialogues ({split} split)")
    if not all(isinstance(r, dict) and "messages" in r for r in rows):
        raise InputError(f"{path} does not hold dialogue records (rows without messages)")
    return rows
