"""Running a benchmark's trials: bounded concurrency, each outcome logged as it ends (so a kill
loses nothing finished), a progress bar, and a stop when the endpoint fails trial after trial."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from tqdm import tqdm

from .outcomes import OutcomeLog, TrialOutcome


async def run_trials(jobs: Sequence[tuple[Any, ...]], trial: Callable[..., Awaitable[TrialOutcome]],
                     log: OutcomeLog, concurrency: int, desc: str) -> str | None:
    """``trial(*job)`` for every job; returns why the run stopped early, if it did."""
    gate = asyncio.Semaphore(concurrency)
    failing: dict[str, Any] = {"streak": 0, "stop": None}
    give_up_after = max(10, 2 * concurrency)  # more than one wave of in-flight trials in a row
    progress = tqdm(total=len(jobs), desc=desc, unit="trial")

    async def one(job: tuple[Any, ...]) -> None:
        async with gate:
            if failing["stop"]:
                return
            outcome = await trial(*job)
            log.append(outcome)
            progress.update()
            failing["streak"] = failing["streak"] + 1 if outcome.error else 0
            if failing["streak"] >= give_up_after:
                failing["stop"] = (f"stopped after {give_up_after} trials in a row failed at the endpoint; "
                                   f"last: {outcome.error}")

    try:
        await asyncio.gather(*(one(job) for job in jobs))
    finally:
        progress.close()
    return failing["stop"]


def accuracy_by_category(log: OutcomeLog, benchmark: str, selected: dict[str, list[str]],
                         trials: int) -> dict[str, dict[str, Any]]:
    """Per category, as BFCL scores it: the share of the selected entries that passed in trial 0
    (`accuracy`), per trial and on average; a missing trial counts as wrong, as a missing result
    would in BFCL's full evaluation."""
    outcomes = {(o.category, o.task_id, o.trial): o for o in log.outcomes(benchmark)}
    found_all: dict[str, dict[str, Any]] = {}
    for category, ids in selected.items():
        found = [[outcomes.get((category, i, t)) for i in ids] for t in range(trials)]
        per_trial = [sum(bool(o and o.success) for o in row) / len(ids) if ids else 0.0 for row in found]
        every = [o for row in found for o in row if o is not None]
        found_all[category] = {
            "accuracy": per_trial[0], "accuracy_mean": sum(per_trial) / len(per_trial),
            "accuracy_per_trial": per_trial, "correct": sum(bool(o and o.success) for o in found[0]),
            "total": len(ids), "errors": sum(o.error is not None for o in every),
            "with_model_faults": sum(bool((o.detail or {}).get("faults")) for o in every),
            "missing": sum(o is None for row in found for o in row)}
    return found_all
