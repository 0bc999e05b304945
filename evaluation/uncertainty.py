"""95% intervals for Pass^k and for the difference between two models, and the trials a difference needs.

A benchmark score is a mean over tasks of each task's Pass^k estimate; it varies with the tasks
drawn and with each task's trials. The interval is a percentile bootstrap that resamples both:
tasks with replacement (within each stratum: a BFCL category, a τ² domain, a SQL database, so that
an unweighted mean over strata stays one), then each drawn task's trials with replacement
(its success count drawn from Binomial(n, c/n)). A difference between two models is bootstrapped
paired by task: the same draws for both, so what the two share (a hard task) cancels out.
Resampling at both levels counts trial noise twice (a task's success rate already carries it), so
the intervals lean wide: on the simulated logs of tests/test_uncertainty.py (20-40 tasks) they
cover the truth 95-99% of the time. With very few tasks per stratum (about 10) and rates near 0
or 1, coverage falls toward 92%.

How many trials a difference needs follows the same variance (task-to-task spread of the true
differences, plus trial noise counted as the bootstrap counts it) at 80% power; when the spread
alone keeps a difference inside the noise, more trials cannot help and more tasks are needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from math import ceil

import numpy as np

from .outcomes import TrialOutcome

Z95 = 1.959963984540054
Tasks = dict[str, tuple[int, int]]  # task id -> (trials, successes)
Strata = dict[str, Tasks]  # stratum (category) -> its tasks
Weights = dict[str, float]  # stratum -> its weight in the score (default: equal)


@dataclass(frozen=True)
class Interval:
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class Difference:
    value: float  # b - a
    low: float
    high: float
    tasks: int  # tasks both models ran
    trials_needed: int | None  # trials per task for |value| (or the given delta) to exceed the 95% noise;
    # None: no number of trials does it on these tasks (or there is no difference)

    @property
    def beyond_noise(self) -> bool:
        return self.low > 0 or self.high < 0


def strata_of(outcomes: Iterable[TrialOutcome], benchmark: str, categories: Iterable[str]) -> Strata:
    """(trials, successes) per task of the given categories, from finished trials."""
    wanted = set(categories)
    strata: Strata = {}
    for o in outcomes:
        if o.benchmark == benchmark and o.category in wanted:
            n, c = strata.setdefault(o.category, {}).get(o.task_id, (0, 0))
            strata[o.category][o.task_id] = (n + 1, c + int(o.success))
    return strata


def _pass_k(n: np.ndarray, c: np.ndarray, k: int) -> np.ndarray:
    """C(c, k) / C(n, k) elementwise (0 where c < k), as a product of k ratios."""
    out = np.ones(np.broadcast(n, c).shape)
    for j in range(k):
        out *= np.clip(c - j, 0, None) / (n - j)
    return out


def _draws(strata: list[tuple[np.ndarray, np.ndarray]], k: int, boot: int, rng: np.random.Generator,
           weights: list[float], picks: list[np.ndarray] | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
    """``boot`` bootstrap values of the weighted mean over strata, and the task draws used."""
    values, used = np.zeros(boot), []
    for i, (n, c) in enumerate(strata):
        pick = picks[i] if picks is not None else rng.integers(0, len(n), size=(boot, len(n)))
        used.append(pick)
        drawn_n = n[pick]
        drawn_c = rng.binomial(drawn_n.astype(np.int64), c[pick] / drawn_n)
        values += weights[i] * _pass_k(drawn_n, drawn_c, k).mean(axis=1)
    return values, used


def _arrays(strata: Strata, order: dict[str, list[str]] | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    out = []
    for category in sorted(strata):
        ids = order[category] if order else sorted(strata[category])
        pairs = np.array([strata[category][t] for t in ids], dtype=float).reshape(-1, 2)
        out.append((pairs[:, 0], pairs[:, 1]))
    return out


def _point(arrays: list[tuple[np.ndarray, np.ndarray]], k: int, weights: list[float]) -> float:
    return float(sum(w * _pass_k(n, c, k).mean() for w, (n, c) in zip(weights, arrays, strict=True)))


def _weights(strata: Iterable[str], given: Weights | None) -> list[float]:
    """Per stratum (in sorted order) its weight: ``given``, or equal (an unweighted mean)."""
    names = sorted(strata)
    return [given[name] for name in names] if given else [1 / len(names)] * len(names)


def _centred(values: np.ndarray, point: float, level: float) -> tuple[float, float]:
    """Percentiles of the bootstrap values, moved by their bias (their mean minus the estimate). For
    k > 1 a task resampled from its own trials estimates p̂^k, not p^k, and sits above the estimate;
    uncorrected, the interval would sit too high and miss the truth more often than it says."""
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(values, [tail, 100 - tail]) - (values.mean() - point)
    return float(low), float(high)


def pass_k_interval(strata: Strata, k: int, boot: int = 2000, seed: int = 0, level: float = 0.95,
                    weights: Weights | None = None) -> Interval | None:
    """Pass^k (the weighted mean over strata of the mean over tasks) with its bootstrap interval;
    None when a stratum is empty or some task has fewer than k trials."""
    arrays = _arrays(strata)
    if not arrays or any(len(n) == 0 or n.min() < k for n, _ in arrays):
        return None
    w = _weights(strata, weights)
    values, _ = _draws(arrays, k, boot, np.random.default_rng(seed), w)
    point = _point(arrays, k, w)
    low, high = _centred(values, point, level)
    return Interval(point, max(0.0, low), min(1.0, high))  # the correction must not leave [0, 1]


def paired_difference(a: Strata, b: Strata, k: int, boot: int = 2000, seed: int = 0, level: float = 0.95,
                      delta: float | None = None, weights: Weights | None = None) -> Difference | None:
    """Model b minus model a on the tasks both ran, bootstrapped with the same task draws for both.
    ``trials_needed``: for ``delta`` when given, else for the observed difference."""
    common = {cat: sorted(set(a.get(cat, {})) & set(b.get(cat, {}))) for cat in sorted(set(a) & set(b))}
    common = {cat: ids for cat, ids in common.items() if ids}
    if not common:
        return None
    arr_a = _arrays({cat: a[cat] for cat in common}, common)
    arr_b = _arrays({cat: b[cat] for cat in common}, common)
    if any(n.min() < k for n, _ in arr_a + arr_b):
        return None
    if weights and set(common) != set(weights):
        return None  # a weighted column needs every one of its strata in both
    w = _weights(common, weights)
    rng = np.random.default_rng(seed)
    draws_a, picks = _draws(arr_a, k, boot, rng, w)
    draws_b, _ = _draws(arr_b, k, boot, rng, w, picks)
    value = _point(arr_b, k, w) - _point(arr_a, k, w)
    low, high = _centred(draws_b - draws_a, value, level)
    needed = trials_needed(arr_a, arr_b, delta if delta is not None else abs(value), w)
    return Difference(value, float(low), float(high), sum(len(ids) for ids in common.values()), needed)


Z80 = 0.8416212335729143  # one-sided z for 80% power


def trials_needed(arr_a: list[tuple[np.ndarray, np.ndarray]], arr_b: list[tuple[np.ndarray, np.ndarray]],
                  delta: float, weights: list[float] | None = None) -> int | None:
    """Trials per task with which a true difference of ``delta`` in Pass^1 would come out beyond
    noise (its 95% interval excluding 0) in at least 80% of runs, or None when no number of trials would on
    these tasks (the per-task differences vary too much: more tasks are needed). Tasks are paired
    (same order in both); strata weighted as in the score.

    The variance is the interval's own: over T tasks, (s2 + 2 * noise / n) / T per stratum, where
    s2 is how much the true per-task differences vary (the observed variance of the differences
    less the trial noise they carry now) and noise / n the trial noise of a task's difference with n
    trials each, counted twice as the two-level bootstrap counts it."""
    if delta <= 0:
        return None
    fixed = per_trial = 0.0
    weights = weights or [1 / len(arr_a)] * len(arr_a)  # the score is a weighted mean over strata
    for w, (na, ca), (nb, cb) in zip(weights, arr_a, arr_b, strict=True):
        pa, pb = ca / na, cb / nb
        # unbiased per-trial variances p(1-p) n/(n-1); one trial gives no estimate: take the worst, 1/4
        va = np.where(na > 1, pa * (1 - pa) * na / np.maximum(na - 1, 1), 0.25)
        vb = np.where(nb > 1, pb * (1 - pb) * nb / np.maximum(nb - 1, 1), 0.25)
        spread = float(np.var(pb - pa, ddof=1)) if len(na) > 1 else 0.0
        fixed += w ** 2 * max(0.0, spread - float(np.mean(va / na + vb / nb))) / len(na)
        per_trial += w ** 2 * 2 * float(np.mean(va + vb)) / len(na)
    room = (delta / (Z95 + Z80)) ** 2 - fixed
    if room <= 0:
        return None
    return max(1, ceil(per_trial / room))
