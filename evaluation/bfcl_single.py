"""BFCL v4 single-turn (the categories of Table 2's Non-Live, Live and Hallucination columns): the
model under test through BFCL's chat-completions function-calling protocol, scored by BFCL's own
checker, aggregated as BFCL's leaderboard does.

Non-live: simple_python, simple_java, simple_javascript, multiple, parallel, parallel_multiple,
irrelevance; live: live_simple, live_multiple, live_parallel, live_parallel_multiple,
live_irrelevance, live_relevance. The data (BFCL's loaders), the request (its handler's prompt and
tool conversion), the decoding and the verdicts are bfcl-eval's (see `bfcl_single_scoring`); the
loop is ours, on our async client with bounded concurrency, logging each trial as it ends. The tests
run bfcl-eval's own handler and `evaluate` on the same scripted replies and require the same
requests, verdicts, accuracies and leaderboard columns.

Outcomes: one `TrialOutcome` per (entry, trial), benchmark "bfcl_single", category = BFCL category,
task_id = BFCL entry id, success = BFCL's verdict; `detail` holds BFCL's model result (strings cut
short) and the verdict. When the endpoint fails to answer (LLMUnavailable) the trial fails with
`error` set and a rerun tries it again (BFCL would score its "Error during inference" text, which
irrelevance counts as correct); anything the model answers is scored as BFCL scores it.

Accuracy per category is BFCL's (the share of entries whose verdict is valid); the columns are
`bfcl_single_scoring.table2_columns` / `leaderboard_columns`. BFCL runs one trial: `accuracy` and
`columns` are trial 0's, `accuracy_mean` and `columns_mean` the means over trials.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from statistics import mean
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from generation.llm.endpoints import EndpointConfig

from .bfcl_single_scoring import BENCHMARK, CATEGORIES, leaderboard_columns, model_result, request_of, verdict
from .choices import chosen
from .outcomes import OutcomeLog, TrialOutcome
from .trials import accuracy_by_category, run_trials

MAX_TEXT = 2000  # characters kept per string of a model result in an outcome's detail


class BfclSingleSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    categories: list[str] = list(CATEGORIES)
    limit: int | None = Field(None, ge=1)  # the first N entries per category (None: all)
    concurrency: int = Field(32, ge=1)  # entries in flight

    @field_validator("categories")
    @classmethod
    def _known(cls, categories: list[str]) -> list[str]:
        return chosen(categories, CATEGORIES, "BFCL single-turn category")


@dataclass(frozen=True)
class Entry:
    """One BFCL entry: as inference sees it (function docs with BFCL's language hints), as its
    evaluation sees it (docs as written, which the Java and JavaScript checkers need), its answer."""
    prompt: dict[str, Any]
    checked: dict[str, Any]
    answer: list[dict[str, Any]] | None  # None for relevance and irrelevance: BFCL has no answer file

    @property
    def id(self) -> str:
        return self.prompt["id"]


def load_entries(settings: BfclSingleSettings, workdir: Path) -> dict[str, list[Entry]]:
    """BFCL's own loaders, as `bfcl generate` and `bfcl evaluate` call them, first `limit` per category."""
    # bfcl_eval's config module creates result/, score/ and lock folders under BFCL_PROJECT_ROOT
    # when first imported (by default inside site-packages): keep them in the work folder.
    os.environ.setdefault("BFCL_PROJECT_ROOT", str(workdir / "bfcl_eval"))
    from bfcl_eval.utils import is_relevance_or_irrelevance, load_dataset_entry, load_ground_truth_entry

    selected: dict[str, list[Entry]] = {}
    for category in settings.categories:
        prompts = load_dataset_entry(category)[:settings.limit]
        checked = load_dataset_entry(category, include_prereq=False, include_language_specific_hint=False)
        answers: list[Any] = [None] * len(checked)
        if not is_relevance_or_irrelevance(category):
            answers = [a["ground_truth"] for a in load_ground_truth_entry(category)]
        # evaluate_task pairs entries and answers by position (some answer ids differ in form)
        selected[category] = [Entry(prompt=p, checked=c, answer=a) for p, c, a in zip(prompts, checked, answers)]
    return selected


def run_bfcl_single(endpoint: EndpointConfig, settings: BfclSingleSettings, trials: int, log: OutcomeLog,
                    workdir: Path) -> dict[str, Any]:
    """Runs every (entry, trial) not yet logged (or logged with an endpoint error), appends one
    `TrialOutcome` per finished trial to `log`, and returns BFCL's accuracies per category and its
    leaderboard columns (see the module docstring), with counts and errors."""
    if trials < 1:
        raise ValueError(f"trials must be >= 1, got {trials}")
    settings = BfclSingleSettings.model_validate(settings.model_dump())  # one built without checks
    selected = load_entries(settings, workdir)
    todo = [(category, entry, trial) for trial in range(trials) for category, entries in selected.items()
            for entry in entries if log.pending(BENCHMARK, category, entry.id, trial)]
    aborted = asyncio.run(_run_all(endpoint, settings, todo, log)) if todo else None
    summary = summarize(log, {c: [e.id for e in entries] for c, entries in selected.items()}, trials)
    if aborted:
        summary["aborted"] = aborted
    return summary


async def _run_all(endpoint: EndpointConfig, settings: BfclSingleSettings, todo: list[tuple[str, Entry, int]],
                   log: OutcomeLog) -> str | None:
    """Returns why the run stopped early, if it did: an endpoint that fails trial after trial."""
    from generation.llm.accounting import Accounting
    from generation.llm.client import LLMClient

    client, meter = LLMClient(endpoint), Accounting()

    async def one(category: str, entry: Entry, trial: int) -> TrialOutcome:
        return await _trial(client, meter, category, entry, trial)

    try:
        return await run_trials(todo, one, log, settings.concurrency, "bfcl_single")
    finally:
        await client.close()


async def _trial(client: Any, meter: Any, category: str, entry: Entry, trial: int) -> TrialOutcome:
    from generation.llm.client import LLMUnavailable

    result: Any = None
    error = None
    try:
        messages, tools = request_of(entry.prompt)
        # one request per entry: no conversation scope for prefix-reuse accounting
        reply = await client.chat("agent", messages, meter=meter, tools=tools or None)
        result = model_result(reply.message)
        found = verdict(category, entry.checked, entry.answer, result)
    except LLMUnavailable as exc:
        error, found = f"endpoint: {exc}", {"valid": False, "error_type": "inference_error"}
    except Exception as exc:  # one entry going wrong must not stop the others
        error = f"{type(exc).__name__}: {exc}"
        found = {"valid": False, "error_type": "inference_error"}
    success = bool(found.get("valid")) and error is None
    return TrialOutcome(BENCHMARK, category, entry.id, trial, success, reward=float(success), error=error,
                        detail={"verdict": found, "result": _short(result)})


def _short(value: Any) -> Any:
    """A model result with every string cut to MAX_TEXT (a runaway reply must not swell the log)."""
    if isinstance(value, str):
        return value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + "..."
    if isinstance(value, list):
        return [_short(v) for v in value]
    if isinstance(value, dict):
        return {_short(k): _short(v) for k, v in value.items()}
    return value


def summarize(log: OutcomeLog, selected: dict[str, list[str]], trials: int) -> dict[str, Any]:
    """BFCL's accuracies and columns from the logged outcomes of the selected entries (a missing
    trial counts as wrong, as a missing result would in BFCL's full evaluation)."""
    summary: dict[str, Any] = {"trials": trials,
                               "categories": accuracy_by_category(log, BENCHMARK, selected, trials)}
    scores = summary["categories"]
    per_trial_columns = [leaderboard_columns({c: (s["accuracy_per_trial"][t], s["total"]) for c, s in scores.items()
                                              if s["total"]}) for t in range(trials)]
    summary["columns"] = per_trial_columns[0]
    summary["columns_mean"] = {k: None if any(c[k] is None for c in per_trial_columns)
                               else mean(c[k] for c in per_trial_columns) for k in per_trial_columns[0]}
    summary["errors"] = sum(s["errors"] for s in scores.values())
    summary["missing"] = sum(s["missing"] for s in scores.values())
    return summary
