"""The rubric judge: an LLM decides validity with the paper's four rubric categories."""

from __future__ import annotations

import random
from typing import Any

from ..llm.accounting import Accounting
from ..llm.client import LLMClient, LLMUnavailable
from ..llm.jsonreply import UnusableReply, ask_json, fresh_seed
from ..llm.prompts import render
from ..records import Check, Message, Task

CATEGORIES = ("Critical", "Structural", "NonCritical", "InvalidRubric")


def _conversation(messages: list[Message]) -> str:
    lines = []
    for m in messages:
        if m.role == "system":
            continue
        if m.tool_calls:
            lines += [f"[agent calls] {tc.function.name}({tc.function.arguments})" for tc in m.tool_calls]
        if m.content:
            lines.append(f"[{m.role}{'' if m.role != 'tool' else ' ' + (m.name or '')}] {m.content}")
    return "\n".join(lines)


def _rubric(tasks: list[Task]) -> str:
    bullets = []
    for t in tasks:
        bullets += [f"- {c}" for c in t.rubric.success_criteria]
        bullets += [f"- expected call: {c.tool}({c.arguments})" for c in t.rubric.expected_calls]
        bullets += [f"- {c}" for c in t.rubric.checkpoints]
    return "\n".join(bullets)


def _verdict(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict) or value.get("judgment") not in ("valid", "invalid"):
        raise ValueError("no valid/invalid judgment")
    return value


async def judge(client: LLMClient, meter: Accounting, tasks: list[Task], messages: list[Message],
                rng: random.Random, seed: int | None = None) -> Check:
    prompt = render("judge", goal="\n".join(f"- {t.description}" for t in tasks), rubric=_rubric(tasks),
                    conversation=_conversation(messages))
    try:
        reply = await ask_json(client, "judge", [{"role": "user", "content": prompt}], meter=meter, read=_verdict,
                               seed=seed, reseed=fresh_seed(rng))
    except LLMUnavailable as exc:
        return Check(name="judge", passed=False, detail=f"judge unavailable: {exc}")
    except UnusableReply as exc:
        return Check(name="judge", passed=False, detail=f"judge reply unusable: {exc.reason}")
    verdict = reply.value
    items = verdict.get("rubric") if isinstance(verdict.get("rubric"), list) else []
    failed = [i.get("item", "?") for i in items
              if isinstance(i, dict) and i.get("category") == "Critical" and i.get("met") is False]
    passed = verdict["judgment"] == "valid" and not failed
    counts = {c: sum(1 for i in items if isinstance(i, dict) and i.get("category") == c) for c in CATEGORIES}
    detail = f"{verdict['judgment']}; rubric {counts}; {str(verdict.get('reasoning', ''))[:400]}"
    if failed:
        detail += f"; failed critical: {'; '.join(map(str, failed[:3]))}"
    return Check(name="judge", passed=passed, detail=detail)
