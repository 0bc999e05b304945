"""A SQL-backed tool: OpenAI function spec, parameterized SQL with named binds, return schema."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any, Literal

from ..records import EnvironmentTool

ToolKind = Literal[
    "get", "search", "range", "list", "aggregate", "summary", "children", "parent",
    "create", "update", "delete",
]
ParamRole = Literal["key", "value", "pattern", "min", "max", "limit", "flag"]


@dataclass(frozen=True)
class Param:
    """Where a parameter's values come from, so callers can take them from real rows."""

    name: str
    role: ParamRole
    table: str = ""
    column: str = ""
    required: bool = True


@dataclass(frozen=True)
class SqlTool:
    name: str
    description: str
    kind: ToolKind
    table: str  # the entity the tool returns (or writes)
    sql: str
    parameters: dict[str, Any]  # JSON schema of the arguments
    returns: dict[str, Any]  # JSON schema of the result
    params: tuple[Param, ...] = field(default_factory=tuple)

    @property
    def writes(self) -> bool:
        return self.kind in ("create", "update", "delete")

    @property
    def single(self) -> bool:
        return self.returns.get("type") == "object"

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)

    def openai_spec(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }

    @functools.cached_property
    def environment_entry(self) -> EnvironmentTool:
        """Built once per tool and shared by the records of every dialogue that offers it."""
        return EnvironmentTool(
            name=self.name, sql=self.sql, returns=self.returns, table=self.table, writes=self.writes
        )


def error_schema() -> dict[str, Any]:
    """What every tool returns instead of its result when the call fails."""
    return {
        "type": "object",
        "properties": {
            "error": {
                "type": "object",
                "properties": {"type": {"type": "string"}, "message": {"type": "string"}},
                "required": ["type", "message"],
            }
        },
        "required": ["error"],
        "additionalProperties": False,
    }


def truncated_schema(returns: dict[str, Any]) -> dict[str, Any]:
    """A list result cut at the row cap: the rows that fit, marked as truncated."""
    return {
        "type": "object",
        "properties": {
            "rows": returns,
            "truncated": {"const": True},
            "row_cap": {"type": "integer"},
        },
        "required": ["rows", "truncated", "row_cap"],
        "additionalProperties": False,
    }
