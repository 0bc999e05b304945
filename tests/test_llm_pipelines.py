"""The three LLM pipelines (paper Table 3) against a scripted server over real loopback HTTP."""

import json
import re
from collections import Counter
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from datasets import load_from_disk

from generation.records import DialogueRecord
from generation.simulation.voice import PERSONAS
from tests.conftest import ROOT, read_jsonl, run_cli
from loopback.base import llm_config, scripted_server

PIPELINES = {
    "llm_task_oriented_simulated": ("task_oriented", "simulated"),
    "llm_user_oriented_simulated": ("user_oriented", "simulated"),
    "llm_user_oriented_sql": ("user_oriented", "sql"),
}


@pytest.fixture(scope="module")
def server():
    with scripted_server() as url:
        yield url


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_pipeline_writes_contract_records_with_accounting(server, tmp_path, name):
    cfg = llm_config(name, server, tmp_path / "cfg.yaml", num_dialogues=10)
    proc = run_cli("--config", str(cfg), "--output", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = load_from_disk(str(tmp_path / "out" / "dataset"))
    rows = list(data["train"]) + list(data["rejected"])
    assert len(rows) >= 5 and len(data["train"]) >= 1
    mode, execution = PIPELINES[name]
    for row in rows:
        record = DialogueRecord.from_row(row)
        assert (record.simulation.mode, record.simulation.execution) == (mode, execution)
        assert record.environment.kind == ("sql" if execution == "sql" else "simulated")
        assert record.simulation.agent_policy == "llm"
        assert any(c.name == "judge" for c in record.validation.checks)
        # the dialogue's persona and scenario, the ones its LLM user and task writer were given
        assert record.simulation.persona in PERSONAS and record.simulation.scenario
    stats = json.loads((tmp_path / "out" / "stats.json").read_text())
    roles = stats["llm"]["roles"]
    expected = {"agent", "judge", "task_writer"} | ({"tool_simulator"} if execution == "simulated" else set())
    assert expected <= set(roles)
    for usage in roles.values():
        assert usage["calls"] > 0 and usage["prompt_tokens"] > 0 and usage["latency_s"] > 0
    assert stats["seconds_per_accepted_dialogue"] > 0 and 0 < stats["acceptance_rate"] <= 1
    assert re.search(r"^\| agent +\|", (tmp_path / "out" / "stats.md").read_text(), re.M)


def test_killed_llm_run_resumes_without_paying_twice(tmp_path):
    log = tmp_path / "requests.jsonl"
    # 60 ms a reply: a dialogue then lasts several cache flush intervals (0.1 s), so the dialogues in
    # flight at the kill have answers on disk to replay (at 30 ms they often had none yet)
    with scripted_server("--latency-ms", "60", "--fail-every", "7", "--log", str(log)) as url:
        cfg = llm_config("llm_user_oriented_sql", url, tmp_path / "cfg.yaml", num_dialogues=40,
                         llm={"concurrent_dialogues": 4})
        out = tmp_path / "out"
        proc = subprocess.Popen([sys.executable, "-m", "generation", "--config", str(cfg), "--output", str(out)],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        checkpoint = out / ".work" / "dialogues.jsonl"
        deadline = time.time() + 120
        while time.time() < deadline and (not checkpoint.exists() or checkpoint.read_text().count("\n") < 10):
            time.sleep(0.05)
        time.sleep(0.25)  # let the dialogues now in flight pay for (and store) some answers
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        finished = checkpoint.read_text().count("\n")
        assert 10 <= finished < 40, "the kill must land mid-run"
        with sqlite3.connect(out / ".work" / "llm_cache.sqlite") as db:
            paid = {k for (k,) in db.execute("SELECT key FROM responses")}
        sent_before = len(read_jsonl(log))
        rerun = run_cli("--config", str(cfg), "--output", str(out))
        assert rerun.returncode == 0, rerun.stderr[-3000:]
    after = [json.loads(line) for line in log.read_text().splitlines()[sent_before:]]
    assert after, "the rerun had work left to do"
    assert not paid & {r["key"] for r in after}  # nothing answered before was asked again
    indices = [json.loads(line)["index"] for line in checkpoint.read_text().splitlines()]
    assert sorted(indices) == list(range(40))
    stats = json.loads((out / "stats.json").read_text())
    assert stats["splits"]["train"] + stats["splits"]["rejected"] == 40
    assert stats["llm"]["total"]["cached"] > 0  # the cut-off dialogues replayed their paid calls
    # every request the server saw is counted, those of the dialogues the kill cut short included;
    # a request in flight at the kill is counted as sent, whether or not its bytes reached the server
    statuses = Counter(str(r["status"]) for r in read_jsonl(log))
    total = stats["llm"]["total"]
    assert 0 <= total["unanswered"] <= 4  # at most one request in flight per concurrent dialogue
    assert total["requests"] - total["unanswered"] <= sum(statuses.values()) <= total["requests"], (total, statuses)
    failed = total["failures_by_status"]
    unseen = {k: n - failed.get(k, 0) for k, n in statuses.items() if k != "200"}
    assert all(n >= 0 for n in unseen.values()) and sum(unseen.values()) <= total["unanswered"], (failed, statuses)


def test_hundreds_of_malformed_replies_never_crash_the_run(tmp_path):
    log = tmp_path / "requests.jsonl"
    with scripted_server("--malformed", "0.3", "--seed", "1", "--log", str(log), "--timeout-s", "0.6") as url:
        cfg = tmp_path / "cfg.yaml"
        llm_config("llm_user_oriented_sql", url, cfg, num_dialogues=260, llm={"concurrent_dialogues": 64},
                   tasks={"policy": "rules"}, tasks_per_dialogue={2: 1.0})
        import yaml

        data = yaml.safe_load(cfg.read_text())
        data["llm"]["endpoints"]["default"].update({"timeout_s": 0.5, "max_attempts": 3})
        cfg.write_text(yaml.safe_dump(data))
        proc = run_cli("--config", str(cfg), "--output", str(tmp_path / "out"), timeout=600)
        assert proc.returncode == 0, proc.stderr[-3000:]
    faults = [r["fault"] for r in read_jsonl(log) if r["fault"]]
    assert len(faults) >= 500, len(faults)
    assert {"bad_json", "unknown_tool", "wrong_types", "injection", "empty", "http_500", "timeout"} <= set(faults)
    out = tmp_path / "out"
    stats = json.loads((out / "stats.json").read_text())
    records = [DialogueRecord.model_validate(r) for r in read_jsonl(out / "train.jsonl") + read_jsonl(out / "rejected.jsonl")]
    no_task = stats["events"].get("dialogue_without_feasible_task", 0)
    assert len(records) + no_task == 260  # every dialogue accounted for
    assert stats["llm"]["total"]["retries"] > 0  # 500s and timeouts were retried
    tool_errors = [json.loads(m.content)["error"]["type"] for r in records for m in r.messages
                   if m.role == "tool" and (m.content or "").startswith('{"error"')]
    assert {"invalid_arguments", "unknown_tool"} <= set(tool_errors)
    assert stats["splits"]["rejected"] > 0 and stats["rejection_reasons"]
    terminations = {r.simulation.termination.split(":")[0] for r in records}
    assert terminations & {"user_rejected", "llm_unavailable", "agent_empty_reply"}


def test_plain_chats_get_a_tool_use_need_and_continue(server, tmp_path):
    from datasets import Dataset

    chats = Dataset.from_dict({"messages": [
        [{"role": "user", "content": "Hi! Can you recommend a good book about the sea?"},
         {"role": "assistant", "content": "Moby-Dick is a classic choice."}],
        [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "What is 2 + 2?"},
         {"role": "assistant", "content": "4."}],
    ]})
    chats.save_to_disk(str(tmp_path / "chats"))
    cfg = llm_config("llm_user_oriented_sql", server, tmp_path / "cfg.yaml", tasks={"policy": "rules"},
                     continue_from=str(tmp_path / "chats"), continue_plain=True, judge={"policy": "none"})
    proc = run_cli("--config", str(cfg), "--output", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr[-3000:]
    records = [DialogueRecord.model_validate(r) for r in read_jsonl(tmp_path / "out" / "train.jsonl")
               + read_jsonl(tmp_path / "out" / "rejected.jsonl")]
    assert len(records) == 2
    for record, chat in zip(sorted(records, key=lambda r: r.simulation.source_record_id), chats):
        plain = [m for m in chat["messages"] if m["role"] != "system"]
        assert [m.content for m in record.messages[1:1 + len(plain)]] == [m["content"] for m in plain]
        assert record.messages[0].role == "system" and "tools" in record.messages[0].content
        assert any(m.tool_calls for m in record.messages[1 + len(plain):])  # the tool-use part that follows
    assert "Be brief." in next(r for r in records if r.simulation.source_record_id == "chat-1").messages[0].content
