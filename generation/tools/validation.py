"""Check every tool before use: one allowed statement, known tables and columns, and a real run.

A tool that fails any check is dropped and counted with its reason, never silently kept. What
the schema offers no tool for (views, binary columns, unresolvable links) or only reads
(generated columns) is listed as skipped, so nothing is left out without a word.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field

import sqlglot
from jsonschema import Draft202012Validator
from sqlglot import exp

from ..databases.database import SqlDatabase
from ..databases.schema import DatabaseSchema
from .arguments import example_arguments
from .runtime import Toolbox
from .spec import SqlTool

_READ = (exp.Select,)
_DRAWS = 5
_WRITE = (exp.Insert, exp.Update, exp.Delete)


@dataclass
class ToolReport:
    kept: list[SqlTool]
    dropped: dict[str, str] = field(default_factory=dict)  # tool name -> reason
    # schema object ("view:v", "column:t.c", "foreign_key:...") -> "reason_code: detail"
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def reasons(self) -> Counter:
        return Counter(reason.split(":")[0] for reason in self.dropped.values())

    @property
    def skipped_reasons(self) -> Counter:
        return Counter(reason.split(":")[0] for reason in self.skipped.values())


def static_problem(tool: SqlTool, schema: DatabaseSchema) -> str | None:
    """Why the SQL is not acceptable for this tool, or None."""
    try:
        statements = [s for s in sqlglot.parse(tool.sql, read="sqlite") if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        return f"parse_error: {str(exc).splitlines()[0]}"
    if len(statements) != 1:
        return f"statement_count: {len(statements)} statements"
    stmt = statements[0]
    allowed = _WRITE if tool.writes else _READ
    if not isinstance(stmt, allowed):
        return f"statement_kind: {type(stmt).__name__} not allowed for a {tool.kind} tool"
    tables = {t.name.lower(): t for t in schema.tables}
    used = {t.name.lower() for t in stmt.find_all(exp.Table)}
    unknown = sorted(used - set(tables))
    if unknown:
        return f"unknown_table: {', '.join(unknown)}"
    known_columns = {c.name.lower() for name in used for c in tables[name].columns} | {"rowid"}
    aliases = {a.alias.lower() for a in stmt.find_all(exp.Alias)}
    for column in stmt.find_all(exp.Column):
        name = column.name.lower()
        if name and name not in known_columns and name not in aliases:
            return f"unknown_column: {column.name}"
    return None


def validate_tools(tools: list[SqlTool], db: SqlDatabase, toolbox: Toolbox, seed: int = 0) -> ToolReport:
    """Keep the tools that pass the static checks and run cleanly on a scratch copy."""
    report = ToolReport(kept=[], skipped=dict(db.schema.skipped))
    rng = random.Random(seed)
    scratch = db.copy(wall_clock=False)  # which tools exist must not depend on the machine's load
    unpinned = db.nondeterministic_writes  # table -> why its writes could differ between two runs
    try:
        for tool in tools:
            reason = (static_problem(tool, db.schema)
                      or (unpinned.get(tool.table) if tool.writes else None)
                      or _run_problem(tool, scratch, toolbox, rng))
            if reason:
                report.dropped[tool.name] = reason
            else:
                report.kept.append(tool)
    finally:
        scratch.close()
    return report


def _run_problem(tool: SqlTool, scratch, toolbox: Toolbox, rng: random.Random) -> str | None:
    # Values drawn from real rows can collide with a unique key: a few draws tell a collision
    # from a broken tool.
    for _attempt in range(_DRAWS if tool.kind == "create" else 1):
        args = example_arguments(tool, scratch, rng)
        if args is None:
            return "no_data: no row to take arguments from"
        out = _probe(tool, scratch, toolbox, args)
        if out.ok:
            break
    if not out.ok and out.value["error"]["type"] != "not_found":
        return f"execution_error: {out.value['error']['message']}"
    if out.ok:
        schema = tool.returns if not (isinstance(out.value, dict) and out.value.get("truncated")) else None
        value = out.value if schema else out.value["rows"]
        problem = next(iter(Draft202012Validator(tool.returns).iter_errors(value)), None)
        if problem is not None:
            return f"return_schema: {problem.message}"
    return None


def _probe(tool: SqlTool, scratch, toolbox: Toolbox, args: dict):
    """Run the tool and undo whatever it wrote, so every probe sees the source state."""
    with scratch.savepoint("probe", undo=True):
        return toolbox.call(scratch, tool.name, args)
