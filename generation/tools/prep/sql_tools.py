"""LLM-written SQL tools on a real schema (paper 5.8) made into SqlTools, kept only if they pass the
same validation as the deterministic tools (``tools/validation.py``); ``sql_design`` asks for them."""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp

from ...databases.database import DatabaseCopy, SqlDatabase
from ...databases.guards import QueryLimits
from ...databases.names import quote
from ..arguments import example_arguments
from ..runtime import Toolbox
from ..spec import Param, SqlTool
from ..validation import static_problem, validate_tools
from .sql_binds import (Resolver, bind_use, expand_qualified_stars, looks_single, output_columns, placeholders,
                        statement_kind)
from .specs import normalize_generated

_INTEGER_FUNCS = (exp.Count, exp.Length)
_NUMBER_FUNCS = (exp.Sum, exp.Avg, exp.Div, exp.Mul, exp.Add, exp.Sub, exp.Round, exp.Mod)
_PROBES = 3


@dataclass
class SqlToolResult:
    kept: list[SqlTool] = field(default_factory=list)
    dropped: dict[str, str] = field(default_factory=dict)  # tool name -> "reason: detail"
    repairs: list[str] = field(default_factory=list)
    failures: Counter = field(default_factory=Counter)

    def report(self) -> dict[str, Any]:
        return {
            "kept": [t.name for t in self.kept],
            "dropped": self.dropped,
            "reasons": dict(Counter(r.split(":")[0] for r in self.dropped.values())),
            "repairs": self.repairs,
            "failures": dict(self.failures),
        }


def describe_schema(db: SqlDatabase) -> str:
    lines = []
    for t in db.schema.tables:
        cols = ", ".join(
            f'"{c.name}" {c.declared or "ANY"} ({"|".join(c.json_types)}{", key" if c.name in t.primary_key else ""})'
            for c in t.columns)
        lines.append(f"- {t.name} ({t.row_count} rows): {cols}")
    for fk in db.schema.foreign_keys:
        lines.append(f"- link: {fk.table}.{fk.column} -> {fk.ref_table}.{fk.ref_column}")
    return "\n".join(lines)


def sample_rows(db: SqlDatabase, per_table: int) -> str:
    copy = db.copy()
    try:
        lines = []
        for t in db.schema.tables:
            cols = ", ".join(quote(c.name) for c in t.columns)
            rows = copy.conn.execute(f"SELECT {cols} FROM {quote(t.name)} LIMIT {int(per_table)}").fetchall()
            for row in rows:
                shown = {c.name: (v[:60] if isinstance(v, str) else v) for c, v in zip(t.columns, row, strict=True)}
                lines.append(f"{t.name}: {json.dumps(shown, ensure_ascii=False)}")
        return "\n".join(lines)
    finally:
        copy.close()


def build_sql_tools(proposals: list[Any], db: SqlDatabase, limits: QueryLimits, seed: int = 0) -> SqlToolResult:
    """``[{name, description, parameters, sql, single?}]`` -> validated SqlTools and dropped reasons."""
    result = SqlToolResult()
    candidates: list[SqlTool] = []
    scratch = db.copy()
    rng = random.Random(seed)
    try:
        for i, proposal in enumerate(proposals):
            name = str(proposal.get("name", f"#{i}")) if isinstance(proposal, dict) else f"#{i}"
            key = name if name not in result.dropped else f"{name}#{i}"
            if any(t.name == name for t in candidates):
                result.dropped[f"{name}#{i}"] = "duplicate_name: an earlier tool has this name"
                continue
            tool = _convert(proposal, db, scratch, limits, rng, result)
            if isinstance(tool, str):
                result.dropped[key] = tool
            else:
                candidates.append(tool)
    finally:
        scratch.close()
    report = validate_tools(candidates, db, Toolbox(candidates, limits), seed)
    result.kept = report.kept
    result.dropped.update(report.dropped)
    return result


def _convert(proposal: Any, db: SqlDatabase, scratch: DatabaseCopy, limits: QueryLimits,
             rng: random.Random, result: SqlToolResult) -> SqlTool | str:
    """A SqlTool, or the reason the proposal cannot become one."""
    spec, problem = normalize_generated(proposal)
    if spec is None:
        return problem or "bad_spec"
    function = spec["function"]
    parsed = _one_statement(proposal.get("sql") if isinstance(proposal, dict) else None)
    if isinstance(parsed, str):
        return parsed
    sql, stmt = parsed
    kind = {exp.Insert: "create", exp.Update: "update", exp.Delete: "delete"}.get(type(stmt), "list")
    if stmt.find(exp.Star) is not None and any(isinstance(c.this, exp.Star) for c in stmt.find_all(exp.Column)):
        stmt = expand_qualified_stars(stmt, db.schema)
        sql = stmt.sql(dialect="sqlite")
        result.repairs.append(f"{function['name']}: expanded table.* into its columns")
    draft = SqlTool(function["name"], function["description"], kind, "", sql, function["parameters"], {})
    if (problem := static_problem(draft, db.schema)) is not None:
        return problem
    phs = placeholders(stmt)
    if (problem := _bind_problem(phs, function["parameters"]["properties"])) is not None:
        return problem
    res = Resolver(stmt, db.schema)
    uses = {}
    for ph in phs:
        use = bind_use(ph, res)
        if use.name not in uses or (not uses[use.name].role and use.role):
            uses[use.name] = use
    params, parameters = _params(function, list(uses.values()), result)
    if isinstance(params, str):
        return params
    if isinstance(stmt, (exp.Insert, exp.Update, exp.Delete)) and stmt.args.get("returning") is None:
        target = res.target()
        if target is None:
            return "unknown_table: write target"
        sql += " RETURNING " + ", ".join(quote(c.name) for c in target.columns)
        stmt = sqlglot.parse_one(sql, read="sqlite")
        res = Resolver(stmt, db.schema)
        result.repairs.append(f"{function['name']}: added RETURNING to the write")
    target = res.target()
    tool = SqlTool(function["name"], function["description"], kind, target.name if target else "", sql,
                   parameters, {"type": "array"}, tuple(params))
    seen, most_rows = _observed(tool, scratch, limits, rng)
    flag = proposal.get("single")
    single = flag if isinstance(flag, bool) else looks_single(stmt, list(uses.values()), res)
    if single and most_rows > 1 and not tool.writes:
        single = False  # declared single but returned several rows: a list, or all but one would be lost
        result.repairs.append(f"{tool.name}: declared single but returned {most_rows} rows; made a list")
    kind = kind if kind != "list" else statement_kind(stmt, list(uses.values()), single)
    row = _row_schema(stmt, res, seen)
    returns = row if single else {"type": "array", "items": row}
    return SqlTool(tool.name, tool.description, kind, tool.table, sql, parameters, returns, tool.params)


def _one_statement(sql: Any) -> tuple[str, exp.Expression] | str:
    """The proposal's SQL (without a trailing semicolon) and its one parsed statement, or the reason
    there is not exactly one."""
    if not isinstance(sql, str) or not sql.strip():
        return "missing_sql: no sql statement"
    sql = sql.strip().rstrip(";").strip()
    try:
        statements = [s for s in sqlglot.parse(sql, read="sqlite") if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        return f"parse_error: {str(exc).splitlines()[0]}"
    if len(statements) != 1:
        return f"statement_count: {len(statements)} statements"
    return sql, statements[0]


def _bind_problem(phs: list, props: dict[str, Any]) -> str | None:
    """Why the SQL's binds and the function's parameters do not pair up one to one, if they do not."""
    if any(not ph.name or ph.name.isdigit() for ph in phs):
        return "positional_bind: use named binds (:name), not ?"
    binds = list(dict.fromkeys(ph.name for ph in phs))
    if missing := [b for b in binds if b not in props]:
        return f"missing_parameter: bind :{missing[0]} has no parameter"
    if stray := [p for p in props if p not in binds]:
        return f"unused_parameter: {stray[0]} is not a bind in the SQL"
    return None


def _params(function: dict[str, Any], uses: list, result: SqlToolResult) -> tuple[list[Param] | str, dict]:
    parameters = json.loads(json.dumps(function["parameters"]))
    parameters.setdefault("additionalProperties", False)
    required = set(parameters.get("required", []))
    params: list[Param] = []
    for use in uses:
        prop = parameters["properties"][use.name]
        role = use.role
        if not role:
            if prop.get("type") == "boolean":
                role = "flag"
            elif prop.get("type") in ("integer", "number"):
                role = "limit"  # a bound on a computed value (HAVING COUNT(*) >= :n): any small number
            else:
                return f"unmapped_bind: :{use.name} is not compared with a column", parameters
        if use.column is not None and role in ("key", "value", "pattern", "min", "max"):
            wanted = use.column.param_type if role != "pattern" else "string"
            if role in ("min", "max") and prop.get("type") in ("integer", "number"):
                wanted = "number"
            if prop.get("type") != wanted:
                result.repairs.append(f"{function['name']}: {use.name} type {prop.get('type')} -> {wanted}")
                prop["type"] = wanted
                prop.pop("enum", None)
        params.append(Param(use.name, role, use.table.name if use.table else "",
                            use.column.name if use.column else "", use.name in required))
    return params, parameters


def _row_schema(stmt: exp.Expression, res: Resolver, seen: dict[str, set]) -> dict[str, Any]:
    outer = any(j.side for j in stmt.args.get("joins") or [])
    props: dict[str, Any] = {}
    for name, source in output_columns(stmt, res):
        if isinstance(source, tuple):
            schema = source[1].value_schema()
            if outer and "null" not in str(schema["type"]):
                schema = {"type": [schema["type"], "null"] if isinstance(schema["type"], str) else
                          [*schema["type"], "null"]}
        else:
            schema = _computed(source, seen.get(name, set()))
        props[name] = schema
    return {"type": "object", "properties": props, "required": list(props)}


def _computed(node: Any, types: set[str]) -> dict[str, Any]:
    if isinstance(node, _INTEGER_FUNCS):
        return {"type": "integer"}
    if isinstance(node, _NUMBER_FUNCS) or (types & {"integer", "number"} and not types & {"string"}):
        return {"type": ["number", "null"]}
    found = sorted(types - {"null"})
    return {"type": [*found, "null"]} if found else {}


def _observed(tool: SqlTool, scratch: DatabaseCopy, limits: QueryLimits,
              rng: random.Random) -> tuple[dict[str, set], int]:
    """JSON types each output column held on a few scratch runs (writes rolled back), and the most rows."""
    seen: dict[str, set] = {}
    most = 0
    for _ in range(_PROBES):
        args = example_arguments(tool, scratch, rng)
        if args is None:
            break
        binds = {p: args.get(p, s.get("default")) for p, s in tool.parameters["properties"].items()}
        try:
            with scratch.savepoint("observe", undo=True):
                rows = scratch.run(tool.sql, binds, writes=tool.writes, limits=limits).rows
        except Exception:  # noqa: BLE001 - a broken statement is reported, with its reason, by validate_tools
            rows = []
        most = max(most, len(rows))
        for row in rows:
            for key, value in row.items():
                seen.setdefault(key, set()).add(_json_type(value))
    return seen, most


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"
