"""The SQL world: everything built once per database (validated tools, a catalog, a task
synthesizer), and the dialogue's own database copy its calls run on."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ..databases.database import DatabaseCopy, SqlDatabase
from ..databases.guards import QueryLimits
from ..llm.prompts import render
from ..records import Check, DialogueRecord, Environment, Message, Task
from ..replay import replay
from ..tasks import llm_writer
from ..tools.catalog import ToolCatalog
from ..tasks.synthesis import TaskSynthesizer
from ..tools.runtime import Toolbox, ToolOutput
from ..tools.spec import SqlTool
from ..tools.synthesis import synthesize_tools
from ..tools.validation import ToolReport, validate_tools
from ..validation import checks
from ..simulation.voice import describe_persona
from .protocol import SessionContext, ToolOffer


class SqlToolSession:
    """Tool calls executed for real on the dialogue's copy."""

    stops_on_query_limit = True

    def __init__(self, toolbox: Toolbox, catalog: ToolCatalog, copy: DatabaseCopy) -> None:
        self.toolbox = toolbox
        self.catalog = catalog
        self.copy = copy
        self._events_before = Counter(copy.events)  # a replayed prior dialogue counted its own

    async def call(self, name: str, arguments: str) -> ToolOutput:
        return self.toolbox.call(self.copy, name, arguments)

    @property
    def events(self) -> Counter:
        """What this dialogue's calls ran into (text cells truncated, query limits)."""
        return self.copy.events - self._events_before

    def spec(self, name: str) -> dict[str, Any]:
        tool = self.toolbox.tools.get(name)
        if tool is None:
            return {}
        table = self.catalog.schema.table(tool.table)
        info: dict[str, Any] = {
            "kind": tool.kind, "entity": table.display,
            # how replies name rows and fields: the label (or key) and each column's words
            "label": table.label.param if table.label else None,
            "key": table.key.param if table.key else None,
            "fields": {c.param: c.display for c in table.columns},
        }
        getter = self.catalog.get("get", tool.table)
        if tool.writes and getter is not None and table.key is not None:
            info["verify_with"] = {"tool": getter.name, "param": table.key.param, "field": table.key.param}
        return info


@dataclass
class SqlWorld:
    db: SqlDatabase
    toolbox: Toolbox
    catalog: ToolCatalog
    synthesizer: TaskSynthesizer
    report: ToolReport

    @staticmethod
    def rules_tools(db: SqlDatabase, limits: QueryLimits, seed: int) -> ToolReport:
        """The deterministic tools of ``db`` that pass validation (and why the others did not)."""
        candidates = synthesize_tools(db.schema, limits.row_cap)
        return validate_tools(candidates, db, Toolbox(candidates, limits), seed)

    @classmethod
    def build(cls, db: SqlDatabase, limits: QueryLimits, seed: int) -> "SqlWorld":
        """A world with the rules tools only."""
        return cls.assemble(db, limits, cls.rules_tools(db, limits, seed))

    @classmethod
    def assemble(cls, db: SqlDatabase, limits: QueryLimits, report: ToolReport, designed: list[SqlTool] = (),
                 rules: bool = True) -> "SqlWorld":
        """A world offering the rules tools (``rules``), then the designed ones. Rule-based tasks are
        synthesized from the rules tools only: they rely on what those tools are named and return."""
        tools = [*(report.kept if rules else []), *designed]
        names = [t.name for t in tools]
        if len(set(names)) != len(names):  # the design screens names; a clash here is a bug, never data
            raise ValueError(f"{db.db_id}: two tools named {next(n for n in names if names.count(n) > 1)}")
        toolbox = Toolbox(tools, limits)
        own = ToolCatalog(db.schema, report.kept)
        return cls(db, toolbox, ToolCatalog(db.schema, tools), TaskSynthesizer(own, toolbox, db.db_id), report)

    @property
    def name(self) -> str:
        return self.db.db_id

    def environment(self, tool_names: list[str]) -> Environment:
        return Environment(
            db_id=self.db.db_id,
            source_sha256=self.db.fingerprint,
            tools=[self.toolbox.tools[n].environment_entry for n in tool_names],
        )

    def system_prompt(self) -> str:
        tables = ", ".join(t.display for t in self.db.schema.tables)
        return render("agent_system", domain=self.db.db_id.replace("_", " "), tables=tables).strip()

    # -- state -------------------------------------------------------------------------------
    def start(self, prior: DialogueRecord | None, wall_clock: bool = True) -> DatabaseCopy:
        if prior is None:
            return self.db.copy(wall_clock)
        return replay(prior, self.db, self.toolbox.limits, wall_clock).copy

    # -- tasks -------------------------------------------------------------------------------
    def synthesize_task(self, state: DatabaseCopy, rng: random.Random, task_id: str,
                        anchor: tuple[Any, str] | None) -> tuple[Task, Any] | None:
        return self.synthesizer.synthesize(state, rng, task_id, anchor)

    def task_writer_prompt(self, state: DatabaseCopy, rng: random.Random, count: int, mode: str,
                           persona: str | None = None, scenario: str | None = None) -> str:
        specs = [t.openai_spec() for t in self.catalog.tools]
        return render("task_writer_sql", domain=self.db.db_id.replace("_", " "), tools=llm_writer.tools_text(specs),
                      schema=llm_writer.schema_text(self), data_view=llm_writer.data_view(state, self, rng),
                      count=count, persona=describe_persona(persona),
                      scenario=scenario or "An ordinary user of the records system.")

    def write_task(self, raw: dict[str, Any], task_id: str, state: DatabaseCopy) -> Task:
        return llm_writer.to_task(raw, task_id, self.toolbox, state, set(self.toolbox.tools))

    # -- tools -------------------------------------------------------------------------------
    def offer(self, tasks: list[Task], limit: int, rng: random.Random, prior: DialogueRecord | None) -> ToolOffer:
        names = self._offered(tasks, limit, rng)
        if prior is not None:  # earlier calls must stay re-executable
            names = list(dict.fromkeys([t.name for t in prior.environment.tools] + names))
        tools = self.toolbox.tools
        return ToolOffer(names, [tools[n].openai_spec() for n in names], {n: tools[n].returns for n in names},
                         self.environment(names))

    def _offered(self, tasks: list[Task], limit: int, rng: random.Random) -> list[str]:
        """The tools the tasks need, the readers that confirm their writes, then related distractors."""
        needed = {c.tool for t in tasks for c in t.gold_plan}
        tables = self.catalog.tables_used(sorted(needed))
        for name in list(needed):
            tool = self.toolbox.tools[name]
            getter = self.catalog.get("get", tool.table)
            if tool.writes and getter is not None:
                needed.add(getter.name)
        related = [t.name for t in self.catalog.tools if t.table in tables and t.name not in needed]
        others = [t.name for t in self.catalog.tools if t.table not in tables]
        rng.shuffle(related)
        rng.shuffle(others)
        chosen = needed | set((related + others)[: max(0, limit - len(needed))])
        return [t.name for t in self.catalog.tools if t.name in chosen]

    def session(self, offer: ToolOffer, state: DatabaseCopy, context: SessionContext) -> SqlToolSession:
        return SqlToolSession(self.toolbox, self.catalog, state)

    # -- validation --------------------------------------------------------------------------
    def call_matching(self, strict_agent: bool) -> tuple[str, frozenset[str]]:
        """Exactly for a strict agent (the oracle); writes only otherwise: the final state is checked anyway."""
        writes = frozenset(n for n, t in self.toolbox.tools.items() if t.writes)
        return ("exact" if strict_agent else "writes_exact"), writes

    def state_checks(self, messages: list[Message], final_hash: str, gold_hash: str) -> list[Check]:
        return [checks.check_db_state(final_hash, gold_hash), checks.check_query_limits(messages)]
