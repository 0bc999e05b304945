"""BFCL single-turn: the request, the decoding and the verdict exactly as bfcl-eval makes them, and
bfcl-eval's aggregation of the category accuracies into the leaderboard's columns.

Everything that decides a score is bfcl-eval's own code (2026.3.23), called per entry:

- the request is `OpenAICompletionsHandler.inference_single_turn_FC`'s: the entry's first (and only)
  turn as the messages, no system prompt of its own (a live entry brings its own), and the function
  docs, language hints included, turned into tools by `model_handler.utils.convert_to_tool`;
- the reply becomes BFCL's "model result" as `_parse_query_response_FC` makes it: one
  `{name: arguments}` per tool call, or the message text when there are no tool calls;
- the verdict is `eval_runner._evaluate_single_ast_entry` (AST categories: `decode_ast`, then the
  AST checker against the function docs without language hints) or
  `eval_runner._evaluate_single_relevance_entry` (relevance / irrelevance), the functions that
  `ast_file_runner` and `relevance_file_runner` call for each entry.

State carried between entries. The known upstream cache is multi-turn's: bfcl-eval keeps the API
instances an entry's calls run on in `multi_turn_utils` globals, keyed by model name and entry id
and never freed, so a rerun of an entry in one process resumes the earlier state. Single-turn
scoring executes no call and so never touches it (the tests check those globals stay as they were).
What single-turn code carries instead is editing in place: the language-hint pass rewrites the
function docs where they lie (applied twice, hints double and the Java / JavaScript types the
checker needs are gone), and BFCL's prompting handlers insert their system prompt into
`question[0]`. So inference and checking each get their own load of every entry (with hints, as
written), a request is built from copies, and every verdict runs on deep copies of the entry, its
answer and the model result: whatever a check does to them reaches no other trial, no other entry
and not the loaded data. bfcl-eval's single-turn verdict functions (2026.3.23) do not edit their
inputs; the copies keep that so if they start to (a test runs a checker that does).
"""

from __future__ import annotations

import copy
import importlib
import sys
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .outcomes import TrialOutcome

BENCHMARK = "bfcl_single"
# BFCL's leaderboard groups (constants.category_mapping), as Table 2 reads them
NON_LIVE_AST = ("simple_python", "simple_java", "simple_javascript", "multiple", "parallel", "parallel_multiple")
LIVE_AST = ("live_simple", "live_multiple", "live_parallel", "live_parallel_multiple")
IRRELEVANCE = ("irrelevance", "live_irrelevance")
RELEVANCE = ("live_relevance",)
CATEGORIES = (*NON_LIVE_AST, "irrelevance", *LIVE_AST, "live_irrelevance", "live_relevance")
# The model name given to BFCL's checker. It looks the name up in bfcl-eval's model registry (with
# "_" read as "/") for one setting, `underscore_to_dot`: True for chat-completions FC models, whose
# tools carry "." in names as "_" (convert_to_tool), so the checker compares the "_" form.
CHECKER_MODEL = "tooldial-openai-completions-FC"


@dataclass(frozen=True)
class _RegistryEntry:
    """The fields of bfcl-eval's `ModelConfig` that its single-turn checker reads."""
    model_name: str = CHECKER_MODEL
    is_fc_model: bool = True
    underscore_to_dot: bool = True


@lru_cache(maxsize=1)
def bfcl() -> types.SimpleNamespace:
    """bfcl-eval's per-entry evaluation functions and a decoder with the chat-completions handler's
    `decode_ast`. bfcl-eval's model registry (`constants.model_config`) imports every vendor's SDK,
    which tooldial's repacked wheel leaves out; where it cannot be imported, a registry holding only
    our model stands in (the single-turn checker reads nothing else from it)."""
    name = "bfcl_eval.constants.model_config"
    if name not in sys.modules:
        try:
            importlib.import_module(name)
        except Exception:  # a missing vendor SDK (ImportError) or one that fails on import
            registry = types.ModuleType(name)
            registry.MODEL_CONFIG_MAPPING = {}  # type: ignore[attr-defined]
            sys.modules[name] = registry
    from bfcl_eval.constants.enums import Language, ModelStyle, ReturnFormat
    from bfcl_eval.constants.type_mappings import GORILLA_TO_OPENAPI
    from bfcl_eval.eval_checker import eval_runner
    from bfcl_eval.eval_checker.ast_eval import ast_checker
    from bfcl_eval.model_handler.api_inference.openai_completion import OpenAICompletionsHandler
    from bfcl_eval.model_handler.base_handler import BaseHandler
    from bfcl_eval.model_handler.utils import convert_to_tool
    from bfcl_eval.utils import is_java, is_js, is_relevance_or_irrelevance

    ast_checker.MODEL_CONFIG_MAPPING.setdefault(CHECKER_MODEL.replace("_", "/"), _RegistryEntry())

    class Decoder(OpenAICompletionsHandler):
        # the handler's own decode_ast / decode_execute, without the OpenAI client its __init__ builds
        def __init__(self) -> None:
            BaseHandler.__init__(self, CHECKER_MODEL, 0.0, CHECKER_MODEL, True)
            self.model_style = ModelStyle.OPENAI_COMPLETIONS

    def tools(functions: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return convert_to_tool(functions, GORILLA_TO_OPENAPI, ModelStyle.OPENAI_COMPLETIONS)

    return types.SimpleNamespace(runner=eval_runner, decoder=Decoder(), tools=tools, Language=Language,
                                 ReturnFormat=ReturnFormat, is_java=is_java, is_js=is_js,
                                 is_relevance=is_relevance_or_irrelevance)


def request_of(entry: dict[str, Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The messages and tools BFCL's chat-completions FC handler sends for `entry` (loaded with the
    language hints, as `bfcl generate` loads it); copies, so the entry stays as loaded."""
    return copy.deepcopy(entry["question"][0]), bfcl().tools(entry["function"])


def model_result(message: dict[str, Any]) -> Any:
    """BFCL's model result for a reply: `OpenAICompletionsHandler._parse_query_response_FC`."""
    try:
        return [{call["function"]["name"]: call["function"]["arguments"]} for call in message["tool_calls"]]
    except Exception:  # BFCL's bare `except`: no tool calls (None, absent) or calls it cannot read
        return message.get("content")


def verdict(category: str, entry: dict[str, Any], answer: list[dict[str, Any]] | None, result: Any) -> dict[str, Any]:
    """BFCL's verdict for one entry: {"valid": True} or {"valid": False, "error_type", "error"}.
    `entry` as `evaluate_task` loads it (no language hints), `answer` its ground truth (None for
    relevance and irrelevance)."""
    b = bfcl()
    entry, answer, result = copy.deepcopy(entry), copy.deepcopy(answer), copy.deepcopy(result)
    if b.is_relevance(category):
        found = b.runner._evaluate_single_relevance_entry(b.decoder, entry["id"], result, entry, CHECKER_MODEL,
                                                          category)
    else:
        if b.is_java(category):
            language, return_format = b.Language.JAVA, b.ReturnFormat.JAVA
        elif b.is_js(category):
            language, return_format = b.Language.JAVASCRIPT, b.ReturnFormat.JAVASCRIPT
        else:
            language, return_format = b.Language.PYTHON, b.ReturnFormat.PYTHON
        found = b.runner._evaluate_single_ast_entry(b.decoder, entry["id"], result, answer, entry, CHECKER_MODEL,
                                                    category, language=language, return_format=return_format,
                                                    has_tool_call_tag=False)
    if found["valid"]:
        return {"valid": True}
    return {"valid": False, "error_type": found.get("error_type"), "error": str(found.get("error"))[:500]}


# -- BFCL's aggregation: eval_runner_helper.generate_leaderboard_csv ---------------------------------
Score = tuple[float, int]  # (accuracy, entries evaluated), as BFCL's leaderboard table holds them


def _weighted(scores: list[Score]) -> Score:
    # calculate_weighted_accuracy: accuracies weighted by their entry counts
    total = sum(count for _, count in scores)
    return sum(accuracy * count for accuracy, count in scores) / total, total


def _unweighted(scores: list[Score]) -> Score:
    # calculate_unweighted_accuracy: the plain mean of the accuracies
    return sum(accuracy for accuracy, _ in scores) / len(scores), sum(count for _, count in scores)


def leaderboard_columns(scores: Mapping[str, Score]) -> dict[str, float | None]:
    """BFCL's Non-Live, Live and Hallucination (relevance, irrelevance) columns from per-category
    (accuracy, count). None where a category it needs is absent: BFCL shows N/A in its summary
    columns then (and counts the category as 0 in its overall ones, which we do not report)."""
    def have(*categories: str) -> bool:
        return all(c in scores for c in categories)

    columns: dict[str, float | None] = dict.fromkeys(("non_live", "live", "relevance", "irrelevance"))
    if have(*NON_LIVE_AST):
        simple = _unweighted([scores["simple_python"], scores["simple_java"], scores["simple_javascript"]])
        columns["non_live"] = _unweighted([simple, scores["multiple"], scores["parallel"],
                                           scores["parallel_multiple"]])[0]
    if have(*LIVE_AST):
        columns["live"] = _weighted([scores[c] for c in LIVE_AST])[0]
    if have(*RELEVANCE):
        columns["relevance"] = scores["live_relevance"][0]
    if have(*IRRELEVANCE):
        columns["irrelevance"] = _unweighted([scores[c] for c in IRRELEVANCE])[0]
    return columns


def column_weights(column: str, counts: Mapping[str, int]) -> dict[str, float] | None:
    """Each category's weight in a leaderboard column: the column is the weighted sum of the category
    accuracies, as `leaderboard_columns` combines them (a test holds the two equal), for intervals
    that resample each category's entries. None when a category the column needs is absent."""
    parts = {"non_live": NON_LIVE_AST, "live": LIVE_AST, "relevance": RELEVANCE, "irrelevance": IRRELEVANCE}[column]
    if not all(counts.get(c) for c in parts):
        return None
    if column == "non_live":  # simple (a third each of its three languages) and the three others, a quarter each
        return {c: (1 / 12 if c.startswith("simple_") else 1 / 4) for c in parts}
    if column == "live":
        total = sum(counts[c] for c in parts)
        return {c: counts[c] / total for c in parts}
    return {c: 1 / len(parts) for c in parts}


def category_scores(outcomes: Iterable[TrialOutcome], trial: int = 0) -> dict[str, Score]:
    """Per BFCL category: the share of its logged entries that passed in `trial`, and their number."""
    found: dict[str, list[bool]] = {}
    for o in outcomes:
        if o.benchmark == BENCHMARK and o.trial == trial:
            found.setdefault(o.category, []).append(o.success)
    return {category: (sum(passed) / len(passed), len(passed)) for category, passed in found.items()}


def table2_columns(outcomes: Iterable[TrialOutcome], trial: int | None = 0) -> dict[str, float | None]:
    """Table 2's BFCL single-turn columns from `bfcl_single` outcomes, as bfcl-eval computes them:

    - non_live: unweighted mean of simple (itself the unweighted mean of simple_python, simple_java,
      simple_javascript), multiple, parallel and parallel_multiple;
    - live: mean of live_simple, live_multiple, live_parallel and live_parallel_multiple weighted by
      their entry counts;
    - relevance (Hallucination): live_relevance;
    - irrelevance (Hallucination): unweighted mean of irrelevance and live_irrelevance.

    Accuracies in [0, 1]; None when a category a column needs has no outcome. `trial`: BFCL runs
    one trial, trial 0 by default; None averages each column over the trials logged (None if a
    trial lacks it)."""
    outcomes = [o for o in outcomes if o.benchmark == BENCHMARK]
    if trial is not None:
        return leaderboard_columns(category_scores(outcomes, trial))
    per_trial = [leaderboard_columns(category_scores(outcomes, t)) for t in sorted({o.trial for o in outcomes})]
    keys = ("non_live", "live", "relevance", "irrelevance")
    if not per_trial:
        return dict.fromkeys(keys)
    return {k: None if any(c[k] is None for c in per_trial) else sum(c[k] for c in per_trial) / len(per_trial)
            for k in keys}
