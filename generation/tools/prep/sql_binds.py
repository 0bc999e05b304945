"""What an LLM-written statement means: its binds, the columns they are compared with, its kind.

Each named bind is traced up the syntax tree to the comparison, SET assignment, VALUES slot or
LIMIT it feeds, so example arguments can be drawn from the real column it is compared with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlglot import exp

from ...databases.schema import Column, DatabaseSchema, Table

# Wrappers a column may sit in and still mean "this column's value".
_COLUMN_WRAPPERS = (exp.Paren, exp.Cast, exp.Lower, exp.Upper, exp.Trim, exp.Coalesce)
_CLAUSE = (exp.Where, exp.Having, exp.Select, exp.Insert, exp.Update, exp.Delete, exp.Join, exp.Order,
           exp.Group, exp.Subquery)
_AGGREGATES = (exp.Count, exp.Sum, exp.Avg, exp.Min, exp.Max)
_LOWER_BOUND = {exp.GT: "min", exp.GTE: "min", exp.LT: "max", exp.LTE: "max"}


@dataclass(frozen=True)
class BindUse:
    name: str
    role: str  # a Param role: key, value, pattern, min, max, limit, flag, or "" when unknown
    table: Table | None = None
    column: Column | None = None


class Resolver:
    """Column references of one statement, resolved to the schema's tables and columns."""

    def __init__(self, stmt: exp.Expression, schema: DatabaseSchema) -> None:
        self.stmt = stmt
        by_name = {t.name.lower(): t for t in schema.tables}
        self.aliases: dict[str, Table] = {}
        self.tables: list[Table] = []  # the statement's own FROM and JOIN tables first, then subqueries'
        from_ = stmt.args.get("from") or stmt.args.get("from_")
        top = [from_.this] if from_ is not None else []
        top += [j.this for j in stmt.args.get("joins") or []]
        nodes = [n for n in top if isinstance(n, exp.Table)]
        self.top: list[Table] = []  # the statement's own FROM and JOIN tables
        for node in nodes + [n for n in stmt.find_all(exp.Table) if not any(n is m for m in nodes)]:
            table = by_name.get(node.name.lower())
            if table is not None:
                self.aliases.setdefault(node.alias_or_name.lower(), table)
                self.aliases.setdefault(node.name.lower(), table)
                if table not in self.tables:
                    self.tables.append(table)
                if any(node is m for m in nodes) and table not in self.top:
                    self.top.append(table)

    def column(self, node: exp.Column) -> tuple[Table, Column] | None:
        candidates = [self.aliases[node.table.lower()]] if node.table and node.table.lower() in self.aliases \
            else self.tables
        for table in candidates:
            for column in table.columns:
                if column.name.lower() == node.name.lower():
                    return table, column
        return None

    def target(self) -> Table | None:
        """The table a write goes to, or the first table a read takes rows from."""
        node = self.stmt.this if isinstance(self.stmt, (exp.Insert, exp.Update, exp.Delete)) else None
        if isinstance(node, exp.Schema):
            node = node.this
        if isinstance(node, exp.Table):
            return self.aliases.get(node.alias_or_name.lower()) or self.aliases.get(node.name.lower())
        return self.tables[0] if self.tables else None


def placeholders(stmt: exp.Expression) -> list[exp.Placeholder]:
    return list(stmt.find_all(exp.Placeholder))


def _plain_column(node: exp.Expression | None) -> exp.Column | None:
    while isinstance(node, _COLUMN_WRAPPERS):
        node = node.this
    return node if isinstance(node, exp.Column) else None


def bind_use(ph: exp.Placeholder, res: Resolver) -> BindUse:
    child: exp.Expression = ph
    node = ph.parent
    while node is not None and not isinstance(node, _CLAUSE):
        if isinstance(node, (exp.Limit, exp.Offset)):
            return BindUse(ph.name, "limit")
        if isinstance(node, (exp.If, exp.And, exp.Or, exp.Not)) and child is ph:
            return BindUse(ph.name, "flag")
        if isinstance(node, exp.Values) or (isinstance(node, exp.Tuple) and isinstance(node.parent, exp.Values)):
            return _insert_slot(ph, node if isinstance(node, exp.Tuple) else None, res)
        if isinstance(node, (exp.EQ, exp.NEQ, exp.Is, exp.In, exp.Like, exp.ILike, exp.Glob, exp.Between,
                             exp.GT, exp.GTE, exp.LT, exp.LTE)):
            return _comparison(ph, node, child, res)
        child, node = node, node.parent
    return BindUse(ph.name, "")


def _comparison(ph: exp.Placeholder, node: exp.Expression, side: exp.Expression, res: Resolver) -> BindUse:
    if isinstance(node, exp.Between):
        role = "min" if side is node.args.get("low") else "max"
        other = node.this
    elif isinstance(node, exp.In):
        role, other = "value", node.this
    else:
        bind_left = side is node.this
        other = node.expression if bind_left else node.this
        if isinstance(node, (exp.Like, exp.ILike, exp.Glob)):
            role = "pattern"
        elif type(node) in _LOWER_BOUND:
            role = _LOWER_BOUND[type(node)]
            if bind_left:
                role = "max" if role == "min" else "min"
        else:
            role = "value"
    column = _plain_column(other)
    found = res.column(column) if column is not None else None
    if found is None:
        return BindUse(ph.name, "")
    table, col = found
    if role in ("min", "max") and not col.is_numeric:
        role = "value"  # text ranges (dates) take a real value, not a numeric bound
    if isinstance(node.parent, exp.Update):
        role = "value"  # SET column = :value
    elif role == "value" and table.primary_key == (col.name,):
        role = "key"
    return BindUse(ph.name, role, table, col)


def _insert_slot(ph: exp.Placeholder, row: exp.Tuple | None, res: Resolver) -> BindUse:
    table = res.target()
    if table is None or row is None:
        return BindUse(ph.name, "")
    slot = next((i for i, e in enumerate(row.expressions) if e is ph or ph in e.find_all(exp.Placeholder)), None)
    target = res.stmt.this
    names = [i.name for i in target.expressions] if isinstance(target, exp.Schema) else [c.name for c in table.columns]
    if slot is None or slot >= len(names):
        return BindUse(ph.name, "")
    column = next((c for c in table.columns if c.name.lower() == names[slot].lower()), None)
    return BindUse(ph.name, "value" if column else "", table, column)


def statement_kind(stmt: exp.Expression, uses: list[BindUse], single: bool) -> str:
    if isinstance(stmt, exp.Insert):
        return "create"
    if isinstance(stmt, exp.Update):
        return "update"
    if isinstance(stmt, exp.Delete):
        return "delete"
    aggregated = bool(stmt.args.get("group")) or any(isinstance(e.unalias(), _AGGREGATES) for e in stmt.selects)
    roles = {u.role for u in uses}
    if single:
        return "summary" if aggregated else "get"
    if aggregated:
        return "aggregate"
    if "pattern" in roles:
        return "search"
    if roles & {"min", "max"}:
        return "range"
    return "children" if "key" in roles or "value" in roles else "list"


def looks_single(stmt: exp.Expression, uses: list[BindUse], res: Resolver) -> bool:
    """One row for sure: a write, an aggregate with no GROUP BY, or the whole key bound with =."""
    if isinstance(stmt, (exp.Insert, exp.Update, exp.Delete)):
        return True
    if not stmt.args.get("group") and stmt.selects and all(
        isinstance(e.unalias(), _AGGREGATES) for e in stmt.selects
    ):
        return True
    target = res.target()
    if target is None or not target.primary_key:
        return False
    keyed = {u.column.name for u in uses if u.role == "key" and u.table is target and u.column is not None}
    return keyed == set(target.primary_key)


def output_columns(stmt: exp.Expression, res: Resolver) -> list[tuple[str, Any]]:
    """(name in the result row, plain (table, column) or the expression) for each output column."""
    if isinstance(stmt, exp.Select):
        exprs = stmt.selects
    else:
        returning = stmt.args.get("returning")
        exprs = returning.expressions if returning is not None else []
    out: list[tuple[str, Any]] = []
    for e in exprs:
        inner = e.unalias()
        if isinstance(inner, exp.Star) or (isinstance(inner, exp.Column) and isinstance(inner.this, exp.Star)):
            qualifier = inner.table if isinstance(inner, exp.Column) else ""
            tables = [res.aliases[qualifier.lower()]] if qualifier and qualifier.lower() in res.aliases else (
                [res.target()] if not isinstance(stmt, exp.Select) and res.target() else res.top)
            out += [(c.name, (t, c)) for t in tables for c in t.columns]
        elif isinstance(inner, exp.Column):
            found = res.column(inner)
            out.append((e.alias_or_name, found if found else inner))
        else:
            out.append((e.alias_or_name, inner))
    return out


def expand_qualified_stars(stmt: exp.Expression, schema: DatabaseSchema) -> exp.Expression:
    """``p.*`` as ``p."A", p."B"``: the shared validator checks column names and knows no ``*`` column."""
    res = Resolver(stmt, schema)

    def expand(node: exp.Expression) -> Any:
        if isinstance(node, exp.Column) and isinstance(node.this, exp.Star):
            table = res.aliases.get(node.table.lower())
            if table is not None:
                return [exp.column(c.name, table=node.table, quoted=True) for c in table.columns]
        return node

    for select in [stmt, *stmt.find_all(exp.Select)]:
        exprs = select.expressions if isinstance(select, exp.Select) else []
        if any(isinstance(e, exp.Column) and isinstance(e.this, exp.Star) for e in exprs):
            flat: list[exp.Expression] = []
            for e in exprs:
                out = expand(e)
                flat += out if isinstance(out, list) else [out]
            select.set("expressions", flat)
    return stmt
