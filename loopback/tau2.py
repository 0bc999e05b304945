"""A scripted OpenAI-compatible server on 127.0.0.1 that plays both sides of a τ² conversation.

    python -m loopback.tau2 --script FILE [--port 0]

Prints ``PORT <n>`` once listening. ``FILE`` is JSON written by :func:`write_script`: per task its
user scenario (as τ² puts it in the user simulator's prompt), its gold actions and the information
the agent must communicate. Both roles are stateless: each request is answered from its messages.

- The user simulator (its system prompt holds a ``<scenario>``) finds its task by that scenario,
  opens with ``[task <i>]`` so the agent knows the task, performs a user-side gold action (a tool
  call) when the agent asks with ``[do <step>]``, and ends with τ²'s stop token after ``[all done]``.
- The agent (its system prompt holds the ``<policy>``) replays the gold actions in order, one per
  step (the step is the number of agent messages after the greeting), asks the user for the user-side
  ones, then sends the ``communicate_info`` strings and ``[all done]``.
- Anything else (a connectivity check) gets a short text reply.

A task's ``sabotage_seed`` makes the agent skip all actions when the request carries that seed (one
trial fails); ``fault`` makes the agent fail every request: ``http_500``, ``hang`` (no reply) or
``bad_json`` (tool call arguments that are not JSON). ``GET /stats`` returns request counts per role and model.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import re
import sys
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import orjson
from aiohttp import web

from loopback.base import chat_app, completion, json_response, serve_forever, server_process

ROOT = Path(__file__).resolve().parents[1]

STOP = "###STOP###"  # tau2.user.base.STOP; not imported so the server starts without τ²
TASK = re.compile(r"\[task (\d+)\]")
DO = re.compile(r"\[do (\d+)\]")
DONE = "[all done]"


def write_script(path: Path, entries: list[tuple[str, Any]], sabotage: dict[int, int] | None = None,
                 faults: dict[int, str] | None = None) -> None:
    """``entries``: (domain, τ² Task) pairs; ``sabotage``/``faults``: entry index -> seed / fault kind."""
    tasks = []
    for i, (domain, task) in enumerate(entries):
        criteria = task.evaluation_criteria
        tasks.append({
            "domain": domain, "id": task.id, "scenario": str(task.user_scenario),
            "steps": [{"requestor": a.requestor, "name": a.name, "arguments": a.arguments}
                      for a in (criteria.actions or [])],
            "communicate": list(criteria.communicate_info or []),
            "sabotage_seed": (sabotage or {}).get(i), "fault": (faults or {}).get(i),
        })
    scenarios = [t["scenario"] for t in tasks]
    clashes = [a for a in scenarios for b in scenarios if a is not b and a in b]
    if clashes:  # the user side could not tell these tasks apart (telecom shares scenarios widely)
        raise ValueError(f"{len(clashes)} scripted tasks share a user scenario; pick others")
    path.write_text(json.dumps({"tasks": tasks}))


@contextlib.contextmanager
def tau2_server(script: Path) -> Iterator[str]:
    """The server as a real process; yields its base URL (ending in /v1)."""
    with server_process("loopback.tau2", "--script", str(script)) as (_, url):
        yield url


def stats(base_url: str) -> dict[str, int]:
    """Requests answered so far, per "<role> <model>" (role: agent, user or other)."""
    with urllib.request.urlopen(base_url.removesuffix("/v1") + "/stats", timeout=10) as response:
        return json.loads(response.read())


def _text(content: str) -> dict[str, Any]:
    return {"role": "assistant", "content": content}


def _call(call_id: str, step: dict[str, Any], arguments: str | None = None) -> dict[str, Any]:
    return {"role": "assistant", "content": None, "tool_calls": [{
        "id": call_id, "type": "function",
        "function": {"name": step["name"], "arguments": arguments or json.dumps(step["arguments"])}}]}


class Script:
    def __init__(self, path: Path) -> None:
        self.tasks: list[dict[str, Any]] = json.loads(path.read_text())["tasks"]
        self.stats: Counter[str] = Counter()

    def agent(self, body: dict[str, Any]) -> dict[str, Any] | str:
        """The agent's message, or the name of the fault to play instead."""
        messages = body["messages"]
        marker = next((TASK.search(m["content"] or "") for m in messages if m["role"] == "user"), None)
        if marker is None:
            return _text("Which task is this? I got no [task N] marker.")
        task = self.tasks[int(marker.group(1))]
        if task["fault"] in ("http_500", "hang"):
            return task["fault"]
        steps = [] if body.get("seed") == task["sabotage_seed"] else task["steps"]
        step = sum(m["role"] == "assistant" for m in messages) - 1  # the first is τ²'s greeting
        if step < len(steps):
            if task["fault"] == "bad_json":
                return _call(f"call_{step}", steps[step], arguments="{not json")
            if steps[step]["requestor"] == "user":
                return _text(f"Please do this on your phone: [do {step}] {steps[step]['name']}.")
            return _call(f"call_{step}", steps[step])
        if step == len(steps):
            return _text(" ; ".join(["All set.", *task["communicate"], DONE]))
        return _text("Goodbye.")

    def user(self, body: dict[str, Any]) -> dict[str, Any]:
        messages = body["messages"]
        system = messages[0]["content"]
        matches = [i for i, t in enumerate(self.tasks) if t["scenario"] in system]
        if len(matches) != 1:
            return _text(f"I am confused: {len(matches)} scripted tasks match my scenario.")
        index = matches[0]
        last = messages[-1]
        if not any(m["role"] == "assistant" for m in messages):  # roles are flipped for the user
            return _text(f"[task {index}] Hello, I need some help with my request.")
        if last["role"] == "tool":  # the result of a user-side action it just performed
            return _text("I did that on my phone.")
        text = last.get("content") or ""
        if DONE in text:
            return _text(f"Thank you! {STOP}")
        asked = DO.search(text)
        if asked:
            return _call(f"user_call_{asked.group(1)}", self.tasks[index]["steps"][int(asked.group(1))])
        return _text("OK.")

    def answer(self, body: dict[str, Any]) -> tuple[str, dict[str, Any] | str]:
        system = body["messages"][0]["content"] if body["messages"][0]["role"] == "system" else ""
        if "<policy>" in system:
            return "agent", self.agent(body)
        if "<scenario>" in system:
            return "user", self.user(body)
        return "other", _text("pong")

    async def handle(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        role, message = self.answer(body)
        self.stats[f"{role} {body.get('model')}"] += 1
        if message == "hang":
            await asyncio.sleep(3600)  # longer than any client waits
        if isinstance(message, str):
            return web.json_response({"error": {"message": "scripted failure"}}, status=500)
        return json_response(completion(message, model=body.get("model", "scripted"),
                                        id=f"chatcmpl-{sum(self.stats.values())}"))


async def serve(port: int, script: Script) -> None:
    app = chat_app(script.handle, extra={"/stats": lambda _: json_response(dict(script.stats))})
    await serve_forever(app, port)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--script", type=Path, required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.port, Script(args.script)))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
