"""One client per distinct endpoint, all sharing one response cache; each role finds its client."""

from __future__ import annotations

from pathlib import Path

from .cache import ResponseCache
from .client import LLMClient
from .endpoints import EndpointsConfig
from .request_log import RequestLog


class LLMPool:
    def __init__(self, endpoints: EndpointsConfig, cache_path: Path | None, request_log: Path | None = None,
                 shared_cache: bool = False) -> None:
        """``shared_cache``: see ``ResponseCache``."""
        self.endpoints = endpoints
        self.cache = ResponseCache(cache_path, shared=shared_cache) if cache_path is not None else None
        self.request_log = RequestLog(request_log) if request_log is not None else None
        self._clients: dict[str, LLMClient] = {}

    def client(self, role: str) -> LLMClient:
        endpoint = self.endpoints.for_role(role)
        key = endpoint.model_dump_json()
        if key not in self._clients:
            self._clients[key] = LLMClient(endpoint, self.cache, self.request_log)
        return self._clients[key]

    async def close(self) -> None:
        for client in self._clients.values():
            await client.close()
        if self.cache is not None:
            self.cache.close()
        if self.request_log is not None:
            self.request_log.close()
