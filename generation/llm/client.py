"""Async OpenAI-compatible chat completions with tool calling, retries, a cache and accounting.

One ``LLMClient`` per endpoint; concurrency is bounded per endpoint. Retries (tenacity) cover
429, 5xx, timeouts, dropped connections and replies that are not chat completions; a call that
still fails after ``max_attempts`` requests in all, or gets another 4xx, raises ``LLMUnavailable``
(noted in the meter's ``outages``) so the dialogue can be rejected with that reason instead of
crashing the run. Every request sent is counted per role, failed ones by status.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from .accounting import Accounting, RoleUsage
from .cache import ResponseCache, request_key
from .endpoints import EndpointConfig
from .request_log import ANSWERED, SENT, RequestLog
from .routing import Router


class AttemptFailed(Exception):
    """One request that got no usable answer; ``kind`` is how it failed, as ``failures_by_status``
    counts it: the HTTP status ("500", "404"), "timeout", "connection" or "invalid_response"."""

    def __init__(self, kind: str, detail: str, retryable: bool) -> None:
        super().__init__(detail)
        self.kind = kind
        self.retryable = retryable  # 429, 5xx, timeouts, dropped connections, garbled replies
        self.server: str | None = None  # the pool's server that failed it


class LLMUnavailable(Exception):
    """The endpoint did not answer usefully after every attempt (or refused the request outright)."""


def request_seed(*parts: object) -> int:
    """A sampling seed for a dialogue's requests, from what names the dialogue (config seed, index,
    mode). Sent in every request, it makes each dialogue's requests (and so their cache keys)
    differ where their prompts happen to coincide, and stay the same when a run is resumed."""
    digest = hashlib.sha256(":".join(map(str, parts)).encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


@dataclass(frozen=True)
class ChatResult:
    message: dict[str, Any]  # the assistant message: content, tool_calls
    finish_reason: str | None
    cached: bool


class LLMClient:
    def __init__(self, endpoint: EndpointConfig, cache: ResponseCache | None = None,
                 request_log: RequestLog | None = None) -> None:
        self.endpoint = endpoint
        self.cache = cache
        self.request_log = request_log
        self._semaphore = asyncio.Semaphore(endpoint.max_concurrency)
        self._session: aiohttp.ClientSession | None = None
        self.router = Router([u.rstrip("/") for u in endpoint.urls])

    async def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {self.endpoint.api_key()}", "Content-Type": "application/json"},
                timeout=aiohttp.ClientTimeout(total=self.endpoint.timeout_s),
                connector=aiohttp.TCPConnector(limit=self.endpoint.max_concurrency),
            )
        return self._session

    def body(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None = None,
             json_mode: bool = False, seed: int | None = None) -> dict[str, Any]:
        e = self.endpoint
        body: dict[str, Any] = {"model": e.model, "messages": messages, "temperature": e.temperature}
        if tools:
            body["tools"] = tools
        if e.max_tokens:
            body["max_tokens"] = e.max_tokens
        if json_mode:
            body["response_format"] = {"type": "json_object"}
        if seed is not None:
            body["seed"] = seed
        body.update(e.extra_body)
        return body

    async def chat(self, role: str, messages: list[dict[str, Any]], *, meter: Accounting,
                   scope: str | None = None, tools: list[dict[str, Any]] | None = None,
                   json_mode: bool = False, seed: int | None = None) -> ChatResult:
        body = self.body(messages, tools, json_mode, seed)
        # Encoded once (orjson: the whole conversation goes out on every request, the hot spot);
        # the cache key is the hash of exactly these bytes.
        payload = orjson.dumps(body)
        key = request_key(payload) if self.cache is not None else ""
        if self.cache is not None and (hit := self.cache.get(key)) is not None:
            meter.record(role, scope, body, hit.get("usage"), 0.0, cached=True)
            return _result(hit, cached=True)
        start = time.perf_counter()
        try:
            response, raw = await self._send(role, payload, meter)
        except LLMUnavailable as exc:
            meter.outages.append((role, str(exc)))
            raise
        meter.record(role, scope, body, response.get("usage"), time.perf_counter() - start, cached=False)
        if self.cache is not None:
            self.cache.put(key, raw.decode())
        return _result(response, cached=False)

    async def _send(self, role: str, payload: bytes, meter: Accounting) -> tuple[dict[str, Any], bytes]:
        """At most ``max_attempts`` requests: the first without the retry machinery (the common
        case), the others with exponential backoff and jitter, each to another server of the pool
        than the one that just failed, when there is one."""
        limit, usage = self.endpoint.max_attempts, meter.roles[role]
        try:
            return await self._attempt(role, payload, meter)
        except AttemptFailed as exc:
            if not exc.retryable or limit == 1:
                raise self._gave_up(role, exc, 1, usage) from None
            failed_at = exc.server
        attempts = 1
        await asyncio.sleep(self.endpoint.retry_initial_s)
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception(lambda exc: isinstance(exc, AttemptFailed) and exc.retryable),
                stop=stop_after_attempt(limit - 1),
                wait=wait_exponential_jitter(initial=self.endpoint.retry_initial_s, max=self.endpoint.retry_max_s),
                reraise=True,
            ):
                with attempt:
                    attempts += 1
                    try:
                        response = await self._attempt(role, payload, meter, avoid=failed_at)
                    except AttemptFailed as exc:
                        failed_at = exc.server
                        raise
        except AttemptFailed as exc:
            raise self._gave_up(role, exc, attempts, usage) from None
        usage.retries += attempts - 1
        return response

    async def _attempt(self, role: str, payload: bytes, meter: Accounting,
                       avoid: str | None = None) -> tuple[dict[str, Any], bytes]:
        """One request, counted whatever becomes of it (per role and per server), so the totals match
        the servers' own."""
        usage = meter.roles[role]
        usage.requests += 1
        if self.request_log is not None:
            self.request_log.write(role, SENT)
        server = self.router.pick(avoid)
        self.router.started(server)
        start = time.perf_counter()
        try:
            response = await self._post(server.url, payload)
        except AttemptFailed as exc:
            self.router.finished(server, ok=False)
            meter.server_request(server.url, time.perf_counter() - start, failed=True)
            usage.failed_request(exc.kind)
            if self.request_log is not None:
                self.request_log.write(role, exc.kind)
            exc.server = server.url
            raise
        self.router.finished(server, ok=True)
        meter.server_request(server.url, time.perf_counter() - start, failed=False)
        if self.request_log is not None:
            self.request_log.write(role, ANSWERED)
        return response

    def _gave_up(self, role: str, exc: AttemptFailed, attempts: int, usage: RoleUsage) -> LLMUnavailable:
        usage.failures += 1
        usage.retries += attempts - 1
        e = self.endpoint
        plural = "s" if attempts > 1 else ""
        where = e.urls[0] if len(e.urls) == 1 else f"{len(e.urls)} servers ({', '.join(e.urls)})"
        return LLMUnavailable(f"{role} at {where} (model {e.model}): {exc} after {attempts} attempt{plural}")

    async def _post(self, base_url: str, payload: bytes) -> tuple[dict[str, Any], bytes]:
        session = await self._http()
        async with self._semaphore:
            try:
                async with session.post(base_url + "/chat/completions", data=payload) as resp:
                    raw = await resp.read()
                    status = resp.status
            except asyncio.TimeoutError:
                raise AttemptFailed("timeout", f"no reply within {self.endpoint.timeout_s} s", True) from None
            except aiohttp.ClientError as exc:
                raise AttemptFailed("connection", f"{type(exc).__name__}: {exc}", True) from None
        if status >= 400:
            # 429 and 5xx pass; any other 4xx (vLLM's 404 for an unknown model) will not
            text = " ".join(raw[:200].decode(errors="replace").split())  # one line: it ends up in messages
            raise AttemptFailed(str(status), f"HTTP {status}: {text}", status == 429 or status >= 500)
        try:
            data = orjson.loads(raw)
            data["choices"][0]["message"]
        except (orjson.JSONDecodeError, KeyError, IndexError, TypeError):
            raise AttemptFailed("invalid_response", "response is not a chat completion", True) from None
        return data, raw

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def _result(response: dict[str, Any], cached: bool) -> ChatResult:
    choice = response["choices"][0]
    return ChatResult(message=choice.get("message") or {}, finish_reason=choice.get("finish_reason"), cached=cached)
