"""How a value from a tool output is written in text (as a person would: floats to two places), so
statements can be checked against outputs."""

from __future__ import annotations

import re
from typing import Any

_WORD = re.compile(r"\w")
# rows of a list a reply names: the agent's replies show this many, and a task has the user pick one of them
SHOWN = 3


def fmt(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        if 0.01 <= abs(value) < 1e15:  # as a person writes it: 1.4285714285714286 -> 1.43
            return f"{value:.2f}".rstrip("0").rstrip(".")
        return repr(value)
    return str(value)


def facts(value: Any, into: set[str] | None = None) -> set[str]:
    """Every scalar in a tool output (and every list's length), written with ``fmt``."""
    out = into if into is not None else set()
    if isinstance(value, dict):
        for v in value.values():
            facts(v, out)
    elif isinstance(value, list):
        out.add(str(len(value)))
        for v in value:
            facts(v, out)
    else:
        out.add(fmt(value))
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out.add(f"{float(value):.2f}")
            out.add(repr(value))  # a model may state the stored value in full
    return out


def mentions(text: str, value: str) -> bool:
    """``value`` occurs in ``text`` as a whole: "3" is not in "13" or "2.3", "4" not in "1945".
    Both are compared lower-cased; a boundary is checked only where the value starts or ends with a
    word character, so punctuation-edged values ("A+", "(none)") still match."""
    text, value = text.lower(), value.lower()
    before = r"(?<![\w.,])" if value[:1].isdigit() else r"(?<!\w)" if _WORD.match(value[:1]) else ""
    after = r"(?![\w]|[.,]\d)" if _WORD.match(value[-1:]) else ""
    return re.search(before + re.escape(value) + after, text) is not None
