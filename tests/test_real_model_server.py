"""The wire format end to end against a real model server: `transformers serve` on a tiny Qwen3.

The model is random, so its replies are poor; the run must still complete and record them.
"""

import json
import os
import shutil
import subprocess
import time
import urllib.request

import pytest

from generation.records import DialogueRecord
from tests.conftest import read_jsonl, run_cli
from loopback.base import llm_config, unused_port
from training.tiny import build_tiny_qwen3

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")



@pytest.fixture(scope="module")
def served_tiny_model(tmp_path_factory):
    cli = shutil.which("transformers") or os.path.join(os.path.dirname(os.sys.executable), "transformers")
    model = build_tiny_qwen3(tmp_path_factory.mktemp("tiny") / "qwen3-tiny",
                             ["Find the doctor for me.", "Here is what I found.", '{"user_message": "hi"}'] * 50)
    port = unused_port()
    proc = subprocess.Popen([cli, "serve", str(model), "--host", "127.0.0.1", "--port", str(port), "--device", "cpu",
                             "--log-level", "warning"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2)
                break
            except OSError:
                if proc.poll() is not None:
                    pytest.fail(f"transformers serve exited: {proc.stderr.read()[-2000:]}")
                time.sleep(0.5)
        else:
            pytest.fail("transformers serve did not become healthy in 120 s")
        yield f"http://127.0.0.1:{port}/v1", str(model)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_generation_runs_against_transformers_serve(served_tiny_model, tmp_path):
    url, model = served_tiny_model
    cfg = llm_config("llm_user_oriented_sql", url, tmp_path / "cfg.yaml", num_dialogues=2,
                     tasks={"policy": "rules"}, tasks_per_dialogue={1: 1.0},
                     user={"policy": "llm", "max_user_turns": 3}, agent={"policy": "llm", "max_steps_per_turn": 2},
                     llm={"concurrent_dialogues": 2})
    import yaml

    data = yaml.safe_load(cfg.read_text())
    data["llm"]["endpoints"]["default"].update({"model": model, "max_tokens": 24, "timeout_s": 120,
                                                "max_attempts": 2, "temperature": 0.0})
    cfg.write_text(yaml.safe_dump(data))
    proc = run_cli("--config", str(cfg), "--output", str(tmp_path / "out"), timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / "out"
    records = [DialogueRecord.model_validate(r) for r in read_jsonl(out / "train.jsonl") + read_jsonl(out / "rejected.jsonl")]
    stats = json.loads((out / "stats.json").read_text())
    assert len(records) + stats["events"].get("dialogue_without_feasible_task", 0) == 2
    assert stats["llm"]["total"]["calls"] > 0 and stats["llm"]["total"]["completion_tokens"] > 0
    for record in records:  # whatever the model said is in the record, with why it was kept or not
        assert record.simulation.user_policy == "llm" and record.simulation.agent_policy == "llm"
        assert record.validation.checks and record.simulation.termination
