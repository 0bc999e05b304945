"""``python -m generation``: generate validated tool-use dialogues into a Hugging Face dataset."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from common.errors import InputError

from .config import load_config


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generation", description=__doc__)
    parser.add_argument("--config", type=Path, help="YAML config (default: built-in demo databases, user_oriented)")
    parser.add_argument("--output", type=Path, required=True, help="output directory (resumed if it exists)")
    parser.add_argument("--databases", help="builtin:demo, a Spider-style directory, or one .sqlite file")
    parser.add_argument("--num-dialogues", type=int, dest="num_dialogues", help="how many dialogues to attempt")
    parser.add_argument("--mode", choices=["user_oriented", "task_oriented", "both"],
                        help="reveal the goal piece by piece (user_oriented), all at once, or both on the same tasks")
    parser.add_argument("--seed", type=int, help="seed of every random choice: same config and seed, same bytes")
    parser.add_argument("--continue-from", dest="continue_from", help="dataset of earlier records to continue")
    parser.add_argument("--ray", metavar="ADDRESS",
                        help="run the dialogues on a Ray cluster: auto (the one this machine belongs to), "
                             "HOST:PORT or ray://HOST:PORT; workers then counts actors per node")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", dest="sets",
                        help="override any config key, dotted for nested ones, the value read as YAML "
                             "(e.g. --set user.personas='{terse: 1}' --set db_ids='[pets_1]'); repeatable")
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    overrides = {k: getattr(args, k) for k in ("databases", "num_dialogues", "mode", "seed", "continue_from", "ray")}
    try:
        config = load_config(args.config, overrides, args.sets)
        from .pipeline import GenerationPipeline

        stats = GenerationPipeline(config, args.output).run()
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted: finished dialogues are kept; rerun the same command to resume", file=sys.stderr)
        return 130
    from .stats import stats_markdown

    print(stats_markdown(stats))
    print(f"dataset written to {args.output / 'dataset'} ({stats['seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
