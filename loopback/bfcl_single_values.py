"""Argument values from BFCL's single-turn ground truth, as a model would send them.

BFCL lists per parameter the acceptable values ("" among them: the parameter may be left out); a
dict parameter's value is itself a dict of such lists, a list of dicts a list of them. Python
arguments are JSON values. Java and JavaScript arguments are strings of source code, which BFCL's
checker converts back (`java_type_converter`, `js_type_converter`): a Java long is ``"5L"``, a
float ``"1.5f"``, an ArrayList ``new ArrayList<>(Arrays.asList("a", "b"))``, a JavaScript dict
``{key: "value"}``. The oracle test checks every value written here against BFCL's checker.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any


def pick(candidates: list[Any]) -> tuple[bool, Any]:
    """(present, value): the first acceptable value; absent if only "" (optional) is listed."""
    for value in candidates:
        if value != "":
            return True, _choose(value, pick)
    return False, None


def pick_last(candidates: list[Any]) -> tuple[bool, Any]:
    """Another acceptable answer: absent when optional, else the last acceptable value."""
    if "" in candidates or not candidates:
        return False, None
    return True, _choose(candidates[-1], pick_last)


def _choose(value: Any, chooser: Any) -> Any:
    # a dict of candidate lists (a dict parameter), or a list of such dicts (a list of dicts)
    if _candidate_dict(value):
        chosen = {key: chooser(options) for key, options in value.items()}
        return {key: v for key, (present, v) in chosen.items() if present}
    if isinstance(value, list) and value and all(_candidate_dict(v) for v in value):
        return [_choose(v, chooser) for v in value]
    return value


def _candidate_dict(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(v, list) for v in value.values())


def encode_value(value: Any, schema: dict[str, Any], language: str) -> Any:
    if language == "java":
        return _java(value, schema.get("type"), schema.get("items", {}).get("type"))
    if language == "javascript":
        return _js(value, schema.get("type"), schema.get("items", {}).get("type"))
    return value


def _java(value: Any, kind: str | None, nested: str | None) -> str:
    if isinstance(value, str):
        return value  # a string, or a variable name where another type is expected
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "long":
        return f"{value}L"
    if kind == "float":
        return f"{value}f"
    if kind == "Array":  # elements through java_type_converter(nested): strings without quotes
        return "new Object[]{" + ", ".join(_java(v, nested, None) if nested else _java_literal(v) for v in value) + "}"
    if kind == "ArrayList":  # String and char elements lose their quotes, others are converted
        if not value:
            return "new ArrayList<>()"
        quoted = nested in ("String", "char")
        items = [f'"{v}"' if quoted else _java(v, nested, None) if nested else _java_literal(v) for v in value]
        return "new ArrayList<>(Arrays.asList(" + ", ".join(items) + "))"
    if kind == "HashMap":
        puts = " ".join(f'put("{k}", {_java_literal(v)});' for k, v in value.items())
        return "new HashMap<String, Object>() {{ " + puts + " }}"
    return str(value)


def _java_literal(value: Any) -> str:
    # parse_java_value: true/false, "quoted", numbers
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(value)


def _js(value: Any, kind: str | None, nested: str | None) -> str:
    if isinstance(value, str):
        # a string (quoted, as a JavaScript string loses its quotes), `any`, or a variable name
        return f'"{value}"' if kind == "String" else value
    if kind == "Boolean":
        return "true" if value else "false"
    if kind == "Bigint":
        return f"{value}n"
    if kind == "float":
        return _plain_number(value)
    if kind == "array":
        return "[" + ", ".join(_js(v, nested, None) if nested else _js_literal(v) for v in value) + "]"
    if kind == "dict":
        return "{" + ", ".join(f"{k}: {_js_literal(v)}" for k, v in value.items()) + "}"
    return str(value)


def _js_literal(value: Any) -> str:
    # parse_js_value and parse_js_collection's dict values
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, list):
        return "[" + ", ".join(_js_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_js_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        return _plain_number(value)
    return str(value)


def _plain_number(value: Any) -> str:
    # js float: ^-?\d+(\.\d+)?$, no exponent
    return format(Decimal(repr(value)), "f") if isinstance(value, float) else str(value)
