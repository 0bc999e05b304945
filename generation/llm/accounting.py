"""Calls, tokens, latency and prefix reuse per role: the numbers behind the paper's Table 4."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson

from .request_log import ANSWERED, SENT


@dataclass
class RoleUsage:
    # every HTTP request sent, as the server counts them: calls + failures + retries, plus (from the
    # request log) those of dialogues a kill cut short, whose other figures were never checkpointed
    requests: int = 0
    calls: int = 0  # answered by the server
    cached: int = 0  # answered from the response cache
    failures: int = 0  # gave up after every attempt
    retries: int = 0  # attempts after a call's first
    failures_by_status: dict[str, int] = field(default_factory=dict)  # failed requests: "500", "timeout", ...
    unanswered: int = 0  # in flight when a kill ended the run: sent, outcome never seen
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    prompt_chars: int = 0
    reused_prefix_chars: int = 0  # chars in leading messages equal to the same role's previous request

    def add(self, other: "RoleUsage") -> None:
        self.add_values(other.__dict__)

    def add_values(self, values: dict[str, Any]) -> None:
        """Add counters given as a dict (a saved summary); absent ones count as zero."""
        for name in self.__dataclass_fields__:
            mine, theirs = getattr(self, name), values.get(name)
            if isinstance(mine, dict):
                for kind, n in (theirs or {}).items():
                    mine[kind] = mine.get(kind, 0) + int(n)
            else:
                setattr(self, name, mine + type(mine)(theirs or 0))

    def failed_request(self, kind: str) -> None:
        self.failures_by_status[kind] = self.failures_by_status.get(kind, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["failures_by_status"] = dict(sorted(self.failures_by_status.items()))
        out["latency_s"] = round(self.latency_s, 3)
        out["mean_latency_s"] = round(self.latency_s / self.calls, 4) if self.calls else 0.0
        out["prefix_reuse"] = round(self.reused_prefix_chars / self.prompt_chars, 4) if self.prompt_chars else 0.0
        return out


def _size(message: Any) -> int:
    """Characters a message puts in the prompt (content, tool-call names and arguments)."""
    if not isinstance(message, dict):
        return len(str(message))
    size = len(message.get("content") or "") + len(message.get("role", ""))
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        size += len(function.get("name") or "") + len(function.get("arguments") or "")
    return size


@dataclass
class Accounting:
    """Usage per role; ``scope`` (a dialogue) keeps the previous prompt of each role for prefix reuse."""

    roles: dict[str, RoleUsage] = field(default_factory=lambda: defaultdict(RoleUsage))
    # (role, why) of each call that gave up (LLMUnavailable), in order: a dialogue with any is retried
    outages: list[tuple[str, str]] = field(default_factory=list)
    # per server of an endpoint pool (base URL): requests sent, failed, and seconds spent on them
    servers: dict[str, dict[str, float]] = field(default_factory=dict)
    _last_prompt: dict[tuple[str, str], tuple[Any, list[Any], int]] = field(default_factory=dict)

    def record(self, role: str, scope: str | None, body: dict[str, Any], usage: dict[str, Any] | None,
               latency: float, cached: bool) -> None:
        r = self.roles[role]
        if cached:
            r.cached += 1
        else:
            r.calls += 1
            r.latency_s += latency
        usage = usage or {}
        r.prompt_tokens += int(usage.get("prompt_tokens") or 0)
        r.completion_tokens += int(usage.get("completion_tokens") or 0)
        # Measured on whole messages (tools first, as they are sent): cheap, and a prefix cache
        # reuses whole leading messages anyway.
        tools, messages = body.get("tools"), body.get("messages") or []
        previous = self._last_prompt.get((role, scope)) if scope is not None else None
        # the same tools object as last time: its size is known (encoding them is not free)
        tools_size = previous[2] if previous is not None and previous[0] is tools else self._tools_size(tools)
        sizes = [_size(m) for m in messages]
        r.prompt_chars += tools_size + sum(sizes)
        if scope is not None:
            if previous is not None and previous[0] is tools:
                shared = tools_size
                for old, new, size in zip(previous[1], messages, sizes):
                    if old != new:
                        break
                    shared += size
                r.reused_prefix_chars += shared
            self._last_prompt[(role, scope)] = (tools, list(messages), tools_size)

    @staticmethod
    def _tools_size(tools: Any) -> int:
        return len(orjson.dumps(tools)) if tools else 0

    def server_request(self, url: str, seconds: float, failed: bool) -> None:
        counts = self.servers.setdefault(url, {"requests": 0, "failures": 0, "latency_s": 0.0})
        counts["requests"] += 1
        counts["failures"] += int(failed)
        counts["latency_s"] += seconds

    def close_scope(self, scope: str) -> None:
        for key in [k for k in self._last_prompt if k[1] == scope]:
            del self._last_prompt[key]

    def requests_as_logged(self, logged: dict[str, Counter]) -> None:
        """Take requests and failed requests per role from the request log, which also holds what
        dialogues a kill cut short had sent (an empty log, as without LLM roles, changes nothing)."""
        for role, lines in logged.items():
            usage = self.roles[role]
            usage.requests = lines[SENT]
            usage.failures_by_status = {kind: n for kind, n in lines.items() if kind not in (SENT, ANSWERED)}
            usage.unanswered = lines[SENT] - lines[ANSWERED] - sum(usage.failures_by_status.values())

    def summary(self) -> dict[str, Any]:
        total = RoleUsage()
        for usage in self.roles.values():
            total.add(usage)
        servers = {url: {**c, "latency_s": round(c["latency_s"], 3),
                         "mean_latency_s": round(c["latency_s"] / c["requests"], 4) if c["requests"] else 0.0}
                   for url, c in sorted(self.servers.items())}
        return {"roles": {k: v.as_dict() for k, v in sorted(self.roles.items())}, "total": total.as_dict(),
                "servers": servers}

    def merge(self, data: dict[str, Any]) -> None:
        """Add a saved summary (from a finished dialogue) back in, e.g. after a resume."""
        for role, values in data.get("roles", {}).items():
            self.roles[role].add_values(values)
        for url, values in data.get("servers", {}).items():
            counts = self.servers.setdefault(url, {"requests": 0, "failures": 0, "latency_s": 0.0})
            for name in counts:
                counts[name] += values.get(name, 0)
