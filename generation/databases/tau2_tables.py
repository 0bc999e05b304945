"""τ²'s loaded database models as tables: each top-level collection becomes a table keyed by its
entity id; nested records become ``prefix_field`` columns; lists, and dicts keyed by an id, a date or
a free-form name, become child tables with a foreign key to their parent. A column named like another
table's key (``user_id``, ``payment_method_id``, ``flight_number``) references it where every value is
found there. A list that only mirrors such a key from the other side (a user's reservation ids) is not
stored twice. ``tau2.py`` reads τ² and writes the tables to SQLite."""

from __future__ import annotations

import functools
import re
import types
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin

from .names import singular

# Where a field's own name reads badly as a table: 'reservation_payments', not '..._payment_history'.
_TABLE_WORDS = {"payment_history": "payments", "line_ids": "lines", "bill_ids": "bills",
                "tracking_id": "tracking_ids", "item_ids": "items"}
# Column names without digits: the agent says a field's name in words, and a digit there reads as
# a figure that no tool output supports ('Could you tell me the address1?' fails the grounding check).
_FIELD_WORDS = {"address1": "line_one", "address2": "line_two", "account_number_last_4": "account_number_last_four"}
# τ² names a reservation's payment method 'payment_id'; it is a payment method id all the same.
_REFERENCE_ALIASES = {"payment_id": "payment_method_id"}
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}$")

Link = tuple[tuple[str, ...], str, tuple[str, ...]]  # (columns here, other table, its columns)


@dataclass
class Table:
    name: str
    key: tuple[str, ...]
    parent: Link | None  # a child row belongs to exactly one parent row
    rows: list[dict[str, Any]] = field(default_factory=list)
    # the type τ²'s model declares, for columns whose values are all missing (nothing to infer it from)
    declared: dict[str, str] = field(default_factory=dict)
    references: list[Link] = field(default_factory=list)

    def columns(self) -> list[str]:
        seen = dict.fromkeys(self.key)
        for row in self.rows:
            seen.update(dict.fromkeys(row))
        return list(seen)


# --- flattening -----------------------------------------------------------------------------------

@functools.cache  # asked for every nested row, and inflect takes a millisecond a word
def _singular(name: str) -> str:
    return singular(name.replace("_", " ")).replace(" ", "_")


def _sql_value(value: Any) -> Any:
    value = value.value if isinstance(value, Enum) else value
    if isinstance(value, bool):
        return int(value)
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def _is_collection(annotation: Any) -> bool:
    """A list, or a dict over open keys (ids, dates, option names), optional or not."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        return any(_is_collection(a) for a in get_args(annotation) if a is not type(None))
    if origin is dict:
        # a dict over a closed set of keys (cabin class -> seats) is a record: its keys become columns
        return get_origin(get_args(annotation)[0]) is not Literal
    return origin is list


def _declared_type(annotation: Any) -> str:
    kinds = {a for a in (get_args(annotation) or (annotation,)) if a is not type(None)}
    if kinds and kinds <= {int, bool}:
        return "INTEGER"
    return "REAL" if kinds and kinds <= {int, float} else "TEXT"


def _column_name(prefix: str, name: str) -> str:
    # name.first_name reads as first_name; address.city as address_city, address.address1 as address_line_one
    name = _FIELD_WORDS.get(name, name)
    return name if not prefix or name.startswith(prefix) or name.endswith(prefix) else f"{prefix}_{name}"


def _flatten(model: Any, declared: dict[str, str], prefix: str = "") -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    """A model's scalar fields (nested records as columns) and the collections left for child tables."""
    row: dict[str, Any] = {}
    collections: list[tuple[str, Any]] = []
    fields = {} if isinstance(model, dict) else type(model).model_fields
    items = model.items() if isinstance(model, dict) else ((name, getattr(model, name)) for name in fields)
    for name, value in items:
        column = _column_name(prefix, name)
        if name in fields and _is_collection(fields[name].annotation):
            collections.append((column, value))
        elif hasattr(value, "model_fields") or isinstance(value, dict):
            nested, more = _flatten(value, declared, column)
            row.update(nested)
            collections.extend(more)
        else:
            row[column] = _sql_value(value)
            if value is None and name in fields:
                declared.setdefault(column, _declared_type(fields[name].annotation))
    return row, collections


def _item_column(field_name: str) -> str:
    """Where a list of plain values goes: 'reservations' -> reservation_id, 'line_ids' -> line_id."""
    return f"{_singular(re.sub(r'_ids?$', '', field_name)).rsplit('_', 1)[-1]}_id"


def _own_id(items: dict[str, Any]) -> str | None:
    """The field every item of an id-keyed dict repeats its key in (a variant's item_id), if any."""
    first = next(iter(items.values()))
    if not hasattr(first, "model_fields"):
        return None
    return next((f for f in type(first).model_fields if all(getattr(v, f, None) == k for k, v in items.items())), None)


# --- building the tables --------------------------------------------------------------------------

class _Builder:
    def __init__(self) -> None:
        self.tables: dict[str, Table] = {}

    def table(self, name: str, key: tuple[str, ...], parent: Link | None = None) -> Table:
        return self.tables.setdefault(name, Table(name, key, parent))

    def add_entities(self, name: str, collection: Any) -> None:
        items = list(collection.values()) if isinstance(collection, dict) else list(collection)
        key = _own_id(collection) if isinstance(collection, dict) else f"{_singular(name)}_id"
        table = self.table(name, (key,))
        for item in items:
            self.add_row(table, {}, item)

    def add_row(self, table: Table, key_values: dict[str, Any], item: Any, drop: str | None = None) -> None:
        row, collections = _flatten(item, table.declared)
        row.pop(drop, None)
        row = {**key_values, **row}
        table.rows.append(row)
        for field_name, value in collections:
            if value:  # an empty or missing list adds no rows (and, empty everywhere, no table)
                self.add_children(table, {c: row[c] for c in table.key}, field_name, value)

    def add_children(self, parent: Table, parent_key: dict[str, Any], field_name: str, value: Any) -> None:
        """One child table per collection field; a parent's position column is renamed for its children."""
        name = f"{_singular(parent.name)}_{_TABLE_WORDS.get(field_name, field_name)}"
        inherited = {(f"{_singular(parent.name.split('_')[-1])}_position" if c == "position" else c): v
                     for c, v in parent_key.items()}
        link = (tuple(inherited), parent.name, tuple(parent_key))
        if isinstance(value, list):
            # list order can matter (a trip's flights), so the position is part of the key
            table = self.table(name, (*inherited, "position"), link)
            for position, item in enumerate(value, start=1):
                self.add_item(table, {**inherited, "position": position}, item, _item_column(field_name))
            return
        own_id = _own_id(value)
        if own_id is not None:  # keyed by the item's own id, named for what it identifies rather than 'id'
            id_column = f"{_singular(field_name)}_id" if own_id == "id" else own_id
            table = self.table(name, (id_column,), link)
            for key, item in value.items():
                self.add_row(table, {id_column: key, **inherited}, item, drop=own_id)
            return
        key_column = "date" if all(_ISO_DATE.match(k) for k in value) else _singular(field_name)
        table = self.table(name, (*inherited, key_column), link)
        for key, item in value.items():
            self.add_item(table, {**inherited, key_column: key}, item, "value")

    def add_item(self, table: Table, key_values: dict[str, Any], item: Any, column: str) -> None:
        """One item of a collection: a record's fields, or a plain value under ``column``."""
        if hasattr(item, "model_fields"):
            self.add_row(table, key_values, item)
        else:
            table.rows.append({**key_values, column: _sql_value(item)})

    def link_references(self) -> None:
        """A FOREIGN KEY for each column named like another table's key, where every value is found there."""
        targets = [t for t in self.tables.values() if "position" not in t.key]
        for table in self.tables.values():
            in_parent_link = set(table.parent[0]) if table.parent else set()
            for target in (t for t in targets if t is not table):
                for columns in _columns_holding(table, target.key):
                    if not set(columns) <= in_parent_link and _all_found(table, columns, target):
                        table.references.append((columns, target.name, target.key))


def _columns_holding(table: Table, key: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The columns of ``table`` that hold ``key``: the same names, or one column named '<anything>_<key>'."""
    columns = table.columns()
    if len(key) > 1:
        return [key] if all(c in columns for c in key) else []
    return [(c,) for c in columns if (c,) != table.key
            and (c == key[0] or c.endswith(f"_{key[0]}") or _REFERENCE_ALIASES.get(c) == key[0])]


def _all_found(table: Table, columns: tuple[str, ...], target: Table) -> bool:
    present = {tuple(row[c] for c in target.key) for row in target.rows}
    values = (tuple(row.get(c) for c in columns) for row in table.rows)
    return all(v in present or None in v for v in values)


def _mirrors_a_key(table: Table, tables: dict[str, Table]) -> bool:
    """A list of ids that repeats, from the other side, a key the listed rows hold: a user's
    reservation ids are exactly the reservations whose user_id is that user."""
    if table.parent is None or len(table.references) != 1 or len(table.columns()) != len(table.key) + 1:
        return False
    parent_columns, parent_name, parent_key = table.parent
    (item_column,), target_name, (target_key,) = table.references[0]
    target = tables[target_name]
    back = [columns for columns, name, key in target.references if (name, key) == (parent_name, parent_key)]
    if len(back) != 1:
        return False
    listed = [(tuple(r[c] for c in parent_columns), r[item_column]) for r in table.rows]
    held = {(tuple(r[c] for c in back[0]), r[target_key]) for r in target.rows}
    return len(set(listed)) == len(listed) and set(listed) == held


def convert(db: Any) -> list[Table]:
    """τ²'s loaded database as tables, in a fixed order: entities first, each followed by its children.
    A list that only mirrors a key is left out: stored twice, the two could drift apart under writes."""
    builder = _Builder()
    for name in type(db).model_fields:
        builder.add_entities(name, getattr(db, name))
    builder.link_references()
    return [t for t in builder.tables.values() if not _mirrors_a_key(t, builder.tables)]
