"""Calls, tokens, latency and prefix reuse per role: the numbers behind the paper's Table 4."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass
class RoleUsage:
    calls: int = 0  # answered by the server
    cached: int = 0  # answered from the response cache
    failures: int = 0  # gave up after retries
    retries: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    prompt_chars: int = 0
    reused_prefix_chars: int = 0  # chars equal to the start of the same role's previous request

    def add(self, other: "RoleUsage") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def as_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["latency_s"] = round(self.latency_s, 3)
        out["mean_latency_s"] = round(self.latency_s / self.calls, 4) if self.calls else 0.0
        out["prefix_reuse"] = round(self.reused_prefix_chars / self.prompt_chars, 4) if self.prompt_chars else 0.0
        return out


def _prefix(a: str, b: str) -> int:
    n = min(len(a), len(b))
    if a[:n] == b[:n]:
        return n
    lo, hi = 0, n  # binary search on the first difference: O(log n) slice compares
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if a[:mid] == b[:mid]:
            lo = mid
        else:
            hi = mid - 1
    return lo


@dataclass
class Accounting:
    """Usage per role; ``scope`` (a dialogue) keeps the previous prompt of each role for prefix reuse."""

    roles: dict[str, RoleUsage] = field(default_factory=lambda: defaultdict(RoleUsage))
    _last_prompt: dict[tuple[str, str], str] = field(default_factory=dict)

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
        prompt = json.dumps([body.get("tools"), body.get("messages")], ensure_ascii=False)
        r.prompt_chars += len(prompt)
        if scope is not None:
            previous = self._last_prompt.get((role, scope))
            if previous is not None:
                r.reused_prefix_chars += _prefix(previous, prompt)
            self._last_prompt[(role, scope)] = prompt

    def close_scope(self, scope: str) -> None:
        for key in [k for k in self._last_prompt if k[1] == scope]:
            del self._last_prompt[key]

    def summary(self) -> dict[str, Any]:
        total = RoleUsage()
        for usage in self.roles.values():
            total.add(usage)
        return {"roles": {k: v.as_dict() for k, v in sorted(self.roles.items())}, "total": total.as_dict()}

    def merge(self, data: dict[str, Any]) -> None:
        """Add a saved summary (from a finished dialogue) back in, e.g. after a resume."""
        for role, values in data.get("roles", {}).items():
            r = self.roles[role]
            for name in RoleUsage.__dataclass_fields__:
                setattr(r, name, getattr(r, name) + type(getattr(r, name))(values.get(name, 0)))
