"""Tasks grounded in real rows, planned by running them on the dialogue's gold copy.

A task starts from an entity the user can name (found by searching its label, or handed over
from an earlier task) and acts on it: read its details, its linked records or their summary,
update or delete it, or go one link further. Free tasks rank, list or filter a whole table, or
create a record. Difficulty is the length of the longest chain of dependent calls.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import partial
from typing import Any, Callable

from ..databases.database import DatabaseCopy
from ..databases.names import quote
from ..databases.schema import Table
from ..records import Rubric, Task
from ..tools.arguments import unique_values
from ..tools.runtime import Toolbox
from ..values import SHOWN, fmt
from ..tools.catalog import ToolCatalog
from .calls import Reference
from .free_tasks import create_task, free_task
from .intent import intent, row_ref
from .new_values import new_value
from .plan import Infeasible, PlanBuilder

DIFFICULTY = {1: "easy", 2: "medium"}
# people look things up more often than they change them: a task starts from a row, the whole table or
# a new row in these proportions, and a read of a row is likelier than a change to it
RECIPE_WEIGHTS = (3.0, 1.5, 1.0)  # a row's task, a free task (rank, top, range), a create
ACTION_WEIGHTS = {"get": 2.0, "children": 2.0, "parent": 2.0, "summary": 2.0, "update": 1.5, "delete": 0.75}
MORE_ON_ENTITY = 0.75  # chance of a second, different request about the row a task is about
FOLLOW_LINK = 0.75  # chance that the user goes on to one of the linked rows it was shown


@dataclass(frozen=True)
class Entity:
    """A row the conversation has established, and how to refer to it."""

    table: Table
    row: dict[str, Any]
    call: int  # the plan call whose output holds it (-1: handed over from an earlier task)
    index: int = 0  # position in that call's output when it is a list
    done: frozenset[str] = frozenset()  # kinds of tool already used on it: a later task asks something new

    @property
    def key(self) -> Any:
        return self.row[self.table.key.param]

    @property
    def name(self) -> str:
        label = self.table.label
        if label is not None and self.row.get(label.param) not in (None, ""):
            return f'the {self.table.display} "{fmt(self.row[label.param])}"'
        return f"{self.table.display} {self.table.key.display} {fmt(self.key)}"

    def value(self, column: str) -> Any:
        return self.row[self.table.column(column).param]

    def binding(self, column: str) -> str:
        return str(Reference(self.call, self.index if self.index >= 0 else None, self.table.column(column).param))


class TaskSynthesizer:
    def __init__(self, catalog: ToolCatalog, toolbox: Toolbox, db_id: str) -> None:
        self.catalog = catalog
        self.toolbox = toolbox
        self.db_id = db_id

    def synthesize(
        self, copy: DatabaseCopy, rng: random.Random, task_id: str, anchor: tuple[Entity, str] | None = None
    ) -> tuple[Task, Entity | None] | None:
        """One feasible task and the entity it is about, its plan already applied to ``copy``."""
        recipes: list[Callable[[PlanBuilder, random.Random, Entity | None], None]] = _weighted_order(
            [self._entity_task, partial(free_task, self.catalog), partial(create_task, self.catalog)],
            RECIPE_WEIGHTS, rng)
        if anchor is not None:
            recipes = [self._entity_task]
        for recipe in recipes:
            plan = PlanBuilder(self.toolbox, copy)
            try:
                with copy.savepoint("task"):
                    recipe(plan, rng, anchor[0] if anchor else None)
                    if not plan.steps:
                        raise Infeasible("no step")
            except Infeasible:
                continue
            return self._task(plan, task_id, anchor[1] if anchor else None), plan.subject
        return None

    def _task(self, plan: PlanBuilder, task_id: str, builds_on: str | None) -> Task:
        goals = [s.goal for s in plan.steps]
        description = (
            f"You use the {self.db_id.replace('_', ' ')} records system. You want to "
            + (", then ".join(goals[:-1]) + ", and finally " + goals[-1] if len(goals) > 1 else goals[0])
            + "."
        )
        criteria = [f"The user learns or gets done: {g}." for g in goals]
        if any(s.writes for s in plan.steps):
            criteria.append("The database ends in the state the gold plan produces.")
        checkpoints = [
            f"Before '{plan.calls[i].tool}' runs, {', '.join(sorted(set(plan.calls[i].bindings)))} "
            f"come from the output of an earlier call."
            for i in range(len(plan.calls)) if plan.calls[i].bindings
        ] + [f"The reply to '{s.request}' states {', '.join(s.answers)}." for s in plan.steps if s.answers]
        return Task(
            task_id=task_id,
            description=description,
            difficulty=DIFFICULTY.get(plan.chain, "hard"),
            subtasks=plan.subtasks(),
            rubric=Rubric(success_criteria=criteria, expected_calls=plan.expected_calls(), checkpoints=checkpoints),
            gold_plan=plan.calls,
            builds_on=builds_on,
        )

    # -- entity tasks ------------------------------------------------------------------------
    def _find(self, plan: PlanBuilder, rng: random.Random) -> Entity:
        tables = self.catalog.findable()
        if not tables:
            raise Infeasible("no searchable table")
        table = rng.choice(tables)
        label = table.label
        values = [v for v in unique_values(plan.copy, table.name, label.name) if str(v).strip()]
        if not values:
            raise Infeasible("no label names one row")
        target = rng.choice(values)
        tool = self.catalog.get("search", table.name)
        rows = plan.run(tool, {label.param: str(target)})
        matches = [i for i, r in enumerate(rows) if r[label.param] == target]
        if len(matches) != 1:
            raise Infeasible("label is not unique")
        entity = Entity(table, rows[matches[0]], plan.last, matches[0])
        plan.step(
            f'find {entity.name} for me',
            f"find {entity.name}",
            [plan.last],
            [entity.key],
            intent=intent("find", noun=table.display, name=target, key=entity.key, ref="new"),
        )
        return entity

    def _entity_task(self, plan: PlanBuilder, rng: random.Random, anchor: Entity | None) -> None:
        entity = anchor if anchor is not None else self._find(plan, rng)
        it = f"that same {entity.table.display}" if anchor is not None else "it"
        follow = self._act(plan, rng, entity, it, allow_delete=True, chain=anchor is None, skip=entity.done)
        deleted = any(s.writes and not s.answers for s in plan.steps)
        if not deleted and rng.random() < MORE_ON_ENTITY:
            self._another(plan, rng, entity)
        plan.subject = None if deleted else Entity(entity.table, entity.row, -1, -1, done=self._done(plan, entity))
        if follow is not None and rng.random() < FOLLOW_LINK:
            # the user names the linked record, so the agent has to pick it out of the list
            self._act(plan, rng, follow, follow.name, allow_delete=False, chain=False, came_from=entity.table.name)

    def _done(self, plan: PlanBuilder, entity: Entity) -> frozenset[str]:
        """Kinds of tool used on the row so far, this task's calls included."""
        return entity.done | {self.catalog.by_name[c.tool].kind for c in plan.calls}

    def _another(self, plan: PlanBuilder, rng: random.Random, entity: Entity) -> None:
        """A second, different thing about the same row ('and what's its rating? change its status to
        closed'), left out when there is none."""
        done = self._done(plan, entity)
        mark = plan.mark()
        try:
            with plan.copy.savepoint("another"):
                self._act(plan, rng, entity, "it", allow_delete=False, chain=False, skip=done)
        except Infeasible:
            plan.rewind(mark)

    def _act(self, plan, rng, entity: Entity, it: str, allow_delete: bool, chain: bool,
             came_from: str | None = None, skip: set[str] = frozenset()) -> Entity | None:
        """One action on ``entity``; returns a new entity it led to (for a further step), if any."""
        actions = [
            t for t in self.catalog.actions(entity.table.name)
            if (allow_delete or t.kind != "delete") and not (t.kind == "parent" and t.table == came_from)
            and t.kind not in skip
        ]
        if any(t.kind == "delete" for t in actions) and self._referenced(plan.copy, entity):
            actions = [t for t in actions if t.kind != "delete"]  # other rows still point to it
        if entity.call >= 0:  # its details are already in an earlier output
            actions = [t for t in actions if t.kind != "get"]
        if not actions:
            raise Infeasible("nothing to do with this entity")
        tool = _weighted_order(actions, [ACTION_WEIGHTS.get(t.kind, 1.0) for t in actions], rng)[0]
        # a composite link takes every column of the entity's key, each from the same row
        keys = [p for p in tool.params if p.role == "key"]
        binding = {} if entity.call < 0 else {p.name: entity.binding(p.column) for p in keys}
        args = {p.name: entity.value(p.column) for p in keys}
        if tool.kind == "get":
            row = plan.run(tool, args, binding)
            field = _detail_field(entity.table, rng)
            plan.step(f"what is the {field.display} of {entity.name}?",
                      f"know the {field.display} of {entity.name}", [plan.last], [row[field.param]],
                      intent=intent("detail", field=field.display, **_ref(entity, it)))
        elif tool.kind in ("children", "parent"):
            return self._linked(plan, rng, tool, entity, it, args, binding, chain)
        elif tool.kind == "summary":
            row = plan.run(tool, args, binding)
            numbers = [k for k, v in row.items() if k.endswith("_count") or k.startswith("average_")]
            if not any(row[k] for k in numbers if k.endswith("_count")):
                raise Infeasible("nothing linked to summarize")
            plan.step(f"can you give me a summary of the linked records for {it}: how many there are"
                      + (" and their average" if len(numbers) > 1 else "") + "?",
                      f"know how many linked records {entity.name} has", [plan.last],
                      [row[k] for k in numbers],
                      intent=intent("summary", target=self._counted_noun(row), average=len(numbers) > 1,
                                    **_ref(entity, it)))
        elif tool.kind == "update":
            field, new, slip = new_value(self.catalog.schema, plan.copy, entity.table, entity.row, rng)
            row = plan.run(tool, args | {field.param: new}, binding)
            plan.step(f"please change the {field.display} of {it} to {fmt(new)}.",
                      f"have the {field.display} of {entity.name} changed to {fmt(new)}",
                      [plan.last], [row[field.param]], writes=True,
                      intent=intent("update", field=field.display, value=new, slip=slip, **_ref(entity, it)))
        elif tool.kind == "delete":
            plan.run(tool, args, binding)
            plan.step(f"please delete {it} from the records.", f"have {entity.name} deleted",
                      [plan.last], [], writes=True, intent=intent("delete", **_ref(entity, it)))
        else:
            raise Infeasible(f"unsupported action {tool.kind}")
        return None

    def _linked(self, plan: PlanBuilder, rng: random.Random, tool, entity: Entity, it: str, args: dict,
                binding: dict, chain: bool) -> Entity | None:
        """Ask for the records linked to ``entity`` (children) or the one it belongs to (parent); with
        ``chain``, one of them becomes the entity of a further step."""
        out = plan.run(tool, args | ({"limit": 10} if tool.kind == "children" else {}), binding)
        target = self.catalog.schema.table(tool.table)
        rows = out if isinstance(out, list) else [out]
        label = target.label or target.key
        if label is None:
            raise Infeasible("linked rows cannot be named")
        names = [r[label.param] for r in rows[:3]]
        if tool.kind == "children":
            plan.step(f"which {target.display} records are linked to {it}?",
                      f"know which {target.display} records are linked to {entity.name}",
                      [plan.last], [len(out)] + names,
                      intent=intent("children", target=target.display, **_ref(entity, it)))
        else:
            plan.step(f"which {target.display} does {it} belong to?",
                      f"know which {target.display} {entity.name} belongs to", [plan.last], names,
                      intent=intent("parent", target=target.display, **_ref(entity, it)))
        if chain and target.key is not None and self.catalog.actions(target.name):
            pick = rng.randrange(min(len(rows), SHOWN))  # one the user was shown
            return Entity(target, rows[pick], plan.last, pick if isinstance(out, list) else -1)
        return None

    def _counted_noun(self, row: dict[str, Any]) -> str:
        """The words for the rows a summary counts: its ``<child slug>_count`` field names the table."""
        slug = next((k[:-6] for k in row if k.endswith("_count")), "")
        return next((t.display for t in self.catalog.schema.tables if t.slug == slug), "linked record")

    def _referenced(self, copy: DatabaseCopy, entity: Entity) -> bool:
        for fk in self.catalog.schema.foreign_keys:
            if fk.ref_table == entity.table.name:
                values = [entity.row[entity.table.column(c).param] for c in fk.ref_columns]
                match = " AND ".join(f"{quote(c)} = ?" for c in fk.columns)
                hit = copy.conn.execute(f"SELECT 1 FROM {quote(fk.table)} WHERE {match} LIMIT 1", values).fetchone()
                if hit:
                    return True
        return False


def _ref(entity: Entity, mention: str) -> dict[str, Any]:
    label = entity.table.label
    name = entity.row.get(label.param) if label is not None else None
    return row_ref(entity.table.display, name if name not in (None, "") else None, entity.key, mention)


def _weighted_order(items: list, weights, rng: random.Random) -> list:
    """The items in a random order where heavier ones tend to come first (weighted sampling without
    replacement): the first is the choice, the rest are fallbacks."""
    keys = [rng.random() ** (1.0 / w) for w in weights]
    return [item for _, item in sorted(zip(keys, items), key=lambda pair: -pair[0])]


def _detail_field(table: Table, rng: random.Random):
    named = {table.label.name} if table.label is not None else set()  # the user already said its name
    fields = ([c for c in table.columns if c.name not in table.primary_key and c.name not in named]
              or [c for c in table.columns if c.name not in table.primary_key] or list(table.columns))
    return rng.choice(fields)
