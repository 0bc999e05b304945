"""The 95% intervals cover the truth on synthetic outcome logs with known success rates, paired
differences tell a real gap from noise, and the trials-needed figure shrinks the noise as it says."""

from __future__ import annotations

import numpy as np
import pytest

from evaluation.outcomes import TrialOutcome
from evaluation.uncertainty import paired_difference, pass_k_interval, strata_of, trials_needed


def _strata(successes: np.ndarray, trials: int, category: str = "c") -> dict:
    return {category: {f"t{i}": (trials, int(c)) for i, c in enumerate(successes)}}


@pytest.mark.parametrize("tasks,trials,a,b", [(40, 4, 2, 2), (20, 3, 5, 2)])
def test_intervals_cover_the_truth_in_at_least_93_percent_of_500_runs(tasks, trials, a, b):
    """Tasks drawn from a population with per-task success rates ~ Beta(a, b): Pass^k's truth is
    E[p^k] = prod_j (a + j) / (a + b + j)."""
    rng = np.random.default_rng(7)
    truth = {k: float(np.prod([(a + j) / (a + b + j) for j in range(k)])) for k in (1, 2, 3)}
    hits = {k: 0 for k in truth}
    runs = 500
    for run in range(runs):
        strata = _strata(rng.binomial(trials, rng.beta(a, b, size=tasks)), trials)
        for k in truth:
            interval = pass_k_interval(strata, k, boot=600, seed=run)
            hits[k] += interval.low <= truth[k] <= interval.high
    coverage = {k: h / runs for k, h in hits.items()}
    assert all(c >= 0.93 for c in coverage.values()), coverage
    assert all(c < 1.0 for c in coverage.values()), coverage  # an interval that never misses says nothing


def test_fixed_tasks_with_known_rates_are_covered_too():
    rng = np.random.default_rng(3)
    rates = np.linspace(0.05, 0.95, 30)
    hits = 0
    for run in range(500):
        interval = pass_k_interval(_strata(rng.binomial(4, rates), 4), 1, boot=600, seed=run)
        hits += interval.low <= rates.mean() <= interval.high
    assert hits / 500 >= 0.93


def test_a_stratified_score_is_the_unweighted_mean_of_its_strata():
    strata = {**_strata(np.array([4, 4]), 4, "easy"), **_strata(np.array([0, 0, 0, 0, 0, 0]), 4, "hard")}
    interval = pass_k_interval(strata, 1, boot=200)
    assert interval.value == pytest.approx(0.5)  # (1.0 + 0.0) / 2, not 2 / 8
    assert interval.low == pytest.approx(0.5) and interval.high == pytest.approx(0.5)  # nothing varies


def test_a_real_gap_is_beyond_noise_and_no_gap_is_not():
    rng = np.random.default_rng(11)
    rates = rng.uniform(0.2, 0.6, size=50)
    same_beyond = gap_beyond = 0
    for run in range(100):
        a = _strata(rng.binomial(4, rates), 4)
        same = paired_difference(a, _strata(rng.binomial(4, rates), 4), 1, boot=600, seed=run)
        gap = paired_difference(a, _strata(rng.binomial(4, rates + 0.3), 4), 1, boot=600, seed=run)
        same_beyond += same.beyond_noise
        gap_beyond += gap.beyond_noise
        assert gap.tasks == 50 and gap.value > 0
    assert same_beyond <= 7 and gap_beyond >= 95


def test_paired_by_task_only_tasks_both_ran_count():
    a = {"c": {"t1": (2, 2), "t2": (2, 0), "t3": (2, 1)}}
    b = {"c": {"t1": (2, 2), "t2": (2, 2)}}
    diff = paired_difference(a, b, 1, boot=200)
    assert diff.tasks == 2 and diff.value == pytest.approx(0.5)


def test_with_the_trials_needed_a_real_difference_comes_out_beyond_noise():
    """The figure uses the interval's own yardstick: run that many trials, and the same true gap is
    beyond noise in at least 80% of runs (and in fewer with the trials first run)."""
    rng = np.random.default_rng(5)
    rates = rng.uniform(0.2, 0.6, size=50)
    draw = lambda r, n: _strata(rng.binomial(n, r), n)  # noqa: E731
    needed = paired_difference(draw(rates, 4), draw(rates + 0.12, 4), 1, boot=300, delta=0.12).trials_needed
    assert needed is not None and needed > 4
    power = {n: sum(paired_difference(draw(rates, n), draw(rates + 0.12, n), 1, boot=300, seed=s).beyond_noise
                    for s in range(60)) / 60 for n in (4, needed)}
    assert power[needed] >= 0.8 > power[4]


def test_no_number_of_trials_resolves_a_gap_smaller_than_the_task_to_task_spread():
    rng = np.random.default_rng(9)
    rates_a = rng.uniform(0.1, 0.9, size=20)
    rates_b = np.clip(rates_a + rng.choice([-0.6, 0.6], size=20), 0, 1)  # big gains and losses, tiny mean
    arr = lambda rates: [(np.full(20, 50.0), rates * 50)]  # noqa: E731
    assert trials_needed(arr(rates_a), arr(rates_b), 0.02) is None


def test_strata_come_from_trial_outcomes():
    outcomes = [TrialOutcome("tau2", "airline", "1", 0, True), TrialOutcome("tau2", "airline", "1", 1, False),
                TrialOutcome("tau2", "retail", "9", 0, True), TrialOutcome("bfcl", "x", "1", 0, True)]
    assert strata_of(outcomes, "tau2", ["airline", "retail"]) == {"airline": {"1": (2, 1)}, "retail": {"9": (1, 1)}}
    assert pass_k_interval(strata_of(outcomes, "tau2", ["airline"]), 2, boot=100).value == 0.0
    assert pass_k_interval(strata_of(outcomes, "tau2", ["retail"]), 2) is None  # 1 trial: no Pass^2


def test_bfcl_single_turn_columns_carry_intervals_around_bfcls_own_aggregate():
    from evaluation.bfcl_single_scoring import (CATEGORIES, column_weights, category_scores, leaderboard_columns,
                                                table2_columns)
    from evaluation.report import model_results

    rng = np.random.default_rng(2)
    sizes = {c: int(rng.integers(5, 30)) for c in CATEGORIES}  # unequal: count-weighting matters for Live
    outcomes = [TrialOutcome("bfcl_single", c, f"{c}_{i}", trial, bool(rng.random() < 0.3 + 0.05 * (len(c) % 7)))
                for c, n in sizes.items() for i in range(n) for trial in range(2)]
    for trial in (0, 1):  # the weights reproduce bfcl-eval's aggregation, column by column
        scores = category_scores(outcomes, trial)
        for column, value in leaderboard_columns(scores).items():
            weights = column_weights(column, {c: count for c, (_, count) in scores.items()})
            assert sum(w * scores[c][0] for c, w in weights.items()) == pytest.approx(value)
    from evaluation.report import SINGLE_TURN

    results = model_results(outcomes, 2)["bfcl_single"]
    assert results["irrelevance"]["tasks"] == sizes["irrelevance"]  # the category, beside the column
    keys = {column: key for column, key, _ in SINGLE_TURN}
    for column, value in table2_columns(outcomes, trial=None).items():
        entry = results[keys[column]]
        low, high = entry["interval"]["1"]
        assert entry["pass_k"]["1"] == round(value, 4) and low <= value <= high and high - low > 0.01


def test_every_cell_lies_inside_its_own_interval_even_with_unequal_trials():
    """A run cut short leaves some tasks with fewer trials: figure and interval still share one definition."""
    from evaluation.bfcl_single_scoring import CATEGORIES
    from evaluation.report import model_results

    rng = np.random.default_rng(4)
    outcomes = [TrialOutcome(benchmark, c, f"{c}_{i}", trial, bool(rng.random() < rng.uniform(0.1, 0.9)))
                for benchmark, categories in (("bfcl_single", CATEGORIES), ("tau2", ("airline", "retail")))
                for c in categories for i in range(int(rng.integers(3, 12)))
                for trial in range(3 if rng.random() < 0.6 else 2)]
    results = model_results(outcomes, 2)
    checked = 0
    for categories in results.values():
        for entry in categories.values():
            for k, value in entry["pass_k"].items():
                low, high = entry["interval"][k]
                assert low - 1e-9 <= value <= high + 1e-9, (entry, k)
                checked += 1
    assert checked > 30
