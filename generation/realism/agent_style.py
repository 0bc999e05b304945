"""How the agent writes: raw ``key: value`` dumps, success claimed after an error, long floats."""

from __future__ import annotations

import re
from typing import Any

from .dialogue import Dialogue
from .numbers import share

SNAKE_KEY = re.compile(r"(?<![\w])[a-z][a-z0-9]*_[a-z0-9_]*: ")
SUCCESS = re.compile(
    r"\b(done|all set|deleted|updated|added|created|removed|saved|changed|successfully|"
    r"i've (changed|updated|deleted|added|created|removed|saved)|that's taken care of)\b", re.I)
FLOAT = re.compile(r"(?<![\w.])\d+\.(\d+)(?!\w|\.\d)")  # a sentence may end after it
LONG_DECIMALS = 4


def field_names(d: Dialogue) -> set[str]:
    """Parameter names of the offered tools and column names of what they return."""
    names: set[str] = set()
    for spec in d.tools:
        names |= set(((spec.get("function") or {}).get("parameters") or {}).get("properties") or {})
    for tool in d.environment.get("tools") or []:
        names |= _properties(tool.get("returns") or {})
    return names


def _properties(schema: dict[str, Any]) -> set[str]:
    found = set(schema.get("properties") or {})
    for key in ("items", "properties"):
        inner = schema.get(key)
        children = inner.values() if key == "properties" and isinstance(inner, dict) else [inner]
        for child in children:
            if isinstance(child, dict):
                found |= _properties(child)
    return found


def is_dump(text: str, names: set[str]) -> bool:
    """A raw ``snake_case_key: value`` pair: an identifier with an underscore, or a known field
    name of the record's tools, followed by ': '."""
    if SNAKE_KEY.search(text):
        return True
    return any(f"{n}: " in text and re.search(rf"(?<![\w]){re.escape(n)}: ", text) for n in names)


def agent_style_figures(dialogues: list[Dialogue]) -> dict[str, Any]:
    replies = dumps = after_error = false_success = floats = long_floats = 0
    for d in dialogues:
        names = field_names(d)
        for reply in (r for turn in d.agent_turns for r in turn.replies):
            replies += 1
            dumps += is_dump(reply.text, names)
            if reply.after_error:
                after_error += 1
                false_success += bool(SUCCESS.search(reply.text))
            decimals = [len(m) for m in FLOAT.findall(reply.text)]
            floats += len(decimals)
            long_floats += sum(n > LONG_DECIMALS for n in decimals)
    return {
        "reply_dumps": share(dumps, replies),
        "false_success": share(false_success, after_error),
        "long_floats": share(long_floats, floats),
    }
