"""Everything built once per database: its tools (validated), a catalog, and a task synthesizer."""

from __future__ import annotations

from dataclasses import dataclass

from .environments.database import SqlDatabase
from .environments.guards import QueryLimits
from .llm.prompts import render
from .records import Environment
from .tasks.catalog import ToolCatalog
from .tasks.synthesis import TaskSynthesizer
from .tools.runtime import Toolbox
from .tools.synthesis import synthesize_tools
from .tools.validation import ToolReport, validate_tools


@dataclass
class SqlWorld:
    db: SqlDatabase
    toolbox: Toolbox
    catalog: ToolCatalog
    synthesizer: TaskSynthesizer
    report: ToolReport

    @classmethod
    def build(cls, db: SqlDatabase, limits: QueryLimits, seed: int) -> "SqlWorld":
        candidates = synthesize_tools(db.schema, limits.row_cap)
        report = validate_tools(candidates, db, Toolbox(candidates, limits), seed)
        toolbox = Toolbox(report.kept, limits)
        catalog = ToolCatalog(db.schema, report.kept)
        return cls(db, toolbox, catalog, TaskSynthesizer(catalog, toolbox, db.db_id), report)

    def environment(self, tool_names: list[str]) -> Environment:
        return Environment(
            db_id=self.db.db_id,
            source_sha256=self.db.fingerprint,
            tools=[self.toolbox.tools[n].environment_entry for n in tool_names],
        )

    def system_prompt(self) -> str:
        tables = ", ".join(t.display for t in self.db.schema.tables)
        return render("agent_system", domain=self.db.db_id.replace("_", " "), tables=tables).strip()
