"""How every realism figure is rounded and divided, so no figure divides by zero its own way."""

from __future__ import annotations

import statistics
from collections.abc import Sequence

DIGITS = 4


def share(part: float, whole: float) -> float | None:
    """``part / whole``, or None when there is nothing to count (shown as "–")."""
    return round(part / whole, DIGITS) if whole else None


def mean(values: Sequence[float]) -> float | None:
    return round(statistics.fmean(values), DIGITS) if values else None
