"""Tasks that start from no entity: rank, list or filter a whole table, or create a record."""

from __future__ import annotations

import random
import re
from typing import Any

from ..databases.names import quote
from ..tools.arguments import coerce, column_values, fresh_key, unique_values
from ..tools.catalog import ToolCatalog
from ..values import fmt
from .calls import Reference
from .intent import intent
from .plan import Infeasible, PlanBuilder


def free_task(catalog: ToolCatalog, plan: PlanBuilder, rng: random.Random, _anchor: object = None) -> None:
    """Rank, list or filter a whole table (no entity to start from)."""
    tools = [t for t in catalog.free if not _by_identifier(catalog, t)]
    if not tools:
        raise Infeasible("no free tool")
    tool = rng.choice(tools)
    table = catalog.schema.table(tool.table)
    if tool.kind == "aggregate":
        count = _ranked_by(plan, tool, lambda row: next(k for k in row if k.endswith("_count")), {})
        rows = plan.run(tool, {"limit": 3})
        label = table.label.param if table.label and table.label.param in rows[0] else next(iter(rows[0]))
        plan.step(f"which {table.display} records have the most linked {count[:-6].replace('_', ' ')} records? "
                  "The top three is enough.",
                  f"know the three {table.display} records with the most linked records",
                  [plan.last], [rows[0][label], rows[0][count]],
                  intent=intent("rank", noun=table.display, target=_counted(catalog, count)))
        return
    column = table.column(tool.params[0].column)
    name = (table.label or table.key or column).param
    if tool.kind == "list":
        ascending = rng.random() < 0.3
        _ranked_by(plan, tool, lambda _row: column.param, {"ascending": ascending})
        rows = plan.run(tool, {"ascending": ascending, "limit": 3})
        word = "lowest" if ascending else "highest"
        plan.step(f"which three {table.display} records have the {word} {column.display}?",
                  f"know the three {table.display} records with the {word} {column.display}",
                  [plan.last], [rows[0][name], rows[0][column.param]],
                  intent=intent("top", noun=table.display, field=column.display, order=word))
        return
    values = sorted(v for v in column_values(plan.copy, table.name, column.name) if isinstance(v, (int, float)))
    if len(values) < 3:
        raise Infeasible("too few values for a range")
    i = rng.randrange(len(values) - 1)
    lo, hi = values[i], values[min(len(values) - 1, i + rng.randint(1, 3))]
    rows = plan.run(tool, {tool.params[0].name: lo, tool.params[1].name: hi, "limit": 10})
    if len(rows) >= 10:
        raise Infeasible("range too wide")
    plan.step(f"which {table.display} records have a {column.display} between {fmt(lo)} and {fmt(hi)}?",
              f"know which {table.display} records have a {column.display} between {fmt(lo)} and {fmt(hi)}",
              [plan.last], [len(rows)] + [r[name] for r in rows[:3]],
              intent=intent("range", noun=table.display, field=column.display, low=lo, high=hi))

def _by_identifier(catalog: ToolCatalog, tool) -> bool:
    """A list or range over an id ('the three shows with the lowest show id'): nothing a person asks."""
    if tool.kind == "aggregate" or not tool.params:
        return False
    table = catalog.schema.table(tool.table)
    column = table.column(tool.params[0].column)
    return column.param.endswith("_id") or column.param == "id" or column.name in table.primary_key


def _ranked_by(plan: PlanBuilder, tool, field, args: dict[str, Any]) -> str:
    """The field a top-three ranking is ranked by, once it is known to single out three rows: not all
    tied, no tie at the cut (the fourth row), not all zero. Probed off the plan, so no gold call."""
    probe = plan.toolbox.call(plan.copy, tool.name, args | {"limit": 4})
    rows = probe.value if probe.ok and isinstance(probe.value, list) else []
    if len(rows) < 3:
        raise Infeasible("too few rows to rank")
    key = field(rows[0])
    values = [r[key] for r in rows]
    if values[0] == values[2] or (len(values) > 3 and values[2] == values[3]) or not any(values[:3]):
        raise Infeasible("the ranking ties or is empty")
    return key


SKIP_OPTIONAL = 0.3  # chance a create leaves an optional field out


def create_task(catalog: ToolCatalog, plan: PlanBuilder, rng: random.Random, _anchor: object = None) -> None:
    """Add a record as a person would: a new key (where the database does not assign it) and a name
    like the others, the required fields and some optional ones, categories the table already uses, and
    quantities and dates taken together from one existing row, so they agree with each other."""
    creatable = [t for t in catalog.tools if t.kind == "create"]
    if not creatable:
        raise Infeasible("no create tool")
    tool = rng.choice(creatable)
    table = catalog.schema.table(tool.table)
    links = {c for fk in catalog.schema.foreign_keys if fk.table == table.name for c in fk.columns}
    args = _new_row(plan, tool, table, _random_row(plan, table.name, rng), links, rng)
    if _clashes(plan, tool, args):  # the template's values clash with a unique key: draw each field alone
        args = _new_row(plan, tool, table, {}, links, rng)
    if not args or _exists(plan, tool, table, args):
        raise Infeasible("a new row with nothing in it, or one the table already has")
    first = len(plan.calls)
    said = {p.name: [table.column(p.column).display, args[p.name]] for p in tool.params if p.name in args}
    bindings = {}
    for param, parent, name, ref in _named_parents(catalog, plan, tool, table, args, rng):
        said[param], bindings[param] = [parent, name], ref  # 'author Jane Doe': the agent looks the id up
    plan.run(tool, args, bindings)
    shown = ", ".join(f"{f} {fmt(v)}" for f, v in said.values())
    plan.step(f"please add a new {table.display} record with {shown}.",
              # the new row's key is news to the user (it never asked for it): no answer it expects
              f"have a new {table.display} record added with {shown}", list(range(first, len(plan.calls))), [],
              writes=True, intent=intent("create", noun=table.display,
                                         name=args.get(table.label.param) if table.label is not None else None,
                                         values=list(said.values())))


NAME_PARENT = 0.7  # chance the user names a linked row ('author Jane Doe') rather than giving its id


def _named_parents(catalog: ToolCatalog, plan: PlanBuilder, tool, table, args: dict[str, Any], rng: random.Random):
    """For each single-column link the user would rather name: (param, the parent's noun, its name, the
    binding to a search that finds it), the search already planned."""
    params = {table.column(p.column).name: p.name for p in tool.params}
    for fk in catalog.schema.foreign_keys:
        param = params.get(fk.columns[0]) if fk.table == table.name and len(fk.columns) == 1 else None
        parent = catalog.schema.table(fk.ref_table)
        search = catalog.get("search", parent.name)
        if param is None or param not in args or search is None or parent.label is None or rng.random() > NAME_PARENT:
            continue
        label, key = parent.label, parent.column(fk.ref_columns[0])
        row = plan.copy.conn.execute(f"SELECT {quote(label.name)} FROM {quote(parent.name)} WHERE {quote(key.name)} = ?",
                                     (args[param],)).fetchone()
        if row is None or row[0] in (None, "") or row[0] not in unique_values(plan.copy, parent.name, label.name):
            continue
        rows = plan.run(search, {label.param: str(row[0])})
        index = next((i for i, r in enumerate(rows) if r[label.param] == row[0]), None)
        if index is None:
            raise Infeasible("the named parent is not found by its name")
        yield param, parent.display, row[0], str(Reference(plan.last, index, key.param))


def _exists(plan: PlanBuilder, tool, table, args: dict[str, Any]) -> bool:
    """A row with exactly these values is already there (a link table without a unique key)."""
    columns = {p.name: table.column(p.column).name for p in tool.params}
    match = " AND ".join(f"{quote(columns[k])} IS ?" for k in args)
    return plan.copy.conn.execute(f"SELECT 1 FROM {quote(table.name)} WHERE {match} LIMIT 1",
                                  list(args.values())).fetchone() is not None


def _clashes(plan: PlanBuilder, tool, args: dict[str, Any]) -> bool:
    """The insert would fail (a unique key taken): tried on the copy and undone."""
    with plan.copy.savepoint("probe", undo=True):
        return not plan.toolbox.call(plan.copy, tool.name, args).ok


def _new_row(plan: PlanBuilder, tool, table, template: dict[str, Any], links: set[str],
             rng: random.Random) -> dict[str, Any]:
    """The create call's arguments: fresh key and name, some optional fields left out, categories drawn
    from the table, the rest from ``template`` (an existing row) where it has them."""
    args: dict[str, Any] = {}
    for p in tool.params:
        column = table.column(p.column)
        if column.name in table.primary_key and len(table.primary_key) == 1:
            args[p.name] = fresh_key(plan.copy, table.name, column.name, column.param_type)
        elif table.label is not None and column.name == table.label.name:
            args[p.name] = _fresh_label(column_values(plan.copy, table.name, column.name), rng)
        elif not p.required and column.name not in links and rng.random() < SKIP_OPTIONAL:
            continue  # left for later, as people do with optional details (a link never: it is the point)
        elif not column.is_categorical and column.name not in links and template.get(column.name) is not None:
            args[p.name] = coerce(template[column.name], column.param_type)
        else:
            values = column_values(plan.copy, table.name, column.name)
            if values:
                args[p.name] = coerce(rng.choice(values), column.param_type)
            elif p.required:
                raise Infeasible("no value for a required field")
    return args


def _random_row(plan: PlanBuilder, table: str, rng: random.Random) -> dict[str, Any]:
    """One existing row by its column names ({} for an empty table)."""
    count = plan.copy.conn.execute(f"SELECT count(*) FROM {quote(table)}").fetchone()[0]
    if not count:
        return {}
    cursor = plan.copy.conn.execute(f"SELECT * FROM {quote(table)} LIMIT 1 OFFSET ?", (rng.randrange(count),))
    return dict(zip([d[0] for d in cursor.description], cursor.fetchone()))


def _fresh_label(existing: list[Any], rng: random.Random) -> str:
    taken = {str(v) for v in existing}
    codes = [re.fullmatch(r"(.*?)(\d+)", str(v)) for v in existing]
    if existing and all(codes) and len({m.group(1) for m in codes}) == 1:
        # codes such as "LN-10042": the next free number in the same pattern, not two codes glued
        prefix, width = codes[0].group(1), len(codes[0].group(2))
        number = max(int(m.group(2)) for m in codes) + 1 + rng.randrange(50)
        return f"{prefix}{number:0{width}d}"
    names = [str(v).split() for v in existing if str(v).split()] or [["New"]]
    words = [w for name in names for w in name]
    for _ in range(20):
        # 'Anna Smith' + 'Joe Brown' -> 'Anna Brown': a first word of one name and the last of another
        first, last = rng.choice(names)[0], rng.choice([n for n in names if len(n) > 1] or names)[-1]
        candidate = f"{first} {last}" if first != last else f"{first} {rng.choice(words)}"
        if candidate not in taken and len(set(candidate.split())) > 1:
            return candidate
    n = 2
    while f"{words[0]} {n}" in taken:
        n += 1
    return f"{words[0]} {n}"


def _counted(catalog: ToolCatalog, count_field: str) -> str:
    """The words for the rows a ranking counts: its ``<child slug>_count`` field names the table."""
    slug = count_field[:-6]
    return next((t.display for t in catalog.schema.tables if t.slug == slug), slug.replace("_", " "))
