"""Where databases come from: built-in demos, a Spider-style directory, or one SQLite file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from common.errors import InputError
from .database import SqlDatabase, open_read_only
from .hashing import database_sha256

BUILTIN = "builtin:demo"
TAU2_PREFIX = "tau2:"  # tau2:airline, tau2:airline,retail: τ²-bench's databases converted to SQLite


@dataclass(frozen=True)
class DatabaseSource:
    db_id: str
    path: Path
    display_names: dict[tuple[str, str | None], str] | None = None

    def open(self) -> SqlDatabase:
        return SqlDatabase(self.db_id, self.path, self.display_names)

    def checked_fingerprint(self) -> str:
        """The file's fingerprint, once it is known to be a SQLite database with tables to use."""
        conn = open_read_only(self.path)
        try:
            tables = conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' "
                                  "AND name NOT LIKE 'sqlite_%'").fetchone()[0]
        finally:
            conn.close()
        if not tables:
            raise InputError(f"database {self.path} has no tables: nothing to build tools from")
        return database_sha256(self.path)


def resolve_sources(spec: str, cache_dir: Path, db_ids: list[str] | None = None) -> list[DatabaseSource]:
    """Turn ``--databases`` into sources, in a stable order, filtered to ``db_ids`` if given."""
    if spec == BUILTIN:
        from .demo import ensure_demo_databases

        found = [DatabaseSource(d, p) for d, p in ensure_demo_databases(cache_dir / "demo").items()]
    elif spec.startswith(TAU2_PREFIX):
        found = _tau2_sources(spec[len(TAU2_PREFIX):], cache_dir)
    else:
        path = Path(spec).expanduser()
        if not path.exists():
            raise InputError(f"databases path does not exist: {path}")
        if path.is_file():
            found = [DatabaseSource(path.stem, path)]
        else:
            found = _spider_sources(path)
    if db_ids:
        known = {s.db_id: s for s in found}
        missing = [d for d in db_ids if d not in known]
        if missing:
            raise InputError(f"unknown db_ids in {spec}: {', '.join(missing)}")
        found = [known[d] for d in db_ids]
    if not found:
        raise InputError(f"no databases found in {spec}")
    return found


def _tau2_sources(domains: str, cache_dir: Path) -> list[DatabaseSource]:
    from .tau2 import ensure_tau2_database

    names = [d.strip() for d in domains.split(",") if d.strip()]
    return [DatabaseSource(d, ensure_tau2_database(d, cache_dir)) for d in dict.fromkeys(names)]


def _spider_sources(root: Path) -> list[DatabaseSource]:
    tables_json = root / "tables.json"
    if not (root / "database").is_dir():
        raise InputError(f"not a Spider-style directory (no database/ folder): {root}")
    if not tables_json.is_file():
        raise InputError(f"Spider directory has no tables.json: {root}")
    try:
        entries = json.loads(tables_json.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"unreadable tables.json in {root}: {exc}") from None
    sources = []
    for entry in sorted(entries, key=lambda e: e["db_id"]):
        db_id = entry["db_id"]
        path = root / "database" / db_id / f"{db_id}.sqlite"
        if path.is_file():
            sources.append(DatabaseSource(db_id, path, _display_names(entry)))
    return sources


def _display_names(entry: dict) -> dict[tuple[str, str | None], str]:
    originals = entry.get("table_names_original", [])
    names: dict[tuple[str, str | None], str] = {}
    for original, words in zip(originals, entry.get("table_names", [])):
        names[(original, None)] = words
    for (t_idx, original), (_, words) in zip(
        entry.get("column_names_original", []), entry.get("column_names", [])
    ):
        if t_idx >= 0:
            names[(originals[t_idx], original)] = words
    return names
