"""Fast validation of values against JSON schemas, on the per-call hot path.

fastjsonschema compiles each schema to Python once (lazily, on first use); jsonschema stays the
reference for checking schemas themselves.
"""

from __future__ import annotations

from typing import Any, Callable

import fastjsonschema
import orjson

# Keyed by content: every dialogue builds its own schema dicts, and compiling is what costs.
_COMPILED: dict[bytes, Callable[[Any], Any]] = {}


def problem(schema: dict[str, Any], value: Any) -> str | None:
    """Why ``value`` does not match ``schema``, or None."""
    key = orjson.dumps(schema, option=orjson.OPT_SORT_KEYS)
    validate = _COMPILED.get(key)
    if validate is None:
        validate = _COMPILED[key] = fastjsonschema.compile(schema)
    try:
        validate(value)
    except fastjsonschema.JsonSchemaValueException as exc:
        return exc.message.replace("data.", "", 1) if exc.message.startswith("data.") else exc.message
    return None


def matches(schema: dict[str, Any], value: Any) -> bool:
    return problem(schema, value) is None
