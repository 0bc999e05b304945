"""A scripted server whose agent (or LLM user) goes wrong in one chosen way, for failure attribution.

    python -m loopback.faulty_agent [--agent MODE] [--user MODE]

Every role is the scripted server's (``roles.answer``) except what the mode changes. Agent modes:
``ok``; ``silent`` (answers in words, never calls a tool); ``wrong_args`` (the scripted call with
every argument value changed); ``wrong_tool`` (another offered tool than the scripted one);
``misreport`` (right calls, then a reply that states none of the results); ``loop`` (calls a tool at
every step, never replies); ``down`` (HTTP 500 to every agent request). User modes (for ``user:
llm``): ``ok``; ``quit`` (says is_task_complete at once); ``quit_after_first`` (asks for the first
piece, then says is_task_complete).
"""

from __future__ import annotations

import argparse
import asyncio
import json
from typing import Any

import orjson
from aiohttp import web

from loopback.base import chat_app, completion, json_response, serve_forever
from loopback.roles import agent_reply, answer, example, role_of, user_reply

AGENT_MODES = ("ok", "silent", "wrong_args", "wrong_tool", "misreport", "loop", "down")
USER_MODES = ("ok", "quit", "quit_after_first")


def _changed(value: Any) -> Any:
    """A value of the same type that no gold plan uses."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value + 100_000
    return "nobody at all" if isinstance(value, str) else value


def _call(name: str, arguments: dict[str, Any], n: int) -> dict[str, Any]:
    return {"role": "assistant", "content": None, "tool_calls": [{
        "id": f"call_{n}", "type": "function", "function": {"name": name, "arguments": json.dumps(arguments)}}]}


def faulty_agent(body: dict[str, Any], mode: str) -> dict[str, Any]:
    messages, tools = body["messages"], body["tools"]
    if mode == "silent":  # no figures either: it claims, it does not make values up
        return {"role": "assistant", "content": "Sure, I have taken care of that for you."}
    if mode == "loop":  # the scripted agent's call for the latest user request, at every step
        user = next(i for i in range(len(messages) - 1, -1, -1) if messages[i]["role"] == "user")
        message = agent_reply({**body, "messages": messages[:user + 1]})
        if not message.get("tool_calls"):
            message = _call(tools[0]["function"]["name"], {}, len(messages))
        return message
    message = agent_reply(body)
    calls = message.get("tool_calls")
    if mode == "misreport" and messages[-1]["role"] == "tool":
        return {"role": "assistant", "content": "All done, there is nothing worth reporting there."}
    if mode == "wrong_args" and calls:
        arguments = json.loads(calls[0]["function"]["arguments"])
        calls[0]["function"]["arguments"] = json.dumps({k: _changed(v) for k, v in arguments.items()})
    if mode == "wrong_tool" and calls:
        names = [t["function"]["name"] for t in tools]
        other = next((t["function"] for t in tools[names.index(calls[0]["function"]["name"]) + 1:] + tools
                      if t["function"]["name"] != calls[0]["function"]["name"]), None)
        if other is not None:
            params = other.get("parameters") or {}
            arguments = {p: example(params.get("properties", {}).get(p, {})) for p in params.get("required", [])}
            return _call(other["name"], arguments, len(messages))
    return message


def faulty_user(body: dict[str, Any], mode: str) -> dict[str, Any]:
    asked = sum(1 for m in body["messages"] if m["role"] == "assistant" and "Could you help me" in m["content"])
    if mode == "quit" or (mode == "quit_after_first" and asked >= 1):
        content: dict[str, Any] = {"user_message": "Actually, never mind. Bye.", "is_task_complete": True}
    else:
        content = user_reply(body)
    return {"role": "assistant", "content": json.dumps(content)}


def make_handler(agent: str, user: str):
    async def handle(request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        role = role_of(body)
        if role == "agent" and agent == "down":
            return json_response({"error": {"message": "faulty agent: down", "code": 500}}, 500)
        if role == "agent" and agent != "ok":
            message = faulty_agent(body, agent)
        elif role == "user_simulator" and user != "ok":
            message = faulty_user(body, user)
        else:
            message = answer(body)
        return json_response(completion(message, model=body.get("model"), id="chatcmpl-faulty"))
    return handle


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--agent", choices=AGENT_MODES, default="ok")
    parser.add_argument("--user", choices=USER_MODES, default="ok")
    args = parser.parse_args()
    try:
        asyncio.run(serve_forever(chat_app(make_handler(args.agent, args.user)), args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
