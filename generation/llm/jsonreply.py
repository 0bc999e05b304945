"""Reading JSON out of model text, and the one rule for asking again when a reply is unusable.

A reply that ``read`` rejects (by raising ``ValueError``) is asked for again with a fresh seed (the
same request bytes would only hit the cached bad answer), up to ``attempts`` requests in all; after
the last one ``UnusableReply`` says why. An endpoint that is down raises ``LLMUnavailable`` from
``LLMClient.chat`` unchanged: what that means (a failed dialogue, a counted outage) is the caller's.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:  # only for hints: the client module needs nothing from here
    from .accounting import Accounting
    from .client import LLMClient

T = TypeVar("T")
Messages = list[dict[str, Any]]

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def parse_json(text: str | None) -> Any:
    """The first JSON value in ``text``; raises ValueError when there is none."""
    if not text or not text.strip():
        raise ValueError("empty reply")
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    decoder = json.JSONDecoder()
    for candidate in candidates:
        for start, char in enumerate(candidate):
            if char in "{[":
                try:
                    return decoder.raw_decode(candidate[start:])[0]
                except json.JSONDecodeError:
                    continue
    raise ValueError("no JSON value in reply")


class UnusableReply(ValueError):
    """Every attempt's reply was rejected; ``reason`` is what was wrong with the last one."""

    def __init__(self, reason: str, attempts: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts


@dataclass(frozen=True)
class Reply(Generic[T]):
    value: T  # what ``read`` made of the reply
    text: str  # the reply's content as sent
    attempts: int  # requests it took, the accepted one included


def fresh_seed(rng: random.Random) -> Callable[[], int]:
    """The retry seed of a dialogue's requests: a new draw from its rng, made only when a retry happens."""
    return lambda: rng.randrange(2**31)


async def ask(client: LLMClient, role: str, messages: Messages, *, meter: Accounting,
              read: Callable[[dict[str, Any]], T], seed: int | None, reseed: Callable[[], int],
              attempts: int = 2, scope: str | None = None, tools: list[dict[str, Any]] | None = None,
              json_mode: bool = False, revise: Callable[[str], Messages] | None = None,
              on_retry: Callable[[str], None] | None = None) -> Reply[T]:
    """``read(message)`` of the first reply it accepts (it rejects one by raising ValueError).

    The first request carries ``seed``, each later one ``reseed()``; ``revise(reason)`` gives the
    messages of a retry (default: the same ones) and ``on_retry(reason)`` hears of each retry.
    """
    current, reason = messages, "no reply"
    for attempt in range(attempts):
        if attempt:
            if on_retry is not None:
                on_retry(reason)
            current = revise(reason) if revise is not None else messages
        result = await client.chat(role, current, meter=meter, scope=scope, tools=tools, json_mode=json_mode,
                                   seed=reseed() if attempt else seed)
        try:
            return Reply(read(result.message), result.message.get("content") or "", attempt + 1)
        except ValueError as exc:
            reason = str(exc)
    raise UnusableReply(reason, attempts)


async def ask_json(client: LLMClient, role: str, messages: Messages, *, meter: Accounting,
                   read: Callable[[Any], T] = lambda value: value, seed: int | None,
                   reseed: Callable[[], int], **options: Any) -> Reply[T]:
    """``ask`` in JSON mode: ``read`` gets the reply's JSON value (see ``parse_json``)."""
    return await ask(client, role, messages, meter=meter, seed=seed, reseed=reseed, json_mode=True,
                     read=lambda message: read(parse_json(message.get("content"))), **options)
