"""A scripted OpenAI-compatible server on 127.0.0.1 that plays every generation role.

    python -m loopback.scripted [--latency-ms 0] [--malformed 0.0] [--log FILE] [--seed 0]
        [--status N] [--fail-every K] [--fresh-tasks] [--infeasible-tasks] [--slots K]

Prints ``PORT <n>`` once listening. Roles are recognised from the request (tools present: the
agent; otherwise the "# Role: ..." header of our prompts). With ``--malformed p`` each request
is, with probability p, answered badly: invalid JSON, an unknown tool, wrong argument types, SQL
injection strings, an empty message, HTTP 500 or a reply slower than the client's timeout.
Every request is logged (role, status, sha256 of the body, its seed) when ``--log`` is given.
Outages and accounting checks: ``--status N`` answers every request with HTTP N (500: down, 404:
vLLM's unknown model), ``--fail-every K`` answers every K-th request with HTTP 500.
``--fresh-tasks`` makes each task-writer reply new (numbered per request), as a sampling model's
would be; ``--infeasible-tasks`` makes every written task name a tool that does not exist.
``--slots K`` serves at most K requests at once, as a serving engine's batch does: the others wait
for a slot, and the latency counts from when one takes them.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import sys
from typing import Any

import orjson
from aiohttp import web

from loopback.base import chat_app, json_response, serve_forever
from loopback.base import completion as envelope
from loopback.roles import answer, role_of

FAULTS = ("bad_json", "unknown_tool", "wrong_types", "injection", "empty", "http_500", "timeout")
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
                 infeasible_tasks: bool = False, slots: int = 0) -> None:
        self.latency = latency_ms / 1000
        self.slots = asyncio.Semaphore(slots) if slots else None
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
        if self.slots is None:
            return await self._handle(request)
        async with self.slots:
            return await self._handle(request)

    async def _handle(self, request: web.Request) -> web.Response:
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
    parser.add_argument("--slots", type=int, default=0, help="requests served at once (0: no limit)")
    args = parser.parse_args()
    try:
        try:
            import uvloop
            runner = uvloop.run
        except ImportError:
            runner = asyncio.run
        runner(serve(args.port, Script(args.latency_ms, args.malformed, args.seed, args.log, args.timeout_s,
                                       args.status, args.fail_every, args.fresh_tasks, args.infeasible_tasks,
                                       args.slots)))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
