"""A scripted OpenAI-compatible server for the BFCL tests, and BFCL's own pipeline as the reference.

    python -m loopback.bfcl serve --script FILE [--port 0]
    python -m loopback.bfcl reference --base-url URL --model M --categories C... \
        --limit N --root DIR --out FILE

``serve`` prints ``PORT <n>`` once listening. ``FILE`` is JSON written by :func:`write_script`: per
BFCL entry its category, its first user message and its replies, ``turns[turn][step]``, each step
either ``{"calls": [{"name", "arguments"}]}`` (arguments: the raw string sent) or ``{"text": ...}``.
The server is stateless: a request names its category as the last ``:``-part of the model name
(base and long_context entries share their questions), its entry by its first user message; the
turn is the number of user messages less one and the step the number of assistant messages since the
last user message. Past the script's steps it answers "Done." (which ends a turn). An entry with
``"fault": "http_500"`` is answered with HTTP 500. ``GET /requests`` returns every request seen
(model, entry, turn, step, tools, messages), so that two pipelines' requests can be compared, and
``GET /count`` how many there were.

``reference`` is BFCL's own pipeline on the first N entries of each category: bfcl-eval's
``OpenAICompletionsHandler`` (``inference_multi_turn_FC``, pointed at the server by
``OPENAI_BASE_URL``) and then ``eval_runner.evaluate_task`` with BFCL's score file read back. It
needs the handler's imports (openai, overrides, tree-sitter 0.21 with its java and javascript
grammars); ``bfcl_eval.constants.model_config`` is replaced by an empty registry because it imports
every vendor's SDK, which neither the handler nor the multi-turn evaluation uses.
"""

from __future__ import annotations

import argparse
import ast
import asyncio
import contextlib
import copy
import importlib
import inspect
import json
import os
import subprocess
import sys
import types
import urllib.request
from importlib import resources
from pathlib import Path
from typing import Any, Iterator


from loopback.base import ReplyScript, server_process

ROOT = Path(__file__).resolve().parents[1]
DONE = {"text": "Done."}


# -- the data, read as files (no bfcl_eval.utils here: it creates folders on import) ---------------
def data_lines(*parts: str) -> list[dict[str, Any]]:
    path = resources.files("bfcl_eval").joinpath("data", *parts)
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def entries(category: str, limit: int) -> list[dict[str, Any]]:
    return data_lines(f"BFCL_v4_{category}.json")[:limit]


def ground_truth(category: str, limit: int) -> list[list[list[str]]]:
    return [a["ground_truth"] for a in data_lines("possible_answer", f"BFCL_v4_{category}.json")[:limit]]


def _signatures(classes: list[str]) -> dict[str, inspect.Signature]:
    from bfcl_eval.constants.executable_backend_config import CLASS_FILE_PATH_MAPPING

    out = {}
    for cls in classes:
        api = getattr(importlib.import_module(CLASS_FILE_PATH_MAPPING[cls]), cls)
        out.update({n: inspect.signature(f) for n, f in inspect.getmembers(api, inspect.isfunction)})
    return out


def as_tool_call(call: str, signatures: dict[str, inspect.Signature]) -> dict[str, str]:
    """A ground-truth string such as ``sort('a.pdf')`` as a tool call with JSON keyword arguments."""
    node = ast.parse(call, mode="eval").body
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name), call
    params = [p for p in signatures[node.func.id].parameters if p != "self"]
    args = {params[i]: ast.literal_eval(a) for i, a in enumerate(node.args)}
    args.update({k.arg: ast.literal_eval(k.value) for k in node.keywords})
    return {"name": node.func.id, "arguments": json.dumps(args)}


def oracle_turns(entry: dict[str, Any], truth: list[list[str]], per_step: int = 3) -> list[list[dict[str, Any]]]:
    """The ground truth replayed: each turn's calls, `per_step` calls per step (BFCL caps the steps)."""
    signatures = _signatures(entry["involved_classes"])
    turns = []
    for calls in truth:
        tool_calls = [as_tool_call(c, signatures) for c in calls]
        turns.append([{"calls": tool_calls[i:i + per_step]} for i in range(0, len(tool_calls), per_step)])
    return turns


VARIANTS = ("oracle", "drop_last", "bad_json", "noise", "loop", "eager")


def variant_turns(kind: str, entry: dict[str, Any], truth: list[list[str]]) -> list[list[dict[str, Any]]]:
    """The ground truth replayed with a twist, right or wrong, to compare two pipelines on:

    oracle: as is; drop_last: the last call left out; bad_json: the first step's arguments cut short
    (BFCL ends that turn); noise: an unknown function first, every call of a turn in one step, then
    text; loop: the first call repeated past BFCL's step limit; eager: a turn the model cannot fulfil
    yet (a function or parameter is missing) answered with the next turn's calls."""
    turns = oracle_turns(entry, truth)
    busy = [i for i, steps in enumerate(turns) if steps]
    if kind == "drop_last":
        steps = turns[busy[-1]]
        steps[-1] = {"calls": steps[-1]["calls"][:-1]}
        if not steps[-1]["calls"]:
            steps.pop()
    elif kind == "bad_json":
        name = turns[busy[0]][0]["calls"][0]["name"]
        turns[busy[0]][0] = {"calls": [{"name": name, "arguments": '{"folder": "docu'}]}
    elif kind == "noise":
        for i in busy:
            calls = [c for step in turns[i] for c in step["calls"]]
            turns[i] = [{"calls": [{"name": "launch_rocket", "arguments": '{"when": "now"}'}]}, {"calls": calls},
                        {"text": "All done."}]
    elif kind == "loop":
        turns[busy[0]] = [{"calls": turns[busy[0]][0]["calls"][:1]}] * 25
    elif kind == "eager":
        for i in range(len(turns) - 1):
            if not truth[i]:
                turns[i] = copy.deepcopy(turns[i + 1])
    elif kind != "oracle":
        raise ValueError(f"unknown variant {kind!r}")
    return turns


def script_entry(category: str, entry: dict[str, Any], turns: list[list[dict[str, Any]]],
                 fault: str | None = None) -> dict[str, Any]:
    return {"category": category, "id": entry["id"], "first": entry["question"][0][0]["content"],
            "turns": turns, "fault": fault}


def write_script(path: Path, scripted: list[dict[str, Any]]) -> None:
    keys = [(s["category"], s["first"]) for s in scripted]
    if len(set(keys)) != len(keys):
        raise ValueError("two scripted entries of one category share their first question")
    path.write_text(json.dumps({"entries": scripted}))


# -- the server -------------------------------------------------------------------------------------
def _normal(message: dict[str, Any]) -> dict[str, Any]:
    """What a message says, whoever serialised it (the OpenAI SDK adds empty fields)."""
    out = {"role": message["role"], "content": message.get("content") or None}
    if message.get("tool_calls"):
        out["tool_calls"] = [(c.get("id"), c["function"]["name"], c["function"]["arguments"])
                             for c in message["tool_calls"]]
    if message["role"] == "tool":
        out["tool_call_id"] = message.get("tool_call_id")
    return out


class Script(ReplyScript):
    def __init__(self, path: Path) -> None:
        scripted = json.loads(path.read_text())["entries"]
        self.entries = {(s["category"], s["first"]): s for s in scripted}
        self.requests: list[dict[str, Any]] = []

    def reply(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        messages = body["messages"]
        first = next((m.get("content") for m in messages if m["role"] == "user"), None)
        entry = self.entries.get((body.get("model", "").rsplit(":", 1)[-1], first))
        users = [i for i, m in enumerate(messages) if m["role"] == "user"]
        turn, step = len(users) - 1, sum(m["role"] == "assistant" for m in messages[users[-1]:]) if users else 0
        self.requests.append({"model": body.get("model"), "id": entry and entry["id"], "turn": turn, "step": step,
                              "tools": body.get("tools"), "messages": [_normal(m) for m in messages]})
        if entry is None:
            return 200, {"role": "assistant", "content": "Which BFCL entry is this?"}
        if entry.get("fault") == "http_500":
            return 500, {"error": "scripted failure"}
        turns = entry["turns"]
        planned = turns[turn][step] if turn < len(turns) and step < len(turns[turn]) else DONE
        if "text" in planned:
            return 200, {"role": "assistant", "content": planned["text"]}
        calls = [{"id": f"call_{turn}_{step}_{i}", "type": "function",
                  "function": {"name": c["name"], "arguments": c["arguments"]}} for i, c in enumerate(planned["calls"])]
        return 200, {"role": "assistant", "content": None, "tool_calls": calls}



@contextlib.contextmanager
def bfcl_server(script: Path) -> Iterator[str]:
    """The server as a real process; yields its base URL (ending in /v1)."""
    with server_process("loopback.bfcl", "serve", "--script", str(script)) as (_, url):
        yield url


def requests_seen(base_url: str, count_only: bool = False) -> Any:
    """Every request the server answered (see the module docstring), or how many."""
    path = "/count" if count_only else "/requests"
    with urllib.request.urlopen(base_url.removesuffix("/v1") + path, timeout=30) as response:
        return json.loads(response.read())


# -- BFCL's own pipeline ----------------------------------------------------------------------------
def reference(base_url: str, model: str, categories: list[str], limit: int, root: Path) -> dict[str, Any]:
    """bfcl-eval's handler inference and evaluation of the first `limit` entries of each category; the
    model name sent is ``<model>:<category>``. Also BFCL's tools for every function doc file."""
    os.environ.update(OPENAI_BASE_URL=base_url, OPENAI_API_KEY="scripted", BFCL_PROJECT_ROOT=str(root))
    registry = types.ModuleType("bfcl_eval.constants.model_config")
    registry.MODEL_CONFIG_MAPPING = {}  # type: ignore[attr-defined]
    sys.modules["bfcl_eval.constants.model_config"] = registry
    from bfcl_eval.constants.enums import ModelStyle
    from bfcl_eval.constants.type_mappings import GORILLA_TO_OPENAPI
    from bfcl_eval.eval_checker.eval_runner import evaluate_task
    from bfcl_eval.model_handler.api_inference.openai_completion import OpenAICompletionsHandler
    from bfcl_eval.model_handler.utils import convert_to_tool
    from bfcl_eval.utils import load_dataset_entry

    out: dict[str, Any] = {"accuracy": {}, "verdicts": {}, "error_types": {}, "doc_tools": {}}
    for path in sorted(resources.files("bfcl_eval").joinpath("data", "multi_turn_func_doc").iterdir()):
        docs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        out["doc_tools"][path.name] = convert_to_tool(docs, GORILLA_TO_OPENAPI, ModelStyle.OPENAI_COMPLETIONS)
    for category in categories:
        name = f"{model}:{category}"
        handler = OpenAICompletionsHandler(model_name=name, temperature=0.001, registry_name=f"{name}-FC",
                                           is_fc_model=True)
        results = []
        for entry in load_dataset_entry(category)[:limit]:
            try:  # as _llm_response_generation.multi_threaded_inference
                result, _ = handler.inference(copy.deepcopy(entry), include_input_log=False, exclude_state_log=True)
            except Exception as exc:
                result = f"Error during inference: {exc}"
            results.append({"id": entry["id"], "result": result})
        score_dir = root / "score" / category
        table = evaluate_task(category, root / "result", score_dir, results, "bfcl_reference", handler, {},
                              allow_missing=True)
        failed = {r["id"]: r["error"]["error_type"]
                  for r in _read_jsonl(next(score_dir.rglob(f"*_{category}_score.json")))[1:]}
        out["accuracy"][category] = table["bfcl_reference"][category]["accuracy"]
        out["verdicts"].update({r["id"]: r["id"] not in failed for r in results})
        out["error_types"].update(failed)
    return out


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def run_reference(base_url: str, model: str, categories: list[str], limit: int, root: Path) -> dict[str, Any]:
    """`reference` in a fresh process: BFCL keeps state in module globals and prints every step."""
    out = root / "reference.json"
    proc = subprocess.run([sys.executable, "-m", "loopback.bfcl", "reference", "--base-url", base_url,
                           "--model", model, "--categories", *categories, "--limit", str(limit), "--root", str(root),
                           "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"BFCL reference pipeline failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return json.loads(out.read_text())


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--script", type=Path, required=True)
    s.add_argument("--port", type=int, default=0)
    r = sub.add_parser("reference")
    r.add_argument("--base-url", required=True)
    r.add_argument("--model", required=True)
    r.add_argument("--categories", nargs="+", required=True)
    r.add_argument("--limit", type=int, required=True)
    r.add_argument("--root", type=Path, required=True)
    r.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    if args.command == "serve":
        with contextlib.suppress(KeyboardInterrupt):
            asyncio.run(Script(args.script).serve(args.port))
    else:
        result = reference(args.base_url, args.model, args.categories, args.limit, args.root)
        args.out.write_text(json.dumps(result))


if __name__ == "__main__":
    main()
