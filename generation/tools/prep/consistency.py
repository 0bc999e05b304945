"""One type per field name across the whole toolset: the first type seen is canonical.

A field seen first as a parameter (``user_id: integer``) fixes the type for every later parameter
and return field of that name; a later conflict is rewritten to the canonical type and recorded.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .specs import snake_case

# Names whose meaning depends on the record they sit in: one type for all of them would be wrong.
GENERIC = {"id", "value", "data", "result", "results", "items", "type", "details", "metadata", "info",
           "content", "payload", "extra", "attributes"}


def _types(schema: dict[str, Any]) -> frozenset[str]:
    t = schema.get("type")
    if t is None:
        return frozenset()
    return frozenset(t if isinstance(t, list) else [t])


def _core(schema: dict[str, Any]) -> frozenset[str]:
    return _types(schema) - {"null"}


def _show(types: frozenset[str]) -> str:
    return "|".join(sorted(types)) or "any"


@dataclass
class TypeRegistry:
    canonical: dict[str, dict[str, Any]] = field(default_factory=dict)  # field -> first subschema seen
    source: dict[str, str] = field(default_factory=dict)  # field -> "tool.parameters" / "tool.returns"
    repairs: list[dict[str, str]] = field(default_factory=list)

    def known(self) -> str:
        """The registry as a line for a prompt."""
        items = [f"{name}: {_show(_core(s))}" for name, s in self.canonical.items()]
        return ", ".join(items) or "none yet"

    def reconcile(self, tool: str, where: str, schema: dict[str, Any]) -> dict[str, Any]:
        """``schema`` with its fields made consistent (a new copy); repairs are recorded."""
        schema = copy.deepcopy(schema)
        self._walk(tool, where, schema)
        return schema

    def _walk(self, tool: str, where: str, node: Any) -> None:
        if not isinstance(node, dict):
            return
        props = node.get("properties")
        if isinstance(props, dict):
            self._rename(tool, where, node, props)
            for name, sub in list(node["properties"].items()):
                if isinstance(sub, dict):
                    node["properties"][name] = self._field(tool, where, name, sub)
                    self._walk(tool, where, node["properties"][name])
        for key in ("items", "additionalProperties"):
            self._walk(tool, where, node.get(key))
        for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
            for sub in node.get(key) or []:
                self._walk(tool, where, sub)

    def _rename(self, tool: str, where: str, node: dict[str, Any], props: dict[str, Any]) -> None:
        if where == "parameters":
            return  # renaming a parameter would change how callers address it
        renamed = {}
        for name in props:
            new = snake_case(name) or name
            if new != name and new not in props and new not in renamed.values():
                renamed[name] = new
        if not renamed:
            return
        node["properties"] = {renamed.get(k, k): v for k, v in props.items()}
        if isinstance(node.get("required"), list):
            node["required"] = [renamed.get(r, r) for r in node["required"]]
        for old, new in renamed.items():
            self.repairs.append({"tool": tool, "where": where, "field": old, "repair": f"renamed to {new}"})

    def _field(self, tool: str, where: str, name: str, sub: dict[str, Any]) -> dict[str, Any]:
        core = _core(sub)
        if not core or name in GENERIC:
            return sub
        if name not in self.canonical:
            self.canonical[name] = copy.deepcopy(sub)
            self.source[name] = f"{tool}.{where}"
            return sub
        wanted = self.canonical[name]
        if _core(wanted) == core:
            return sub
        fixed = copy.deepcopy(wanted)
        if "description" in sub:
            fixed["description"] = sub["description"]
        if "null" in _types(sub) and "null" not in _types(fixed):
            t = fixed["type"]
            fixed["type"] = (t if isinstance(t, list) else [t]) + ["null"]
        self.repairs.append({
            "tool": tool, "where": where, "field": name,
            "repair": f"type {_show(core)} -> {_show(_core(wanted))} (canonical from {self.source[name]})",
        })
        return fixed
