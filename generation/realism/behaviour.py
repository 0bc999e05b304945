"""Behaviour counts per dialogue: clarifying questions, write confirmations, corrections and pure
acknowledgements (follow-ups built on a result are the reactive turns of ``grounding.py``)."""

from __future__ import annotations

import re
from typing import Any

from .dialogue import Dialogue
from .numbers import share
from .text import words

WRITE_TOOL = re.compile(r"^(create|update|delete|add|insert|remove|set|cancel|modify|edit)_")
CONFIRM = re.compile(r"\b(please confirm|shall i|should i|go ahead|proceed|do you want me to|ok to)\b", re.I)
OFFER = re.compile(r"\b(anything else|something else|else (i|we) can|can i help|help you with)\b", re.I)
CORRECTION = re.compile(
    r"\b(actually|i meant|sorry, i meant|change that to|scratch that|make that|correction)\b"
    r"|\bnot\b[^.?!,]{1,40}\bbut\b", re.I)
ACK_WORDS = frozenset(
    "ok okay k thanks thank thx you great perfect nice cool got it good alright all right fine sounds "
    "awesome cheers much very that's thats that is was it's everything i needed need all for help "
    "helpful wonderful excellent super noted understood appreciated appreciate lovely "
    "brilliant covers bye goodbye".split())
MAX_ACK_WORDS = 8


def write_tools(d: Dialogue) -> set[str]:
    declared = {t.get("name") for t in d.environment.get("tools") or [] if t.get("writes")}
    offered = {(s.get("function") or {}).get("name") or "" for s in d.tools}
    return declared | {n for n in offered if WRITE_TOOL.match(n)}


def is_acknowledgement(text: str) -> bool:
    """A short user turn of thanks or acknowledgement only: no question, no number, no other word
    (a bare "yes" answers a question: it is no acknowledgement)."""
    tokens = words(text)
    return (0 < len(tokens) <= MAX_ACK_WORDS and "?" not in text
            and all(t in ACK_WORDS for t in tokens))


def dialogue_behaviour(d: Dialogue) -> dict[str, int]:
    writes = write_tools(d)
    clarifying = confirmations = 0
    for k, turn in enumerate(d.agent_turns):
        if not turn.last_text.rstrip().endswith("?"):
            continue
        following = d.agent_turns[k + 1].calls if k + 1 < len(d.agent_turns) else []
        if CONFIRM.search(turn.last_text) or any(c in writes for c in following):
            confirmations += 1
        elif not turn.calls and not OFFER.search(turn.last_text):
            clarifying += 1
    return {
        "clarifying": clarifying,
        "confirmations": confirmations,
        "corrections": sum(bool(CORRECTION.search(t)) for t in d.user_turns),
        "acknowledgements": sum(is_acknowledgement(t) for t in d.user_turns),
    }


def behaviour_figures(dialogues: list[Dialogue]) -> dict[str, Any]:
    totals = {"clarifying": 0, "confirmations": 0, "corrections": 0, "acknowledgements": 0}
    for d in dialogues:
        for key, n in dialogue_behaviour(d).items():
            totals[key] += n
    return {f"{key}_per_dialogue": share(n, len(dialogues)) for key, n in totals.items()}
