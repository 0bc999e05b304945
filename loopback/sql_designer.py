"""``tool_designer`` for SQL tool design on any schema, from the schema our prompts show.

Per table (one question each), four tools that pass validation (get by key, search by a text
column, rank by a number, update a number) and four that must not: bad SQL, an unknown column, a
write named as a read, and a text column returned under the name of an integer key (a type
conflict). The expansion adds a per-group count (valid) and a whole-table dump (trivial). The clubs
test database gets ``CLUB_TOOLS`` for its first question instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_TABLE = re.compile(r"^- (.+?) \((\d+) rows\): (.*)$")
_TYPES = r"(?:string|integer|number|boolean|null)"
_COLUMN = re.compile(rf'"((?:[^"]|"")+)" [^"]*? \(({_TYPES}(?:\|{_TYPES})*)(, key)?\)')
BAD_REASONS = ("parse_error", "unknown_column", "disguised_write", "type_conflict", "trivial")


@dataclass
class Table:
    name: str
    columns: list[tuple[str, str, bool]]  # (name, json type, is key)

    @property
    def key(self) -> tuple[str, str] | None:
        keys = [(n, t) for n, t, k in self.columns if k]
        return keys[0] if len(keys) == 1 else None

    def first(self, kind: str) -> str | None:
        return next((n for n, t, k in self.columns if t == kind and not k), None)


def tables(prompt: str) -> list[Table]:
    found = []
    for line in prompt.splitlines():
        match = _TABLE.match(line)
        if match and not line.startswith("- link:"):
            columns = [(n.replace('""', '"'), next((x for x in t.split("|") if x != "null"), "string"), bool(k)) for n, t, k in _COLUMN.findall(match.group(3))]
            found.append(Table(match.group(1), columns))
    return found


def param(column: str) -> str:
    """The parameter name our task writer looks for: the column name, lower snake case."""
    return re.sub(r"[^0-9a-z]+", "_", column.lower()).strip("_") or "value"


def q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _tool(name: str, sql: str, props: dict[str, str], single: bool = False) -> dict[str, Any]:
    """A proposal; ``limit`` is optional with a default, as a designer would make it."""
    properties = {p: {"type": t, "description": p.replace("_", " ")} for p, t in props.items()}
    if "limit" in properties:
        properties["limit"]["default"] = 10
    return {"name": name, "description": f"{name.replace('_', ' ').capitalize()}.", "sql": sql, "single": single,
            "parameters": {"type": "object", "required": [p for p in props if p != "limit"],
                           "properties": properties}}


def table_tools(table: Table) -> list[dict[str, Any]]:
    """Four tools that pass validation and four that do not, where the table's columns allow them."""
    t, cols = param(table.name), ", ".join(q(n) for n, _, _ in table.columns)
    key, text, number = table.key, table.first("string"), table.first("integer") or table.first("number")
    tools = []
    if key:
        k, ktype = key
        tools.append(_tool(f"get_{t}_by_{param(k)}", f"SELECT {cols} FROM {q(table.name)} WHERE {q(k)} = :{param(k)}",
                           {param(k): ktype}, single=True))
        tools.append(_tool(f"get_{t}_overview", f"SELECT {q(k)} FROM {q(table.name)} WHERE ({q(k)} = :{param(k)}",
                           {param(k): ktype}))  # unbalanced parenthesis
        tools.append(_tool(f"get_{t}_nickname", f"SELECT nickname_of_record FROM {q(table.name)} "
                                                f"WHERE {q(k)} = :{param(k)}", {param(k): ktype}, single=True))
        tools.append(_tool(f"get_{t}_archived", f"DELETE FROM {q(table.name)} WHERE {q(k)} = :{param(k)} "
                                                f"RETURNING {cols}", {param(k): ktype}, single=True))
    if text:
        tools.append(_tool(f"search_{t}_by_{param(text)}", f"SELECT {cols} FROM {q(table.name)} WHERE {q(text)} "
                           f"LIKE '%' || :{param(text)} || '%' LIMIT :limit", {param(text): "string", "limit": "integer"}))
        if key and key[1] in ("integer", "number") and param(text) != param(key[0]):
            tools.append(_tool(f"search_{t}_labels", f"SELECT {q(text)} AS {param(key[0])} FROM {q(table.name)} "
                               f"WHERE {q(text)} LIKE '%' || :label_pattern || '%'", {"label_pattern": "string"}))
    if number:
        tools.append(_tool(f"rank_{t}_by_{param(number)}", f"SELECT {cols} FROM {q(table.name)} "
                           f"ORDER BY {q(number)} DESC LIMIT :limit", {"limit": "integer"}))
        if key:
            k = key[0]
            tools.append(_tool(f"update_{t}_{param(number)}",
                               f"UPDATE {q(table.name)} SET {q(number)} = :new_{param(number)} "
                               f"WHERE {q(k)} = :{param(k)} RETURNING {cols}",
                               {param(k): key[1], f"new_{param(number)}": "number"}, single=True))
    return tools


def expansion_tools(all_tables: list[Table]) -> list[dict[str, Any]]:
    """A count per group (valid) and a whole-table dump (trivial) on the first table with text."""
    table = next((t for t in all_tables if t.first("string")), None)
    if table is None:
        return []
    t, text = param(table.name), table.first("string")
    return [
        _tool(f"count_{t}_by_{param(text)}", f"SELECT {q(text)} AS {param(text)}, COUNT(*) AS total FROM "
              f"{q(table.name)} GROUP BY {q(text)} ORDER BY total DESC LIMIT :limit", {"limit": "integer"}),
        _tool(f"list_all_{t}", f"SELECT * FROM {q(table.name)}", {}),
    ]


def reply(prompt: str, club_tools: dict[str, Any]) -> Any:
    """The answer to one SQL design prompt (questions, tools for a question, or expansion)."""
    found = tables(prompt.split("A few rows", 1)[0])
    if prompt.startswith("# SQL request questions"):
        return {"questions": [f"Tell me about the {t.name} records, question {i}" for i, t in enumerate(found)]}
    if prompt.startswith("# SQL request tools"):
        i = int(re.search(r"User request: .*question (\d+)", prompt).group(1))
        if "Database `clubs`" in prompt:
            return club_tools if i == 0 else {"tools": []}
        return {"tools": table_tools(found[i])}
    if prompt.startswith("# SQL tool expansion"):
        return {"tools": [] if "Database `clubs`" in prompt else expansion_tools(found)}
    return None
