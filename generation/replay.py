"""Re-execute a recorded dialogue from the SQL stored in its record, on a fresh database copy.

Used to continue earlier dialogues from their final state, and to prove records are replayable.
"""

from __future__ import annotations

from dataclasses import dataclass

from common.errors import InputError

from .databases.database import DatabaseCopy, SqlDatabase
from .databases.guards import QueryLimits
from .records import DialogueRecord
from .tools.runtime import Toolbox
from .tools.spec import SqlTool


def record_toolbox(record: DialogueRecord, limits: QueryLimits) -> Toolbox:
    """The tools exactly as the record stores them (SQL, parameters, return schema)."""
    specs = {t["function"]["name"]: t["function"] for t in record.tools}
    tools = []
    for env_tool in record.environment.tools:
        spec = specs.get(env_tool.name)
        if spec is None:
            raise InputError(f"record {record.id}: tool {env_tool.name} has SQL but no function spec")
        single = env_tool.returns.get("type") == "object"
        kind = "update" if env_tool.writes else ("get" if single else "search")
        tools.append(SqlTool(name=env_tool.name, description=spec.get("description", ""), kind=kind,
                             table=env_tool.table, sql=env_tool.sql, parameters=spec["parameters"],
                             returns=env_tool.returns))
    return Toolbox(tools, limits)


@dataclass
class Replay:
    copy: DatabaseCopy
    outputs: list[tuple[str, str]]  # (recorded tool output, replayed tool output)

    @property
    def identical(self) -> bool:
        return all(a == b for a, b in self.outputs)


def replay(record: DialogueRecord, db: SqlDatabase, limits: QueryLimits, wall_clock: bool = True) -> Replay:
    if db.fingerprint != record.environment.source_sha256:
        raise InputError(
            f"record {record.id}: database {db.db_id} differs from the one it was generated on "
            f"(sha256 {db.fingerprint[:12]} != {record.environment.source_sha256[:12]})"
        )
    toolbox = record_toolbox(record, limits)
    copy = db.copy(wall_clock)
    recorded = {m.tool_call_id: m.content or "" for m in record.messages if m.role == "tool"}
    outputs = []
    for message in record.messages:
        for call in message.tool_calls or []:
            out = toolbox.call(copy, call.function.name, call.function.arguments)
            outputs.append((recorded.get(call.id, ""), out.content))
    return Replay(copy, outputs)
