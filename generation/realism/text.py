"""Text helpers of the realism figures: words, n-grams, value mentions and message skeletons."""

from __future__ import annotations

import re
from collections.abc import Iterable

_WORD = re.compile(r"[\w'-]+")
_BARE_WORD = re.compile(r"\w+")  # punctuation-stripped words, for verbatim runs
_QUOTED = re.compile(r"\"[^\"]*\"|“[^”]*”|'[^'\s][^']*'(?!\w)")
_NUMBER = re.compile(r"(?<![\w.])[-+]?\d+(?:[.,:/-]\d+)*(?![\w])")
_SPACE = re.compile(r"\s+")
VALUE_MARK = "<v>"
MIN_MASKED_CHARS = 2  # a one-letter value ("a", "M") would mask ordinary words


def words(text: str) -> list[str]:
    """Lowercased words (apostrophes and hyphens kept inside), the unit of length and diversity."""
    return _WORD.findall(text.lower())


def bare_words(text: str) -> list[str]:
    """Lowercased words with all punctuation stripped, the unit of verbatim-run matching."""
    return _BARE_WORD.findall(text.lower())


def ngrams(tokens: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def value_text(value: object) -> list[str]:
    """How a scalar value may be written in a message: its text, and a float also with 2 decimals."""
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, float):
        forms = {repr(value), f"{value:.2f}"}
        if value.is_integer():
            forms.add(str(int(value)))
        return sorted(forms)
    return [str(value).strip()] if str(value).strip() else []


def scalar_leaves(data: object) -> Iterable[object]:
    """Every string and number inside a JSON value (booleans and nulls carry no mentionable value)."""
    if isinstance(data, dict):
        for v in data.values():
            yield from scalar_leaves(v)
    elif isinstance(data, list):
        for v in data:
            yield from scalar_leaves(v)
    elif isinstance(data, (str, int, float)) and not isinstance(data, bool):
        yield data


def mentions(text_lower: str, value_lower: str) -> bool:
    """``value`` appears in ``text`` as a whole token run (not inside a longer word or number)."""
    start = text_lower.find(value_lower)
    while start >= 0:
        end = start + len(value_lower)
        before = text_lower[start - 1] if start else " "
        after = text_lower[end] if end < len(text_lower) else " "
        if not (before.isalnum() or before == "_") and not (after.isalnum() or after == "_"):
            return True
        start = text_lower.find(value_lower, start + 1)
    return False


def skeleton(text: str, values: Iterable[str]) -> str:
    """The message with its values masked: known values (longest first), quoted strings and numbers
    become ``<v>``; lowercased, whitespace-normalised. Two requests that differ only in the entity
    they name share a skeleton."""
    masked = text.lower()
    present = sorted({v.lower() for v in values if len(v) >= MIN_MASKED_CHARS and v.lower() in masked},
                     key=len, reverse=True)
    if present:
        pattern = "|".join(re.escape(v) for v in present)
        masked = re.sub(rf"(?<![\w])(?:{pattern})(?![\w])", VALUE_MARK, masked)
    masked = _QUOTED.sub(VALUE_MARK, masked)
    masked = _NUMBER.sub(VALUE_MARK, masked)
    return _SPACE.sub(" ", masked).strip()
