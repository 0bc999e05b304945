"""Gold calls: when a call the agent made counts as one, and the references that bind one plan
call's argument to an earlier call's output.

Arguments meet in two forms: values in the gold plan (from rows or a task writer's JSON) and the
agent's JSON text. They are compared as JSON values: key order and whitespace do not matter, nor
do 3 and 3.0 (one JSON number: the tool's schema accepts both and SQLite compares them equal);
"3" and 3 do (a schema accepts one of them, not both).

A binding reference is ``<call>.<field>`` or ``<call>[<row>].<field>`` (``PlannedCall.bindings``);
in a plan's written form, ``{{call_<reference>}}`` stands for the value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..records import PlannedCall

MadeKey = tuple[str, str | None]  # (tool, canonical arguments or None when they were not a JSON object)

_REFERENCE = r"(\d+)(?:\[(\d+)\])?\.(\w+)"
_REFERENCE_ONLY = re.compile(rf"^{_REFERENCE}$")
_PLACEHOLDER = re.compile(rf"^\{{\{{call_{_REFERENCE}\}}\}}$")


# --- call matching ---------------------------------------------------------------------------

def canonical_arguments(arguments: Any) -> str:
    """One text for equal JSON values (see the module docstring)."""
    return json.dumps(_plain_numbers(arguments), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _plain_numbers(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _plain_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_numbers(v) for v in value]
    return value


def arguments_key(arguments: Any) -> str | None:
    """The canonical form of parsed call arguments; None unless they are a JSON object."""
    return canonical_arguments(arguments) if isinstance(arguments, dict) else None


def arguments_text_key(text: str) -> str | None:
    """``arguments_key`` of the agent's JSON text; None when it is not a JSON object."""
    try:
        return arguments_key(json.loads(text))
    except json.JSONDecodeError:
        return None


def by_name(gold: PlannedCall, match: str, write_tools: Iterable[str] = ()) -> bool:
    """Whether ``gold`` counts as made by any successful call of its tool: ``names`` (simulated
    tools), or ``writes_exact`` for a read (an LLM agent may look things up with other words)."""
    return match == "names" or (match == "writes_exact" and gold.tool not in write_tools)


def same_call(tool: str, key: str | None, gold: PlannedCall) -> bool:
    """A made call (tool and ``arguments_key``) is ``gold`` exactly."""
    return tool == gold.tool and key is not None and key == canonical_arguments(gold.arguments)


def gold_call_made(gold: PlannedCall, made: Iterable[MadeKey], match: str = "exact",
                   write_tools: Iterable[str] = ()) -> bool:
    """Whether one of the successful calls ``made`` satisfies ``gold`` under ``match``
    (``exact`` | ``writes_exact`` | ``names``)."""
    if by_name(gold, match, write_tools):
        return any(tool == gold.tool for tool, _ in made)
    wanted = canonical_arguments(gold.arguments)
    return any(tool == gold.tool and key == wanted for tool, key in made)


# --- binding references ----------------------------------------------------------------------

@dataclass(frozen=True)
class Reference:
    call: int  # index of the earlier call in the task's plan
    row: int | None  # which row, when that call returned a list
    field: str

    def __str__(self) -> str:
        return f"{self.call}[{self.row}].{self.field}" if self.row is not None else f"{self.call}.{self.field}"

    @property
    def placeholder(self) -> str:
        return "{{call_" + str(self) + "}}"


class DanglingReference(LookupError):
    """A reference to a call that has not run, or to a field its output lacks."""


def _reference(match: re.Match[str]) -> Reference:
    call, row, field = match.groups()
    return Reference(int(call), int(row) if row is not None else None, field)


def parse_reference(text: str) -> Reference:
    """A binding as ``PlannedCall.bindings`` holds it; ValueError when it is not one."""
    if not (m := _REFERENCE_ONLY.match(text)):
        raise ValueError(f"not a binding reference: {text!r}")
    return _reference(m)


def parse_placeholder(value: Any) -> Reference | None:
    """The reference a ``{{call_...}}`` argument value stands for (surrounding spaces allowed); None
    for any other value."""
    if not isinstance(value, str) or not (m := _PLACEHOLDER.match(value.strip())):
        return None
    return _reference(m)


def resolve(reference: Reference, outputs: list[Any]) -> Any:
    """The value ``reference`` names among the plan's ``outputs`` so far."""
    if reference.call >= len(outputs):
        raise DanglingReference(f"placeholder refers to call {reference.call}, which has not run")
    out = outputs[reference.call]
    if isinstance(out, list):
        row = reference.row or 0
        out = out[row] if len(out) > row else None
    if not isinstance(out, dict) or reference.field not in out:
        raise DanglingReference(f"call {reference.call} output has no field {reference.field}")
    return out[reference.field]


def sources(bindings: dict[str, str]) -> set[int]:
    """The earlier calls a plan call takes values from."""
    return {parse_reference(ref).call for ref in bindings.values()}


def with_placeholders(call: PlannedCall) -> dict[str, Any]:
    """The call's arguments in written form: each bound parameter as its placeholder."""
    args = dict(call.arguments)
    for param, ref in call.bindings.items():
        args[param] = parse_reference(ref).placeholder
    return args
