"""A run is Hub-ready: its card carries the Hub metadata (the license of its sources, with attribution),
its figures exist, and a dry-run publish builds the folder a push would upload, which loads with
``datasets.load_dataset`` and whose card parses with huggingface_hub's own loader."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys

import pytest
from datasets import load_dataset
from huggingface_hub import DatasetCard

from generation.hub.license import license_of
from tests.conftest import ROOT, run_cli

SPIDER = ROOT.parent / "shared" / "data" / "spider"


@pytest.fixture(scope="module")
def spider_run(tmp_path_factory):
    work = tmp_path_factory.mktemp("spider")
    (work / "cfg.yaml").write_text(f"databases: {SPIDER}\ndb_ids: [pets_1, concert_singer]\nnum_dialogues: 10\n")
    proc = run_cli("--config", str(work / "cfg.yaml"), "--output", str(work / "run"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return work / "run"


def _publish(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generation.hub.publish", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_dry_run_publish_builds_a_folder_that_loads_with_its_card_and_figures(spider_run, tmp_path):
    folder = tmp_path / "hub"
    proc = _publish(str(spider_run), "--repo-id", "someone/dialogues", "--dry-run", "--folder", str(folder))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert str(folder) in proc.stdout
    data = load_dataset(str(folder), cache_dir=str(tmp_path / "cache"))
    assert len(data["train"]) == sum(1 for _ in (spider_run / "train.jsonl").open())
    call = next(c for m in data["train"][0]["messages"] for c in m["tool_calls"] or [])
    assert isinstance(call["function"]["arguments"], dict)
    card = DatasetCard.load(folder / "README.md")
    assert card.data.license == "cc-by-sa-4.0"
    assert "Spider 1.0" in card.text and "Yu" in card.text  # the attribution the license requires
    assert card.data.configs[0]["data_files"][0]["split"] == "train"
    assert card.data.task_categories == ["text-generation"] and card.data.size_categories == ["n<1K"]
    figures = re.findall(r"\]\((plots/[\w.]+\.png)\)", card.text)
    assert "plots/per_dialogue.png" in figures and all((folder / f).is_file() for f in figures)


def test_the_run_itself_has_its_card_figures_and_config(spider_run):
    card = DatasetCard.load(spider_run / "README.md")
    assert card.data.license == "cc-by-sa-4.0" and "## Generation config" in card.text
    assert (spider_run / "plots" / "per_dialogue.png").stat().st_size > 1000
    assert "db_ids" in (spider_run / "config.yaml").read_text()


def test_the_license_follows_the_sources(tmp_path):
    assert license_of("builtin:demo").id == "apache-2.0"
    assert license_of(str(SPIDER)).id == "cc-by-sa-4.0"
    db = tmp_path / "mine.sqlite"
    sqlite3.connect(db).close()
    unknown = license_of(str(db))
    assert unknown.id == "other" and "their license applies" in unknown.attribution
    (tmp_path / "LICENSE").write_text("Creative Commons CC BY 4.0\n")
    assert license_of(str(db)).id == "cc-by-4.0"


def test_publishing_what_is_no_run_is_a_one_line_error(tmp_path):
    proc = _publish(str(tmp_path), "--repo-id", "someone/dialogues", "--dry-run")
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0
    assert "is not a finished run" in proc.stderr


def test_a_run_logs_acceptance_usage_and_realism_to_wandb(tmp_path):
    db = tmp_path / "clubs.sqlite"
    from tests.support.clubs import build_clubs

    build_clubs(db)
    proc = run_cli("--databases", str(db), "--num-dialogues", "4", "--output", str(tmp_path / "o"),
                   "--set", "wandb.project=tooldial-test")  # WANDB_MODE=offline: a local run folder
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "warning" not in proc.stderr
    runs = list((tmp_path / "o" / "wandb").glob("offline-run-*/run-*.wandb"))
    assert len(runs) == 1 and runs[0].stat().st_size > 1000
    from generation.hub.tracking import generation_metrics

    stats = json.loads((tmp_path / "o" / "stats.json").read_text())
    metrics = generation_metrics(stats)
    assert metrics["acceptance_rate"] == stats["acceptance_rate"] and metrics["splits/train"] == 4
    assert any(k.startswith("realism/user_oriented/") for k in metrics)
    assert all(isinstance(v, (int, float)) for v in metrics.values())
