"""Lenient reading of JSON replies for tool preparation, and what its stages count about them.

The retry itself (once, with another seed) is ``llm.jsonreply.ask_json``'s."""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable

from ...llm.accounting import Accounting
from ...llm.client import LLMClient, LLMUnavailable
from ...llm.jsonreply import UnusableReply, ask_json
from ...llm.jsonreply import parse_json as _parse_json

ROLE = "tool_designer"
RETRY_SEED_OFFSET = 7919  # any fixed offset: a retry must not hit the same cached response


class Malformed(ValueError):
    """The reply has no usable JSON of the expected shape."""


def parse_json(text: str | None) -> Any:
    """The first JSON value in ``text`` (see ``llm.jsonreply``), as ``Malformed`` when there is none."""
    try:
        return _parse_json(text)
    except ValueError as exc:
        raise Malformed(str(exc)) from None


def as_list(value: Any, *keys: str) -> list[Any]:
    """A list reply, either bare or wrapped in an object (json_mode forces an object)."""
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        for key in keys:
            if isinstance(value.get(key), list):
                return value[key]
        lists = [v for v in value.values() if isinstance(v, list)]
        if len(lists) == 1:
            return lists[0]
        if "name" in value or "function" in value:
            return [value]  # a single tool where a list was asked for
    raise Malformed(f"expected a JSON list, got {type(value).__name__}")


class Asker:
    """Sends JSON-returning requests for one stage and counts what went wrong."""

    def __init__(self, client: LLMClient, meter: Accounting, failures: Counter) -> None:
        self.client = client
        self.meter = meter
        self.failures = failures
        self.last_error: dict[str, str] = {}

    async def ask(self, stage: str, messages: list[dict[str, Any]], seed: int,
                  read: Callable[[Any], Any], *, scope: str | None = None) -> tuple[Any, str | None]:
        """``read(parsed)`` checks the shape (raising Malformed); returns (value, raw text) or (None, None).

        A malformed reply is asked again once with another seed; a second one, or an endpoint that
        stays down, is counted under ``failures[stage:reason]`` and gives None.
        """
        try:
            reply = await ask_json(self.client, ROLE, messages, meter=self.meter, scope=scope, read=read, seed=seed,
                                   reseed=lambda: seed + RETRY_SEED_OFFSET, on_retry=self._retried(stage))
        except LLMUnavailable as exc:
            self.failures[f"{stage}:unavailable"] += 1
            self.last_error[stage] = f"unavailable: {exc}"[:200]
            return None, None
        except UnusableReply as exc:
            self.failures[f"{stage}:malformed"] += 1
            self.last_error[stage] = exc.reason[:200]
            return None, None
        return reply.value, reply.text

    def _retried(self, stage: str) -> Callable[[str], None]:
        def count(reason: str) -> None:
            self.failures[f"{stage}:retried"] += 1
        return count
