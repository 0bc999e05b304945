"""OpenAI function specs: shape checks, name rules, and de-duplication by name and signature."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

SEED_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]{0,63}$")  # what providers accept as a function name
SNAKE_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
ACTION_PREFIXES = ("get_", "search_", "create_", "update_", "delete_")
MAX_ENUM = 20  # "enum only for small fixed sets": a longer list is dropped, not trusted

# Verbs that name the same action, and words that add nothing to what a tool is about.
_VERB_CLASS = {
    **dict.fromkeys(("get", "fetch", "retrieve", "find", "search", "list", "lookup", "query", "show",
                     "read", "view", "check"), "read"),
    **dict.fromkeys(("create", "add", "new", "insert", "register", "make", "post", "book"), "create"),
    **dict.fromkeys(("update", "edit", "modify", "set", "change", "patch"), "update"),
    **dict.fromkeys(("delete", "remove", "cancel", "drop"), "delete"),
}
_FILLER = {"a", "an", "the", "by", "for", "of", "all", "current", "details", "detail", "info",
           "information", "data", "record", "records", "list"}


def snake_case(name: str) -> str:
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())
    return re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower()


def function_of(entry: Any) -> dict[str, Any] | None:
    """The ``function`` part of ``{"type":"function","function":{...}}`` or a bare spec."""
    if not isinstance(entry, dict):
        return None
    if isinstance(entry.get("function"), dict):
        return entry["function"]
    return entry if "name" in entry else None


def wrap(function: dict[str, Any]) -> dict[str, Any]:
    return {"type": "function", "function": function}


def spec_problem(function: dict[str, Any], name_rule: re.Pattern[str] = SNAKE_NAME) -> str | None:
    """Why ``function`` is not a usable spec ("reason: detail"), or None."""
    name = function.get("name")
    if not isinstance(name, str) or not name_rule.match(name):
        return f"bad_name: {str(name)[:60]!r}"
    if not isinstance(function.get("description"), str) or not function["description"].strip():
        return "missing_description: no description"
    params = function.get("parameters", {"type": "object", "properties": {}})
    if not isinstance(params, dict) or params.get("type") != "object":
        return "bad_parameters: parameters must be a JSON schema of type object"
    props = params.get("properties", {})
    if not isinstance(props, dict) or not all(isinstance(v, dict) for v in props.values()):
        return "bad_parameters: properties must map names to schemas"
    try:
        Draft202012Validator.check_schema(params)
    except SchemaError as exc:
        return f"invalid_parameter_schema: {exc.message[:120]}"
    required = params.get("required", [])
    unknown = [r for r in required if r not in props]
    if unknown:
        return f"bad_required: {', '.join(map(str, unknown))} not among the properties"
    return None


def normalize_generated(entry: Any) -> tuple[dict[str, Any] | None, str | None]:
    """A generated tool as a clean OpenAI spec, or (None, reason). Small slips are fixed, not rejected."""
    function = function_of(entry)
    if function is None:
        return None, "not_a_tool: entry is not a function spec"
    function = copy.deepcopy({k: function[k] for k in ("name", "description", "parameters") if k in function})
    if isinstance(function.get("name"), str):
        function["name"] = snake_case(function["name"])
    params = function.setdefault("parameters", {"type": "object", "properties": {}})
    if isinstance(params, dict):
        params.setdefault("type", "object")
        params.setdefault("properties", {})
        if isinstance(params["properties"], dict):
            for prop in params["properties"].values():
                if isinstance(prop, dict) and isinstance(prop.get("enum"), list) and len(prop["enum"]) > MAX_ENUM:
                    del prop["enum"]
    problem = spec_problem(function)
    return (None, problem) if problem else (wrap(function), None)


def action_of(name: str) -> str:
    """The action a tool name's first word says: read, create, update, delete, or the word itself."""
    first = name.split("_")[0]
    return _VERB_CLASS.get(first, first)


def signature(function: dict[str, Any]) -> tuple[str, tuple[str, ...], tuple[tuple[str, str], ...]]:
    """(action, subject words, sorted parameter names+types).

    Parameter names and types alone would merge ``get_user`` with ``delete_user`` and
    ``get_user_orders``; the action class and the subject words keep those apart while
    ``search_flights``/``find_flights`` or ``get_weather``/``get_current_weather`` still collide.
    """
    words = function["name"].split("_")
    action = action_of(function["name"])
    subject = tuple(sorted({_singular(w) for w in words[1:] if w not in _FILLER}))
    props = function.get("parameters", {}).get("properties", {})
    params = tuple(sorted((name, _type_key(p)) for name, p in props.items()))
    return action, subject, params


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def _type_key(schema: dict[str, Any]) -> str:
    t = schema.get("type", "any")
    return "|".join(sorted(t)) if isinstance(t, list) else str(t)


@dataclass
class Deduper:
    """First come, first kept: later tools with a taken name or signature are dropped and listed."""

    names: dict[str, str] = field(default_factory=dict)
    signatures: dict[tuple, str] = field(default_factory=dict)
    dropped: list[dict[str, str]] = field(default_factory=list)

    def admit(self, spec: dict[str, Any]) -> bool:
        function = spec["function"]
        name = function["name"]
        if name in self.names:
            self.dropped.append({"tool": name, "duplicate_of": name, "by": "name"})
            return False
        sig = signature(function)
        if sig in self.signatures:
            self.dropped.append({"tool": name, "duplicate_of": self.signatures[sig], "by": "signature"})
            return False
        self.names[name] = name
        self.signatures[sig] = name
        return True
