"""The paper's four tables from our generation runs and evaluation results, each of our figures
beside the published one (`published.yaml`); evaluation figures carry their 95% intervals."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from common.errors import InputError
from common.tables import markdown_table

from ..report import cell
from .config import AblationEntry, DatasetEntry, ModelEntry, PaperConfig

# Table 2's columns: the paper's name, and where our results hold the figure (benchmark, category)
TABLE2 = [("MT", "bfcl", "overall"), ("Live", "bfcl_single", "live"), ("Non-Live", "bfcl_single", "non_live"),
          ("Hall.Rel", "bfcl_single", "hallucination_relevance"),
          ("Hall.Irrel", "bfcl_single", "hallucination_irrelevance"),
          ("Airline", "tau2", "airline"), ("Retail", "tau2", "retail"), ("Telecom", "tau2", "telecom")]
MEASURES = (("Step", "steps"), ("Turn", "turns"), ("Task", "tasks"))


def check_rows(config: PaperConfig, published: dict[str, Any]) -> None:
    """Every paper row the config names is one the data file has (a typo would show as empty columns)."""
    named = [("table1", e.paper_row, published["table1"]) for e in config.datasets]
    named += [("table4", e.paper_efficiency_row, published["table4"]) for e in config.datasets]
    named += [("table2", e.paper_row, published["table2"]["rows"]) for e in config.models]
    named += [("table3", e.paper_row, published["table3"]["rows"]) for e in config.ablation]
    for table, row, rows in named:
        if row is not None and row not in rows:
            raise InputError(f"paper row {row!r} is not in the published {table} (rows: {', '.join(rows)})")


def read_run(entry: DatasetEntry) -> dict[str, Any]:
    stats = Path(entry.run) / "stats.json"
    if not stats.is_file():
        raise InputError(f"dataset {entry.pipeline!r}: {entry.run} is not a finished generation run (no stats.json)")
    return json.loads(stats.read_text())


def read_model(entry: ModelEntry | AblationEntry) -> dict[str, Any]:
    path = Path(entry.results) / "results.json"
    if not path.is_file():
        raise InputError(f"model {entry.model!r}: {entry.results} holds no evaluation results (no results.json)")
    models = json.loads(path.read_text())["models"]
    if entry.model not in models:
        raise InputError(f"model {entry.model!r} is not in {path} (it has: {', '.join(models) or 'none'})")
    return models[entry.model]


def _published(value: Any) -> str:
    return "–" if value is None else str(value)


def table1(config: PaperConfig, published: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    rows, data = [], []
    for entry in config.datasets:
        stats = read_run(entry)
        paper = published["table1"].get(entry.paper_row or "", {})
        for mode, figures in stats["by_mode"].items():
            label = entry.pipeline if len(stats["by_mode"]) == 1 else f"{entry.pipeline} ({mode})"
            row = [label]
            for name, key in MEASURES:
                ours = figures[key]
                theirs = paper.get(name.lower())
                row += [f"{ours['mean']} ({ours['max']})", f"{theirs[0]} ({theirs[1]})" if theirs else "–"]
            row += [figures["dialogues"], _published(paper.get("samples"))]
            rows.append(row)
            data.append({"pipeline": label, "paper_row": entry.paper_row, **{k: figures[k] for _, k in MEASURES},
                         "samples": figures["dialogues"]})
    headers = ["Pipeline", *[h for name, _ in MEASURES for h in (name, f"{name} (paper)")], "Samples", "Samples (paper)"]
    return markdown_table(rows, headers), data


def table2(config: PaperConfig, published: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    paper_rows = published["table2"]["rows"]
    rows, data = [], []
    for entry in config.models:
        results = read_model(entry)
        paper = paper_rows.get(entry.paper_row or "", [None] * len(TABLE2))
        row = [entry.label or entry.model, entry.paper_row or "–"]
        for (name, benchmark, category), theirs in zip(TABLE2, paper, strict=True):
            row += [cell(results.get(benchmark, {}).get(category), 1), _published(theirs)]
        rows.append(row)
        data.append({"model": entry.label or entry.model, "paper_row": entry.paper_row,
                     **{name: results.get(b, {}).get(c) for name, b, c in TABLE2}})
    headers = ["Model", "Paper row", *[h for name, _, _ in TABLE2 for h in (name, f"{name} (paper)")]]
    return markdown_table(rows, headers), data


def table3(config: PaperConfig, published: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    columns, paper_rows = published["table3"]["columns"], published["table3"]["rows"]
    rows, data = [], []
    for entry in config.ablation:
        results = read_model(entry)
        paper = dict(zip(columns, paper_rows.get(entry.paper_row or "", [None] * len(columns)), strict=True))
        mt, telecom = results.get("bfcl", {}).get("overall"), results.get("tau2", {}).get("telecom")
        rows.append([entry.pipeline, entry.model, cell(mt, 1), _published(paper[f"{entry.paper_size} MT"]),
                     cell(telecom, 1), _published(paper[f"{entry.paper_size} Telecom"])])
        data.append({"pipeline": entry.pipeline, "model": entry.model, "mt": mt, "telecom": telecom,
                     "paper_row": entry.paper_row, "paper_size": entry.paper_size})
    headers = ["Pipeline", "Model", "BFCL MT", "BFCL MT (paper)", "τ² Telecom", "τ² Telecom (paper)"]
    return markdown_table(rows, headers), data


def table4(config: PaperConfig, published: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    rows, data = [], []
    for entry in config.datasets:
        stats = read_run(entry)
        paper = published["table4"].get(entry.paper_efficiency_row or "", {})
        total = (stats.get("llm") or {}).get("total") or {}
        tokens = total.get("prompt_tokens", 0) + total.get("completion_tokens", 0)
        seconds = (stats.get("timing") or {}).get("dialogues_s") or stats["seconds"]
        per_second = round(tokens / seconds, 1) if tokens and seconds else None
        rows.append([entry.pipeline, _published(stats["seconds_per_accepted_dialogue"]),
                     _published(paper.get("seconds_per_sample")), _published(per_second),
                     _published(paper.get("tokens_per_second"))])
        data.append({"pipeline": entry.pipeline, "seconds_per_sample": stats["seconds_per_accepted_dialogue"],
                     "tokens_per_second": per_second, "llm_tokens": tokens, "seconds": seconds})
    headers = ["Pipeline", "s / sample", "s / sample (paper)", "tokens / s", "tokens / s (paper)"]
    return markdown_table(rows, headers), data
