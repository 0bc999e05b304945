"""Calling a tool: check the arguments against its schema, bind them, run its SQL on a copy.

Every failure becomes a structured tool error inside the dialogue (the agent sees it and can
recover); nothing an agent sends can crash the run or reach the SQL text, since values are bound.
A call that ran into a query limit (error type in ``LIMIT_ERRORS``) is the exception: the
dialogue ends there and is rejected, since a limit says something about our settings, nothing
about the data.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

import orjson

from ..databases.database import DatabaseCopy
from ..databases.guards import QueryLimitExceeded, QueryLimits
from .schema_check import problem
from .spec import SqlTool

LIMIT_ERRORS = ("query_limit", "timeout")


@dataclass(frozen=True)
class ToolOutput:
    content: str  # JSON text, placed verbatim in the tool message
    value: Any
    ok: bool


def limit_error(value: Any) -> str | None:
    """The query limit a tool output reports ("query_limit" or "timeout"), or None."""
    error = value.get("error") if isinstance(value, dict) and len(value) == 1 else None
    kind = error.get("type") if isinstance(error, dict) else None
    return kind if kind in LIMIT_ERRORS else None


def dumps(value: Any) -> str:
    """Tool output text: compact JSON (orjson; the same bytes on every run and replay)."""
    return orjson.dumps(value).decode()


def error_output(kind: str, message: str) -> ToolOutput:
    value = {"error": {"type": kind, "message": message}}
    return ToolOutput(dumps(value), value, False)


def _ok(value: Any) -> ToolOutput:
    return ToolOutput(dumps(value), value, True)


def checked_arguments(schema: dict[str, Any], arguments: str | dict[str, Any]) -> dict[str, Any] | ToolOutput:
    """The arguments as an object that satisfies the tool's parameter schema, or the tool error."""
    if isinstance(arguments, str):
        try:
            arguments = json.loads(arguments) if arguments.strip() else {}
        except json.JSONDecodeError as exc:
            return error_output("invalid_arguments", f"Arguments are not valid JSON: {exc.msg}.")
    if not isinstance(arguments, dict):
        return error_output("invalid_arguments", "Arguments must be a JSON object.")
    why = problem(schema, arguments)
    if why is not None:
        return error_output("invalid_arguments", why.replace("data ", "arguments ", 1))
    return arguments


def _too_long(arguments: dict[str, Any], cap: int) -> ToolOutput | None:
    for name, value in arguments.items():
        if isinstance(value, str) and len(value) > cap:
            return error_output("invalid_arguments", f"Argument {name} is longer than {cap} characters.")
    return None


class Toolbox:
    """The tools of one environment, callable by name on any copy of its database."""

    def __init__(self, tools: list[SqlTool], limits: QueryLimits) -> None:
        self.tools = {t.name: t for t in tools}
        self.limits = limits

    def call(self, copy: DatabaseCopy, name: str, arguments: str | dict[str, Any]) -> ToolOutput:
        tool = self.tools.get(name)
        if tool is None:
            return error_output("unknown_tool", f"No tool named {name!r}.")
        arguments = checked_arguments(tool.parameters, arguments)
        if isinstance(arguments, ToolOutput):
            return arguments
        too_long = _too_long(arguments, self.limits.max_text_chars)
        if too_long is not None:  # no text longer than a cell may show goes in either
            copy.events["tool_arguments_too_long"] += 1
            return too_long
        binds = {
            param: arguments.get(param, spec.get("default"))
            for param, spec in tool.parameters["properties"].items()
        }
        try:
            result = copy.run(tool.sql, binds, writes=tool.writes, limits=self.limits)
        except QueryLimitExceeded as exc:  # kind "query_limit" (step budget) or "timeout" (wall clock)
            return error_output(exc.kind, str(exc))
        except sqlite3.Error as exc:
            return error_output("database_error", str(exc))
        if tool.single:
            if not result.rows:
                shown = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
                return error_output("not_found", f"No matching record ({shown}).")
            return _ok(result.rows[0])
        if result.truncated:
            return _ok({"rows": result.rows, "truncated": True, "row_cap": self.limits.row_cap})
        return _ok(result.rows)
