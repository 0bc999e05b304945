"""One BFCL multi-turn entry through the model under test, the way BFCL's own FC inference runs it.

This mirrors bfcl-eval 2026.3.23: `BaseHandler.inference_multi_turn_FC` with the chat-completions
handler (`OpenAICompletionsHandler`), then `_evaluate_single_multi_turn_entry` and the official
`multi_turn_checker`. In short:

- the turn's user messages are appended (no system prompt: the data has none); in miss_func the
  held-back function docs join the tools at the turn `missed_function` names, whose user message
  is BFCL's "I have updated some more functions..." prompt;
- each step is one chat completion; its tool calls are decoded into `"func(arg=value)"` strings,
  executed by BFCL's API classes (`execute_multi_turn_func_call`), and returned as `tool` messages;
- a step without tool calls, or one whose calls do not decode (arguments that are not a JSON
  object), ends the turn; after more than `MAXIMUM_STEP_LIMIT` steps with calls the whole entry is
  force-quit, which fails it;
- scoring takes per turn the steps that decoded to at least one call (`list[turn][step][call]`).

The tests run BFCL's own pipeline on the same scripted replies and compare requests and verdicts.
"""

from __future__ import annotations

import builtins
import copy
import functools
import importlib
import inspect
import json
import keyword
import re
from dataclasses import dataclass, field
from typing import Any

from bfcl_eval.constants.default_prompts import DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_FC
from bfcl_eval.constants.type_mappings import GORILLA_TO_OPENAPI
from bfcl_eval.eval_checker.multi_turn_eval import multi_turn_utils
from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_checker import multi_turn_checker
from bfcl_eval.eval_checker.multi_turn_eval.multi_turn_utils import execute_multi_turn_func_call

from generation.llm.accounting import Accounting
from generation.llm.client import LLMClient

# BFCL eval()s each call string in multi_turn_utils' namespace. A call naming anything but an API
# method or an undefined name (a builtin such as `open`, a module global) is swapped for this call
# to an undefined name: it fails as harmlessly as BFCL's call to an unknown function would.
REFUSED_CALL = "refused_call_outside_the_bfcl_apis()"
MAX_FAULTS = 20  # faults kept per trial in the outcome


class DecodeError(ValueError):
    """A step's tool calls are not BFCL function calls (BFCL ends the turn on these)."""


# -- tools: bfcl_eval.model_handler.utils.convert_to_tool for ModelStyle.OPENAI_COMPLETIONS ----------
# Copied, not imported: that module pulls in tree-sitter parsers the multi-turn path never uses.
# The tests check the output against BFCL's own function for every multi-turn function doc.
def _cast_to_openai_type(properties: dict[str, Any]) -> dict[str, Any]:
    mapping = GORILLA_TO_OPENAPI
    for key, value in properties.items():
        if "type" not in value:
            value["type"] = "string"
        else:
            var_type = value["type"]
            if var_type == "float":
                value["format"] = "float"
                value["description"] += " This is a float type value."
            value["type"] = mapping.get(var_type, "string")
        if value["type"] in ("array", "object"):
            if "properties" in value:
                value["properties"] = _cast_to_openai_type(value["properties"])
            elif "items" in value:
                items = value["items"]
                items["type"] = mapping[items["type"]]
                if items["type"] == "array" and "items" in items:
                    items["items"]["type"] = mapping[items["items"]["type"]]
                elif items["type"] == "object" and "properties" in items:
                    items["properties"] = _cast_to_openai_type(items["properties"])
    return properties


def openai_tools(functions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """BFCL function docs as chat-completions tools ("." in a name becomes "_", as BFCL does)."""
    tools = []
    for item in copy.deepcopy(functions):
        item["name"] = item["name"].replace(".", "_")
        item["parameters"]["type"] = "object"
        item["parameters"]["properties"] = _cast_to_openai_type(item["parameters"]["properties"])
        tools.append({"type": "function", "function": item})
    return tools


# -- decoding: OpenAICompletionsHandler._parse_query_response_FC + convert_to_function_call -----------
def tool_calls_of(message: dict[str, Any]) -> list[tuple[Any, Any, Any]] | None:
    """(name, arguments, id) per tool call; None when the reply is text (BFCL's `except` branch)."""
    try:
        return [(c["function"]["name"], c["function"]["arguments"], c.get("id")) for c in message["tool_calls"]]
    except (KeyError, TypeError, AttributeError):
        return None


def _identifier(name: Any) -> bool:
    return isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)


def decode_step(calls: list[tuple[Any, Any, Any]] | None, methods: frozenset[str]) -> tuple[list[str], list[str]]:
    """BFCL's call strings for one step, and the same strings made safe to eval (see REFUSED_CALL)."""
    if calls is None:
        raise DecodeError("no tool calls")
    decoded, runnable = [], []
    for name, arguments, _ in calls:
        try:
            args = json.loads(arguments) if isinstance(arguments, str) else arguments
            text = f"{name}({','.join(f'{k}={v!r}' for k, v in args.items())})"
        except (ValueError, AttributeError, TypeError) as exc:
            raise DecodeError(f"arguments of {name!r} are not a JSON object: {str(arguments)[:80]!r}") from exc
        safe_name = _identifier(name) and (name in methods or (not hasattr(builtins, name)
                                                               and name not in vars(multi_turn_utils)))
        decoded.append(text)
        runnable.append(text if safe_name and all(_identifier(k) for k in args) else REFUSED_CALL)
    return decoded, runnable


@functools.lru_cache(maxsize=None)
def api_methods(involved_classes: tuple[str, ...]) -> frozenset[str]:
    """Public method names of the entry's API classes: what BFCL routes to an API instance."""
    from bfcl_eval.constants.executable_backend_config import CLASS_FILE_PATH_MAPPING

    names: set[str] = set()
    for cls in involved_classes:
        api = getattr(importlib.import_module(CLASS_FILE_PATH_MAPPING[cls]), cls)
        names.update(n for n, _ in inspect.getmembers(api, inspect.isfunction) if not n.startswith("_"))
    return frozenset(names)


# -- the inference loop ------------------------------------------------------------------------------
@dataclass
class EntryRun:
    turns: list[list[list[str]]] = field(default_factory=list)  # decoded calls per turn and step
    runnable: list[list[list[str]]] = field(default_factory=list)  # what is executed and scored
    messages: list[dict[str, Any]] = field(default_factory=list)
    faults: list[str] = field(default_factory=list)  # the model's malformed or failing calls
    requests: int = 0
    force_quit: bool = False

    def fault(self, text: str) -> None:
        if len(self.faults) < MAX_FAULTS:
            self.faults.append(text)


def _long_context(test_id: str) -> bool:
    category = test_id.rsplit("_", 1)[0]
    return "long_context" in category or "composite" in category


def _history(message: dict[str, Any]) -> dict[str, Any]:
    # the assistant message goes back as received, minus extras (reasoning) other servers reject
    kept = {"role": "assistant", "content": message.get("content")}
    if message.get("tool_calls") is not None:
        kept["tool_calls"] = message["tool_calls"]
    return kept


async def run_entry(client: LLMClient, entry: dict[str, Any], model_name: str, max_steps: int,
                    meter: Accounting, run: EntryRun) -> EntryRun:
    """Plays `entry` (BFCL's loaded form, with `function`) to the end; `run` holds the partial result
    when the endpoint fails (LLMUnavailable propagates)."""
    entry = copy.deepcopy(entry)  # the holdout turn extends the function list
    methods = api_methods(tuple(entry["involved_classes"]))
    tools = openai_tools(entry["function"])
    scope = f"{model_name}/{entry['id']}"  # prefix-reuse accounting per conversation
    try:
        await _turns(client, entry, model_name, max_steps, meter, run, scope, methods, tools)
    finally:
        meter.close_scope(scope)
    return run


async def _turns(client: LLMClient, entry: dict[str, Any], model_name: str, max_steps: int, meter: Accounting,
                 run: EntryRun, scope: str, methods: frozenset[str], tools: list[dict[str, Any]]) -> None:
    test_id, config, classes = entry["id"], entry.get("initial_config", {}), entry["involved_classes"]
    holdout: dict[str, list[dict[str, Any]]] = entry.get("missed_function", {})
    for turn_index, turn_messages in enumerate(entry["question"]):
        if str(turn_index) in holdout:
            entry["function"].extend(holdout[str(turn_index)])
            tools = openai_tools(entry["function"])
            turn_messages = [{"role": "user", "content": DEFAULT_USER_PROMPT_FOR_ADDITIONAL_FUNCTION_FC}]
        run.messages.extend(turn_messages)
        steps: list[list[str]] = []
        safe_steps: list[list[str]] = []
        run.turns.append(steps)
        run.runnable.append(safe_steps)
        while True:
            run.requests += 1
            reply = (await client.chat("agent", run.messages, meter=meter, scope=scope, tools=tools or None)).message
            run.messages.append(_history(reply))
            calls = tool_calls_of(reply)
            try:
                decoded, runnable = decode_step(calls, methods)
            except DecodeError as exc:
                if calls is not None:  # text is how a model ends its turn; bad calls are a fault
                    run.fault(f"turn {turn_index} step {len(steps)}: {exc}")
                break
            if not decoded:
                break
            steps.append(decoded)
            safe_steps.append(runnable)
            results, _ = execute_multi_turn_func_call(runnable, config, classes, model_name, test_id,
                                                      long_context=_long_context(test_id), is_evaL_run=False)
            for call, safe, result, (_, _, call_id) in zip(decoded, runnable, results, calls or []):
                if safe == REFUSED_CALL:
                    run.fault(f"turn {turn_index}: refused to run {call[:80]} (not a BFCL API call)")
                elif result.startswith("Error during execution"):
                    run.fault(f"turn {turn_index}: {call[:80]} -> {result[:120]}")
                run.messages.append({"role": "tool", "content": result, "tool_call_id": call_id})
            if len(steps) > max_steps:  # BFCL: `count > MAXIMUM_STEP_LIMIT` quits the whole entry
                run.force_quit = True
                run.fault(f"turn {turn_index}: force-quit after {len(steps)} steps")
                break
        if run.force_quit:
            break


# -- scoring: eval_runner._evaluate_single_multi_turn_entry --------------------------------------------
def score(run: EntryRun, ground_truth: list[list[str]], entry: dict[str, Any], model_name: str) -> dict[str, Any]:
    """BFCL's verdict: {"valid": bool, "error_type", "error_message"} (details cut short)."""
    if len(run.runnable) != len(ground_truth):
        return {"valid": False, "error_type": "multi_turn:force_terminated",
                "error_message": f"{len(run.runnable)} turns played of {len(ground_truth)}"}
    try:
        verdict = multi_turn_checker(run.runnable, ground_truth, entry, entry["id"].rsplit("_", 1)[0], model_name)
    except Exception as exc:  # the checker asserts on states it does not expect; the entry fails
        return {"valid": False, "error_type": "checker_exception", "error_message": f"{type(exc).__name__}: {exc}"}
    if verdict.get("valid"):
        return {"valid": True}
    return {"valid": False, "error_type": verdict.get("error_type"),
            "error_message": str(verdict.get("error_message"))[:300],
            "details": _short(verdict.get("details"))}


def _short(details: Any, limit: int = 400) -> str | None:
    # the checker's details hold whole API states (a long_context file tree): keep what differs
    if not isinstance(details, dict):
        return None
    if "differences" in details:
        return f"state differs in: {', '.join(sorted(details['differences']))}"[:limit]
    if "missing_items" in details:
        return f"missing results: {details['missing_items']!r}"[:limit]
    return None


def forget_instances(model_name: str, test_id: str, involved_classes: list[str]) -> None:
    """Drops the API instances BFCL keeps in module globals for this trial (inference, eval, ground truth)."""
    namespace = vars(multi_turn_utils)
    for suffix in ("", "_eval", "_ground_truth_eval"):
        for cls in involved_classes:
            namespace.pop(re.sub(r"[-./:]", "_", f"{model_name}{suffix}_{test_id}_{cls}_instance"), None)
