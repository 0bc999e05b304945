from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SPIDER = ROOT.parent / "shared" / "data" / "spider"
SPIDER_TEST_DBS = [
    "battle_death", "car_1", "concert_singer", "course_teach", "cre_Doc_Template_Mgt", "dog_kennels",
    "employee_hire_evaluation", "flight_2", "museum_visit", "network_1", "orchestra", "pets_1",
    "poker_player", "real_estate_properties", "singer", "student_transcripts_tracking", "tvshow",
    "voter_1", "world_1",
]

needs_spider = pytest.mark.skipif(not (SPIDER / "tables.json").is_file(), reason=f"Spider not found at {SPIDER}")

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("WANDB_MODE", "offline")


def run_cli(*args: str, cwd: Path = ROOT, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generation", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def fails_cleanly(proc: subprocess.CompletedProcess, *needles: str) -> None:
    """Bad input: a non-zero exit and one line on stderr naming the problem, no traceback."""
    assert proc.returncode != 0
    lines = [l for l in proc.stderr.strip().splitlines() if l.strip()]
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> Path:
    """The README's main command: the default config on the built-in demo databases."""
    out = tmp_path_factory.mktemp("demo") / "out"
    proc = run_cli("--output", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


@pytest.fixture(scope="session")
def spider_test_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("spider") / "out"
    proc = run_cli("--config", str(ROOT / "configs/generation/spider_test.yaml"), "--databases", str(SPIDER),
                   "--output", str(out), "--num-dialogues", "190")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out
