"""Results in the shape of the paper's Table 2, as markdown and JSON, and logged to W&B.

Columns: BFCL multi-turn (overall and its four categories), tau2 airline / retail / telecom and
our held-out SQL benchmark, each as Pass^1 (the success rate); then Pass^1..k per benchmark and
category, every cell with its 95% interval (`uncertainty.py`), and each later model against the
first with the difference, its interval and whether it exceeds noise (`comparisons.py`). Every
figure comes from `TrialOutcome`s through the one Pass^k implementation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from common.tables import markdown_table

from .attribution import PRECEDENCE, failure_counts
from .comparisons import comparisons_markdown
from .outcomes import TrialOutcome, group_trials
from .passk import pass_k_table
from .bfcl_single_scoring import column_weights
from .uncertainty import Strata, Weights, pass_k_interval, strata_of

BFCL_CATEGORIES = ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context")
TAU2_DOMAINS = ("airline", "retail", "telecom")
# BFCL's single-turn columns: bfcl-eval's name, ours in the results (apart from the category names:
# "irrelevance" is a category too), and the label
SINGLE_TURN = (("non_live", "non_live", "Non-Live"), ("live", "live", "Live"),
               ("relevance", "hallucination_relevance", "Hall. rel"),
               ("irrelevance", "hallucination_irrelevance", "Hall. irrel"))
HEADLINE = [("bfcl", "overall", "BFCL MT"), *[("bfcl", c, c.removeprefix("multi_turn_")) for c in BFCL_CATEGORIES],
            *[("bfcl_single", key, label) for _, key, label in SINGLE_TURN],
            *[("tau2", d, f"τ² {d}") for d in TAU2_DOMAINS], ("sqlbench", "overall", "SQL held-out")]


def model_results(outcomes: list[TrialOutcome], k: int) -> dict[str, Any]:
    """Pass^1..k per benchmark and category. `overall`: for BFCL its multi-turn overall, the
    unweighted mean of the four categories (absent unless all four ran, as BFCL reports N/A); for
    the SQL benchmark the mean over databases."""
    table = pass_k_table(outcomes, k, strict=False)
    groups = group_trials(outcomes)
    results: dict[str, Any] = {}
    for (benchmark, category), passes in table.items():
        tasks = [trials for (b, c, _), trials in groups.items() if (b, c) == (benchmark, category)]
        results.setdefault(benchmark, {})[category] = {
            "pass_k": {str(i): None if v is None else round(v, 4) for i, v in passes.items()},
            "tasks": len(tasks), "trials": sum(len(t) for t in tasks),
            "errors": sum(o.error is not None for t in tasks for o in t),
        }
    for benchmark, categories in results.items():
        complete = benchmark == "sqlbench" or set(BFCL_CATEGORIES) <= set(categories)
        if benchmark in ("bfcl", "sqlbench") and categories and complete:
            overall = {}
            for i in range(1, k + 1):
                values = [c["pass_k"][str(i)] for c in categories.values()]
                overall[str(i)] = None if None in values else round(sum(values) / len(values), 4)
            results[benchmark]["overall"] = {"pass_k": overall}
    _single_turn_columns(outcomes, results)
    for benchmark, categories in results.items():
        for category, entry in categories.items():
            strata, weights = column_strata(outcomes, benchmark, category)
            found = {i: pass_k_interval(strata, i, weights=weights) for i in range(1, k + 1)
                     if entry["pass_k"].get(str(i)) is not None}  # an interval only beside a figure
            entry["interval"] = {str(i): None if v is None else [round(v.low, 4), round(v.high, 4)]
                                 for i, v in found.items()}
    for category, counts in failure_counts([o for o in outcomes if o.benchmark == "sqlbench"]).items():
        if category in results.get("sqlbench", {}):
            results["sqlbench"][category]["failures"] = counts  # where the failed trials went wrong
    return results


def _single_turn_columns(outcomes: list[TrialOutcome], results: dict[str, Any]) -> None:
    """BFCL's Non-Live, Live and Hallucination columns, beside the categories themselves: the
    categories' Pass^1 weighted as bfcl-eval's leaderboard weighs them (equal to its own figure,
    averaged over trials, when every entry has run every trial; tests/test_uncertainty.py)."""
    single = [o for o in outcomes if o.benchmark == "bfcl_single"]
    if not single:
        return
    for _, key, _ in SINGLE_TURN:
        strata, weights = column_strata(single, "bfcl_single", key)
        found = pass_k_interval(strata, 1, weights=weights) if weights else None
        if found is not None:  # the weighted mean of the categories' Pass^1: the interval's own centre
            results["bfcl_single"][key] = {"pass_k": {"1": round(found.value, 4)}}


def column_strata(outcomes: list[TrialOutcome], benchmark: str, category: str) -> tuple[Strata, Weights | None]:
    """The tasks behind one cell and how its strata weigh: a category's; for `overall` every
    category's, each a stratum (BFCL's multi-turn overall and the SQL benchmark's are unweighted
    means over them); for a BFCL single-turn column its categories, weighted as bfcl-eval does."""
    column = next((name for name, key, _ in SINGLE_TURN if key == category), None)
    if benchmark == "bfcl_single" and column is not None:
        strata = strata_of(outcomes, benchmark, {o.category for o in outcomes if o.benchmark == benchmark})
        weights = column_weights(column, {c: len(tasks) for c, tasks in strata.items()})
        return ({c: strata[c] for c in weights}, weights) if weights else ({}, None)
    if category != "overall":
        return strata_of(outcomes, benchmark, [category]), None
    strata = strata_of(outcomes, benchmark, {o.category for o in outcomes if o.benchmark == benchmark})
    if benchmark == "bfcl" and not set(BFCL_CATEGORIES) <= set(strata):
        return {}, None  # BFCL shows N/A for its multi-turn overall unless all four categories ran
    return strata, None


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def cell(entry: dict[str, Any] | None, k: int) -> str:
    """Pass^k in percent with its 95% interval: `41.2 [35.0, 47.5]`."""
    if not entry or entry["pass_k"].get(str(k)) is None:
        return "–"
    interval = (entry.get("interval") or {}).get(str(k))
    shown = _pct(entry["pass_k"][str(k)])
    return f"{shown} [{_pct(interval[0])}, {_pct(interval[1])}]" if interval else shown


def markdown(results: dict[str, dict[str, Any]], k: int, compared: list[dict[str, Any]] | None = None) -> str:
    headline = [[model, *(cell(benchmarks.get(b, {}).get(c), 1) for b, c, _ in HEADLINE)]
                for model, benchmarks in results.items()]
    passes = [[model, benchmark, category, *(cell(entry, i) for i in range(1, k + 1)),
               entry.get("tasks", ""), entry.get("trials", ""), entry.get("errors", "")]
              for model, benchmarks in results.items()
              for benchmark, categories in benchmarks.items() for category, entry in categories.items()]
    parts = [
        markdown_table(headline, ["Model", *(label for _, _, label in HEADLINE)]), "",
        "Pass^1 in percent with its 95% interval (bootstrap over tasks, trials resampled within each task).", "",
        f"Pass^k (share of tasks whose k trials all succeed, unbiased estimator), k = 1..{k}:", "",
        markdown_table(passes, ["Model", "Benchmark", "Category", *(f"Pass^{i}" for i in range(1, k + 1)),
                                "Tasks", "Trials", "Errors"]),
    ]
    failures = [[model, category, *(entry["failures"].get(label, 0) for label in PRECEDENCE)]
                for model, benchmarks in results.items()
                for category, entry in benchmarks.get("sqlbench", {}).items() if entry.get("failures")]
    if failures:
        parts += ["", "SQL benchmark: failed trials by where they went wrong (evaluation/attribution.py):", "",
                  markdown_table(failures, ["Model", "Database", *PRECEDENCE])]
    if compared:
        parts += ["", comparisons_markdown(compared)]
    return "\n".join(parts) + "\n"


def write_report(output: Path, results: dict[str, dict[str, Any]], k: int, extra: dict[str, Any],
                 compared: list[dict[str, Any]] | None = None) -> str:
    output.mkdir(parents=True, exist_ok=True)
    (output / "results.json").write_text(json.dumps({"k": k, "models": results, "comparisons": compared or [],
                                                     **extra}, indent=2))
    text = markdown(results, k, compared)
    (output / "results.md").write_text(text)
    return text


def log_wandb(settings: Any, model: str, results: dict[str, Any], outcomes: list[TrialOutcome],
              config: dict[str, Any], several: bool = False) -> None:
    import wandb

    name = f"{settings.run_name}-{model}" if settings.run_name and several else settings.run_name or model
    run = wandb.init(project=settings.project, entity=settings.entity, group=settings.group, name=name,
                     config={**config, "model": model}, reinit="finish_previous")
    try:
        metrics = {f"{b}/{c}/pass^{i}": v for b, cats in results.items() for c, e in cats.items()
                   for i, v in e["pass_k"].items() if v is not None}
        for b, cats in results.items():  # the 95% interval of each figure beside it
            for c, e in cats.items():
                for i, bounds in (e.get("interval") or {}).items():
                    if bounds is not None:
                        metrics[f"{b}/{c}/pass^{i}_low"], metrics[f"{b}/{c}/pass^{i}_high"] = bounds
        run.log(metrics)
        table = wandb.Table(columns=["benchmark", "category", "task_id", "trial", "success", "reward", "error"])
        for o in outcomes:
            table.add_data(o.benchmark, o.category, o.task_id, o.trial, o.success, o.reward, o.error)
        run.log({"trials": table})
    finally:
        run.finish()
