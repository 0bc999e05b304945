"""Scripted OpenAI-compatible servers for BFCL single-turn: an oracle, a nonsense model, and replies
right and wrong on purpose for comparing two pipelines.

    python -m loopback.bfcl_single serve --script FILE [--port 0]

``serve`` prints ``PORT <n>`` once listening. ``FILE`` is JSON written by :func:`write_script`: per
BFCL entry its category, id, request key and reply, either ``{"calls": [{"name", "arguments"}]}``
(arguments: the raw string sent; an empty list sends ``tool_calls: []``), ``{"text": str | None}``
(no tool calls; with ``"tool_calls": null`` it sends that too) or ``{"fault": "http_500"}``. A
request names its entry by :func:`request_key` (its messages and tool names); where two entries of
different categories share a key (BFCL has a few), the last ``:``-part of the model name, when it
is a category, picks one. An unknown request gets a text reply. ``GET /requests`` returns every
request seen (model, id, temperature, tools, messages), ``GET /count`` how many there were,
``GET /health`` answers ok.

The replies are built from BFCL's data files, read directly (``bfcl_eval.utils`` creates folders on
import): :func:`oracle_reply` answers with the ground truth (an irrelevance entry with text, a
relevance entry with a call), :func:`nonsense_reply` with garbage, :func:`variant_reply` with a
chosen twist. BFCL's own pipeline on the same server is ``loopback.bfcl_single_reference``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
from pathlib import Path
from typing import Any, Iterator


from loopback.base import ReplyScript, server_process
from loopback.bfcl import data_lines
from loopback.bfcl_single_values import encode_value, pick, pick_last

RELEVANCE = ("irrelevance", "live_irrelevance", "live_relevance")
DECLINE = "None of the functions I have can do that, so I will not call any."


# -- the data ---------------------------------------------------------------------------------------
def entries(category: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The entries as BFCL's data file has them (function docs without language hints)."""
    return data_lines(f"BFCL_v4_{category}.json")[:limit]


def ground_truth(category: str, limit: int | None = None) -> list[list[dict[str, Any]] | None]:
    """Per entry its ground truth (None for relevance and irrelevance, which have none)."""
    if category in RELEVANCE:
        return [None] * len(entries(category, limit))
    return [a["ground_truth"] for a in data_lines("possible_answer", f"BFCL_v4_{category}.json")[:limit]]


def request_key(messages: list[dict[str, Any]], tool_names: list[str]) -> str:
    """What names an entry in a request: its messages (role, content) and its tools' names."""
    said = [(m.get("role"), m.get("content")) for m in messages]
    return hashlib.sha1(json.dumps([said, tool_names]).encode()).hexdigest()


def entry_key(entry: dict[str, Any]) -> str:
    # BFCL's convert_to_tool writes "." in a function name as "_" for chat-completions tools
    return request_key(entry["question"][0], [f["name"].replace(".", "_") for f in entry["function"]])


# -- replies ----------------------------------------------------------------------------------------
def _language(category: str) -> str:
    return {"simple_java": "java", "simple_javascript": "javascript"}.get(category, "python")


def _doc(entry: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in entry["function"] if f["name"] == name)


def truth_calls(category: str, entry: dict[str, Any], truth: list[dict[str, Any]], alternative: bool = False
                ) -> list[dict[str, str]]:
    """The ground truth as tool calls: per parameter its first acceptable value (`alternative`: its
    last, and optional parameters left out), written in the entry's language (Java and JavaScript
    arguments are strings of source code, as BFCL's checker expects)."""
    calls = []
    for call in truth:
        (name, params), = call.items()
        properties = _doc(entry, name)["parameters"]["properties"]
        args = {}
        for param, candidates in params.items():
            if param not in properties and "" in candidates:
                continue  # BFCL's answers name a few optional parameters the function does not have
            present, value = (pick_last if alternative else pick)(candidates)
            if present:
                args[param] = encode_value(value, properties.get(param, {}), _language(category))
        calls.append({"name": name.replace(".", "_"), "arguments": json.dumps(args)})
    return calls


def _placeholder(schema: dict[str, Any]) -> Any:
    return {"integer": 1, "float": 1.5, "boolean": True, "array": [], "tuple": [], "dict": {}}.get(
        schema.get("type"), "example")


def some_call(entry: dict[str, Any]) -> dict[str, str]:
    """A call of the entry's first function with its required parameters filled in (a made-up one
    when the entry offers none, as a few live_irrelevance entries do)."""
    if not entry["function"]:
        return {"name": "look_it_up", "arguments": "{}"}
    doc = entry["function"][0]
    properties = doc["parameters"].get("properties", {})
    args = {p: _placeholder(properties.get(p, {})) for p in doc["parameters"].get("required", [])}
    return {"name": doc["name"].replace(".", "_"), "arguments": json.dumps(args)}


def oracle_reply(category: str, entry: dict[str, Any], truth: list[dict[str, Any]] | None) -> dict[str, Any]:
    """What BFCL counts as right: the ground truth; no call for irrelevance; some call for relevance."""
    if category in ("irrelevance", "live_irrelevance"):
        return {"text": DECLINE}
    if category == "live_relevance":
        return {"calls": [some_call(entry)]}
    return {"calls": truth_calls(category, entry, truth or [])}


NONSENSE = ("text", "junk_call", "bad_json")


def nonsense_reply(index: int) -> dict[str, Any]:
    """Garbage, in turn: text, a call of a function that does not exist, arguments that are not JSON."""
    kind = NONSENSE[index % len(NONSENSE)]
    if kind == "text":
        return {"text": "blorp \U0001f422 zzz " * 3}
    if kind == "junk_call":
        return {"calls": [{"name": "launch_rocket", "arguments": '{"when": "now", "fuel": 7}'}]}
    return {"calls": [{"name": "launch_rocket", "arguments": '{"when": "no'}]}


AST_VARIANTS = ("oracle", "wrong_value", "text", "bad_json", "extra_call", "alternative", "no_calls", "drop_param",
                "args_array")
RELEVANCE_VARIANTS = ("text", "junk_call", "no_calls", "bad_json", "some_call", "null", "args_array")


def variant_reply(kind: str, category: str, entry: dict[str, Any], truth: list[dict[str, Any]] | None
                  ) -> dict[str, Any]:
    """A reply right or wrong on purpose, to compare two pipelines on (see AST_VARIANTS and
    RELEVANCE_VARIANTS): alternative is the truth in another acceptable form; no_calls sends
    `tool_calls: []`; null sends `content: null, tool_calls: null`; args_array sends a JSON list as arguments."""
    if kind == "text":
        return {"text": "I would rather explain it in words than call a function."}
    if kind == "null":
        return {"text": None, "tool_calls": None}
    if kind == "no_calls":
        return {"calls": []}
    if kind == "junk_call":
        return nonsense_reply(1)
    if kind == "some_call":
        return {"calls": [some_call(entry)]}
    calls = truth_calls(category, entry, truth, alternative=kind == "alternative") if truth else [some_call(entry)]
    first = dict(calls[0])
    if kind == "wrong_value":
        args = json.loads(first["arguments"])
        if args:
            key = next(iter(args))
            args[key] = _wrong(args[key])
            first["arguments"] = json.dumps(args)
        else:
            first["name"] += "_v2"
    elif kind == "bad_json":
        first["arguments"] = first["arguments"][:-1] or "{"
    elif kind == "extra_call":
        calls = calls + [first]
    elif kind == "drop_param":
        args = json.loads(first["arguments"])
        first["arguments"] = json.dumps(dict(list(args.items())[1:]))
    elif kind == "args_array":
        first["arguments"] = "[1, 2]"
    elif kind not in ("oracle", "alternative"):
        raise ValueError(f"unknown variant {kind!r}")
    return {"calls": [first, *calls[1:]]}


def _wrong(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 7919
    if isinstance(value, list):
        return [*value, "zz_extra"]
    if isinstance(value, dict):
        return {"zz_key": 1}
    return "zz_wrong_value"


def script_entry(category: str, entry: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
    return {"category": category, "id": entry["id"], "key": entry_key(entry), "reply": reply}


def write_script(path: Path, scripted: list[dict[str, Any]]) -> None:
    keys = [(s["category"], s["key"]) for s in scripted]
    if len(set(keys)) != len(keys):
        raise ValueError("two scripted entries of one category share their request")
    path.write_text(json.dumps({"entries": scripted}))


def oracle_script(categories: list[str], limit: int | None) -> list[dict[str, Any]]:
    return [script_entry(c, e, oracle_reply(c, e, t)) for c in categories
            for e, t in zip(entries(c, limit), ground_truth(c, limit))]


def nonsense_script(categories: list[str], limit: int | None) -> list[dict[str, Any]]:
    return [script_entry(c, e, nonsense_reply(i)) for c in categories for i, e in enumerate(entries(c, limit))]


# -- the server -------------------------------------------------------------------------------------
class Script(ReplyScript):
    def __init__(self, path: Path) -> None:
        self.entries: dict[str, list[dict[str, Any]]] = {}
        for s in json.loads(path.read_text())["entries"]:
            self.entries.setdefault(s["key"], []).append(s)
        self.requests: list[dict[str, Any]] = []

    def reply(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        tools = body.get("tools") or []
        found = self.entries.get(request_key(body["messages"], [t["function"]["name"] for t in tools]), [])
        category = str(body.get("model", "")).rsplit(":", 1)[-1]
        found = [s for s in found if s["category"] == category] or found
        entry = found[0] if found else None
        self.requests.append({"model": body.get("model"), "id": entry and entry["id"],
                              "temperature": body.get("temperature"), "tools": body.get("tools"),
                              "messages": [{"role": m.get("role"), "content": m.get("content")}
                                           for m in body["messages"]]})
        if entry is None:
            return 200, {"role": "assistant", "content": "Which BFCL entry is this?"}
        planned = entry["reply"]
        if planned.get("fault") == "http_500":
            return 500, {"error": "scripted failure"}
        if "text" in planned:  # "tool_calls": null too, where the script says so (some servers send it)
            return 200, {"role": "assistant", "content": planned["text"], **({"tool_calls": None}
                                                                            if "tool_calls" in planned else {})}
        calls = [{"id": f"call_{i}", "type": "function", "function": {"name": c["name"], "arguments": c["arguments"]}}
                 for i, c in enumerate(planned["calls"])]
        return 200, {"role": "assistant", "content": None, "tool_calls": calls}



@contextlib.contextmanager
def single_server(script: Path) -> Iterator[str]:
    """The server as a real process on 127.0.0.1; yields its base URL (ending in /v1)."""
    with server_process("loopback.bfcl_single", "serve", "--script", str(script)) as (_, url):
        yield url


@contextlib.contextmanager
def oracle_server(folder: Path, categories: list[str], limit: int | None) -> Iterator[str]:
    write_script(folder / "oracle.json", oracle_script(categories, limit))
    with single_server(folder / "oracle.json") as url:
        yield url


@contextlib.contextmanager
def nonsense_server(folder: Path, categories: list[str], limit: int | None) -> Iterator[str]:
    write_script(folder / "nonsense.json", nonsense_script(categories, limit))
    with single_server(folder / "nonsense.json") as url:
        yield url


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve")
    s.add_argument("--script", type=Path, required=True)
    s.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(Script(args.script).serve(args.port))


if __name__ == "__main__":
    main()
