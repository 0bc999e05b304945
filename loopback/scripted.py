"""A scripted OpenAI-compatible server on 127.0.0.1 that plays every generation role.

    python -m loopback.scripted [--latency-ms 0] [--malformed 0.0] [--log FILE] [--seed 0]
        [--status N] [--fail-every K] [--fresh-tasks] [--infeasible-tasks]

Prints ``PORT <n>`` once listening. Roles are recognised from the request (tools present: the
agent; otherwise the "# Role: ..." header of our prompts). With ``--malformed p`` each request
is, with probability p, answered badly: invalid JSON, an unknown tool, wrong argument types, SQL
injection strings, an empty message, HTTP 500 or a reply slower than the client's timeout.
Every request is logged (role, status, sha256 of the body, its seed) when ``--log`` is given.
Outages and accounting checks: ``--status N`` answers every request with HTTP N (500: down, 404:
vLLM's unknown model), ``--fail-every K`` answers every K-th request with HTTP 500.
``--fresh-tasks`` makes each task-writer reply new (numbered per request), as a sampling model's
would be; ``--infeasible-tasks`` makes every written task name a tool that does not exist.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import re
import sys
from typing import Any

import orjson
from aiohttp import web

from loopback.base import chat_app, json_response, serve_forever
from loopback.base import completion as envelope

FAULTS = ("bad_json", "unknown_tool", "wrong_types", "injection", "empty", "http_500", "timeout")
WORD = re.compile(r"[a-z]+")
VERBS = {"find": "search", "search": "search", "look": "search", "change": "update", "update": "update",
         "set": "update", "delete": "delete", "remove": "delete", "add": "create", "new": "create",
         "linked": "list", "which": "list", "summary": "summarize", "many": "summarize", "highest": "list",
         "most": "rank", "between": "find", "belong": "get", "confirm": "get", "double": "get"}


def example(schema: dict[str, Any], depth: int = 0) -> Any:
    """A small value that conforms to ``schema``."""
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type", "string")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: example(v, depth + 1) for k, v in props.items()}
    if kind == "array":
        return [example(schema.get("items", {}), depth + 1) for _ in range(1 if depth else 2)]
    return {"integer": 7, "number": 1.5, "boolean": True, "null": None}.get(kind, "sample")


def _tokens(text: str) -> set[str]:
    words = set(WORD.findall(text.lower()))
    return words | {w[:-1] for w in words if w.endswith("s")} | {VERBS[w] for w in words if w in VERBS}


def _arguments(function: dict[str, Any], text: str) -> dict[str, Any]:
    params = function.get("parameters") or {}
    quoted = re.findall(r'"([^"]+)"', text)
    numbers = [int(n) for n in re.findall(r"\b\d+\b", text)]
    args: dict[str, Any] = {}
    for name in params.get("required", []):
        spec = params.get("properties", {}).get(name, {})
        kind = spec.get("type")
        if kind == "integer":
            args[name] = numbers.pop(0) if numbers else 1
        elif kind == "number":
            args[name] = float(numbers.pop(0)) if numbers else 1.0
        elif kind == "boolean":
            args[name] = False
        else:
            args[name] = quoted.pop(0) if quoted else example(spec)
    return args


WRITES = ("create_", "add_", "update_", "set_", "delete_", "remove_")
CONFIRM = "Shall I go ahead?"


def agent_reply(body: dict[str, Any]) -> dict[str, Any]:
    messages = body["messages"]
    last = messages[-1]
    if last["role"] == "tool":
        outputs = []
        for m in reversed(messages):
            if m["role"] != "tool":
                break
            value = json.loads(m["content"]) if m["content"].strip()[:1] in "[{" else m["content"]
            rows = value if isinstance(value, list) else [value]
            outputs += [", ".join(f'{k}: "{v}"' if isinstance(v, str) else f"{k}: {json.dumps(v)}"
                                  for k, v in r.items()) if isinstance(r, dict) else json.dumps(r) for r in rows]
        return {"role": "assistant", "content": "Here is what I found. " + "; ".join(outputs)}
    text = last.get("content") or ""
    if text.startswith("Yes, please go ahead") and messages[-2].get("content", "").endswith(CONFIRM):
        text = messages[-3].get("content") or ""  # approved: the request the agent asked about
    wanted = _tokens(text)
    best = max(body["tools"], key=lambda t: (len(_tokens(t["function"]["name"].replace("_", " ")) & wanted),
                                             -len(t["function"]["name"])))
    name, arguments = best["function"]["name"], _arguments(best["function"], text)
    if name.startswith(WRITES) and not text.startswith("Yes, please go ahead") and text == last.get("content"):
        # like a careful agent (and tau2's policies): a change waits for the user's approval
        return {"role": "assistant", "content": f"I will {name.replace('_', ' ')} with {json.dumps(arguments)}. "
                                                + CONFIRM}
    return {"role": "assistant", "content": None, "tool_calls": [{
        "id": f"call_{len(messages)}", "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)}}]}


def user_reply(body: dict[str, Any]) -> dict[str, Any]:
    system = body["messages"][0]["content"]
    goal = system.split("## Your goal", 1)[1].split("## How to behave", 1)[0]
    parts = [p.strip(" .") for p in re.split(r", then |, and finally |\n- |\n", goal) if p.strip(" .-")]
    parts = [re.sub(r"^(- )?(You use the .*?system\. )?(You want to )?", "", p) for p in parts]
    last = body["messages"][-1]
    if last["role"] == "user" and last["content"].rstrip().endswith(CONFIRM):
        return {"user_message": "Yes, please go ahead.", "is_task_complete": False}
    asked = sum(1 for m in body["messages"] if m["role"] == "assistant" and "Could you help me" in m["content"])
    if asked >= len(parts):
        return {"user_message": "Thanks, that is all I needed.", "is_task_complete": True}
    words = parts[asked].split()
    # short pieces, so the reply never pastes the goal's wording at length
    chunks = [" ".join(words[i:i + 3]) for i in range(0, len(words), 3)]
    return {"user_message": "Could you help me: " + " ... ".join(chunks), "is_task_complete": False}


def tool_reply(body: dict[str, Any]) -> Any:
    call = json.loads(body["messages"][-1]["content"])
    return example(call.get("returns") or {"type": "object"})


def _section(text: str, title: str) -> str:
    return text.split(f"## {title}", 1)[1].split("\n## ", 1)[0] if f"## {title}" in text else ""


def task_reply(prompt: str) -> dict[str, Any]:
    tools = {}
    for line in _section(prompt, "Tools").strip().split("\n\n")[0].splitlines():
        if not line.startswith("- "):
            continue
        name, _, rest = line[2:].partition(": ")
        props = json.loads(rest.rsplit("params=", 1)[1]) if "params=" in rest else {}
        tools[name] = props
    rows = {}
    for line in _section(prompt, "Sample rows (a limited view; the database holds more)").strip().splitlines():
        table, _, data = line.partition(": ")
        rows[table] = json.loads(data) if data.startswith("[") else []
    values = {re.sub(r"[^0-9a-z]+", "_", k.lower()).strip("_"): v
              for table_rows in rows.values() for r in table_rows[:1] for k, v in r.items() if isinstance(v, str)}
    for name, props in tools.items():
        if name.startswith("search_"):
            param = next((p for p in props if p != "limit"), None)
            if param in values:
                value = values[param]
                return {"tasks": [{"description": f"You want to look up the record called {value}.",
                                   "difficulty": "easy",
                                   "subtasks": [{"request": f'Please find "{value}".', "calls": [0]}],
                                   "gold_plan": [{"tool": name, "arguments": {param: value}}],
                                   "rubric": {"success_criteria": [f"{value} is found"], "checkpoints": []}}]}
    pick = int(hashlib.sha256(prompt.encode()).hexdigest(), 16) % len(tools)
    names = list(tools)[pick:pick + 1]
    plan = [{"tool": n, "arguments": {p: example(s) for p, s in tools[n].items()}} for n in names]
    return {"tasks": [{"description": "You want this done: " + " and ".join(n.replace("_", " ") for n in names) + ".",
                       "difficulty": "easy",
                       "subtasks": [{"request": f"Please use {n.replace('_', ' ')}.", "calls": [i]}
                                    for i, n in enumerate(names)],
                       "gold_plan": plan, "rubric": {"success_criteria": ["both done"], "checkpoints": []}}]}


def role_of(body: dict[str, Any]) -> str:
    if body.get("tools"):
        return "agent"
    first = (body["messages"][0].get("content") or "")
    for role in ("user simulator", "tool simulator", "judge", "task writer"):
        if first.startswith(f"# Role: {role}"):
            return role.replace(" ", "_")
    return "unknown"


def answer(body: dict[str, Any]) -> dict[str, Any]:
    role = role_of(body)
    if role == "agent":
        return agent_reply(body)
    if role == "user_simulator":
        content = user_reply(body)
    elif role == "tool_simulator":
        content = tool_reply(body)
    elif role == "judge":
        content = {"rubric": [{"item": "goal met", "category": "Critical", "met": True}],
                   "judgment": "valid", "reasoning": "The agent completed the requests with tool results."}
    elif role == "task_writer":
        content = task_reply(body["messages"][0]["content"])
    else:
        content = {"note": "unscripted role"}
    return {"role": "assistant", "content": json.dumps(content)}


def fault(message: dict[str, Any], kind: str, body: dict[str, Any]) -> dict[str, Any]:
    if kind == "bad_json":
        return {"role": "assistant", "content": '{"user_message": "half', "tool_calls": [
            {"id": "x1", "type": "function", "function": {"name": "search", "arguments": "{not json"}}]
            if body.get("tools") else None}
    if kind == "empty":
        return {"role": "assistant", "content": ""}
    if body.get("tools") and kind in ("unknown_tool", "wrong_types", "injection"):
        tool = body["tools"][0]["function"]
        params = list((tool.get("parameters") or {}).get("properties", {}))
        args = {"unknown_tool": {}, "wrong_types": {p: [1, {"a": None}] for p in params},
                "injection": {p: "x'); DROP TABLE users; --" for p in params}}[kind]
        name = "delete_everything_now" if kind == "unknown_tool" else tool["name"]
        return {"role": "assistant", "content": None, "tool_calls": [
            {"id": "bad_" + kind, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}]}
    return {"role": "assistant", "content": "I am not sure what you mean."}


def task_variant(message: dict[str, Any], number: int, infeasible: bool, fresh: bool) -> dict[str, Any]:
    """A task writer's reply made new for request ``number`` and/or unworkable (unknown tool)."""
    content = json.loads(message["content"])
    for task in content.get("tasks", []):
        if fresh:
            task["description"] += f" (request {number})"
        if infeasible:
            for step in task["gold_plan"]:
                step["tool"] = "no_such_tool"
    return {"role": "assistant", "content": json.dumps(content)}


class Script:
    def __init__(self, latency_ms: float, malformed: float, seed: int, log: str | None, timeout_s: float,
                 status: int | None = None, fail_every: int = 0, fresh_tasks: bool = False,
                 infeasible_tasks: bool = False) -> None:
        self.latency = latency_ms / 1000
        self.malformed = malformed
        self.rng = random.Random(seed)
        self.log = open(log, "a") if log else None
        self.timeout_s = timeout_s
        self.count = 0
        self.status, self.fail_every = status, fail_every
        self.fresh_tasks, self.infeasible_tasks = fresh_tasks, infeasible_tasks

    def _status(self, kind: str | None) -> int:
        if self.status is not None:
            return self.status
        if kind == "http_500" or (self.fail_every and self.count % self.fail_every == 0):
            return 500
        return 200

    async def handle(self, request: web.Request) -> web.Response:
        # A fixed-latency model of a serving engine: the reply leaves ``latency`` after the request
        # arrived, whatever this process spent composing it (a real server's compute is its latency).
        deadline = asyncio.get_running_loop().time() + self.latency
        raw = await request.read()
        body = orjson.loads(raw)
        self.count += 1
        kind = self.rng.choice(FAULTS) if self.rng.random() < self.malformed else None
        status = self._status(kind)
        key = ""
        if self.log:
            key = hashlib.sha256(raw).hexdigest()  # = the client's cache key
            self.log.write(json.dumps({"role": role_of(body), "key": key, "status": status, "fault": kind,
                                       "seed": body.get("seed")}) + "\n")
            self.log.flush()
        if status != 200:
            payload: dict[str, Any] = {"error": {"message": f"scripted HTTP {status}", "code": status}}
        else:
            message = answer(body)
            if role_of(body) == "task_writer" and (self.fresh_tasks or self.infeasible_tasks):
                message = task_variant(message, self.count, self.infeasible_tasks, self.fresh_tasks)
            if kind and kind != "timeout":
                message = fault(message, kind, body)
            words, completion = len(raw) // 4, len(orjson.dumps(message)) // 4
            payload = envelope(message, model=body.get("model", "scripted"),
                               id="chatcmpl-" + (key or str(self.count))[:12], prompt_tokens=words,
                               completion_tokens=completion)
        if self.latency:
            await asyncio.sleep(max(0.0, deadline - asyncio.get_running_loop().time()))
        if kind == "timeout":
            await asyncio.sleep(self.timeout_s)
        return json_response(payload, status)


async def serve(port: int, script: Script) -> None:
    app = chat_app(script.handle, extra={
        "/health": lambda _: json_response({"status": "ok"}),
        "/v1/models": lambda _: json_response({"object": "list", "data": [
            {"id": "scripted", "object": "model", "owned_by": "tests"}]})})
    await serve_forever(app, port)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--malformed", type=float, default=0.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--log")
    parser.add_argument("--timeout-s", type=float, default=3.0, help="how long a 'timeout' fault stalls")
    parser.add_argument("--status", type=int, help="answer every request with this HTTP status")
    parser.add_argument("--fail-every", type=int, default=0, help="answer every K-th request with HTTP 500")
    parser.add_argument("--fresh-tasks", action="store_true", help="a new task-writer reply per request")
    parser.add_argument("--infeasible-tasks", action="store_true", help="written tasks use an unknown tool")
    args = parser.parse_args()
    try:
        try:
            import uvloop
            runner = uvloop.run
        except ImportError:
            runner = asyncio.run
        runner(serve(args.port, Script(args.latency_ms, args.malformed, args.seed, args.log, args.timeout_s,
                                       args.status, args.fail_every, args.fresh_tasks, args.infeasible_tasks)))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
