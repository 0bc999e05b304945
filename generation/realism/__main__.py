"""``python -m generation.realism PATH [PATH ...]``: the realism report of saved dialogues (a run's
output folder, a .jsonl file, or a saved dataset), one column per dataset and mode."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from common.errors import InputError

from .load import load_records
from .report import render_table, report_columns


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m generation.realism", description=__doc__)
    parser.add_argument("paths", nargs="+", type=Path, help="run folder, .jsonl file or saved dataset folder")
    parser.add_argument("--split", choices=["train", "rejected", "all"], default="train")
    parser.add_argument("--json", type=Path, help="write the figures per column as JSON here")
    parser.add_argument("--markdown", type=Path, help="write the table as markdown here")
    return parser.parse_args(argv)


def _names(paths: list[Path]) -> list[str]:
    """Short column names: the folder name (a .jsonl file's folder and stem), unique by position."""
    names = [f"{p.resolve().parent.name}/{p.stem}" if p.is_file() else p.resolve().name for p in paths]
    return [n if names.count(n) == 1 else f"{n}#{i + 1}" for i, n in enumerate(names)]


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        datasets = [(name, load_records(path, args.split)) for name, path in zip(_names(args.paths), args.paths)]
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    columns = report_columns(datasets)
    print(render_table(columns, tablefmt="simple"))
    if args.json:
        args.json.write_text(json.dumps(columns, indent=2, ensure_ascii=False) + "\n")
    if args.markdown:
        args.markdown.write_text(render_table(columns) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
