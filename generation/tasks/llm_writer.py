"""Tasks written by an LLM: rubric-backed goals, checked by running their gold plan where tools are SQL.

For SQL-backed tools the model sees the schema and a small data view (a few sampled rows per
table); its gold plan is executed call by call on the dialogue's gold copy, with each
``{{call_i.field}}`` placeholder filled from the real output, and a plan that fails is dropped.
"""

from __future__ import annotations

import json
import random
from typing import Any

from ..databases.database import DatabaseCopy
from ..databases.names import quote
from ..llm.accounting import Accounting
from ..llm.client import LLMClient, LLMUnavailable
from ..llm.jsonreply import UnusableReply, ask_json, fresh_seed
from ..records import ExpectedCall, PlannedCall, Rubric, Subtask, Task
from ..tools.runtime import Toolbox
from ..tools.writes import is_write
from .calls import DanglingReference, parse_placeholder, resolve
from .plan import Infeasible

_DIFFICULTY = ("easy", "medium", "hard")


def tools_text(specs: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"- {s['function']['name']}: {s['function'].get('description', '')} "
        f"params={json.dumps(s['function'].get('parameters', {}).get('properties', {}), separators=(',', ':'))}"
        for s in specs
    )


def schema_text(world) -> str:
    fks = {(fk.table, fk.column): f"{fk.ref_table}.{fk.ref_column}" for fk in world.db.schema.foreign_keys}
    lines = []
    for t in world.db.schema.tables:
        cols = ", ".join(
            f"{c.name} {'/'.join(c.json_types)}" + (" PK" if c.name in t.primary_key else "")
            + (f" -> {fks[(t.name, c.name)]}" if (t.name, c.name) in fks else "")
            for c in t.columns
        )
        lines.append(f"- {t.name} ({t.row_count} rows): {cols}")
    return "\n".join(lines)


def data_view(copy: DatabaseCopy, world, rng: random.Random, rows: int = 3) -> str:
    lines = []
    for t in world.db.schema.tables:
        if not t.row_count:
            continue
        offset = rng.randrange(max(1, t.row_count - rows + 1))
        cols = ", ".join(quote(c.name) for c in t.columns)
        sample = copy.conn.execute(f"SELECT {cols} FROM {quote(t.name)} LIMIT {rows} OFFSET {offset}").fetchall()
        lines.append(f"{t.name}: " + json.dumps([dict(zip([c.name for c in t.columns], r)) for r in sample],
                                                 ensure_ascii=False, default=str))
    return "\n".join(lines)


def _task_list(value: Any) -> list[dict[str, Any]]:
    tasks = value.get("tasks") if isinstance(value, dict) else value
    if not isinstance(tasks, list):
        raise ValueError("no list of tasks")
    return [t for t in tasks if isinstance(t, dict)]


async def write_tasks(client: LLMClient, meter: Accounting, prompt: str, rng: random.Random,
                      seed: int | None = None) -> list[dict[str, Any]]:
    """The raw task objects of one task-writer call ([] when the reply is unusable twice, or when
    the endpoint is down: the meter's ``outages`` then says why).

    ``seed`` goes into the first request: the prompt alone may repeat across dialogues (same domain
    and tools), and so would its cache key and its tasks."""
    try:
        reply = await ask_json(client, "task_writer", [{"role": "user", "content": prompt}], meter=meter, read=_task_list,
                               seed=seed, reseed=fresh_seed(rng))
    except (LLMUnavailable, UnusableReply):
        return []
    return reply.value


def _resolve(value: Any, outputs: list[Any]) -> tuple[Any, str | None]:
    """The concrete value of a plan argument, and its binding when it was a placeholder."""
    if (reference := parse_placeholder(value)) is None:
        return value, None
    try:
        return resolve(reference, outputs), str(reference)
    except DanglingReference as exc:
        raise Infeasible(str(exc)) from None


def to_task(raw: dict[str, Any], task_id: str, toolbox: Toolbox | None, copy: DatabaseCopy | None,
            known_tools: set[str]) -> Task:
    """A Task from the model's object; with a toolbox and copy, its plan is run (and must succeed)."""
    plan = raw.get("gold_plan")
    if not isinstance(plan, list) or not plan:
        raise Infeasible("no gold plan")
    calls, expected, outputs = [], [], []
    for step in plan:
        if not isinstance(step, dict) or step.get("tool") not in known_tools:
            raise Infeasible(f"unknown tool in plan: {step.get('tool') if isinstance(step, dict) else step}")
        args = step.get("arguments") if isinstance(step.get("arguments"), dict) else {}
        expected.append(ExpectedCall(tool=step["tool"], arguments=args))
        concrete, bindings = {}, {}
        for key, value in args.items():
            if toolbox is None:
                concrete[key] = value
                if (reference := parse_placeholder(value)) is not None:
                    bindings[key] = str(reference)
                continue
            concrete[key], ref = _resolve(value, outputs)
            if ref:
                bindings[key] = ref
        if toolbox is not None:
            out = toolbox.call(copy, step["tool"], concrete)
            if not out.ok:
                raise Infeasible(f"{step['tool']}: {out.value['error']['message']}")
            outputs.append(out.value)
        calls.append(PlannedCall(tool=step["tool"], arguments=concrete, bindings=bindings))
    # SQL tools know from their statement; simulated ones by their name
    writes = (lambda tool: toolbox.tools[tool].writes) if toolbox is not None else is_write
    subtasks = []
    for s in raw.get("subtasks") or []:
        if isinstance(s, dict) and isinstance(s.get("request"), str):
            idx = [i for i in s.get("calls") or [] if isinstance(i, int) and 0 <= i < len(calls)]
            subtasks.append(Subtask(request=s["request"], calls=idx, writes=any(writes(calls[i].tool) for i in idx)))
    if not subtasks:
        subtasks = [Subtask(request=str(raw.get("description", "")), calls=list(range(len(calls))))]
    rubric = raw.get("rubric") if isinstance(raw.get("rubric"), dict) else {}
    description = raw.get("description")
    if not isinstance(description, str) or not description.strip():
        raise Infeasible("no description")
    return Task(
        task_id=task_id, description=description.strip(),
        difficulty=raw.get("difficulty") if raw.get("difficulty") in _DIFFICULTY else "medium",
        subtasks=subtasks,
        rubric=Rubric(success_criteria=[str(c) for c in rubric.get("success_criteria") or []],
                      expected_calls=expected, checkpoints=[str(c) for c in rubric.get("checkpoints") or []]),
        gold_plan=calls,
    )
