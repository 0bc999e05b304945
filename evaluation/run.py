"""Evaluate models on benchmarks: serve each model, run each benchmark's trials, report.

Each (model, benchmark) pair logs its trials to `<output>/<model>/<benchmark>/outcomes.jsonl`;
the report is rebuilt from those logs, so it always covers everything finished so far, also
after a failure or a kill.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from .benchmarks import BENCHMARKS
from .config import EvaluationConfig
from .outcomes import OutcomeLog, TrialOutcome
from .comparisons import compare_models
from .report import HEADLINE, column_strata, log_wandb, model_results, write_report
from .serving import ServingError, served


class EvaluationError(Exception):
    """A failure that stops the whole evaluation (the model cannot be served or reached)."""


def _fingerprint(spec: Any, benchmark: str, settings: Any) -> str:
    """What shapes a benchmark's trials: the model (not the port it happens to be served on) and the
    benchmark's settings. `trials` is left out: raising it later adds trials to the same log."""
    model = spec.model_dump(mode="json", include={"path", "server", "server_args", "sampling"})
    if spec.endpoint is not None:
        model["endpoint"] = spec.endpoint.data_fields()
    data = {"model": model, "benchmark": benchmark, "settings": settings.model_dump(mode="json")}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _open_log(workdir: Path, fingerprint: str) -> OutcomeLog:
    marker = workdir / "settings.sha256"
    if marker.exists() and marker.read_text().strip() != fingerprint:
        raise EvaluationError(f"{workdir} holds trials made with other settings or another model; "
                              "choose a new output_dir or delete that folder")
    workdir.mkdir(parents=True, exist_ok=True)
    marker.write_text(fingerprint)
    return OutcomeLog(workdir / "outcomes.jsonl")


def _incomplete(summary: dict[str, Any], outcomes: list[TrialOutcome]) -> str | None:
    failed = sum(o.error is not None for o in outcomes)
    reasons = [f"{failed} trial(s) failed at the endpoint (a rerun retries them)"] if failed else []
    if summary.get("aborted"):
        reasons.append(str(summary["aborted"]))
    return "; ".join(reasons) or None


def evaluate(config: EvaluationConfig) -> tuple[str, list[str]]:
    """Returns the markdown table and the failures (each benchmark's; the others' results are kept)."""
    output = Path(config.output_dir)
    for spec in config.models:  # bad input fails before anything runs, not after the first model
        try:
            spec.check()
        except ServingError as exc:
            raise EvaluationError(str(exc) if spec.path else f"model {spec.name!r}: {exc}") from None
    done: dict[str, tuple[list[TrialOutcome], dict[str, Any], list[str]]] = {}
    if config.ray:
        from .cluster import models_on_ray

        finished = models_on_ray(config, output, evaluate_model)
    else:
        finished = (evaluate_model(config, spec, output) for spec in config.models)
    for spec, outcomes, summary, failed in finished:  # as each model finishes (in a row, or side by side)
        done[spec.name] = (outcomes, summary, failed)
        # in the config's order whatever the order of finishing: the first model is the baseline
        by_model = {m.name: done[m.name][0] for m in config.models if m.name in done}
        summaries = {m.name: done[m.name][1] for m in config.models if m.name in done}
        failures = [f for m in config.models if m.name in done for f in done[m.name][2]]
        results = {name: model_results(outcomes, config.k) for name, outcomes in by_model.items()}
        compared = compare_models(by_model, HEADLINE, column_strata)
        write_report(output, results, config.k, {"summaries": summaries, "failures": failures}, compared)  # after each model
        if config.wandb.project:
            try:
                log_wandb(config.wandb, spec.name, results[spec.name], outcomes, config.model_dump(mode="json"),
                          several=len(config.models) > 1)
            except Exception as exc:  # W&B down must not cost the results, which are on disk already
                failed.append(f"{spec.name} / wandb: {type(exc).__name__}: {exc}")
    failures = [f for m in config.models if m.name in done for f in done[m.name][2]]
    return write_report(output, results, config.k, {"summaries": summaries, "failures": failures},
                        compare_models(by_model, HEADLINE, column_strata)), failures


def evaluate_model(config: EvaluationConfig, spec: Any, output: Path) -> tuple[Any, list[TrialOutcome], dict, list[str]]:
    """One model on every selected benchmark: the model, its outcomes, summaries per benchmark and failures."""
    summaries: dict[str, Any] = {}
    failures: list[str] = []
    outcomes = _evaluate_model(config, spec, output / spec.name, summaries, failures)
    return spec, outcomes, summaries, failures


def _evaluate_model(config: EvaluationConfig, spec: Any, model_dir: Path, summaries: dict[str, Any],
                    failures: list[str]) -> list[TrialOutcome]:
    outcomes: list[TrialOutcome] = []
    try:
        with served(spec, model_dir) as endpoint:
            for benchmark in config.benchmarks.selected():
                settings = getattr(config.benchmarks, benchmark)
                workdir = model_dir / benchmark
                try:
                    log = _open_log(workdir, _fingerprint(spec, benchmark, settings))
                except EvaluationError as exc:
                    failures.append(f"{spec.name} / {benchmark}: {exc}")
                    continue
                with log:
                    try:
                        summaries[benchmark] = BENCHMARKS[benchmark].run()(endpoint, settings, config.trials, log, workdir)
                    except Exception as exc:  # one benchmark failing must not lose the others' results
                        failures.append(f"{spec.name} / {benchmark}: {type(exc).__name__}: {exc}")
                    # trials beyond `trials` (a larger earlier run) stay in the log, out of this report
                    mine = [o for o in log.outcomes(benchmark) if o.trial < config.trials]
                    if (problem := _incomplete(summaries.get(benchmark, {}), mine)) is not None:
                        failures.append(f"{spec.name} / {benchmark}: {problem}")
                    outcomes += mine
    except ServingError as exc:  # this model could not be served: the next one may be
        failures.append(f"{spec.name}: {exc}")
    return outcomes
