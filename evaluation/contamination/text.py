"""Text as the overlap measures see it: one normal form for records and references alike, so that
casing, accents, typographic quotes and line breaks never hide a copy."""

from __future__ import annotations

import re
from collections.abc import Iterator

from anyascii import anyascii

_WORD = re.compile(r"\w+")
# an identifier as it sits in text: letters, digits, '_' and '-' inside, '#' allowed in front
# (τ² order ids are "#W2378156"); trailing punctuation is not part of it
_IDENTIFIER = re.compile(r"#?[A-Za-z0-9](?:[A-Za-z0-9_\-]*[A-Za-z0-9])?")


def normalize(text: str) -> str:
    """Lowercase ASCII with single spaces: "Café  “Déjà”" -> 'cafe "deja"'."""
    return " ".join(anyascii(text).lower().split())


def words(text: str) -> list[str]:
    """The words of the normal form; punctuation separates words and is dropped, so a copy that
    changed only punctuation still matches."""
    return _WORD.findall(normalize(text))


def ngrams(tokens: list[str], n: int) -> Iterator[tuple[str, ...]]:
    return (tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def identifiers(text: str) -> set[str]:
    """Identifier-shaped tokens, case kept (ids are case-sensitive codes: 'VAAOXJ' is a reservation,
    'vaaoxj' is not), without a leading '#', so "order W2378156" and "#W2378156" both count."""
    return {token.lstrip("#") for token in _IDENTIFIER.findall(text)}
