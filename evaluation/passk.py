"""Pass^k: the probability that k independent trials of a task all succeed, averaged over tasks.

Per task with n trials and c successes the unbiased estimator is C(c, k) / C(n, k) (tau2-bench's
definition, from the tau-bench paper). Pass^1 is the plain success rate.
"""

from __future__ import annotations

from math import comb
from typing import Iterable

from .outcomes import TrialOutcome, group_trials


class PassKError(ValueError):
    pass


def pass_hat_k(n: int, c: int, k: int) -> float:
    if not 0 <= c <= n:
        raise PassKError(f"success count {c} is outside 0..{n}")
    if k < 1 or k > n:
        raise PassKError(f"k={k} needs 1 <= k <= number of trials ({n})")
    return comb(c, k) / comb(n, k)


def pass_k_table(outcomes: Iterable[TrialOutcome], max_k: int,
                 strict: bool = True) -> dict[tuple[str, str], dict[int, float | None]]:
    """Pass^1..max_k per (benchmark, category), averaged over that category's tasks. Not strict (a
    report of an unfinished run): a k beyond some task's trial count is None instead of an error."""
    per_category: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for (benchmark, category, _), trials in group_trials(outcomes).items():
        per_category.setdefault((benchmark, category), []).append((len(trials), sum(t.success for t in trials)))
    table: dict[tuple[str, str], dict[int, float]] = {}
    for key, tasks in sorted(per_category.items()):
        fewest = min(n for n, _ in tasks)
        if max_k > fewest and strict:
            raise PassKError(f"{key[0]}/{key[1]}: k={max_k} but some task has only {fewest} trials")
        table[key] = {k: sum(pass_hat_k(n, c, k) for n, c in tasks) / len(tasks) if k <= fewest else None
                      for k in range(1, max_k + 1)}
    return table
