"""Results in the shape of the paper's Table 2, as markdown and JSON, and logged to W&B.

Columns: BFCL multi-turn (overall and its four categories), tau2 airline / retail / telecom and
our held-out SQL benchmark, each as Pass^1 (the success rate); then Pass^1..k per benchmark and
category. Every figure comes from `TrialOutcome`s through the one Pass^k implementation.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from common.tables import markdown_table

from .outcomes import TrialOutcome, group_trials
from .passk import pass_k_table

BFCL_CATEGORIES = ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context")
TAU2_DOMAINS = ("airline", "retail", "telecom")
HEADLINE = [("bfcl", "overall", "BFCL MT"), *[("bfcl", c, c.removeprefix("multi_turn_")) for c in BFCL_CATEGORIES],
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
    return results


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{100 * value:.1f}"


def markdown(results: dict[str, dict[str, Any]], k: int) -> str:
    headline = [[model, *(_pct(benchmarks[b][c]["pass_k"]["1"]) if c in benchmarks.get(b, {}) else "–"
                          for b, c, _ in HEADLINE)]
                for model, benchmarks in results.items()]
    passes = [[model, benchmark, category, *(_pct(entry["pass_k"].get(str(i))) for i in range(1, k + 1)),
               entry.get("tasks", ""), entry.get("trials", ""), entry.get("errors", "")]
              for model, benchmarks in results.items()
              for benchmark, categories in benchmarks.items() for category, entry in categories.items()]
    return "\n".join([
        markdown_table(headline, ["Model", *(label for _, _, label in HEADLINE)]), "",
        f"Pass^k (share of tasks whose k trials all succeed, unbiased estimator), k = 1..{k}:", "",
        markdown_table(passes, ["Model", "Benchmark", "Category", *(f"Pass^{i}" for i in range(1, k + 1)),
                                "Tasks", "Trials", "Errors"]),
    ]) + "\n"


def write_report(output: Path, results: dict[str, dict[str, Any]], k: int, extra: dict[str, Any]) -> str:
    output.mkdir(parents=True, exist_ok=True)
    (output / "results.json").write_text(json.dumps({"k": k, "models": results, **extra}, indent=2))
    text = markdown(results, k)
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
        run.log(metrics)
        table = wandb.Table(columns=["benchmark", "category", "task_id", "trial", "success", "reward", "error"])
        for o in outcomes:
            table.add_data(o.benchmark, o.category, o.task_id, o.trial, o.success, o.reward, o.error)
        run.log({"trials": table})
    finally:
        run.finish()
