"""Async OpenAI-compatible chat completions with tool calling, retries, a cache and accounting.

One ``LLMClient`` per endpoint; concurrency is bounded per endpoint. Retries (tenacity) cover
429, 5xx, timeouts and dropped connections; anything else is the caller's to handle, and a call
that still fails after every attempt raises ``LLMUnavailable`` so the dialogue can be rejected
with that reason instead of crashing the run.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from .accounting import Accounting
from .cache import ResponseCache, request_key
from .endpoints import EndpointConfig


class RetryableError(Exception):
    """A failure worth another attempt: rate limit, server error, timeout, dropped connection."""


class LLMUnavailable(Exception):
    """The endpoint did not answer usefully after every attempt."""


@dataclass(frozen=True)
class ChatResult:
    message: dict[str, Any]  # the assistant message: content, tool_calls
    finish_reason: str | None
    cached: bool


class LLMClient:
    def __init__(self, endpoint: EndpointConfig, cache: ResponseCache | None = None) -> None:
        self.endpoint = endpoint
        self.cache = cache
        self._semaphore = asyncio.Semaphore(endpoint.max_concurrency)
        self._session: aiohttp.ClientSession | None = None
        self.url = endpoint.base_url.rstrip("/") + "/chat/completions"

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
            response, raw = await self._post(payload)  # the common case, without the retry machinery
        except RetryableError:
            response, raw = await self._retry(role, payload, meter)
        meter.record(role, scope, body, response.get("usage"), time.perf_counter() - start, cached=False)
        if self.cache is not None:
            self.cache.put(key, raw.decode())
        return _result(response, cached=False)

    async def _retry(self, role: str, payload: bytes, meter: Accounting) -> tuple[dict[str, Any], bytes]:
        """Further attempts with exponential backoff and jitter, after a first one failed."""
        attempts = 1
        await asyncio.sleep(self.endpoint.retry_initial_s)
        try:
            async for attempt in AsyncRetrying(
                retry=retry_if_exception_type(RetryableError),
                stop=stop_after_attempt(max(1, self.endpoint.max_attempts - 1)),
                wait=wait_exponential_jitter(initial=self.endpoint.retry_initial_s, max=self.endpoint.retry_max_s),
                reraise=True,
            ):
                with attempt:
                    attempts += 1
                    response = await self._post(payload)
        except RetryableError as exc:
            meter.roles[role].failures += 1
            meter.roles[role].retries += attempts - 1
            raise LLMUnavailable(f"{role}: {exc} after {attempts} attempts") from None
        meter.roles[role].retries += attempts - 1
        return response

    async def _post(self, payload: bytes) -> tuple[dict[str, Any], bytes]:
        session = await self._http()
        async with self._semaphore:
            try:
                async with session.post(self.url, data=payload) as resp:
                    raw = await resp.read()
                    status = resp.status
            except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
                raise RetryableError(f"{type(exc).__name__}: {exc}") from None
        if status == 429 or status >= 500:
            raise RetryableError(f"HTTP {status}")
        if status >= 400:
            raise LLMUnavailable(f"HTTP {status} from {self.url}: {raw[:200].decode(errors='replace')}")
        try:
            data = orjson.loads(raw)
            data["choices"][0]["message"]
        except (orjson.JSONDecodeError, KeyError, IndexError, TypeError):
            raise RetryableError("response is not a chat completion") from None
        return data, raw

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()


def _result(response: dict[str, Any], cached: bool) -> ChatResult:
    choice = response["choices"][0]
    return ChatResult(message=choice.get("message") or {}, finish_reason=choice.get("finish_reason"), cached=cached)
