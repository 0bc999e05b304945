"""Publish a run to the Hugging Face Hub: the dataset as parquet files with its card and figures.

    python -m generation.hub.publish RUN --repo-id NAME [--private] [--dry-run] [--folder DIR]

The exact folder that is uploaded is built first (``--folder``, default ``RUN/hub``): ``README.md``
(the card, with a ``configs`` entry per split), ``data/<split>-*.parquet`` and ``plots/``. With
``--dry-run``, or when ``HF_HUB_OFFLINE`` is set, that folder is all that happens. The token comes
from the environment (``HF_TOKEN``) or a ``huggingface-cli login``; it is never written anywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from pathlib import Path

from common.errors import InputError

from .card import SPLITS, build_card, contamination_of


def build_folder(run: Path, folder: Path) -> Path:
    """The folder a push uploads, rebuilt from the run's saved dataset, stats, config and figures."""
    from datasets import load_from_disk

    from ..config import load_config
    from ..run_folder import CONFIG_FILE

    for needed in ("dataset", "stats.json", CONFIG_FILE):
        if not (run / needed).exists():
            raise InputError(f"{run} is not a finished run: it has no {needed}")
    dataset = load_from_disk(str(run / "dataset"))
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "data").mkdir(parents=True)
    data_files = {}
    for split in SPLITS:
        if split in dataset and len(dataset[split]):  # an empty split has no file, so no config entry
            dataset[split].to_parquet(str(folder / "data" / f"{split}-00000-of-00001.parquet"))
            data_files[split] = f"data/{split}-*.parquet"
    plots = sorted(p.name for p in (run / "plots").glob("*.png")) if (run / "plots").is_dir() else []
    if plots:
        shutil.copytree(run / "plots", folder / "plots")
    config = load_config(run / CONFIG_FILE, {})
    stats = json.loads((run / "stats.json").read_text())
    for report in ("contamination.json", "contamination.md"):
        if (run / report).is_file():
            shutil.copyfile(run / report, folder / report)
    card = build_card(stats, config, plots, data_files, contamination=contamination_of(run))
    (folder / "README.md").write_text(str(card))
    return folder


def push(folder: Path, repo_id: str, private: bool) -> str:
    from huggingface_hub import HfApi

    api = HfApi()  # the token: HF_TOKEN or the saved login
    api.create_repo(repo_id, repo_type="dataset", private=private, exist_ok=True)
    info = api.upload_folder(folder_path=str(folder), repo_id=repo_id, repo_type="dataset",
                             commit_message="Upload tool-use dialogues")
    return str(info)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m generation.hub.publish", description=__doc__.split("\n\n")[0])
    parser.add_argument("run", type=Path, help="a finished run folder (python -m generation --output RUN)")
    parser.add_argument("--repo-id", required=True, help="the Hub dataset to create or update, e.g. me/dialogues")
    parser.add_argument("--private", action="store_true", help="create the repository as private")
    parser.add_argument("--dry-run", action="store_true", help="build the folder a push would upload, push nothing")
    parser.add_argument("--folder", type=Path, default=None, help="where to build that folder (default: RUN/hub)")
    return parser


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    return build_parser().parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        folder = build_folder(args.run, args.folder or args.run / "hub")
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.dry_run or os.environ.get("HF_HUB_OFFLINE", "0") not in ("", "0"):
        print(f"dry run: {folder} is what would be uploaded to {args.repo_id}")
        return 0
    print(push(folder, args.repo_id, args.private))
    return 0


if __name__ == "__main__":
    sys.exit(main())
