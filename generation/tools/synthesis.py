"""Derive a toolset from a database schema, deterministically.

Per table: get by key, search by text, find by numeric range, list ordered with a limit, insert,
update chosen fields, delete. Per foreign key: the children of a parent, the parent of a child,
a ranking of parents by their children (count, sum, average) and that summary for one parent.
A composite foreign key links on all its columns at once. Generated columns are returned but
never written; WITHOUT ROWID tables order ties by their primary key instead of rowid.
Every row of a table has one JSON schema shared by all tools that return it, and a column's
parameter has the same type everywhere, so an entity keeps one type across the toolset.
"""

from __future__ import annotations

import re
from typing import Any

from ..databases.names import quote
from ..databases.schema import Column, DatabaseSchema, ForeignKey, Table
from .naming import (MAX_NAME, as_role, compose, describe_param, entities, entity, enum_of, example_suffix,
                     keep_if_left_out, measure, role)
from .spec import Param, SqlTool


class ToolBuilder:
    def __init__(self, schema: DatabaseSchema, row_cap: int) -> None:
        self.schema = schema
        self.row_cap = row_cap
        self.names: set[str] = set()
        # (table, column) -> (the column it points at, that table), for descriptions that say so
        self.links = {(fk.table, c): (schema.table(fk.ref_table).column(r), schema.table(fk.ref_table))
                      for fk in schema.foreign_keys for c, r in zip(fk.columns, fk.ref_columns)}

    # -- shared pieces -------------------------------------------------------------------
    def entity_schema(self, table: Table) -> dict[str, Any]:
        return {
            "type": "object",
            "title": table.slug,
            "properties": {c.param: c.value_schema() for c in table.columns},
            "required": [c.param for c in table.columns],
        }

    def select_list(self, table: Table, alias: str = "") -> str:
        prefix = f"{alias}." if alias else ""
        return ", ".join(f"{prefix}{quote(c.name)} AS {c.param}" for c in table.columns)

    def column_param(self, table: Table, column: Column, lead: str | None = None,
                     choices: bool = False) -> dict[str, Any]:
        """A parameter for ``column``: its type, what it means with format and example, and (``choices``,
        for values written into a row) the column's closed set of values where it has one."""
        return {
            "type": column.param_type,
            "description": describe_param(table, column, self.links.get((table.name, column.name)), lead),
        } | (enum_of(column, table) if choices else {})

    def limit_param(self) -> dict[str, Any]:
        return {
            "type": "integer",
            "minimum": 1,
            "maximum": self.row_cap,
            "default": 10,
            "description": f"Maximum number of results (1-{self.row_cap}, default 10).",
        }

    def name(self, raw: str) -> str:
        """``raw`` made unique: a clash gets a number (whole words dropped first to fit MAX_NAME)."""
        base = re.sub(r"_+", "_", raw).strip("_")
        candidate, n = base, 2
        while candidate in self.names:
            suffix = f"_{n}"
            words = base.split("_")
            while len("_".join(words)) + len(suffix) > MAX_NAME and len(words) > 2:
                words.pop(-2)  # keep the verb and the last word
            candidate, n = "_".join(words) + suffix, n + 1
        self.names.add(candidate)
        return candidate

    def tool(self, raw_name, description, kind, table, sql, properties, required, returns, params):
        return SqlTool(
            name=self.name(raw_name),
            description=description,
            kind=kind,
            table=table.name,
            sql=sql,
            parameters={
                "type": "object",
                "properties": properties,
                "required": required,
                "additionalProperties": False,
            },
            returns=returns,
            params=tuple(params),
        )

    def array_of(self, table: Table) -> dict[str, Any]:
        return {"type": "array", "items": self.entity_schema(table)}

    # -- per table -----------------------------------------------------------------------
    def table_tools(self, t: Table) -> list[SqlTool]:
        tools: list[SqlTool] = []
        key, label = t.key, t.label
        src = quote(t.name)
        cols = self.select_list(t)
        fk_cols = self.link_columns(t)
        if key is not None:
            tools.append(self.tool(
                compose("get", entity(t)), f"Get one {t.display} by its {key.display}.", "get", t,
                f"SELECT {cols} FROM {src} WHERE {quote(key.name)} = :{key.param}",
                {key.param: self.column_param(t, key)}, [key.param], self.entity_schema(t),
                [Param(key.param, "key", t.name, key.name)],
            ))
        if label is not None:
            tools.append(self.tool(
                compose("search", entities(t)),
                f"Search {t.display} records whose {label.display} contains the given text (case-insensitive).",
                "search", t,
                f"SELECT {cols} FROM {src} WHERE {quote(label.name)} LIKE '%' || :{label.param} || '%' "
                f"ORDER BY {quote(label.name)} LIMIT :limit",
                {label.param: {"type": "string", "description": f"Text to look for in the {label.display} "
                               f"(any part, any case)" + example_suffix(label)},
                 "limit": self.limit_param()},
                [label.param], self.array_of(t),
                [Param(label.param, "pattern", t.name, label.name), Param("limit", "limit", required=False)],
            ))
        numeric = [
            c for c in t.columns
            if c.is_numeric and c.name not in t.primary_key and c.name not in fk_cols and c.distinct_values > 2
        ]
        if numeric:
            n = numeric[0]
            lo, hi = f"min_{n.param}", f"max_{n.param}"
            tools.append(self.tool(
                compose("find", entities(t), "by", measure(n, t)),
                f"Find {t.display} records whose {n.display} is between two values (inclusive).", "range", t,
                f"SELECT {cols} FROM {src} WHERE {quote(n.name)} BETWEEN :{lo} AND :{hi} "
                f"ORDER BY {quote(n.name)}, {t.tiebreak()} LIMIT :limit",
                {lo: {"type": "number", "description": f"Lowest {n.display} to include" + example_suffix(n)},
                 hi: {"type": "number", "description": f"Highest {n.display} to include."},
                 "limit": self.limit_param()},
                [lo, hi], self.array_of(t),
                [Param(lo, "min", t.name, n.name), Param(hi, "max", t.name, n.name),
                 Param("limit", "limit", required=False)],
            ))
            tools.append(self.tool(
                compose("list", entities(t), "by", measure(n, t)),
                f"List {t.display} records ordered by {n.display}, highest first unless ascending is true.",
                "list", t,
                f"SELECT {cols} FROM {src} ORDER BY CASE WHEN :ascending THEN {quote(n.name)} END ASC, "
                f"{quote(n.name)} DESC, {t.tiebreak()} LIMIT :limit",
                {"ascending": {"type": "boolean", "default": False, "description": "Lowest first when true."},
                 "limit": self.limit_param()},
                [], self.array_of(t),
                [Param("ascending", "flag", t.name, n.name, required=False), Param("limit", "limit", required=False)],
            ))
        tools += self.write_tools(t, key)
        return tools

    def write_tools(self, t: Table, key: Column | None) -> list[SqlTool]:
        src = quote(t.name)
        cols = self.select_list(t)
        insertable = [c for c in t.writable if not (t.rowid_alias and key is not None and c.name == key.name)]
        if not insertable:
            return []
        props = {c.param: self.column_param(t, c, choices=True) for c in insertable}
        required = [c.param for c in insertable if not c.nullable]
        tools = [self.tool(
            compose("create", entity(t)), f"Create a new {t.display} and return it.", "create", t,
            f"INSERT INTO {src} ({', '.join(quote(c.name) for c in insertable)}) "
            f"VALUES ({', '.join(':' + c.param for c in insertable)}) RETURNING {cols}",
            props, required, self.entity_schema(t),
            [Param(c.param, "value", t.name, c.name, c.param in required) for c in insertable],
        )]
        if key is None:
            return tools
        fields = [c for c in t.writable if c.name != key.name]
        if fields:
            props = {key.param: self.column_param(t, key)}
            props.update({c.param: keep_if_left_out(self.column_param(t, c, choices=True)) for c in fields})
            sets = ", ".join(f"{quote(c.name)} = COALESCE(:{c.param}, {quote(c.name)})" for c in fields)
            tools.append(self.tool(
                compose("update", entity(t)),
                f"Update chosen fields of one {t.display}; fields left out keep their value.",
                "update", t,
                f"UPDATE {src} SET {sets} WHERE {quote(key.name)} = :{key.param} RETURNING {cols}",
                props, [key.param], self.entity_schema(t),
                [Param(key.param, "key", t.name, key.name)]
                + [Param(c.param, "value", t.name, c.name, False) for c in fields],
            ))
        tools.append(self.tool(
            compose("delete", entity(t)), f"Delete one {t.display} by its {key.display} and return what was deleted.",
            "delete", t,
            f"DELETE FROM {src} WHERE {quote(key.name)} = :{key.param} RETURNING {cols}",
            {key.param: self.column_param(t, key)}, [key.param], self.entity_schema(t),
            [Param(key.param, "key", t.name, key.name)],
        ))
        return tools

    # -- per foreign key -----------------------------------------------------------------
    def link_columns(self, table: Table) -> set[str]:
        """Columns of ``table`` that point at another table: no measures or fields to vary."""
        return {c for fk in self.schema.foreign_keys if fk.table == table.name for c in fk.columns}

    def fk_tools(self, fk: ForeignKey) -> list[SqlTool]:
        child, parent = self.schema.table(fk.table), self.schema.table(fk.ref_table)
        if child.name == parent.name:
            return []
        refs = [parent.column(c) for c in fk.ref_columns]
        links = [child.column(c) for c in fk.columns]
        by = " and ".join(r.display for r in refs)
        tools = [self.tool(
            compose("list", entities(child), "for", role(links[0], parent, refs[0], child)),
            f"List the {child.display} records of one {as_role(links[0], parent, refs[0], child)} (by its {by}).",
            "children", child,
            f"SELECT {self.select_list(child)} FROM {quote(child.name)} WHERE "
            + " AND ".join(f"{quote(link.name)} = :{r.param}" for link, r in zip(links, refs))
            + f" ORDER BY {child.tiebreak()} LIMIT :limit",
            {r.param: self.column_param(parent, r) for r in refs} | {"limit": self.limit_param()},
            [r.param for r in refs], self.array_of(child),
            [Param(r.param, "key", parent.name, r.name) for r in refs] + [Param("limit", "limit", required=False)],
        )]
        ckey = child.key
        if ckey is not None:
            tools.append(self.tool(
                compose("get", role(links[0], parent, refs[0], child), "for", entity(child)),
                f"Get the {as_role(links[0], parent, refs[0], child)} of one {child.display}.", "parent", parent,
                f"SELECT {self.select_list(parent, 'p')} FROM {quote(parent.name)} AS p "
                f"JOIN {quote(child.name)} AS c ON {_join(links, refs)} "
                f"WHERE c.{quote(ckey.name)} = :{ckey.param}",
                {ckey.param: self.column_param(child, ckey)}, [ckey.param], self.entity_schema(parent),
                [Param(ckey.param, "key", child.name, ckey.name)],
            ))
        tools += self.aggregate_tools(child, parent, refs, links)
        return tools

    def aggregate_tools(self, child: Table, parent: Table, refs: list[Column], links: list[Column]) -> list[SqlTool]:
        fk_cols = self.link_columns(child)
        measures = [
            c for c in child.columns
            if c.is_numeric and c.name not in child.primary_key and c.name not in fk_cols and c.distinct_values > 2
        ][:1]
        count = f"{child.slug}_count"
        # a child row joins only when every link column matched, so the first one counts them all
        exprs = [f"COUNT(c.{quote(links[0].name)}) AS {count}"]
        props: dict[str, Any] = {r.param: r.value_schema() for r in refs}
        props[count] = {"type": "integer"}
        for m in measures:
            exprs.append(f"SUM(c.{quote(m.name)}) AS total_{m.param}")
            exprs.append(f"AVG(c.{quote(m.name)}) AS average_{m.param}")
            props[f"total_{m.param}"] = {"type": ["number", "null"]}
            props[f"average_{m.param}"] = {"type": ["number", "null"]}
        label = parent.label
        head = ", ".join(f"p.{quote(r.name)} AS {r.param}" for r in refs)
        if label is not None and label.name not in {r.name for r in refs}:
            head += f", p.{quote(label.name)} AS {label.param}"
            props[label.param] = label.value_schema()
        summary = {"type": "object", "title": f"{parent.slug}_{child.slug}_summary",
                   "properties": props, "required": list(props)}
        base = (f"SELECT {head}, {', '.join(exprs)} FROM {quote(parent.name)} AS p "
                f"LEFT JOIN {quote(child.name)} AS c ON {_join(links, refs)}")
        group = ", ".join(f"p.{quote(r.name)}" for r in refs)
        what = f"the number of {child.display} records" + (
            f" and the total and average {measures[0].display}" if measures else "")
        return [
            self.tool(
                compose("rank", entities(parent), "by", entity(child), "count"),
                f"Rank {parent.display} records by {what}, most first.", "aggregate", parent,
                f"{base} GROUP BY {group} ORDER BY {count} DESC, {group} LIMIT :limit",
                {"limit": self.limit_param()}, [], {"type": "array", "items": summary},
                [Param("limit", "limit", required=False)],
            ),
            self.tool(
                compose("summarize", entities(child), "for", role(links[0], parent, refs[0], child)),
                f"For one {parent.display}, {what}.", "summary", parent,
                f"{base} WHERE " + " AND ".join(f"p.{quote(r.name)} = :{r.param}" for r in refs)
                + f" GROUP BY {group}",
                {r.param: self.column_param(parent, r) for r in refs}, [r.param for r in refs], summary,
                [Param(r.param, "key", parent.name, r.name) for r in refs],
            ),
        ]


def _join(links: list[Column], refs: list[Column]) -> str:
    """Child ``c`` matches parent ``p`` on every column of the key, not just the first."""
    return " AND ".join(f"c.{quote(link.name)} = p.{quote(r.name)}" for link, r in zip(links, refs))


def synthesize_tools(schema: DatabaseSchema, row_cap: int) -> list[SqlTool]:
    builder = ToolBuilder(schema, row_cap)
    tools: list[SqlTool] = []
    for table in schema.tables:
        tools += builder.table_tools(table)
    for fk in schema.foreign_keys:
        tools += builder.fk_tools(fk)
    return tools
