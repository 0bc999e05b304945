"""Tool preparation (paper 5.1): questions -> tools per question -> expansion -> de-duplication."""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ...llm.accounting import Accounting
from ...llm.client import LLMClient
from ...llm.prompts import render
from .replies import Asker, Malformed, as_list
from .specs import ACTION_PREFIXES, Deduper, function_of, normalize_generated, wrap

MAX_EXAMPLES = 12  # example tools shown for question generation; a whole BFCL set is too long


@dataclass
class ToolPrepResult:
    tools: list[dict[str, Any]] = field(default_factory=list)  # kept OpenAI specs, in order
    questions: list[str] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)  # tool name -> "seed" | "question:<i>" | "expansion"
    failures: Counter = field(default_factory=Counter)  # "<stage>:retried|malformed|unavailable"
    rejects: Counter = field(default_factory=Counter)  # reason -> count
    rejected: list[dict[str, str]] = field(default_factory=list)  # {"stage", "tool", "reason"}
    duplicates: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def reject(self, stage: str, tool: Any, reason: str) -> None:
        self.rejects[reason.split(":")[0]] += 1
        self.rejected.append({"stage": stage, "tool": _name_of(tool), "reason": reason})

    def report(self) -> dict[str, Any]:
        return {
            "questions": len(self.questions),
            "tools": len(self.tools),
            "by_origin": dict(Counter(o.split(":")[0] for o in self.origins.values())),
            "failures": dict(sorted(self.failures.items())),
            "rejects": dict(sorted(self.rejects.items())),
            "rejected": self.rejected,
            "duplicates": self.duplicates,
            "notes": self.notes,
        }


def _name_of(tool: Any) -> str:
    if isinstance(tool, dict):
        inner = tool.get("function") if isinstance(tool.get("function"), dict) else tool
        return str(inner.get("name", "?"))[:80]
    return "?"


def _examples(seed_tools: list[dict[str, Any]], seed: int) -> str:
    chosen = seed_tools
    if len(seed_tools) > MAX_EXAMPLES:
        picks = sorted(random.Random(seed).sample(range(len(seed_tools)), MAX_EXAMPLES))
        chosen = [seed_tools[i] for i in picks]
    return "\n".join(json.dumps(t, ensure_ascii=False) for t in chosen) or "(none)"


def read_questions(value: Any) -> list[str]:
    questions: list[str] = []
    for item in as_list(value, "questions", "requests"):
        if isinstance(item, dict):
            item = item.get("question") or item.get("request") or item.get("text")
        if isinstance(item, str) and item.strip() and item.strip().lower() not in {q.lower() for q in questions}:
            questions.append(item.strip())
    if not questions:
        raise Malformed("no questions in reply")
    return questions


def _read_tools(value: Any) -> list[Any]:
    return as_list(value, "tools", "functions")


def _summary(tools: list[dict[str, Any]]) -> str:
    lines = []
    for spec in tools:
        f = spec["function"]
        props = f.get("parameters", {}).get("properties", {})
        args = ", ".join(f"{n}: {p.get('type', 'any')}" for n, p in props.items())
        lines.append(f"- {f['name']}({args}): {f['description'][:200]}")
    return "\n".join(lines) or "(none yet)"


async def prepare_tools(
    seed_tools: list[dict[str, Any]],
    domain: str,
    client: LLMClient,
    meter: Accounting,
    *,
    questions: tuple[int, int] = (20, 30),
    max_expansion: int = 10,
    seed: int = 0,
    include_seeds: bool = False,
) -> ToolPrepResult:
    """Generate a de-duplicated, validated toolset for ``domain`` from example ``seed_tools``.

    With ``include_seeds`` the seed tools head the toolset (and win de-duplication); otherwise they
    only serve as examples. Nothing here raises on a bad reply: failures and rejects are counted.
    """
    lo, hi = questions
    seed_tools = [wrap(f) for f in map(function_of, seed_tools) if f is not None and "name" in f]
    result = ToolPrepResult()
    asker = Asker(client, meter, result.failures)
    dedupe = Deduper()

    prompt = render("toolprep_questions", domain=domain, examples=_examples(seed_tools, seed),
                    min_questions=lo, max_questions=hi)
    asked, _ = await asker.ask("questions", [{"role": "user", "content": prompt}], seed, read_questions)
    result.questions = list(asked or [])[:hi]
    if asked and len(asked) < lo:
        result.notes.append(f"questions: {len(asked)} returned, fewer than the {lo} asked for")
    if asked and len(asked) > hi:
        result.notes.append(f"questions: {len(asked)} returned, kept the first {hi}")

    if include_seeds:
        for spec in seed_tools:
            if dedupe.admit(spec):
                result.tools.append(spec)
                result.origins[spec["function"]["name"]] = "seed"

    per_question = await asyncio.gather(*(
        asker.ask("tools", [{"role": "user", "content": render("toolprep_tools", domain=domain, question=q)}],
                  seed, _read_tools)
        for q in result.questions
    ))
    for i, (entries, _) in enumerate(per_question):
        for entry in entries or []:
            _admit(result, dedupe, entry, "tools", f"question:{i}")

    context = result.tools or seed_tools
    prompt = render("toolprep_expand", domain=domain, tools=_summary(context), max_tools=max_expansion)
    extra, _ = await asker.ask("expansion", [{"role": "user", "content": prompt}], seed, _read_tools)
    extra = list(extra or [])
    if len(extra) > max_expansion:
        for entry in extra[max_expansion:]:
            result.reject("expansion", entry, f"over_limit: more than {max_expansion} expansion tools")
        extra = extra[:max_expansion]
    for entry in extra:
        _admit(result, dedupe, entry, "expansion", "expansion", prefixes=ACTION_PREFIXES)
    result.duplicates = dedupe.dropped
    return result


def _admit(result: ToolPrepResult, dedupe: Deduper, entry: Any, stage: str, origin: str,
           prefixes: tuple[str, ...] | None = None) -> None:
    spec, problem = normalize_generated(entry)
    if spec is None:
        result.reject(stage, entry, problem or "invalid")
        return
    name = spec["function"]["name"]
    if prefixes and not name.startswith(prefixes):
        result.reject(stage, spec, f"bad_prefix: {name} does not start with {'/'.join(prefixes)}")
        return
    if dedupe.admit(spec):
        result.tools.append(spec)
        result.origins[name] = origin
