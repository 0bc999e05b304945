"""Whole runs: modes, determinism, resume after a kill, continuing earlier dialogues."""

import json
import re
import signal
import subprocess
import sys
import time

import pytest
from datasets import load_from_disk

from generation.config import load_config
from generation.records import DialogueRecord
from tests.conftest import ROOT, read_jsonl, run_cli


def test_default_run_has_enough_validated_dialogues(demo_run):
    stats = json.loads((demo_run / "stats.json").read_text())
    assert stats["splits"]["train"] >= 200
    assert stats["by_mode"]["user_oriented"]["dialogues"] == stats["splits"]["train"]
    assert stats["databases"] == 3
    table = (demo_run / "stats.md").read_text()
    assert re.search(r"^\| user_oriented \+ SQL exec +\|", table, re.M)
    assert len(load_from_disk(str(demo_run / "dataset"))["rejected"]) == stats["splits"]["rejected"]
    difficulties = stats["tasks"]["by_difficulty"]
    assert all(difficulties[d] > 0 for d in ("easy", "medium", "hard"))
    assert stats["tasks"]["followup"] > 0 and stats["tasks"]["independent"] > 0


def test_records_mix_reads_writes_and_dependent_steps(demo_run):
    records = [DialogueRecord.model_validate(r) for r in read_jsonl(demo_run / "train.jsonl")]
    tools = {t.name: t for r in records for t in r.environment.tools}
    used = [c.tool for r in records for t in r.tasks for c in t.gold_plan]
    assert any(tools[n].writes for n in used) and any(not tools[n].writes for n in used)
    assert any(c.bindings for r in records for t in r.tasks for c in t.gold_plan)
    for record in records:
        assert record.validation.passed and record.simulation.completed
        assert record.validation.final_db_hash == record.validation.gold_db_hash
        assert record.messages[0].role == "system" and record.messages[-1].role == "user"


def test_user_oriented_is_denser_than_task_oriented(tmp_path):
    out = tmp_path / "both"
    proc = run_cli("--mode", "both", "--num-dialogues", "80", "--output", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    stats = json.loads((out / "stats.json").read_text())
    uo, to = stats["by_mode"]["user_oriented"], stats["by_mode"]["task_oriented"]
    assert uo["dialogues"] == to["dialogues"] == 80  # the same tasks, simulated both ways
    assert uo["turns"]["mean"] >= 1.5 * to["turns"]["mean"]
    assert uo["tasks"]["mean"] == to["tasks"]["mean"]
    assert re.search(r"^\| task_oriented \+ SQL exec +\|", (out / "stats.md").read_text(), re.M)
    records = [DialogueRecord.model_validate(r) for r in read_jsonl(out / "train.jsonl")]
    first_user = [r.messages[1].content for r in records if r.simulation.mode == "task_oriented"]
    assert all("(1)" in text for text in first_user)
    # independent calls go out together (parallel tool calls) when the whole request is known
    assert any(len(m.tool_calls or []) > 1 for r in records for m in r.messages)


def test_same_config_and_seed_give_identical_data(tmp_path):
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        assert run_cli("--num-dialogues", "40", "--seed", "7", "--output", str(out)).returncode == 0
    assert (outs[0] / "train.jsonl").read_bytes() == (outs[1] / "train.jsonl").read_bytes()
    assert run_cli("--num-dialogues", "40", "--seed", "8", "--output", str(tmp_path / "c")).returncode == 0
    assert (outs[0] / "train.jsonl").read_bytes() != (tmp_path / "c" / "train.jsonl").read_bytes()


def test_killed_run_resumes_without_loss_or_duplicates(tmp_path):
    out = tmp_path / "killed"
    args = [sys.executable, "-m", "generation", "--num-dialogues", "1000", "--output", str(out)]
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoint = out / ".work" / "dialogues.jsonl"
    deadline = time.time() + 120
    while time.time() < deadline and (not checkpoint.exists() or checkpoint.read_text().count("\n") < 100):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = checkpoint.read_text().count("\n")
    assert 100 <= done_before < 1000, "the kill must land mid-run"
    assert not (out / "train.jsonl").exists()
    rerun = run_cli("--num-dialogues", "1000", "--output", str(out))
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    indices = [json.loads(line)["index"] for line in checkpoint.read_text().splitlines()]
    assert sorted(indices) == list(range(1000))  # nothing lost, nothing twice
    clean = tmp_path / "clean"
    assert run_cli("--num-dialogues", "1000", "--output", str(clean)).returncode == 0
    assert (out / "train.jsonl").read_bytes() == (clean / "train.jsonl").read_bytes()


def test_continue_from_earlier_records(demo_run, tmp_path):
    earlier = {r["id"]: DialogueRecord.model_validate(r) for r in read_jsonl(demo_run / "train.jsonl")}
    subset = tmp_path / "subset"
    load_from_disk(str(demo_run / "dataset"))["train"].select(range(12)).save_to_disk(str(subset))
    out = tmp_path / "continued"
    proc = run_cli("--output", str(out), "--continue-from", str(subset), "--seed", "3")
    assert proc.returncode == 0, proc.stderr[-2000:]
    records = [DialogueRecord.model_validate(r) for r in read_jsonl(out / "train.jsonl")]
    assert len(records) >= 10
    for record in records:
        source = earlier[record.simulation.source_record_id]
        assert record.messages[: len(source.messages)] == source.messages
        assert len(record.messages) > len(source.messages)
        assert len(record.tasks) > len(source.tasks)
        assert record.validation.passed


@pytest.mark.parametrize("path", sorted((ROOT / "configs" / "generation").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_generation_config_loads(path):
    config = load_config(path, {})
    assert config.num_dialogues >= 1 and (config.ray is None or path.name.startswith("ray_"))
