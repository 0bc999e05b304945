"""BFCL v4 multi-turn (base, miss_func, miss_param, long_context): the model under test through BFCL's
function-calling protocol, scored by BFCL's own checker.

The data, the API classes that execute the calls and the checker are bfcl-eval's (2026.3.23); the
inference loop is ours (`bfcl_loop`, a mirror of BFCL's `inference_multi_turn_FC` with its
chat-completions handler) so that it runs on our async client with bounded concurrency, logs each
trial as it ends and works against any OpenAI-compatible server. The tests run BFCL's own handler
and evaluation on the same scripted replies and require the same requests and the same verdicts.

Outcomes: one `TrialOutcome` per (entry, trial), category = BFCL category, task_id = BFCL entry id,
success = BFCL's verdict. When the endpoint fails to answer (LLMUnavailable) the trial fails with
`error` set, and a rerun tries it again; a model that answers badly (garbage text, arguments that
are not JSON, unknown functions) is simply wrong, as in BFCL: its faults are listed in `detail`.

Accuracy is BFCL's: per category the share of entries whose verdict is valid, and the overall
multi-turn accuracy is the unweighted mean of the four categories (BFCL's
`calculate_unweighted_accuracy`, which shows N/A when a category is missing: None here). BFCL runs
one trial; `accuracy` is trial 0 and `accuracy_mean` the mean over trials.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from pathlib import Path
from statistics import mean
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator

from generation.llm.endpoints import EndpointConfig

from .choices import chosen
from .outcomes import OutcomeLog, TrialOutcome
from .trials import accuracy_by_category, run_trials

BENCHMARK = "bfcl"
MAX_CALL_CHARS = 300  # per call string kept in an outcome's detail
CATEGORIES = ("multi_turn_base", "multi_turn_miss_func", "multi_turn_miss_param", "multi_turn_long_context")


class BfclSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    categories: list[str] = list(CATEGORIES)
    limit: int | None = Field(None, ge=1)  # the first N entries per category (None: all 200)
    max_steps_per_turn: int = Field(20, ge=1)  # bfcl_eval.constants.default_prompts.MAXIMUM_STEP_LIMIT
    concurrency: int = Field(8, ge=1)  # entries in flight

    @field_validator("categories")
    @classmethod
    def _known(cls, categories: list[str]) -> list[str]:
        return chosen(categories, CATEGORIES, "BFCL category")


Entry = tuple[dict[str, Any], list[list[str]]]  # BFCL's loaded entry, its ground truth per turn


def load_entries(settings: BfclSettings, workdir: Path) -> dict[str, list[Entry]]:
    """BFCL's own loader: the entry with its function docs (miss_func's held back), and the answers."""
    # bfcl_eval's config module creates result/, score/ and lock folders under BFCL_PROJECT_ROOT
    # when first imported (by default inside site-packages): keep them in the work folder.
    os.environ.setdefault("BFCL_PROJECT_ROOT", str(workdir / "bfcl_eval"))
    from bfcl_eval.utils import load_dataset_entry, load_ground_truth_entry

    selected: dict[str, list[Entry]] = {}
    for category in settings.categories:
        entries, answers = load_dataset_entry(category), load_ground_truth_entry(category)
        truth = {a["id"]: a["ground_truth"] for a in answers}
        selected[category] = [(e, truth[e["id"]]) for e in entries[:settings.limit]]
    return selected


def run_bfcl(endpoint: EndpointConfig, settings: BfclSettings, trials: int, log: OutcomeLog,
             workdir: Path) -> dict[str, Any]:
    """Runs every (entry, trial) not yet logged (or logged with an endpoint error), appends one
    `TrialOutcome` per finished trial to `log`, and returns BFCL's accuracies per category and overall
    (see the module docstring), with counts and errors. Transcripts go to `workdir/transcripts`."""
    if trials < 1:
        raise ValueError(f"trials must be >= 1, got {trials}")
    settings = BfclSettings.model_validate(settings.model_dump())  # a settings object built without checks
    selected = load_entries(settings, workdir)
    todo = [(category, entry, truth, trial) for trial in range(trials) for category, entries in selected.items()
            for entry, truth in entries
            if log.pending(BENCHMARK, category, entry["id"], trial)]
    aborted = asyncio.run(_run_all(endpoint, settings, todo, log, workdir)) if todo else None
    summary = summarize(log, {c: [e["id"] for e, _ in entries] for c, entries in selected.items()}, trials)
    if aborted:
        summary["aborted"] = aborted
    return summary


async def _run_all(endpoint: EndpointConfig, settings: BfclSettings, todo: list[tuple[str, dict, list, int]],
                   log: OutcomeLog, workdir: Path) -> str | None:
    """Returns why the run stopped early, if it did: an endpoint that fails trial after trial."""
    from generation.llm.accounting import Accounting
    from generation.llm.client import LLMClient

    client, meter = LLMClient(endpoint), Accounting()
    # instances of BFCL's API classes live in module globals keyed by model name and entry id: a
    # fresh name per run and trial keeps trials (and earlier runs in this process) apart
    run_tag = f"tooldial_{uuid.uuid4().hex[:10]}"
    (workdir / "transcripts").mkdir(parents=True, exist_ok=True)

    async def one(category: str, entry: dict[str, Any], truth: list[list[str]], trial: int) -> TrialOutcome:
        return await _trial(client, meter, settings, category, entry, truth, trial, f"{run_tag}_trial{trial}",
                            workdir)

    try:
        return await run_trials(todo, one, log, settings.concurrency, "bfcl")
    finally:
        await client.close()


async def _trial(client: Any, meter: Any, settings: BfclSettings, category: str, entry: dict[str, Any],
                 truth: list[list[str]], trial: int, model_name: str, workdir: Path) -> TrialOutcome:
    from generation.llm.client import LLMUnavailable

    from .bfcl_loop import EntryRun, forget_instances, run_entry, score

    run, error = EntryRun(), None
    try:
        await run_entry(client, entry, model_name, settings.max_steps_per_turn, meter, run)
        verdict = score(run, truth, entry, model_name)
    except LLMUnavailable as exc:
        error, verdict = f"endpoint: {exc}", {"valid": False, "error_type": "inference_error"}
    except Exception as exc:  # one entry going wrong must not stop the others
        error = f"{type(exc).__name__}: {exc}"
        verdict = {"valid": False, "error_type": "inference_error"}
    finally:
        forget_instances(model_name, entry["id"], entry["involved_classes"])
    transcript = workdir / "transcripts" / f"{entry['id']}.trial{trial}.json"
    transcript.write_bytes(orjson.dumps({"id": entry["id"], "trial": trial, "verdict": verdict, "error": error,
                                         "calls": run.turns, "messages": run.messages}, default=str))
    # the calls cut short (an `echo` may carry a whole file): the transcript has them in full
    calls = [[[c if len(c) <= MAX_CALL_CHARS else c[:MAX_CALL_CHARS] + "..." for c in step] for step in turn]
             for turn in run.turns]
    detail = {"verdict": verdict, "calls": calls, "faults": run.faults, "requests": run.requests,
              "force_quit": run.force_quit}
    success = bool(verdict.get("valid")) and error is None
    return TrialOutcome(BENCHMARK, category, entry["id"], trial, success, reward=float(success), error=error,
                        detail=detail)


def summarize(log: OutcomeLog, selected: dict[str, list[str]], trials: int) -> dict[str, Any]:
    """BFCL's accuracies from the logged outcomes of the selected entries (a missing trial counts as wrong)."""
    summary: dict[str, Any] = {"trials": trials,
                               "categories": accuracy_by_category(log, BENCHMARK, selected, trials)}
    scores = summary["categories"]
    complete = all(c in scores for c in CATEGORIES)
    # BFCL's overall multi-turn accuracy: unweighted over the four categories, N/A if one is missing
    summary["overall_accuracy"] = mean(scores[c]["accuracy"] for c in CATEGORIES) if complete else None
    summary["overall_accuracy_mean"] = mean(scores[c]["accuracy_mean"] for c in CATEGORIES) if complete else None
    summary["errors"] = sum(s["errors"] for s in scores.values())
    summary["missing"] = sum(s["missing"] for s in scores.values())
    return summary
