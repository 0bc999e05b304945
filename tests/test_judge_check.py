"""The LLM judge check can reject a dialogue: its verdict read from stub replies, no endpoint."""

from __future__ import annotations

import asyncio
import json
import random
from types import SimpleNamespace
from typing import Any

import pytest

from generation.llm.accounting import Accounting
from generation.llm.client import LLMUnavailable
from generation.validation.judge import judge
from tests.support.dialogues import dialogue, task


class StubClient:
    """Answers each judge request with the next scripted reply (text, or an exception to raise)."""

    def __init__(self, *replies: Any) -> None:
        self.replies = list(replies)
        self.prompts: list[str] = []

    async def chat(self, role: str, messages: list[dict[str, Any]], **kwargs: Any) -> SimpleNamespace:
        self.prompts.append(messages[0]["content"])
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return SimpleNamespace(message={"content": reply})


def verdict(judgment: str, *met: bool) -> str:
    items = [{"item": f"criterion {i}", "category": "Critical", "met": m} for i, m in enumerate(met)]
    return json.dumps({"rubric": items, "judgment": judgment, "reasoning": "because"})


def run(client: StubClient):
    return asyncio.run(judge(client, Accounting(), [task()], dialogue(), random.Random(0), seed=1))


def test_judge_accepts_a_valid_verdict_and_sees_the_conversation():
    client = StubClient(verdict("valid", True))
    check = run(client)
    assert check.passed is True and check.name == "judge" and check.detail.startswith("valid;")
    assert "There are 3 singers from France." in client.prompts[0]
    assert 'count_singers({"country": "France"})' in client.prompts[0]


@pytest.mark.parametrize("reply,needle", [
    (verdict("invalid", True), "invalid;"),
    (verdict("valid", True, False), "failed critical: criterion 1"),  # "valid" yet a critical item unmet
])
def test_judge_rejects_an_invalid_verdict(reply, needle):
    check = run(StubClient(reply))
    assert check.passed is False and needle in check.detail, check


def test_judge_rejects_when_no_reply_is_usable():
    check = run(StubClient("no idea", json.dumps({"judgment": "maybe"})))
    assert check.passed is False and check.detail == "judge reply unusable: no valid/invalid judgment", check


def test_judge_retries_once_after_an_unusable_reply():
    assert run(StubClient("no idea", verdict("valid", True))).passed is True


def test_judge_rejects_when_the_endpoint_is_down():
    check = run(StubClient(LLMUnavailable("connection refused")))
    assert check.passed is False and "judge unavailable: connection refused" in check.detail, check
