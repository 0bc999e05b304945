"""τ²-bench's databases as SQLite: rows as τ² counts them, keys, references, determinism, a rules run."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from common.errors import InputError
from conftest import fails_cleanly, run_cli
from generation.databases import tau2 as tau2_db
from generation.databases.sources import resolve_sources
from generation.databases.tau2 import TAU2_DOMAINS, build_tau2_database, ensure_tau2_database, tau2_entity_counts

pytest.importorskip("tau2")


def _tau2_db(domain: str) -> Any:
    return tau2_db._tau2_module(domain, "data_model").get_db()


def _expected_rows(domain: str) -> dict[str, int]:
    """Rows per table, counted straight from τ²'s loaded models (not through the converter)."""
    db = _tau2_db(domain)
    if domain == "airline":
        users, reservations = db.users.values(), db.reservations.values()
        return {
            "flights": len(db.flights), "flight_dates": sum(len(f.dates) for f in db.flights.values()),
            "users": len(db.users), "user_payment_methods": sum(len(u.payment_methods) for u in users),
            "user_saved_passengers": sum(len(u.saved_passengers) for u in users),
            "reservations": len(db.reservations),
            "reservation_flights": sum(len(r.flights) for r in reservations),
            "reservation_passengers": sum(len(r.passengers) for r in reservations),
            "reservation_payments": sum(len(r.payment_history) for r in reservations),
        }
    if domain == "retail":
        variants = [v for p in db.products.values() for v in p.variants.values()]
        orders = list(db.orders.values())
        fulfillments = [f for o in orders for f in o.fulfillments]
        return {
            "products": len(db.products), "product_variants": len(variants),
            "product_variant_options": sum(len(v.options) for v in variants),
            "users": len(db.users), "user_payment_methods": sum(len(u.payment_methods) for u in db.users.values()),
            "orders": len(orders), "order_items": sum(len(o.items) for o in orders),
            "order_item_options": sum(len(i.options) for o in orders for i in o.items),
            "order_fulfillments": len(fulfillments),
            "order_fulfillment_tracking_ids": sum(len(f.tracking_id) for f in fulfillments),
            "order_fulfillment_items": sum(len(f.item_ids) for f in fulfillments),
            "order_payments": sum(len(o.payment_history) for o in orders),
        }
    return {
        "plans": len(db.plans), "customers": len(db.customers),
        "customer_payment_methods": sum(len(c.payment_methods) for c in db.customers),
        "customer_lines": sum(len(c.line_ids) for c in db.customers),
        "lines": len(db.lines), "bills": len(db.bills),
        "bill_line_items": sum(len(b.line_items) for b in db.bills), "devices": len(db.devices),
    }


# lists τ² keeps on both sides of a link: (τ²'s (owner, id) pairs, the query that gives them back)
MIRRORED = {
    "airline": (lambda db: {(u.user_id, r) for u in db.users.values() for r in u.reservations},
                "SELECT user_id, reservation_id FROM reservations"),
    "retail": (lambda db: {(u.user_id, o) for u in db.users.values() for o in u.orders},
               "SELECT user_id, order_id FROM orders"),
    "telecom": (lambda db: {(c.customer_id, b) for c in db.customers for b in c.bill_ids},
                "SELECT customer_id, bill_id FROM bills"),
}

# references between entities that must be declared (source table, columns) -> (target table, columns)
REFERENCES = {
    "airline": {("reservations", ("user_id",)): ("users", ("user_id",)),
                ("reservation_flights", ("flight_number", "date")): ("flight_dates", ("flight_number", "date")),
                ("reservation_payments", ("payment_id",)): ("user_payment_methods", ("payment_method_id",))},
    "retail": {("order_items", ("item_id",)): ("product_variants", ("item_id",)),
               ("order_payments", ("payment_method_id",)): ("user_payment_methods", ("payment_method_id",)),
               ("order_item_options", ("order_id", "item_position")): ("order_items", ("order_id", "position"))},
    "telecom": {("lines", ("plan_id",)): ("plans", ("plan_id",)), ("lines", ("device_id",)): ("devices", ("device_id",)),
                ("customer_lines", ("line_id",)): ("lines", ("line_id",))},
}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    cache = tmp_path_factory.mktemp("tau2")
    return {d: ensure_tau2_database(d, cache) for d in TAU2_DOMAINS}


def _tables(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]


def _foreign_keys(conn: sqlite3.Connection, table: str) -> set[tuple[tuple[str, ...], str, tuple[str, ...]]]:
    groups: dict[int, list] = {}
    for row in conn.execute(f'PRAGMA foreign_key_list("{table}")'):
        groups.setdefault(row[0], []).append(row)
    return {(tuple(r[3] for r in rows), rows[0][2], tuple(r[4] for r in rows)) for rows in groups.values()}


@pytest.mark.parametrize("domain", TAU2_DOMAINS)
def test_row_counts_equal_tau2s(built: dict[str, Path], domain: str) -> None:
    conn = sqlite3.connect(built[domain])
    counts = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in _tables(conn)}
    assert counts == _expected_rows(domain)
    entities = tau2_entity_counts(domain)
    assert entities and all(counts[name] == n > 0 for name, n in entities.items())
    stats = _tau2_db(domain).get_statistics()  # τ²'s own figures, where it has them
    assert {"airline": counts.get("flight_dates") == stats.get("num_flights_instances"),
            "retail": counts.get("product_variants") == stats.get("total_num_items"),
            "telecom": counts.get("customer_payment_methods") == stats.get("num_payment_methods")}[domain]


@pytest.mark.parametrize("domain", TAU2_DOMAINS)
def test_keys_and_references(built: dict[str, Path], domain: str) -> None:
    conn = sqlite3.connect(built[domain])
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    for table in _tables(conn):
        info = conn.execute(f'PRAGMA table_info("{table}")').fetchall()
        assert any(c[5] for c in info), f"{table} has no primary key"
        assert {c[2] for c in info} <= {"INTEGER", "REAL", "TEXT"}
        assert not any(ch.isdigit() for c in info for ch in c[1]), f"{table}: a digit in a column name"
    declared = {(t, fk[0]): (fk[1], fk[2]) for t in _tables(conn) for fk in _foreign_keys(conn, t)}
    for source, target in REFERENCES[domain].items():
        assert declared.get(source) == target, source
    pairs, query = MIRRORED[domain]  # kept once, as the key on the listed rows: nothing lost
    assert set(conn.execute(query).fetchall()) == pairs(_tau2_db(domain))


def test_values_keep_order_and_types(built: dict[str, Path]) -> None:
    reservation = next(iter(_tau2_db("airline").reservations.values()))
    conn = sqlite3.connect(built["airline"])
    flights = conn.execute("SELECT flight_number, date, price FROM reservation_flights WHERE reservation_id = ? "
                           "ORDER BY position", (reservation.reservation_id,)).fetchall()
    assert flights == [(f.flight_number, f.date, f.price) for f in reservation.flights]
    seats = conn.execute("SELECT available_seats_economy, prices_business FROM flight_dates "
                         "WHERE status = 'available' LIMIT 1").fetchone()
    assert all(isinstance(v, int) for v in seats)
    telecom = sqlite3.connect(built["telecom"])
    flags = {r[0] for r in telecom.execute("SELECT roaming_enabled FROM lines")}
    assert flags <= {0, 1} and flags
    assert telecom.execute("SELECT typeof(activation_date) FROM devices LIMIT 1").fetchone() == ("text",)


def test_conversion_is_byte_identical(built: dict[str, Path], tmp_path: Path) -> None:
    for domain in TAU2_DOMAINS:
        again = build_tau2_database(domain, tmp_path / f"{domain}.sqlite")
        assert hashlib.sha256(again.read_bytes()).digest() == hashlib.sha256(built[domain].read_bytes()).digest()
    assert not list(tmp_path.glob(".*.tmp"))


def test_cached_file_is_reused_until_its_source_changes(tmp_path: Path) -> None:
    path = ensure_tau2_database("telecom", tmp_path)
    path.write_bytes(b"marker")  # a rebuild would overwrite it
    assert ensure_tau2_database("telecom", tmp_path).read_bytes() == b"marker"
    path.with_suffix(".version").write_text("converter old\n")
    assert ensure_tau2_database("telecom", tmp_path).read_bytes() != b"marker"


def test_sources_accept_tau2_specs(tmp_path: Path) -> None:
    sources = resolve_sources("tau2:telecom,airline", tmp_path)
    assert [s.db_id for s in sources] == ["telecom", "airline"]
    assert [s.path for s in sources] == [tmp_path / "tau2" / "telecom.sqlite", tmp_path / "tau2" / "airline.sqlite"]
    assert resolve_sources("tau2:airline", tmp_path, ["airline"])[0].checked_fingerprint()


def test_unknown_domain_and_missing_tau2_are_one_line_errors(tmp_path: Path, monkeypatch) -> None:
    fails_cleanly(run_cli("--databases", "tau2:nope", "--output", str(tmp_path / "o")),
                  "unknown tau2 database 'nope'", "airline, retail, telecom")
    monkeypatch.setattr(tau2_db, "find_spec", lambda name: None)
    with pytest.raises(InputError, match=r"pip install '\.\[eval\]'"):
        ensure_tau2_database("airline", tmp_path)


def test_rules_run_validates_most_dialogues(tmp_path: Path) -> None:
    out = tmp_path / "retail"
    proc = run_cli("--databases", "tau2:retail", "--num-dialogues", "12", "--output", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    stats = json.loads((out / "stats.json").read_text())
    assert stats["splits"]["train"] + stats["splits"].get("rejected", 0) == 12
    assert stats["acceptance_rate"] >= 0.9, stats["rejection_reasons"]
    assert stats["tasks"]["validated_rate"] >= 0.9
    assert stats["tools"]["kept"] >= 10 * stats["tools"]["dropped"]
