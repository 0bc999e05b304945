"""Return schemas (paper 5.2): one multi-turn conversation, one tool per user message.

Earlier schemas stay in the conversation, so the model sees the types it already chose and the
prompt prefix is shared from turn to turn; a registry then enforces one type per field name.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from ...llm.accounting import Accounting
from ...llm.client import LLMClient
from ...llm.prompts import render
from .consistency import TypeRegistry
from .replies import Asker, Malformed

MAX_TURNS = 40  # exchanges per conversation; past it a new one starts with the fixed types listed
_LIST_PREFIXES = ("search_", "list_", "find_")


@dataclass
class ReturnSchemaResult:
    tools: list[dict[str, Any]] = field(default_factory=list)  # specs with "returns" beside "function"
    rejected: list[dict[str, str]] = field(default_factory=list)
    failures: Counter = field(default_factory=Counter)
    repairs: list[dict[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    conversations: int = 0

    def report(self) -> dict[str, Any]:
        return {
            "tools": len(self.tools),
            "rejected": self.rejected,
            "rejects": dict(Counter(r["reason"].split(":")[0] for r in self.rejected)),
            "failures": dict(sorted(self.failures.items())),
            "repairs": self.repairs,
            "notes": self.notes,
            "conversations": self.conversations,
        }


def read_schema(value: Any) -> dict[str, Any]:
    """A usable return schema from a parsed reply, or Malformed."""
    if isinstance(value, dict) and "type" not in value:
        for key in ("schema", "returns", "return_schema", "output_schema"):
            if isinstance(value.get(key), dict):
                value = value[key]
                break
    if not isinstance(value, dict):
        raise Malformed(f"schema must be an object, got {type(value).__name__}")
    try:
        Draft202012Validator.check_schema(value)
    except SchemaError as exc:
        raise Malformed(f"invalid schema: {exc.message[:120]}") from None
    if value.get("type") not in ("object", "array"):
        raise Malformed(f"top-level type must be object or array, got {value.get('type')!r}")
    return value


async def attach_return_schemas(
    tools: list[dict[str, Any]],
    client: LLMClient,
    meter: Accounting,
    *,
    seed: int = 0,
    max_turns: int = MAX_TURNS,
    registry: TypeRegistry | None = None,
) -> ReturnSchemaResult:
    """Each tool's return schema, made type-consistent across the toolset; failures are counted."""
    result = ReturnSchemaResult()
    registry = registry or TypeRegistry()
    asker = Asker(client, meter, result.failures)
    messages: list[dict[str, Any]] = []
    turns = 0
    for spec in tools:
        function = spec["function"]
        name = function["name"]
        # The tool's inputs count as first sightings too: outputs mirror matching input types.
        params = registry.reconcile(name, "parameters", function.get("parameters", {}))
        function = {**function, "parameters": params}
        if not messages or turns >= max_turns:
            result.conversations += 1
            messages = [{"role": "system", "content": render("toolprep_returns_system",
                                                             known_types=registry.known())}]
            turns = 0
        ask = {"role": "user", "content": render("toolprep_returns_tool",
                                                 spec=json.dumps(function, ensure_ascii=False))}
        schema, _ = await asker.ask("returns", messages + [ask], seed, read_schema,
                                    scope=f"return_schemas:{result.conversations}")
        if schema is None:
            error = asker.last_error.pop("returns", "no answer")
            result.rejected.append({"tool": name, "reason": f"unusable_schema: {error}"})
            continue
        schema = registry.reconcile(name, "returns", schema)
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            result.rejected.append({"tool": name, "reason": f"unusable_schema: after repair, {exc.message[:120]}"})
            continue
        if name.startswith(_LIST_PREFIXES) and schema.get("type") != "array":
            result.notes.append(f"{name}: a search/list tool returns an object, not an array")
        # The repaired schema goes back into the conversation, so later turns build on canonical types.
        messages += [ask, {"role": "assistant", "content": json.dumps(schema, ensure_ascii=False)}]
        turns += 1
        result.tools.append({"type": "function", "function": function, "returns": schema})
    result.repairs = registry.repairs
    return result
