"""Schema of a SQLite database, read from the file itself (PRAGMA) and typed from its data.

SQLite is dynamically typed and Spider files hold text in INT columns, so a column's JSON type
comes from the values actually stored, with the declared affinity as the fallback.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass, field

_JSON_OF_STORAGE = {"integer": "integer", "real": "number", "text": "string"}
# Names that cannot be bare aliases or bind names in SQLite get a suffix.
_KEYWORDS = set(
    "abort action add after all alter analyze and as asc attach autoincrement before begin between by "
    "cascade case cast check collate column commit conflict constraint create cross current current_date "
    "current_time current_timestamp database default deferrable deferred delete desc detach distinct do "
    "drop each else end escape except exclusive exists explain fail filter for foreign from full glob "
    "group having if ignore immediate in index indexed initially inner insert instead intersect into is "
    "isnull join key last left like limit match natural no not nothing notnull null of offset on or order "
    "outer over partition plan pragma primary query raise range recursive references regexp reindex release "
    "rename replace restrict returning right rollback row rows savepoint select set table temp temporary "
    "then to transaction trigger union unique update using vacuum values view virtual when where window "
    "with without".split()
)


def snake(name: str) -> str:
    """A bind-safe, lower snake_case identifier for a table or column name."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name.strip())
    s = re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower()
    if not s:
        s = "x"
    if s in _KEYWORDS:
        s = f"{s}_value"
    return s if not s[0].isdigit() else f"n_{s}"


def singular(words: str) -> str:
    """'appointments' -> 'appointment', 'categories' -> 'category': for table names in sentences."""
    head, _, last = words.rpartition(" ")
    if last.endswith("ies") and len(last) > 4:
        last = last[:-3] + "y"
    elif last.endswith(("sses", "ches", "shes", "xes")):
        last = last[:-2]
    elif last.endswith("s") and not last.endswith(("ss", "us", "is")) and len(last) > 3:
        last = last[:-1]
    return f"{head} {last}".strip()


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


@dataclass(frozen=True)
class Column:
    name: str
    declared: str
    json_types: tuple[str, ...]  # non-null JSON types seen (or implied), most common first
    nullable: bool
    display: str
    param: str
    distinct_values: int

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
    table: str
    column: str
    ref_table: str
    ref_column: str


@dataclass(frozen=True)
class Table:
    name: str
    display: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    rowid_alias: bool  # INTEGER PRIMARY KEY: SQLite assigns the key on insert
    row_count: int
    slug: str = field(default="")

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def key(self) -> Column | None:
        return self.column(self.primary_key[0]) if len(self.primary_key) == 1 else None

    @property
    def label(self) -> Column | None:
        """The text column a person would use to name a row (name, title, ...)."""
        texts = [c for c in self.columns if c.is_text and c.name not in self.primary_key]
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
    table_names = [
        r[0]
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    tables, fks, slugs = [], [], set()
    for tname in table_names:
        info = conn.execute(f"PRAGMA table_info({quote(tname)})").fetchall()
        row_count = conn.execute(f"SELECT COUNT(*) FROM {quote(tname)}").fetchone()[0]
        columns, pk = [], []
        params: set[str] = set()
        for _cid, cname, ctype, notnull, _default, pk_pos in info:
            stored = conn.execute(
                f"SELECT typeof({quote(cname)}) AS t, COUNT(*) FROM {quote(tname)} GROUP BY t ORDER BY 2 DESC, 1"
            ).fetchall()
            kinds = [t for t, _ in stored]
            if "blob" in kinds:
                continue  # binary values have no JSON form; such columns are left out of tools
            json_types = _json_types(kinds, ctype or "")
            distinct = conn.execute(
                f"SELECT COUNT(DISTINCT {quote(cname)}) FROM {quote(tname)}"
            ).fetchone()[0]
            param = _unique(snake(cname), params)
            columns.append(
                Column(
                    name=cname,
                    declared=(ctype or "").upper(),
                    json_types=json_types,
                    nullable=("null" in kinds) or (not notnull and not pk_pos),
                    display=names.get((tname, cname)) or snake(cname).replace("_", " "),
                    param=param,
                    distinct_values=distinct,
                )
            )
            if pk_pos:
                pk.append((pk_pos, cname))
        primary_key = tuple(c for _, c in sorted(pk))
        rowid_alias = (
            len(info) > 0
            and len(primary_key) == 1
            and any(c[1] == primary_key[0] and (c[2] or "").upper() == "INTEGER" for c in info)
        )
        tables.append(
            Table(
                name=tname,
                display=singular(names.get((tname, None)) or snake(tname).replace("_", " ")),
                columns=tuple(columns),
                primary_key=tuple(p for p in primary_key if any(c.name == p for c in columns)),
                rowid_alias=rowid_alias,
                row_count=row_count,
                slug=_unique(snake(tname), slugs),
            )
        )
        for row in conn.execute(f"PRAGMA foreign_key_list({quote(tname)})"):
            ref_table, from_col, to_col = row[2], row[3], row[4]
            fks.append(ForeignKey(tname, from_col, ref_table, to_col))
    by_name = {t.name.lower(): t for t in tables}
    resolved = []
    for fk in fks:
        ref = by_name.get(fk.ref_table.lower())
        if ref is None:
            continue
        ref_col = fk.ref_column or (ref.primary_key[0] if len(ref.primary_key) == 1 else None)
        src = by_name[fk.table.lower()]
        if ref_col is None or not _has(ref, ref_col) or not _has(src, fk.column):
            continue
        resolved.append(
            ForeignKey(src.name, _canon(src, fk.column), ref.name, _canon(ref, ref_col))
        )
    return DatabaseSchema(db_id=db_id, tables=tuple(tables), foreign_keys=tuple(dict.fromkeys(resolved)))


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
