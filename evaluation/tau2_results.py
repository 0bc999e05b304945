"""τ²'s own records of a run: its `SimulationRun`s, its `Results` file and its metrics.

Per domain, every finished simulation is appended to `simulations/<domain>.jsonl` as it ends (the
resume point, cheap to append), and `<domain>.json` (τ²'s `Results`, readable by its tools) plus
`<domain>_results.json` (τ²'s own summary, with Pass^k) are rewritten from those at the end of a run.
Metrics come from `tau2.metrics.agent_metrics`, so the numbers are τ²'s, not a re-implementation.
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path
from typing import Any

from tau2.data_model.simulation import Info, Results, RewardInfo, SimulationRun, TerminationReason
from tau2.data_model.tasks import Task
from tau2.metrics.agent_metrics import compute_metrics, is_successful
from tau2.run import save_results_summary
from tau2.utils.utils import get_now

from .outcomes import TrialOutcome


class DomainRecords:
    """The simulations of one domain, keyed by (task id, trial); the last one written wins."""

    def __init__(self, workdir: Path, domain: str, info: Info, tasks: list[Task]) -> None:
        self.domain = domain
        self.info = info
        self.tasks = tasks
        self.jsonl = workdir / "simulations" / f"{domain}.jsonl"
        self.results_path = workdir / f"{domain}.json"
        self.jsonl.parent.mkdir(parents=True, exist_ok=True)
        self.runs: dict[tuple[str, int], SimulationRun] = {}
        if self.jsonl.exists():
            for line in self.jsonl.read_bytes().splitlines():
                try:
                    run = SimulationRun.model_validate_json(line)
                except ValueError:
                    continue  # a line cut short by a kill: that trial runs again
                self.runs[(run.task_id, run.trial)] = run

    def add(self, run: SimulationRun) -> None:
        line = run.model_dump_json().encode() + b"\n"
        with self.jsonl.open("ab") as f:  # callers serialise: simulations end in worker threads
            f.write(line)
        self.runs[(run.task_id, run.trial)] = run

    def results(self, trials: int) -> Results:
        """τ²'s `Results` for this run's tasks and trials (earlier runs may have had more)."""
        ids = {t.id for t in self.tasks}
        runs = [r for (task_id, trial), r in sorted(self.runs.items()) if task_id in ids and trial < trials]
        return Results(info=self.info, tasks=self.tasks, simulations=runs)

    def write(self, trials: int) -> dict[str, Any]:
        """Writes τ²'s files and returns τ²'s metrics for this run's tasks and trials."""
        results = self.results(trials)
        summary: dict[str, Any] = {"tasks": len(self.tasks), "simulations": len(results.simulations)}
        tmp = self.results_path.with_suffix(".json.tmp")
        tmp.write_text(results.model_dump_json(indent=2))
        os.replace(tmp, self.results_path)  # never a half-written file for τ²'s viewer
        if not results.simulations:
            return summary
        metrics = compute_metrics(results)
        save_results_summary(results, metrics, self.results_path.with_name(f"{self.domain}_results.json"))
        return {**summary, "avg_reward": float(metrics.avg_reward),
                "pass_hat_k": {int(k): float(v) for k, v in sorted(metrics.pass_hat_ks.items())},
                "results_file": str(self.results_path)}


def _raised_in(exc: BaseException) -> str:
    """Which side of the conversation raised: τ²'s user simulator or its agent."""
    for frame, _ in reversed(list(traceback.walk_tb(exc.__traceback__))):
        path = frame.f_code.co_filename.replace(os.sep, "/")
        if "/tau2/user/" in path:
            return "user"
        if "/tau2/agent/" in path:
            return "agent"
    return "agent"


def failed_run(task: Task, trial: int, seed: int, exc: BaseException) -> SimulationRun:
    """What τ² itself records for a simulation that raised (`skip_failed_samples`): reward 0."""
    now = get_now()
    reason = TerminationReason.USER_ERROR if _raised_in(exc) == "user" else TerminationReason.AGENT_ERROR
    return SimulationRun(id=f"{task.id}_{trial}_failed", task_id=task.id, start_time=now, end_time=now,
                         duration=0.0, termination_reason=reason, messages=[], trial=trial, seed=seed,
                         reward_info=RewardInfo(reward=0.0, info={"exception": _describe(exc)}), skipped=True)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:500]


def is_infrastructure(exc: BaseException) -> bool:
    """An endpoint that failed to answer (down, HTTP error, timeout) rather than a model that answered
    badly. The first is an error to retry; the second (arguments that are not JSON, a conversation
    longer than the model's context) is a failed trial, as τ² scores it."""
    import litellm
    import openai

    if isinstance(exc, litellm.ContextWindowExceededError):
        return False
    return isinstance(exc, openai.APIError)


def outcome(domain: str, run: SimulationRun, exc: BaseException | None = None) -> TrialOutcome:
    reward = run.reward_info.reward if run.reward_info is not None else 0.0
    detail: dict[str, Any] = {"termination": run.termination_reason.value, "seed": run.seed,
                              "messages": len(run.messages), "duration_s": round(run.duration, 3)}
    if run.reward_info is not None and run.reward_info.reward_breakdown:
        detail["reward_breakdown"] = {k.value: v for k, v in run.reward_info.reward_breakdown.items()}
    error = None
    if exc is not None:
        detail["exception"] = _describe(exc)
        error = _describe(exc) if is_infrastructure(exc) else None
    return TrialOutcome("tau2", domain, run.task_id, run.trial, is_successful(reward), reward=reward, error=error,
                        detail=detail)
