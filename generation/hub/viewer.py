"""A static dialogue viewer: one HTML file over a saved run (no server), with filters (database, mode,
validated or rejected, failed check, persona) and each dialogue shown as a conversation, tool calls
collapsible, validation checks and tasks beside it.

    python -m generation.hub.viewer RUN [--output RUN/viewer.html]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from common.errors import InputError

from ..records import saved_row

PAGE = Path(__file__).with_name("assets") / "viewer.html"


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    """What the page shows of a record row (the environment and gold plans stay in the dataset)."""
    row = saved_row(row)  # arguments as objects, whichever schema version wrote the row
    checks = row["validation"]["checks"]
    tasks = [json.loads(t) if isinstance(t, str) else t for t in row["tasks"]]
    return {
        "id": row["id"], "db": (row.get("environment") or {}).get("db_id"), "mode": row["simulation"]["mode"],
        "passed": row["validation"]["passed"], "failed": [c["name"] for c in checks if not c["passed"]],
        "persona": row["simulation"].get("persona"), "scenario": row["simulation"].get("scenario"),
        "turns": row["stats"]["turns"], "checks": checks,
        "messages": [{k: v for k, v in m.items() if v is not None} for m in row["messages"] if m["role"] != "system"],
        "tasks": [{"description": t["description"], "difficulty": t["difficulty"],
                   "subtasks": [s["request"] for s in t["subtasks"]]} for t in tasks],
    }


def write_viewer(run: Path, output: Path) -> Path:
    rows = []
    for name in ("train.jsonl", "rejected.jsonl"):
        if (run / name).is_file():
            rows += [json.loads(line) for line in (run / name).open() if line.strip()]
    if not rows:
        raise InputError(f"{run} has no dialogues to show (no train.jsonl or rejected.jsonl)")
    data = json.dumps([_entry(r) for r in rows], ensure_ascii=False).replace("</", "<\\/")  # stays inside <script>
    output.write_text(PAGE.read_text().replace("__RECORDS__", data))
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generation.hub.viewer", description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="a run folder (python -m generation --output RUN)")
    parser.add_argument("--output", type=Path, default=None, help="the HTML file (default: RUN/viewer.html)")
    args = parser.parse_args(argv)
    try:
        path = write_viewer(args.run, args.output or args.run / "viewer.html")
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"open {path} in a browser")
    return 0


if __name__ == "__main__":
    sys.exit(main())
