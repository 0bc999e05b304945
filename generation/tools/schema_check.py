"""Fast validation of values against JSON schemas, on the per-call hot path.

fastjsonschema compiles each schema to Python once (lazily, on first use); jsonschema stays the
reference for checking schemas themselves.
"""

from __future__ import annotations

from typing import Any, Callable

import fastjsonschema

_COMPILED: dict[int, tuple[dict[str, Any], Callable[[Any], Any]]] = {}


def problem(schema: dict[str, Any], value: Any) -> str | None:
    """Why ``value`` does not match ``schema``, or None."""
    entry = _COMPILED.get(id(schema))
    if entry is None or entry[0] is not schema:
        entry = (schema, fastjsonschema.compile(schema))
        _COMPILED[id(schema)] = entry
    try:
        entry[1](value)
    except fastjsonschema.JsonSchemaValueException as exc:
        return exc.message.replace("data.", "", 1) if exc.message.startswith("data.") else exc.message
    return None


def matches(schema: dict[str, Any], value: Any) -> bool:
    return problem(schema, value) is None
