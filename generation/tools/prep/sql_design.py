"""The paper's tool preparation (5.1) on a real schema: questions -> SQL tools per question ->
expansion -> screening -> the validation every tool passes (``sql_tools.build_sql_tools``).

Screening drops what validation cannot see: a name that says read on a statement that writes (or
the reverse), a statement that returns a table as it is, the same statement twice, and an output
or parameter name that carries another kind of value than it does in an earlier tool.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp

from ...databases.database import SqlDatabase
from ...databases.guards import QueryLimits
from ...llm.accounting import Accounting
from ...llm.client import LLMClient
from ...llm.prompts import render
from ..spec import Param, SqlTool
from .consistency import GENERIC
from .prepare import read_questions
from .replies import Asker, as_list
from .specs import action_of, function_of, normalize_generated
from .sql_tools import build_sql_tools, describe_schema, sample_rows

WRITE_ACTIONS = ("create", "update", "delete")
_WRITES = (exp.Insert, exp.Update, exp.Delete)


@dataclass(frozen=True)
class DesignSettings:
    questions: tuple[int, int] = (10, 15)
    max_expansion: int = 10
    rows_per_table: int = 3
    seed: int = 0


@dataclass
class SqlDesign:
    kept: list[SqlTool] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)
    origins: dict[str, str] = field(default_factory=dict)  # tool name -> "question:<i>" | "expansion"
    dropped: dict[str, str] = field(default_factory=dict)  # tool name -> "reason: detail"
    repairs: list[str] = field(default_factory=list)
    failures: Counter = field(default_factory=Counter)  # "<stage>:retried|malformed|unavailable"

    def drop(self, name: str, reason: str) -> None:
        self.dropped[name if name not in self.dropped else f"{name}#{len(self.dropped)}"] = reason

    def report(self) -> dict[str, Any]:
        return {
            "questions": len(self.questions), "kept": [t.name for t in self.kept], "origins": self.origins,
            "dropped": self.dropped, "reasons": dict(sorted(Counter(r.split(":")[0] for r in self.dropped.values()).items())),
            "repairs": self.repairs, "failures": dict(sorted(self.failures.items())),
        }


async def design_sql_tools(db: SqlDatabase, client: LLMClient, meter: Accounting, settings: DesignSettings,
                           limits: QueryLimits, existing: list[SqlTool] = ()) -> SqlDesign:
    """Designed, validated tools for ``db``; ``existing`` tools (the rules toolset) keep their names and
    output types. Nothing here raises on a bad reply: failures and drops are counted."""
    design = SqlDesign()
    asker = Asker(client, meter, design.failures)
    scope, seed = f"sql_design:{db.db_id}", settings.seed
    view = {"db_id": db.db_id, "schema": describe_schema(db), "samples": sample_rows(db, settings.rows_per_table)}
    rules = render("toolprep_sql_rules").strip()
    lo, hi = settings.questions
    asked, _ = await asker.ask("questions", _user(render("toolprep_sql_questions", **view, min_questions=lo,
                                                        max_questions=hi)), seed, read_questions, scope=scope)
    design.questions = list(asked or [])[:hi]
    replies = await asyncio.gather(*(
        asker.ask("tools", _user(render("toolprep_sql_request_tools", **view, question=q, rules=rules)), seed,
                  _read_tools, scope=scope)
        for q in design.questions))
    proposals = [(entry, f"question:{i}") for i, (entries, _) in enumerate(replies) for entry in entries or []]
    extra: list[Any] = []
    if settings.max_expansion:
        summary = _summary([entry for entry, _ in proposals]) or "(none yet)"
        asked_more, _ = await asker.ask("expansion", _user(render(
            "toolprep_sql_expand", db_id=db.db_id, schema=view["schema"], tools=summary,
            max_tools=settings.max_expansion, rules=rules)), seed, _read_tools, scope=scope)
        extra = list(asked_more or [])
    for entry in extra[settings.max_expansion:]:
        design.drop(_name(entry), f"over_limit: more than {settings.max_expansion} expansion tools")
    proposals += [(entry, "expansion") for entry in extra[: settings.max_expansion]]

    screened = _screen(proposals, design, {t.name for t in existing})
    built = build_sql_tools([entry for entry, _ in screened], db, limits, seed)
    design.repairs += built.repairs
    for name, reason in built.dropped.items():
        design.drop(name, reason)
    origins = {entry["name"]: origin for entry, origin in screened}
    design.kept = _one_type_per_name(built.kept, list(existing), design)
    design.origins = {t.name: origins.get(t.name, "?") for t in design.kept}
    return design


def _user(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": text}]


def _read_tools(value: Any) -> list[Any]:
    return as_list(value, "tools", "functions")


def _name(entry: Any) -> str:
    function = function_of(entry)
    return str(function.get("name", "?"))[:80] if function else "?"


def _summary(entries: list[Any]) -> str:
    lines = []
    for entry in entries:
        function = function_of(entry) or {}
        props = (function.get("parameters") or {}).get("properties") or {}
        args = ", ".join(f"{n}: {p.get('type', 'any')}" for n, p in props.items() if isinstance(p, dict))
        lines.append(f"- {function.get('name', '?')}({args}): {str(function.get('description', ''))[:160]}")
    return "\n".join(lines)


def _screen(proposals: list[tuple[Any, str]], design: SqlDesign, taken: set[str]) -> list[tuple[Any, str]]:
    """Proposals, named as they will be (snake_case), whose name fits what the statement does, that
    are not trivial and repeat no name (of ``taken`` or an earlier proposal) and no statement.
    The first problem found is the reason a proposal is dropped."""
    kept: list[tuple[Any, str]] = []
    names, statements = set(taken), {}
    for entry, origin in proposals:
        spec, problem = normalize_generated(entry)
        if spec is None:
            design.drop(_name(entry), problem or "bad_spec")
            continue
        name, raw = spec["function"]["name"], function_of(entry)
        # flat from here on, named and with parameters as cleaned; the SQL and "single" kept
        entry = {"sql": raw.get("sql", entry.get("sql")), "single": raw.get("single", entry.get("single")),
                 **spec["function"]}
        sql = entry["sql"]
        try:
            stmt = sqlglot.parse_one(sql, read="sqlite") if isinstance(sql, str) and sql.strip() else None
        except sqlglot.errors.SqlglotError:
            stmt = None  # build_sql_tools reports the parse error with its detail
        text = stmt.sql(dialect="sqlite", normalize=True) if stmt is not None else None
        if name in names:
            problem = f"duplicate_name: {'a rules tool' if name in taken else 'an earlier tool'} has this name"
        elif stmt is not None:
            problem = (_name_problem(name, stmt) or _trivial(stmt)
                       or (f"duplicate_sql: the same statement as {statements[text]}" if text in statements else None))
        if problem:
            design.drop(name, problem)
            continue
        names.add(name)
        if text is not None:
            statements[text] = name
        kept.append((entry, origin))
    return kept


def _name_problem(name: str, stmt: exp.Expression) -> str | None:
    action, writes = action_of(name), isinstance(stmt, _WRITES)
    if writes and action not in WRITE_ACTIONS:
        return f"disguised_write: {name} is named as a read but runs {stmt.key.upper()}"
    if not writes and action in WRITE_ACTIONS:
        return f"disguised_read: {name} is named as a change but only reads"
    return None


def _trivial(stmt: exp.Expression) -> str | None:
    """A read with nothing to choose: no bind, filter, join, grouping, ranking or aggregate."""
    if not isinstance(stmt, exp.Select) or stmt.find(exp.Placeholder) is not None:
        return None
    # anywhere in the statement: a filter inside a CTE or subquery shapes what comes out too
    shaped = stmt.find(exp.Where, exp.Join, exp.Group, exp.Order, exp.Having, exp.Limit) is not None
    aggregate = stmt.find(exp.AggFunc) is not None
    return None if shaped or aggregate else "trivial: returns a table as it is"


def _family(schema: Any) -> str | None:
    """string, number (integer or number) or boolean: what a field name must mean everywhere."""
    kinds = schema.get("type") if isinstance(schema, dict) else None
    kinds = {kinds} if isinstance(kinds, str) else set(kinds or []) - {"null"}
    families = {"number" if k in ("integer", "number") else k for k in kinds}
    return families.pop() if len(families) == 1 else None


def _fields(tool: SqlTool) -> dict[str, str]:
    """Field name -> value family, over the tool's parameters and the rows it returns."""
    row = tool.returns.get("items", tool.returns)
    schemas = {**(row.get("properties") or {}), **tool.parameters.get("properties", {})}
    return {name: f for name, s in schemas.items() if name.lower() not in GENERIC and (f := _family(s))}


def _one_type_per_name(tools: list[SqlTool], existing: list[SqlTool], design: SqlDesign) -> list[SqlTool]:
    canonical: dict[str, tuple[str, str]] = {}  # field -> (family, first tool)
    for tool in existing:
        for name, family in _fields(tool).items():
            canonical.setdefault(name, (family, tool.name))
    kept = []
    for tool in tools:
        fields = _fields(tool)
        clash = next((n for n, f in fields.items() if n in canonical and canonical[n][0] != f), None)
        if clash is not None:
            family, first = canonical[clash]
            design.drop(tool.name, f"type_conflict: {clash} is {fields[clash]} here but {family} in {first}")
            continue
        for name, family in fields.items():
            canonical.setdefault(name, (family, tool.name))
        kept.append(tool)
    return kept


def tool_to_json(tool: SqlTool) -> dict[str, Any]:
    return {"name": tool.name, "description": tool.description, "kind": tool.kind, "table": tool.table,
            "sql": tool.sql, "parameters": tool.parameters, "returns": tool.returns,
            "params": [vars(p) for p in tool.params]}


def tool_from_json(data: dict[str, Any]) -> SqlTool:
    return SqlTool(data["name"], data["description"], data["kind"], data["table"], data["sql"], data["parameters"],
                   data["returns"], tuple(Param(**p) for p in data["params"]))


def dumps_design(design: SqlDesign) -> str:
    """The design as a file: the kept tools in full (a rerun rebuilds them without asking), and the report."""
    return json.dumps({"tools": [tool_to_json(t) for t in design.kept], "questions": design.questions,
                       "report": design.report()}, indent=1, ensure_ascii=False)


def loads_design(text: str) -> SqlDesign:
    data = json.loads(text)
    report = data["report"]
    return SqlDesign(kept=[tool_from_json(t) for t in data["tools"]], questions=data["questions"],
                     origins=report["origins"], dropped=report["dropped"], repairs=report["repairs"],
                     failures=Counter(report["failures"]))
