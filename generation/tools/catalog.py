"""The validated tools of one database, indexed by what they do and to which table."""

from __future__ import annotations

from collections import defaultdict

from ..databases.schema import DatabaseSchema, Table
from .spec import SqlTool


class ToolCatalog:
    def __init__(self, schema: DatabaseSchema, tools: list[SqlTool]) -> None:
        self.schema = schema
        self.tools = tools
        self.by_name = {t.name: t for t in tools}
        self._one: dict[tuple[str, str], SqlTool] = {}
        self.keyed: dict[str, list[SqlTool]] = defaultdict(list)  # tools taking a table's key
        self.free: list[SqlTool] = []  # tools needing no entity (rankings, lists, ranges)
        for tool in tools:
            self._one.setdefault((tool.kind, tool.table), tool)
            key_params = [p for p in tool.params if p.role == "key"]
            if key_params:
                self.keyed[key_params[0].table].append(tool)
            elif tool.kind in ("aggregate", "list", "range"):
                self.free.append(tool)

    def get(self, kind: str, table: str) -> SqlTool | None:
        return self._one.get((kind, table))

    def findable(self) -> list[Table]:
        """Tables whose rows a user can name (a label to search by) and act on by key."""
        return [
            t for t in self.schema.tables
            if t.row_count and self.get("search", t.name) and t.key is not None and self.keyed.get(t.name)
        ]

    def actions(self, table: str) -> list[SqlTool]:
        """What can be done to one row of ``table`` once its key is known."""
        return [t for t in self.keyed.get(table, []) if t.kind != "create"]

    def tables_used(self, names: list[str]) -> set[str]:
        return {self.by_name[n].table for n in names}
