"""The dialogues a run continues (``continue_from``): earlier records, or plain chats."""

from __future__ import annotations

from pathlib import Path

from common.errors import InputError

from .config import GenerationConfig
from .episode import Prior
from .records import DialogueRecord, Message


def load_priors(config: GenerationConfig) -> list[Prior]:
    from datasets import load_from_disk

    path = Path(config.continue_from)
    try:
        data = load_from_disk(str(path))
    except Exception as exc:  # datasets raises several types for a bad directory
        raise InputError(f"cannot load dataset to continue from {path}: {exc}") from None
    split = data["train"] if hasattr(data, "keys") else data
    if "messages" not in split.column_names:
        raise InputError(f"dataset {path} has no 'messages' column")
    if config.continue_plain or "environment" not in split.column_names:
        return [_plain(i, row, path) for i, row in enumerate(split)]
    records = [DialogueRecord.from_row(row) for row in split]
    return [Prior(id=r.id, messages=r.messages, record=r) for r in records]


def _plain(i: int, row: dict, path: Path) -> Prior:
    try:
        messages = [Message.model_validate({k: v for k, v in m.items() if v is not None}) for m in row["messages"]]
    except Exception as exc:
        raise InputError(f"dataset {path}: row {i}: bad message: {str(exc).splitlines()[0]}") from None
    return Prior(id=str(row.get("id") or f"chat-{i}"), messages=messages)
