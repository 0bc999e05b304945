"""Built-in demo databases, generated so that the default run needs no download.

Each domain (library, clinic, shop) is a small relational SQLite file described by the table
specs below. Every value comes from a per-domain seeded ``random.Random`` and the word lists in
this module, so the same code always writes the same rows (and, on one machine, the same bytes).
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from .demo_columns import (
    Col,
    Cols,
    TableSpec,
    after,
    choice,
    codes,
    dates,
    derive,
    fk,
    ints,
    lookup,
    opt,
    reals,
    shift_days,
    unique,
)
from .files import write_database

DEMO_DOMAINS: tuple[str, ...] = ("library", "clinic", "shop")

# "Today" for the generated data: later events have not happened yet.
AS_OF = "2024-06-30"


# --- word lists -------------------------------------------------------------------------------

FIRST = "Maria James Aisha Daniel Sofia Liam Priya Noah Elena Omar Grace Lucas Hana Mateo Chloe Ravi Amara".split()
LAST = "Lopez Smith Khan Novak Rossi Okafor Patel Murphy Tanaka Silva Fischer Haddad Kowalski Moreau Nguyen".split()
PEOPLE = [f"{f} {s}" for f in FIRST for s in LAST]
PLACES = "Riverside Hillcrest Oakwood Harbor Northgate Maple Cedar Lakeview Westfield Elmwood Brookside Summit".split()
CITIES = "Springfield Riverton Ashford Milltown Bayview Fairhaven Kingsbury Westport".split()
COUNTRIES = "Ireland Nigeria Japan Brazil Canada India Poland Italy Egypt Norway".split()
ADJECTIVES = "Silent Hidden Broken Golden Distant Forgotten Crimson Endless Quiet Burning Hollow Winter Lost".split()
NOUNS = "Harbor Garden Kingdom River Letter Orchard Lantern Voyage Mirror Forest Bridge Signal Island Archive".split()
TITLES = [f"The {a} {n}" for a in ADJECTIVES for n in NOUNS]
GENRES = "fiction mystery history science biography fantasy poetry children".split()
DEPARTMENTS = "Cardiology Neurology Pediatrics Orthopedics Dermatology Oncology Radiology Psychiatry Urology".split()
MEDICATIONS = "Amoxicillin Ibuprofen Metformin Lisinopril Atorvastatin Omeprazole Cetirizine Sertraline".split()
BLOOD_TYPES = "A+ A- B+ B- AB+ AB- O+ O-".split()
INSURERS = ("Northwind Health", "Bluebridge Care", "Civic Mutual", "Evergreen Assurance")
CATEGORIES = "Furniture Lighting Kitchen Garden Stationery Electronics Outdoor Bath Toys Textiles Storage Decor".split()
MATERIALS = "Walnut Oak Bamboo Steel Ceramic Linen Copper Glass Cotton Marble Cedar Wool".split()
ITEMS = "Desk Lamp Chair Shelf Vase Mug Basket Clock Rug Bowl Tray Stool Planter Notebook".split()
PRODUCTS = [f"{m} {i}" for m in MATERIALS for i in ITEMS]


def _email(_: random.Random, name: str) -> str:
    return name.lower().replace(" ", ".") + "@example.com"


# --- domains ----------------------------------------------------------------------------------

_LIBRARY = (
    TableSpec("branches", "branch_id", 8, (
        Col("name", "TEXT", unique([f"{p} Branch" for p in PLACES])),
        Col("city", "TEXT", choice(CITIES)),
        Col("opened_year", "INTEGER", ints(1950, 2015)),
        Col("status", "TEXT", choice(("open", "renovating", "closed"), (8, 1, 1))),
    )),
    TableSpec("authors", "author_id", 40, (
        Col("name", "TEXT", unique(PEOPLE)),
        Col("country", "TEXT", choice(COUNTRIES)),
        Col("birth_year", "INTEGER", ints(1920, 1995)),
    )),
    TableSpec("books", "book_id", 120, (
        Col("title", "TEXT", unique(TITLES)),
        fk("authors", "author_id"),
        fk("branches", "branch_id"),
        Col("genre", "TEXT", choice(GENRES)),
        Col("published_year", "INTEGER", ints(1960, 2023)),
        Col("pages", "INTEGER", ints(90, 900)),
        Col("price", "REAL", reals(6, 60)),
        Col("copies", "INTEGER", ints(1, 6)),
    )),
    TableSpec("members", "member_id", 80, (
        Col("name", "TEXT", unique(PEOPLE)),
        fk("branches", "branch_id"),
        Col("joined_on", "TEXT", dates("2015-01-01", "2024-06-01")),
        opt("email", "TEXT", derive(_email, "name"), 0.15),
        Col("status", "TEXT", choice(("active", "suspended", "expired"), (8, 1, 2))),
    )),
    TableSpec("loans", "loan_id", 140, (
        Col("reference", "TEXT", codes("LN-{:05d}", 10001)),
        fk("books", "book_id"),
        fk("members", "member_id"),
        Col("loaned_on", "TEXT", dates("2023-01-01", "2024-06-28")),
        Col("due_on", "TEXT", after("loaned_on", 21, 21)),
        opt("returned_on", "TEXT", after("loaned_on", 1, 35, cap=AS_OF), 0.1),
        Col("renewals", "INTEGER", ints(0, 2)),
        Col("status", "TEXT", derive(
            lambda _, ret, due: "returned" if ret else ("overdue" if due < AS_OF else "on_loan"),
            "returned_on", "due_on",
        )),
    )),
)

_CLINIC = (
    TableSpec("departments", "department_id", 8, (
        Col("name", "TEXT", unique(DEPARTMENTS)),
        Col("floor", "INTEGER", ints(1, 6)),
        Col("phone", "TEXT", derive(lambda _, k: f"555-01{k:02d}", "department_id")),
        Col("beds", "INTEGER", ints(0, 40)),
        Col("status", "TEXT", choice(("open", "closed"), (9, 1))),
    )),
    TableSpec("doctors", "doctor_id", 30, (
        Col("name", "TEXT", unique(PEOPLE)),
        fk("departments", "department_id"),
        Col("hired_on", "TEXT", dates("2005-01-01", "2024-03-31")),
        Col("room", "INTEGER", ints(100, 699)),
        Col("salary", "REAL", reals(95000, 320000)),
        Col("status", "TEXT", choice(("active", "on_leave", "retired"), (8, 1, 1))),
    )),
    TableSpec("patients", "patient_id", 100, (
        Col("name", "TEXT", unique(PEOPLE)),
        Col("birth_date", "TEXT", dates("1935-01-01", "2022-12-31")),
        Col("city", "TEXT", choice(CITIES)),
        Col("blood_type", "TEXT", choice(BLOOD_TYPES)),
        opt("insurer", "TEXT", choice(INSURERS), 0.2),
        Col("registered_on", "TEXT", dates("2018-01-01", "2024-06-01")),
    )),
    TableSpec("appointments", "appointment_id", 130, (
        Col("reference", "TEXT", codes("AP-{:05d}", 20001)),
        fk("patients", "patient_id"),
        fk("doctors", "doctor_id"),
        Col("scheduled_on", "TEXT", dates("2023-01-01", "2024-09-30")),
        Col("duration_minutes", "INTEGER", choice((15, 30, 45, 60))),
        Col("fee", "REAL", reals(40, 400)),
        Col("status", "TEXT", derive(
            lambda rng, day: "scheduled" if day > AS_OF
            else rng.choices(("completed", "cancelled", "no_show"), (8, 1, 1))[0],
            "scheduled_on",
        )),
    )),
    TableSpec("prescriptions", "prescription_id", 90, (
        Col("reference", "TEXT", codes("RX-{:05d}", 30001)),
        fk("appointments", "appointment_id"),
        Col("medication", "TEXT", choice(MEDICATIONS)),
        Col("dosage_mg", "INTEGER", choice((5, 10, 20, 50, 100, 250, 500))),
        Col("refills", "INTEGER", ints(0, 3)),
        Col("issued_on", "TEXT", lookup("appointment_id", "appointments", "scheduled_on")),
        Col("cost", "REAL", reals(3, 180)),
    )),
)

_SHOP = (
    TableSpec("categories", "category_id", 10, (
        Col("name", "TEXT", unique(CATEGORIES)),
        Col("aisle", "INTEGER", ints(1, 20)),
        Col("status", "TEXT", choice(("active", "archived"), (9, 1))),
    )),
    TableSpec("products", "product_id", 60, (
        Col("name", "TEXT", unique(PRODUCTS)),
        fk("categories", "category_id"),
        Col("price", "REAL", reals(4, 480)),
        Col("stock", "INTEGER", ints(0, 250)),
        opt("weight_kg", "REAL", reals(0.1, 25), 0.1),
        Col("launched_on", "TEXT", dates("2019-01-01", "2024-05-31")),
        Col("status", "TEXT", choice(("active", "discontinued"), (5, 1))),
    )),
    TableSpec("customers", "customer_id", 70, (
        Col("name", "TEXT", unique(PEOPLE)),
        Col("email", "TEXT", derive(_email, "name")),
        Col("city", "TEXT", choice(CITIES)),
        Col("joined_on", "TEXT", dates("2019-01-01", "2024-06-01")),
        Col("loyalty_tier", "TEXT", choice(("bronze", "silver", "gold"), (6, 3, 1))),
        Col("status", "TEXT", choice(("active", "inactive"), (4, 1))),
    )),
    TableSpec("orders", "order_id", 100, (
        Col("reference", "TEXT", codes("ORD-{:05d}", 50001)),
        fk("customers", "customer_id"),
        Col("ordered_on", "TEXT", dates("2023-01-01", "2024-06-30")),
        opt("shipped_on", "TEXT", after("ordered_on", 1, 5, cap=AS_OF), 0.08),
        Col("shipping_cost", "REAL", choice((0.0, 4.99, 9.99))),
        Col("status", "TEXT", derive(
            lambda rng, shipped: ("delivered" if shipped <= shift_days(AS_OF, -5) else "shipped") if shipped
            else rng.choice(("pending", "cancelled")),
            "shipped_on",
        )),
    )),
    TableSpec("order_items", "order_item_id", 140, (
        Col("reference", "TEXT", codes("OI-{:05d}", 70001)),
        fk("orders", "order_id"),
        fk("products", "product_id"),
        Col("quantity", "INTEGER", ints(1, 5)),
        Col("unit_price", "REAL", lookup("product_id", "products", "price")),
        opt("discount", "REAL", reals(0.05, 0.3), 0.7),
    )),
)

# Fixed seed per domain: changing one changes that domain's data (and file hash) only.
_DOMAINS: dict[str, tuple[int, tuple[TableSpec, ...]]] = {
    "library": (1101, _LIBRARY),
    "clinic": (2202, _CLINIC),
    "shop": (3303, _SHOP),
}


# --- building ---------------------------------------------------------------------------------


def _generate(seed: int, specs: Sequence[TableSpec]) -> dict[str, Cols]:
    rng = random.Random(seed)
    db: dict[str, Cols] = {}
    for spec in specs:
        cols: Cols = {spec.key: list(range(1, spec.rows + 1))}
        for col in spec.cols:
            cols[col.name] = col.gen(rng, spec.rows, cols, db)
        db[spec.name] = cols
    return db


def _ddl(spec: TableSpec) -> str:
    parts = [f"{spec.key} INTEGER PRIMARY KEY"]
    for c in spec.cols:
        ref = f" REFERENCES {c.ref} ({c.name})" if c.ref else ""
        parts.append(f"{c.name} {c.type}{'' if c.nullable else ' NOT NULL'}{ref}")
    return f"CREATE TABLE {spec.name} (\n  " + ",\n  ".join(parts) + "\n)"


def build_demo_database(domain: str, path: Path) -> Path:
    """Write the ``domain`` demo database to ``path`` (replacing it atomically) and return ``path``."""
    if domain not in _DOMAINS:
        raise ValueError(f"unknown demo domain {domain!r}; expected one of {', '.join(DEMO_DOMAINS)}")
    seed, specs = _DOMAINS[domain]
    data = _generate(seed, specs)

    def fill(conn: sqlite3.Connection) -> None:
        conn.execute("PRAGMA page_size=4096")
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA foreign_keys=ON")  # a bad reference fails the build, not a reader
        conn.execute("BEGIN")
        for spec in specs:
            conn.execute(_ddl(spec))
        for spec in specs:
            names = [spec.key, *(c.name for c in spec.cols)]
            cols = data[spec.name]
            conn.executemany(
                f"INSERT INTO {spec.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
                zip(*(cols[n] for n in names)),
            )
        conn.execute("COMMIT")
        conn.execute("VACUUM")

    return write_database(path, fill)


def ensure_demo_databases(directory: Path) -> dict[str, Path]:
    """Build ``<directory>/<domain>.sqlite`` for each domain that has no file yet."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for domain in DEMO_DOMAINS:
        path = directory / f"{domain}.sqlite"
        if not path.exists():
            build_demo_database(domain, path)
        paths[domain] = path
    return paths
