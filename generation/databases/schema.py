"""Schema of a SQLite database, read from the file itself (PRAGMA) and typed from its data.

SQLite is dynamically typed and Spider files hold text in INT columns, so a column's JSON type
comes from the values actually stored, with the declared affinity as the fallback.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field, replace
from typing import Any

from .names import quote, singular, snake, words

_DATE_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}:\d{2}")
CATEGORICAL = 12  # at most this many distinct values (each used more than once) make a closed set

_JSON_OF_STORAGE = {"integer": "integer", "real": "number", "text": "string"}


@dataclass(frozen=True)
class Column:
    name: str
    declared: str
    json_types: tuple[str, ...]  # non-null JSON types seen (or implied), most common first
    nullable: bool
    display: str
    param: str
    distinct_values: int
    # GENERATED ALWAYS AS: SQLite computes it, so tools return it but never write it.
    generated: bool = False
    # The most common stored values, most common first (ties by value): all of them when the column
    # has at most CATEGORICAL distinct values, else the top one. Tool descriptions quote them.
    common_values: tuple[Any, ...] = ()

    @property
    def is_categorical(self) -> bool:
        """A text field with a few values that repeat (a status, a type): a closed set of choices."""
        return self.is_text and 1 < self.distinct_values <= CATEGORICAL and len(self.common_values) > 1

    @property
    def param_type(self) -> str:
        return "string" if "string" in self.json_types else self.json_types[0]

    @property
    def is_text(self) -> bool:
        return self.json_types == ("string",)

    @property
    def is_numeric(self) -> bool:
        return all(t in ("integer", "number") for t in self.json_types)

    def value_schema(self) -> dict:
        types = list(self.json_types) + (["null"] if self.nullable else [])
        return {"type": types[0] if len(types) == 1 else types}


@dataclass(frozen=True)
class ForeignKey:
    """A link of one or more columns; a composite key matches on all of them at once."""

    table: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]

    @property
    def column(self) -> str:
        """The linking column(s) as text, for prompts and logs; SQL must use ``columns``."""
        return ", ".join(self.columns)

    @property
    def ref_column(self) -> str:
        """The referenced column(s) as text, for prompts and logs; SQL must use ``ref_columns``."""
        return ", ".join(self.ref_columns)


@dataclass(frozen=True)
class Table:
    name: str
    display: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    rowid_alias: bool  # INTEGER PRIMARY KEY: SQLite assigns the key on insert
    row_count: int
    slug: str = field(default="")
    has_rowid: bool = True  # False for WITHOUT ROWID tables, whose rows only the primary key names

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def key(self) -> Column | None:
        return self.column(self.primary_key[0]) if len(self.primary_key) == 1 else None

    @property
    def writable(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if not c.generated)

    def tiebreak(self) -> str:
        """The ORDER BY term that makes a row order total: rowid, or the key where there is none."""
        if self.has_rowid:
            return "rowid"
        return ", ".join(quote(c) for c in self.primary_key or [c.name for c in self.columns])

    @property
    def label(self) -> Column | None:
        """The text column a person would use to name a row (name, title, ...)."""
        # a date or time names no row for a person ('2024-12-29' is when, not which), nor does a status
        # or a type that many rows share ('reserved')
        texts = [c for c in self.columns if c.is_text and c.name not in self.primary_key and not c.is_categorical
                 and not any(isinstance(v, str) and _DATE_LIKE.match(v) for v in c.common_values)]
        if not texts:
            return None
        preferred = ("name", "title", "last_name", "lname", "surname", "first_name", "fname")
        for wanted in preferred:
            for c in texts:
                if c.param == wanted or c.param.endswith("_" + wanted):
                    return c
        return max(texts, key=lambda c: (c.distinct_values, -texts.index(c)))


@dataclass(frozen=True)
class DatabaseSchema:
    db_id: str
    tables: tuple[Table, ...]
    foreign_keys: tuple[ForeignKey, ...]
    # What no tool is built for, or only partly: "view:v" / "column:t.c" / "foreign_key:t(a)" ->
    # "reason_code: detail", so a report can say so instead of leaving it out silently.
    skipped: tuple[tuple[str, str], ...] = ()

    def table(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)


def introspect(
    conn: sqlite3.Connection,
    db_id: str,
    display_names: dict[tuple[str, str | None], str] | None = None,
) -> DatabaseSchema:
    """Read tables, keys and typed columns; ``display_names`` maps (table, column|None) to words."""
    names = display_names or {}
    skipped: dict[str, str] = {}
    tables, slugs = [], set()
    for tname in _names_of(conn, "table"):
        tables.append(_read_table(conn, tname, names, slugs, skipped))
    for vname in _names_of(conn, "view"):
        skipped[f"view:{vname}"] = f"view_skipped: {vname} is a view; tools are built for tables only"
    fks = _foreign_keys(conn, tables, skipped)
    return DatabaseSchema(db_id=db_id, tables=tuple(tables), foreign_keys=fks, skipped=tuple(skipped.items()))


def _names_of(conn: sqlite3.Connection, kind: str) -> list[str]:
    return [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type=? AND name NOT LIKE 'sqlite_%' ORDER BY name", (kind,)
        )
    ]


def _read_table(conn, tname: str, names: dict, slugs: set[str], skipped: dict[str, str]) -> Table:
    # table_xinfo, unlike table_info, lists generated columns (hidden 2: virtual, 3: stored);
    # hidden 1 marks a virtual table's own hidden columns, which are not data.
    info = [r for r in conn.execute(f"PRAGMA table_xinfo({quote(tname)})").fetchall() if r[6] != 1]
    columns, params = [], set()
    for _cid, cname, ctype, notnull, _default, pk_pos, hidden in info:
        column = _read_column(conn, tname, cname, ctype or "", bool(notnull or pk_pos), names, params)
        if column is None:
            skipped[f"column:{tname}.{cname}"] = (
                f"blob_column_skipped: {tname}.{cname} holds binary values, which have no JSON form")
            continue
        if hidden in (2, 3):
            column = replace(column, generated=True)
            skipped[f"column:{tname}.{cname}"] = (
                f"generated_column_read_only: {tname}.{cname} is computed by SQLite; "
                "tools return it but never insert or update it")
        columns.append(column)
    primary_key = tuple(c for _, c in sorted((r[5], r[1]) for r in info if r[5]))
    if not all(any(c.name == p for c in columns) for p in primary_key):
        primary_key = ()  # part of the key was left out (binary): what remains names no row
    has_rowid = _has_rowid(conn, tname)
    rowid_alias = has_rowid and len(primary_key) == 1 and any(
        r[1] == primary_key[0] and (r[2] or "").upper() == "INTEGER" for r in info)
    return Table(
        name=tname,
        display=singular(names.get((tname, None)) or words(tname)),
        columns=tuple(columns),
        primary_key=primary_key,
        rowid_alias=rowid_alias,
        row_count=conn.execute(f"SELECT COUNT(*) FROM {quote(tname)}").fetchone()[0],
        slug=_unique(snake(tname), slugs),
        has_rowid=has_rowid,
    )


def _read_column(conn, tname: str, cname: str, ctype: str, required: bool, names: dict,
                 params: set[str]) -> Column | None:
    """The column typed from its stored values; None for binary columns."""
    stored = conn.execute(
        f"SELECT typeof({quote(cname)}) AS t, COUNT(*) FROM {quote(tname)} GROUP BY t ORDER BY 2 DESC, 1"
    ).fetchall()
    kinds = [t for t, _ in stored]
    if "blob" in kinds:
        return None
    distinct = conn.execute(f"SELECT COUNT(DISTINCT {quote(cname)}) FROM {quote(tname)}").fetchone()[0]
    common = conn.execute(
        f"SELECT {quote(cname)}, COUNT(*) AS n FROM {quote(tname)} WHERE {quote(cname)} IS NOT NULL "
        f"GROUP BY 1 ORDER BY n DESC, 1 LIMIT ?", (CATEGORICAL if distinct <= CATEGORICAL else 1,)).fetchall()
    repeated = distinct <= CATEGORICAL and sum(n for _, n in common) >= 2 * len(common)
    return Column(
        name=cname,
        declared=ctype.upper(),
        json_types=_json_types(kinds, ctype),
        nullable=("null" in kinds) or not required,
        display=names.get((tname, cname)) or words(cname),
        param=_unique(snake(cname), params),
        distinct_values=distinct,
        common_values=tuple(v for v, _ in common) if repeated else tuple(v for v, _ in common[:1]),
    )


def _has_rowid(conn: sqlite3.Connection, table: str) -> bool:
    try:  # pragma_table_list (SQLite 3.37+) says WITHOUT ROWID directly
        row = conn.execute("SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = ?", (table,)).fetchone()
    except sqlite3.OperationalError:
        row = None
    if row is not None:
        return not row[0]
    try:
        conn.execute(f"SELECT rowid FROM {quote(table)} LIMIT 0")
        return True
    except sqlite3.OperationalError:
        return False


def _foreign_keys(conn, tables: list[Table], skipped: dict[str, str]) -> tuple[ForeignKey, ...]:
    """One ForeignKey per constraint: PRAGMA gives one row per column, sharing the constraint's id."""
    by_name = {t.name.lower(): t for t in tables}
    found = []
    for src in tables:
        groups: dict[int, list] = {}
        for row in conn.execute(f"PRAGMA foreign_key_list({quote(src.name)})"):
            groups.setdefault(row[0], []).append(row)
        for rows in groups.values():
            rows.sort(key=lambda r: r[1])  # seq: position of the column within the key
            fk = _resolve(src, rows, by_name)
            if fk is None:
                what = f"{src.name}({', '.join(str(r[3]) for r in rows)}) -> {rows[0][2]}"
                skipped[f"foreign_key:{what}"] = f"foreign_key_skipped: {what} names no known table or column"
            else:
                found.append(fk)
    return tuple(dict.fromkeys(found))


def _resolve(src: Table, rows: list, by_name: dict[str, Table]) -> ForeignKey | None:
    ref = by_name.get(str(rows[0][2]).lower())
    if ref is None:
        return None
    from_cols = [r[3] for r in rows]
    # REFERENCES parent without columns means the parent's primary key, column for column.
    to_cols = [r[4] for r in rows] if all(r[4] for r in rows) else list(ref.primary_key)
    if len(to_cols) != len(from_cols):
        return None
    if not all(_has(ref, c) for c in to_cols) or not all(_has(src, c) for c in from_cols):
        return None
    return ForeignKey(src.name, tuple(_canon(src, c) for c in from_cols),
                      ref.name, tuple(_canon(ref, c) for c in to_cols))


def _json_types(storage_kinds: list[str], declared: str) -> tuple[str, ...]:
    seen = [_JSON_OF_STORAGE[k] for k in storage_kinds if k in _JSON_OF_STORAGE]
    if not seen:
        d = declared.upper()
        if "INT" in d:
            return ("integer",)
        if any(k in d for k in ("REAL", "FLOA", "DOUB", "NUM", "DEC")):
            return ("number",)
        return ("string",)
    if "string" not in seen and "number" in seen:
        return ("number",)  # integers and reals together are just numbers
    return tuple(dict.fromkeys(seen))


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name}_{n}", n + 1
    used.add(candidate)
    return candidate


def _has(table: Table, column: str) -> bool:
    return any(c.name.lower() == column.lower() for c in table.columns)


def _canon(table: Table, column: str) -> str:
    return next(c.name for c in table.columns if c.name.lower() == column.lower())
