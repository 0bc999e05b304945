"""Run folders in and out: reading a generation run's records, checking them, and the filter.

The filter writes a new run-like folder (never into the input run): ``dataset/`` (what training loads),
``train.jsonl`` / ``rejected.jsonl``, ``config.yaml`` copied, ``stats.json`` / ``stats.md`` recomputed
over the kept records (the generation process's counters, tools and LLM usage are the source run's),
figures, the dataset card with its Contamination section, and the contamination report of the kept
records with what was dropped. The input run only gains its own ``contamination.json`` / ``.md``.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from common.errors import InputError

from .overlap import ContaminationConfig, RecordResult, build_indexes, scan_record
from .references import DEFAULT_EVAL_CONFIG, load_eval_sets
from .report import build_report, write_report

SPLITS = ("train", "rejected")
Rows = dict[str, list[dict[str, Any]]]


def read_run(run: Path) -> Rows:
    """The records of each split of a finished run (its JSONL exports, which hold the same rows as
    ``dataset/``); InputError in one line when the folder is missing or not a run."""
    if not run.is_dir():
        raise InputError(f"no such run folder: {run}")
    missing = [name for name in ("dataset", "train.jsonl") if not (run / name).exists()]
    if missing:
        raise InputError(f"{run} is not a generation run: it has no {missing[0]} "
                         "(make one with python -m generation --output RUN)")
    rows: Rows = {}
    for split in SPLITS:
        path = run / f"{split}.jsonl"
        rows[split] = []
        for number, line in enumerate(path.read_text().splitlines() if path.is_file() else [], 1):
            try:
                rows[split].append(json.loads(line)) if line.strip() else None
            except json.JSONDecodeError as exc:
                raise InputError(f"{path} line {number} is not JSON: {exc.msg}") from None
    return rows


def check_run(run: Path, config: ContaminationConfig | None = None,
              eval_config: Path = DEFAULT_EVAL_CONFIG) -> tuple[dict[str, Any], list[RecordResult], Rows]:
    """The report of a run (not yet written), the per-record results and the rows."""
    config = config or ContaminationConfig()
    rows = read_run(run)
    sets = load_eval_sets(eval_config.resolve())
    indexes = build_indexes(sets, config)
    results = [scan_record(row, split, sets, indexes, config) for split in SPLITS for row in rows[split]]
    return build_report(run, results, sets, config), results, rows


def _save_dataset(out: Path, kept: Rows) -> None:
    from datasets import DatasetDict

    from generation.records import to_dataset

    dataset = DatasetDict({split: to_dataset(kept[split]) for split in SPLITS})
    # an empty split needs an explicit shard count to load back (as generation/run_output.py saves)
    dataset.save_to_disk(str(out / "dataset"), num_shards={split: 1 for split in SPLITS})
    for split in SPLITS:
        (out / f"{split}.jsonl").write_text("".join(
            json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in kept[split]))


def _stats_and_card(run: Path, out: Path, kept: Rows) -> None:
    from generation.hub.card import write_run_card
    from generation.hub.plots import write_plots
    from generation.run_folder import CONFIG_FILE
    from generation.stats import compute_stats, stats_markdown

    source = json.loads((run / "stats.json").read_text())
    stats = compute_stats(kept["train"], kept["rejected"], Counter(source.get("events", {})),
                          source.get("tools", {}), source.get("seconds", 0.0), source.get("llm"))
    (out / "stats.json").write_text(json.dumps(stats, indent=2) + "\n")
    (out / "stats.md").write_text(stats_markdown(stats))
    shutil.copyfile(run / CONFIG_FILE, out / CONFIG_FILE)
    write_plots(out / "plots", kept["train"], kept["rejected"])
    write_run_card(out)


def check_filter_target(run: Path, out: Path) -> None:
    """Before anything is written: ``out`` must be new (or empty), and the run finished."""
    if out.resolve() == run.resolve():
        raise InputError("--filter must name a new folder, not the run itself")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"--filter {out} exists and is not empty; choose a new folder")
    for needed in ("stats.json", "config.yaml"):
        if not (run / needed).is_file():
            raise InputError(f"{run} is not a finished run: it has no {needed}")


def write_filtered(run: Path, out: Path, report: dict[str, Any], results: list[RecordResult], rows: Rows,
                   config: ContaminationConfig) -> dict[str, Any]:
    """``out``: the run less its flagged records; returns the report of what was kept."""
    check_filter_target(run, out)
    dropped = {(r.split, r.record_id) for r in results if r.flagged}
    kept = {split: [row for row in rows[split] if (split, row.get("id", "")) not in dropped] for split in SPLITS}
    out.mkdir(parents=True, exist_ok=True)
    _save_dataset(out, kept)
    sets = load_eval_sets(Path(report["references"]["eval_config"]))
    kept_report = build_report(out, [r for r in results if not r.flagged], sets, config)
    kept_report["filtered_from"] = {"run": str(run), "dropped": sorted(i for _, i in dropped),
                                    "dropped_by_split": dict(Counter(s for s, _ in dropped))}
    write_report(out, kept_report)
    _stats_and_card(run, out, kept)
    return kept_report
