"""Regenerate docs/examples.md: one complete dialogue each from the built-in demo, the Spider test
split and a schema outside both (docs/examples/ticketing.sql), made by the default roles.

    python scripts/render_examples.py [--work out/examples] [--output docs/examples.md]

Each source gets a small generation run (python -m generation, the default config); the dialogue
shown is chosen by a fixed rule (below), so the same code and seed give the same page.
"""

from __future__ import annotations

import argparse
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from generation.transcript import render  # noqa: E402

SOURCES = (  # title, generation arguments ({work}: the run folder's parent)
    ("The built-in demo", ["--num-dialogues", "32"]),
    ("A Spider test-split database", ["--config", "configs/generation/spider_test.yaml", "--num-dialogues", "40"]),
    ("A schema outside both: event ticketing", ["--databases", "{work}/ticketing.sqlite", "--num-dialogues", "32"]),
)


def build_ticketing(work: Path) -> None:
    path = work / "ticketing.sqlite"
    if not path.exists():
        with sqlite3.connect(path) as conn:
            conn.executescript((ROOT / "docs/examples/ticketing.sql").read_text())


def score(record: dict) -> tuple:
    """Prefer dialogues that show the most: several goals, a write, a length near the run's typical one."""
    writes = {t["name"] for t in record["environment"]["tools"] if t.get("writes")}
    called = {c["function"]["name"] for m in record["messages"] for c in (m.get("tool_calls") or [])}
    turns = record["stats"]["turns"]
    return (record["stats"]["tasks"] >= 2, bool(writes & called), 16 <= turns <= 40, -abs(turns - 24))


def pick(run: Path) -> dict:
    records = [json.loads(line) for line in (run / "train.jsonl").read_text().splitlines() if line.strip()]
    records = [r for r in records if r["simulation"]["mode"] == "user_oriented"]
    if not records:
        raise SystemExit(f"error: {run} produced no validated user_oriented dialogue")
    return max(records, key=lambda r: (score(r), [-ord(c) for c in r["id"]]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=ROOT / "out/examples")
    parser.add_argument("--output", type=Path, default=ROOT / "docs/examples.md")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    build_ticketing(args.work)
    sections = []
    for number, (title, extra) in enumerate(SOURCES, 1):
        run = args.work / f"run{number}"
        command = [sys.executable, "-m", "generation", "--output", str(run)]
        command += [a.replace("{work}", str(args.work)) for a in extra]
        print(f"[{number}/{len(SOURCES)}] {title}: {' '.join(command[1:])}", flush=True)
        subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        sections.append(render(pick(run), title))
    header = [
        "# Example dialogues",
        "",
        "Three complete dialogues made by the default roles (rule-based user simulator, oracle agent,",
        "tools executed on a per-dialogue SQLite copy): one from the built-in demo, one from a Spider",
        "test-split database, one from a schema outside both (`docs/examples/ticketing.sql`).",
        "Regenerate with `python scripts/render_examples.py`; each is the run's validated user-oriented",
        "dialogue with the most to show (several goals, a write, a typical length). Tool outputs longer",
        "than 400 characters are cut here, never in the data.",
        "",
    ]
    args.output.write_text("\n".join(header + sections))
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
