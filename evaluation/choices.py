"""Checking a benchmark setting that picks from a fixed list (BFCL categories, τ² domains)."""

from __future__ import annotations

from collections.abc import Sequence


def chosen(values: list[str], valid: Sequence[str], what: str) -> list[str]:
    """``values`` without repeats, or a ValueError naming the first unknown one (or that none was
    chosen) and listing the valid ones."""
    unknown = [v for v in values if v not in valid]
    if unknown:
        raise ValueError(f"unknown {what} {unknown[0]!r} (valid: {', '.join(valid)})")
    if not values:
        raise ValueError(f"no {what} selected (valid: {', '.join(valid)})")
    return list(dict.fromkeys(values))
