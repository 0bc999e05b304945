"""What a run against a faulty endpoint must guarantee: distinct dialogues, every index accounted
for once (with a reason when rejected), retried outages, a torn checkpoint that hides nothing, and
request counts that reconcile with the server's own."""

import json
import shutil
import socket
from collections import Counter

import pytest
import yaml

from generation.records import DialogueRecord
from tests.conftest import read_jsonl, run_cli
from loopback.base import llm_config, scripted_server


def _config(name, url, path, *, attempts=2, **changes):
    """A shipped LLM config made quick: few dialogues, no backoff, short timeouts."""
    changes.setdefault("llm", {"concurrent_dialogues": 4, "ramp_up_s": 0})
    llm_config(name, url, path, **changes)
    data = yaml.safe_load(path.read_text())
    data["llm"]["endpoints"]["default"].update({"max_attempts": attempts, "retry_initial_s": 0, "retry_max_s": 0,
                                                "timeout_s": 5, "model": "integrity-model"})
    path.write_text(yaml.safe_dump(data))
    return path


def _point_at(cfg, url):
    data = yaml.safe_load(cfg.read_text())
    data["llm"]["endpoints"]["default"]["base_url"] = url
    cfg.write_text(yaml.safe_dump(data))


def _records(out):
    rows = read_jsonl(out / "train.jsonl") + read_jsonl(out / "rejected.jsonl")
    return [DialogueRecord.model_validate(r) for r in rows]


def _index_of(record):
    return int(record.id.rsplit("-", 2)[1])


def _each_index_once(out, n, modes=1):
    records = _records(out)
    assert sorted(_index_of(r) for r in records) == sorted(list(range(n)) * modes)
    assert len({r.id for r in records}) == len(records)
    for record in records:
        if not record.validation.passed:
            assert record.simulation.termination and any(not c.passed and c.detail for c in record.validation.checks)
    return records


def _log(path):
    return read_jsonl(path) if path.exists() else []


def _dead_url():
    with socket.socket() as sock:  # a port that was free a moment ago: nothing listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


def _one_line_error(proc, *needles):
    assert proc.returncode != 0, proc.stdout[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr[-3000:]
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def _llm_stats(out):
    return json.loads((out / "stats.json").read_text())["llm"]


def _reconciles(usage, log):
    """The client's counts equal the server's: every request, and the failed ones by status."""
    statuses = Counter(str(r["status"]) for r in log)
    total = usage["total"]
    assert total["requests"] == len(log), (total, statuses)
    assert total["requests"] == total["calls"] + total["failures"] + total["retries"]
    assert total["calls"] == statuses.pop("200", 0)
    assert total["failures_by_status"] == dict(statuses)
    for role, counts in Counter(r["role"] for r in log).items():
        role = {"user_simulator": "user"}.get(role, role)  # the server names roles by their prompts
        assert usage["roles"][role]["requests"] == counts, role


def test_each_dialogue_gets_its_own_tasks_and_a_rerun_sends_nothing(tmp_path):
    log, out, n = tmp_path / "requests.jsonl", tmp_path / "out", 5
    with scripted_server("--fresh-tasks", "--log", str(log)) as url:
        cfg = _config("llm_user_oriented_simulated", url, tmp_path / "cfg.yaml", num_dialogues=n,
                      judge={"policy": "none"})
        proc = run_cli("--config", str(cfg), "--output", str(out))
        assert proc.returncode == 0, proc.stderr[-3000:]
        sent = _log(log)
        writer = [r for r in sent if r["role"] == "task_writer"]
        assert len(writer) == n
        assert all(r["seed"] is not None for r in sent)  # every role's requests carry the dialogue's seed
        tasks = {tuple(t.description for t in r.tasks) for r in _each_index_once(out, n)}
        assert len(tasks) == n
        stats = _llm_stats(out)
        assert stats["roles"]["agent"]["cached"] == 0  # no dialogue borrowed another's answers
        _reconciles(stats, sent)
        again = run_cli("--config", str(cfg), "--output", str(out))
        assert again.returncode == 0, again.stderr[-3000:]
        assert len(_log(log)) == len(sent)  # resumed: nothing asked again


@pytest.mark.parametrize("outage", ["dead", "500"])
def test_an_outage_fails_the_run_and_the_rerun_retries_every_dialogue(tmp_path, outage):
    out, n = tmp_path / "out", 3
    down_log, up_log = tmp_path / "down.jsonl", tmp_path / "up.jsonl"
    cfg = tmp_path / "cfg.yaml"
    if outage == "dead":
        url = _dead_url()
        _config("llm_user_oriented_sql", url, cfg, num_dialogues=n)
        line = _one_line_error(run_cli("--config", str(cfg), "--output", str(out)), url, "integrity-model",
                               "connection")
    else:
        with scripted_server("--status", "500", "--log", str(down_log)) as url:
            _config("llm_user_oriented_sql", url, cfg, num_dialogues=n)
            line = _one_line_error(run_cli("--config", str(cfg), "--output", str(out)), url, "integrity-model",
                                   "HTTP 500")
        assert len(_log(down_log)) == 2 * n  # one task-writer call per dialogue, two attempts each
    assert "rerun" in line
    records = _each_index_once(out, n)  # the failed dialogues are recorded rejections, with the reason
    for record in records:
        assert record.simulation.termination.startswith("llm_unavailable: task_writer at ")
        assert [c.name for c in record.validation.checks if not c.passed] == ["llm_available"]
    with scripted_server("--log", str(up_log)) as url:
        _point_at(cfg, url)
        proc = run_cli("--config", str(cfg), "--output", str(out))
        assert proc.returncode == 0, proc.stderr[-3000:]
    assert len([r for r in _log(up_log) if r["role"] == "task_writer"]) == n  # every dialogue asked again
    records = _each_index_once(out, n)
    assert not [r for r in records if r.simulation.termination.startswith("llm_unavailable")]
    entries = read_jsonl(out / ".work" / "dialogues.jsonl")
    assert sorted(e["index"] for e in entries if not e.get("retry")) == list(range(n))
    total = _llm_stats(out)["total"]  # both runs' requests: the outage's and the recovery's
    down = {"dead": {"connection": 2 * n}, "500": {"500": 2 * n}}[outage]
    assert total["failures_by_status"] == down
    assert total["requests"] == len(_log(up_log)) + 2 * n


def _role_endpoint(cfg, role, url):
    data = yaml.safe_load(cfg.read_text())
    data["llm"]["endpoints"]["roles"] = {role: {"base_url": url}}
    cfg.write_text(yaml.safe_dump(data))


@pytest.mark.parametrize("role,pipeline", [("judge", "llm_user_oriented_sql"),
                                           ("tool_simulator", "llm_user_oriented_simulated")])
def test_one_role_down_mid_dialogue_is_retried_from_the_cache(tmp_path, role, pipeline):
    out, n, cfg = tmp_path / "out", 3, tmp_path / "cfg.yaml"
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    with scripted_server("--log", str(first)) as url:
        _config(pipeline, url, cfg, num_dialogues=n)
        _role_endpoint(cfg, role, _dead_url())
        _one_line_error(run_cli("--config", str(cfg), "--output", str(out)), f"no {role} request was answered")
    for record in _each_index_once(out, n):
        assert [c.name for c in record.validation.checks if c.name == "llm_available" and not c.passed]
        assert role in next(c.detail for c in record.validation.checks if c.name == "llm_available")
    with scripted_server("--log", str(second)) as url:
        _point_at(cfg, url)
        _role_endpoint(cfg, role, url)
        proc = run_cli("--config", str(cfg), "--output", str(out))
        assert proc.returncode == 0, proc.stderr[-3000:]
    records = _each_index_once(out, n)
    assert not [c for r in records for c in r.validation.checks if c.name == "llm_available"]
    asked_again = {r["key"] for r in _log(second)}
    assert not asked_again & {r["key"] for r in _log(first)}  # what was answered came from the cache
    if role == "judge":  # the dialogues themselves were complete: only the verdicts were missing
        assert {r["role"] for r in _log(second)} == {"judge"} and len(_log(second)) == n


def test_a_dialogue_without_a_feasible_task_is_a_rejected_record(tmp_path):
    out, log, n = tmp_path / "out", tmp_path / "requests.jsonl", 3
    with scripted_server("--infeasible-tasks", "--log", str(log)) as url:
        cfg = _config("llm_task_oriented_simulated", url, tmp_path / "cfg.yaml", num_dialogues=n, mode="both")
        proc = run_cli("--config", str(cfg), "--output", str(out))
        assert proc.returncode == 0, proc.stderr[-3000:]
        records = _each_index_once(out, n, modes=2)  # per mode
        for record in records:
            assert not record.validation.passed and record.simulation.termination == "no_feasible_task"
            assert record.messages[0].role == "system" and not record.tasks
        sent = len(_log(log))
        assert run_cli("--config", str(cfg), "--output", str(out)).returncode == 0
        assert len(_log(log)) == sent  # not an outage: nothing to retry
    from datasets import load_from_disk

    data = load_from_disk(str(out / "dataset"))
    assert len(data["train"]) == 0 and len(data["rejected"]) == 2 * n


def test_a_torn_checkpoint_hides_no_dialogue(tmp_path):
    n = 6
    clean = tmp_path / "clean"
    assert run_cli("--num-dialogues", str(n), "--output", str(clean)).returncode == 0
    whole = (clean / ".work" / "dialogues.jsonl").read_bytes()
    last = whole.rstrip(b"\n").rfind(b"\n") + 1  # where the last line starts
    for cut in (last + 1, (last + len(whole)) // 2, len(whole) - 1):  # len - 1: only its newline lost
        out = tmp_path / f"torn{cut}"
        shutil.copytree(clean, out)
        checkpoint = out / ".work" / "dialogues.jsonl"
        checkpoint.write_bytes(whole[:cut])
        for _ in range(2 if cut == last + 1 else 1):  # a second rerun reads what the first appended
            proc = run_cli("--num-dialogues", str(n), "--output", str(out))
            assert proc.returncode == 0, proc.stderr[-2000:]
            lines = checkpoint.read_bytes().splitlines()
            assert sorted(json.loads(line)["index"] for line in lines) == list(range(n)), cut
            _each_index_once(out, n)
            assert (out / "train.jsonl").read_bytes() == (clean / "train.jsonl").read_bytes()


def test_an_unreadable_line_hides_nothing_after_it(tmp_path):
    out, n = tmp_path / "out", 5
    assert run_cli("--num-dialogues", str(n), "--output", str(out)).returncode == 0
    checkpoint = out / ".work" / "dialogues.jsonl"
    lines = checkpoint.read_bytes().splitlines(keepends=True)
    checkpoint.write_bytes(lines[0] + b'{"index": 1, "reco\n' + b"".join(lines[1:]))
    proc = run_cli("--num-dialogues", str(n), "--output", str(out))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert checkpoint.read_bytes().count(b"\n") == n + 1  # nothing was redone
    _each_index_once(out, n)


def test_a_404_is_counted_and_fails_the_run(tmp_path):
    out, log, n = tmp_path / "out", tmp_path / "requests.jsonl", 3
    with scripted_server("--status", "404", "--log", str(log)) as url:
        cfg = _config("llm_user_oriented_sql", url, tmp_path / "cfg.yaml", num_dialogues=n, attempts=4)
        _one_line_error(run_cli("--config", str(cfg), "--output", str(out)), url, "integrity-model", "HTTP 404")
    sent = _log(log)
    assert len(sent) == n  # a 404 is not retried
    usage = _llm_stats(out)
    _reconciles(usage, sent)
    assert usage["roles"]["task_writer"]["failures_by_status"] == {"404": n}
    for record in _each_index_once(out, n):
        assert "HTTP 404" in record.simulation.termination


def test_request_counts_match_the_server_with_some_500s(tmp_path):
    out, log = tmp_path / "out", tmp_path / "requests.jsonl"
    with scripted_server("--fail-every", "4", "--log", str(log)) as url:
        cfg = _config("llm_user_oriented_sql", url, tmp_path / "cfg.yaml", num_dialogues=4, attempts=3)
        proc = run_cli("--config", str(cfg), "--output", str(out))
        assert proc.returncode == 0, proc.stderr[-3000:]
    sent = _log(log)
    usage = _llm_stats(out)
    _reconciles(usage, sent)
    assert usage["total"]["retries"] > 0 and usage["total"]["failures_by_status"]["500"] >= len(sent) // 4
    assert "Requests" in (out / "stats.md").read_text()
    _each_index_once(out, 4)


def test_max_attempts_is_the_number_of_requests(tmp_path):
    out, log, n = tmp_path / "out", tmp_path / "requests.jsonl", 3
    with scripted_server("--status", "500", "--log", str(log)) as url:
        cfg = _config("llm_user_oriented_sql", url, tmp_path / "cfg.yaml", num_dialogues=n, attempts=1)
        _one_line_error(run_cli("--config", str(cfg), "--output", str(out)), "HTTP 500")
    assert len(_log(log)) == n  # one call per dialogue (the task writer), one request per call
    total = _llm_stats(out)["total"]
    assert (total["requests"], total["failures"], total["retries"]) == (n, n, 0)
