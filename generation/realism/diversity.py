"""User surface diversity: skeletons, distinct-n, word-trigram diversity and MATTR."""

from __future__ import annotations

from typing import Any

from .dialogue import Dialogue
from .numbers import DIGITS, share
from .text import ngrams, skeleton, words

MATTR_WINDOW = 50


def mattr(tokens: list[str], window: int = MATTR_WINDOW) -> float | None:
    """Moving-average type-token ratio: the mean share of distinct words in every window of 50
    consecutive words (the plain type-token ratio when there are fewer words)."""
    if not tokens:
        return None
    if len(tokens) < window:
        return round(len(set(tokens)) / len(tokens), DIGITS)
    counts: dict[str, int] = {}
    for w in tokens[:window]:
        counts[w] = counts.get(w, 0) + 1
    total = len(counts)
    for i in range(window, len(tokens)):  # slide: one word in, one out
        gone, new = tokens[i - window], tokens[i]
        counts[gone] -= 1
        if not counts[gone]:
            del counts[gone]
        counts[new] = counts.get(new, 0) + 1
        total += len(counts)
    return round(total / (len(tokens) - window + 1) / window, DIGITS)


def distinct(messages: list[list[str]], n: int) -> float | None:
    """Distinct word n-grams / all word n-grams over the user messages (n-grams stay in a message)."""
    grams = [g for tokens in messages for g in ngrams(tokens, n)]
    return share(len(set(grams)), len(grams))


def diversity_figures(dialogues: list[Dialogue]) -> dict[str, Any]:
    skeletons: list[str] = []
    tokenised: list[list[str]] = []
    for d in dialogues:
        values = d.tool_values() + d.task_values
        skeletons += [skeleton(t, values) for t in d.user_turns]
        tokenised += [words(t) for t in d.user_turns]
    return {
        "skeleton_diversity": share(len(set(skeletons)), len(skeletons)),
        "distinct_1": distinct(tokenised, 1),
        "distinct_2": distinct(tokenised, 2),
        "trigram_diversity": distinct(tokenised, 3),
        "mattr": mattr([w for tokens in tokenised for w in tokens]),
    }
