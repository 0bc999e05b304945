"""Evaluate models on benchmarks: serve each model, run each benchmark's trials, report.

Each (model, benchmark) pair logs its trials to `<output>/<model>/<benchmark>/outcomes.jsonl`;
the report is rebuilt from those logs, so it always covers everything finished so far, also
after a failure or a kill.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from .config import EvaluationConfig
from .outcomes import OutcomeLog
from .report import log_wandb, model_results, write_report
from .serving import ServingError, served


class EvaluationError(Exception):
    """A failure that stops the whole evaluation (the model cannot be served or reached)."""


def _runner(name: str) -> Callable[..., dict[str, Any]]:
    # imported on use: each harness pulls in its benchmark's package (bfcl-eval, tau2 + litellm)
    if name == "bfcl":
        from .bfcl import run_bfcl
        return run_bfcl
    if name == "tau2":
        from .tau2 import run_tau2
        return run_tau2
    from .sqlbench import run_sqlbench
    return run_sqlbench


def evaluate(config: EvaluationConfig) -> tuple[str, list[str]]:
    """Returns the markdown table and the benchmark failures (each already logged, the run goes on)."""
    output = Path(config.output_dir)
    results: dict[str, dict[str, Any]] = {}
    summaries: dict[str, dict[str, Any]] = {}
    failures: list[str] = []
    for spec in config.models:
        model_dir = output / spec.name
        outcomes = []
        try:
            with served(spec, model_dir) as endpoint:
                for benchmark in config.benchmarks.selected():
                    settings = getattr(config.benchmarks, benchmark)
                    workdir = model_dir / benchmark
                    with OutcomeLog(workdir / "outcomes.jsonl") as log:
                        try:
                            summaries.setdefault(spec.name, {})[benchmark] = _runner(benchmark)(
                                endpoint, settings, config.trials, log, workdir)
                        except Exception as exc:  # one benchmark failing must not lose the others' results
                            failures.append(f"{spec.name} / {benchmark}: {type(exc).__name__}: {exc}")
                        outcomes += log.outcomes(benchmark)
        except ServingError as exc:
            raise EvaluationError(f"model {spec.name!r}: {exc}") from None
        results[spec.name] = model_results(outcomes, config.k)
        if config.wandb.project:
            log_wandb(config.wandb, spec.name, results[spec.name], outcomes, config.model_dump(mode="json"))
    table = write_report(output, results, config.k, {"summaries": summaries, "failures": failures})
    return table, failures
