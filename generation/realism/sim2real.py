"""The Sim2Real user diagnostics (D1-D4 of "Mind the Sim2Real Gap in User Simulation", 2026)."""

from __future__ import annotations

import re
import statistics
from typing import Any

from .dialogue import Dialogue
from .numbers import mean, share
from .text import words

POLITE = re.compile(r"\b(thanks|thank you|please|sorry|of course|appreciate|kindly)\b", re.I)
FRUSTRATED = re.compile(
    r"\b(i already (told|said|gave|asked)|can you just|can't you just|just do it|again\?|"
    r"that's not what i (asked|meant|wanted)|that is not what i asked|not what i asked|"
    r"i said|how many times|are you (even )?listening|still (wrong|not))", re.I)


def front_loading(lengths: list[int]) -> float | None:
    """D1 of one dialogue: words of the first user turn / mean words of the later ones."""
    later = statistics.fmean(lengths[1:]) if len(lengths) > 1 else 0.0
    return lengths[0] / later if later else None


def verbosity_cv(lengths: list[int]) -> float | None:
    """D3 of one dialogue: standard deviation / mean of its user-turn lengths in words."""
    average = statistics.fmean(lengths) if len(lengths) > 1 else 0.0
    return statistics.pstdev(lengths) / average if average else None


def sim2real_figures(dialogues: list[Dialogue]) -> dict[str, Any]:
    fronts: list[float] = []
    cvs: list[float] = []
    turns = [t for d in dialogues for t in d.user_turns]
    for d in dialogues:
        lengths = [len(words(t)) for t in d.user_turns]
        if (f := front_loading(lengths)) is not None:
            fronts.append(f)
        if (cv := verbosity_cv(lengths)) is not None:
            cvs.append(cv)
    return {
        "d1_front_loading": mean(fronts),
        "d2_politeness": share(sum(bool(POLITE.search(t)) for t in turns), len(turns)),
        "d3_verbosity_cv": mean(cvs),
        "d4_frustration": share(sum(bool(FRUSTRATED.search(t)) for t in turns), len(turns)),
    }
