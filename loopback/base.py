"""What every loopback server shares: the chat-completion envelope, its routes, and launching a server
as a real process on 127.0.0.1 (it prints ``PORT n`` once it listens)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import yaml
import orjson
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]


LAST_SERVER_CPU = [0.0]  # CPU-seconds the last server used (Linux), for benchmarks to report


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def completion(message: dict[str, Any], *, model: str | None, id: str, prompt_tokens: int = 10,
               completion_tokens: int = 5) -> dict[str, Any]:
    """The OpenAI chat-completion envelope around one assistant ``message``."""
    return {
        "id": id, "object": "chat.completion", "created": 0, "model": model,
        "choices": [{"index": 0, "message": message,
                     "finish_reason": "tool_calls" if message.get("tool_calls") else "stop"}],
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


def json_response(payload: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(payload), status=status, content_type="application/json")


def chat_app(handle: Callable[[web.Request], Awaitable[web.Response]], *, max_body: int = 64 << 20,
             extra: dict[str, Callable[[web.Request], Any]] | None = None) -> web.Application:
    """An app answering ``POST /v1/chat/completions`` with ``handle``, plus GET routes in ``extra``
    (path -> handler), e.g. a server's request log or counters for the tests to read."""
    app = web.Application(client_max_size=max_body)
    app.router.add_post("/v1/chat/completions", handle)
    for path, handler in (extra or {}).items():
        app.router.add_get(path, handler)
    return app


class ReplyScript:
    """A server that answers each request from ``reply(body) -> (status, message)`` and keeps a log in
    ``requests`` (what each subclass records), served with its log and count for the tests to read."""

    requests: list[dict[str, Any]]

    def reply(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        raise NotImplementedError

    async def handle(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        status, message = self.reply(body)
        payload = message if status != 200 else completion(
            message, model=body.get("model", "scripted"), id=f"chatcmpl-{len(self.requests)}")
        return json_response(payload, status)

    async def serve(self, port: int) -> None:
        app = chat_app(self.handle, max_body=256 << 20, extra={
            "/requests": lambda _: json_response(self.requests),
            "/count": lambda _: json_response(len(self.requests)),
            "/health": lambda _: json_response({"status": "ok"})})  # what evaluation's health check asks
        await serve_forever(app, port)


async def serve_forever(app: web.Application, port: int = 0) -> None:
    """Listen on 127.0.0.1 (port 0: any free one; shared ports allowed), print ``PORT n`` for
    `server_process`, and serve until the process is stopped."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port, reuse_port=True)
    await site.start()
    print(f"PORT {site._server.sockets[0].getsockname()[1]}", flush=True)
    await asyncio.Event().wait()


def unused_port() -> int:
    """A loopback port nobody listens on (now): a request there is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def server_process(module: str, *args: str):
    """A loopback test server (``python -m module args``) that prints ``PORT n`` once it listens;
    yields the process and its base URL (ending in /v1), and stops it on the way out."""
    proc = subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"{module} did not start: {line}{proc.stderr.read()}")
        yield proc, f"http://127.0.0.1:{int(line.split()[1])}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextlib.contextmanager
def scripted_server(*args: str, processes: int = 1):
    """The scripted server; ``processes`` > 1 runs that many on one port (the kernel spreads load)."""
    with server_process("loopback.scripted", *args) as (first, url):
        port = url.rsplit(":", 1)[1].split("/")[0]
        procs = [first]
        try:
            for _ in range(processes - 1):
                procs.append(subprocess.Popen([sys.executable, "-m", "loopback.scripted", *args,
                                               "--port", port], cwd=ROOT, stdout=subprocess.PIPE,
                                              stderr=subprocess.PIPE, text=True))
                procs[-1].stdout.readline()
            yield url
            LAST_SERVER_CPU[0] = sum(_cpu_of(p.pid) for p in procs)
        finally:
            for proc in procs[1:]:
                proc.terminate()
                proc.wait(timeout=10)


def llm_config(name: str, base_url: str, path: Path, **changes) -> Path:
    """A shipped LLM config pointed at ``base_url``, with top-level ``changes`` applied."""
    config = yaml.safe_load((ROOT / "configs" / "generation" / f"{name}.yaml").read_text())
    config["llm"]["endpoints"]["default"].update({"base_url": base_url, "retry_initial_s": 0.05,
                                                  "retry_max_s": 0.2, "timeout_s": 5})
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key].update(value)
        else:
            config[key] = value
    path.write_text(yaml.safe_dump(config))
    return path
