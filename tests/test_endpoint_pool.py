"""Endpoint pools: requests go to the least busy server, a failing one is set aside and probed back,
and a run survives a server that dies and one that answers only 500s, with per-server counts that
match the servers' own logs."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from generation.llm.routing import Router
from loopback.base import llm_config, server_process
from tests.conftest import ROOT, read_jsonl


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_least_busy_server_takes_the_request_and_ties_take_turns():
    router = Router(["a", "b", "c"])
    first = router.pick()
    router.started(first)
    picks = [router.pick().url for _ in range(6)]
    assert first.url not in picks and set(picks) == {"a", "b", "c"} - {first.url}
    assert router.pick(avoid="b").url != "b"


def test_a_failing_server_is_set_aside_then_probed_back():
    clock = Clock()
    router = Router(["a", "b"], eject_after=3, cooldown_s=10, clock=clock)
    a = router.servers[0]
    for _ in range(3):
        router.started(a)
        router.finished(a, ok=False)
    assert all(router.pick().url == "b" for _ in range(5))
    clock.now = 11  # back in use: real traffic probes it
    assert "a" in {router.pick().url for _ in range(4)}
    router.started(a)
    router.finished(a, ok=False)  # still failing: one more failure sets it aside again
    assert all(router.pick().url == "b" for _ in range(5))
    for server in router.servers:
        router.started(server)
        router.finished(server, ok=True)
    clock.now = 30
    assert {router.pick().url for _ in range(4)} == {"a", "b"}


def _logged(path: Path) -> int:
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_a_run_survives_a_dead_server_and_a_500_one_and_counts_match_the_servers(tmp_path):
    logs = [tmp_path / f"server{i}.log" for i in range(4)]
    args = [["--latency-ms", "20", "--log", str(log)] for log in logs]
    args[3] += ["--status", "500"]
    with server_process("loopback.scripted", *args[0]) as (_, u0), \
            server_process("loopback.scripted", *args[1]) as (_, u1), \
            server_process("loopback.scripted", *args[2]) as (doomed, u2), \
            server_process("loopback.scripted", *args[3]) as (_, u3):
        config = llm_config("llm_user_oriented_sql", [u0, u1, u2, u3], tmp_path / "c.yaml", num_dialogues=48)
        run = subprocess.Popen([sys.executable, "-m", "generation", "--config", str(config), "--output",
                                str(tmp_path / "out")], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
        while _logged(logs[2]) < 40 and run.poll() is None:
            time.sleep(0.05)
        doomed.kill()  # mid-run: the other servers take over its share
        _, stderr = run.communicate(timeout=600)
    assert run.returncode == 0, stderr[-2000:]
    records = read_jsonl(tmp_path / "out" / "train.jsonl") + read_jsonl(tmp_path / "out" / "rejected.jsonl")
    assert len(records) == 48  # every dialogue, once
    failed = {c["name"] for r in records for c in r["validation"]["checks"] if not c["passed"]}
    assert "llm_available" not in failed  # no dialogue lost to the dead server or the 500s
    servers = json.loads((tmp_path / "out" / "stats.json").read_text())["llm"]["servers"]
    counts = {url: servers[url.rstrip("/")] for url in (u0, u1, u2, u3)}
    for url, log in ((u0, logs[0]), (u1, logs[1]), (u3, logs[3])):
        assert counts[url]["requests"] == _logged(log), url  # every request the server saw, and no other
    assert counts[u2]["requests"] - counts[u2]["failures"] <= _logged(logs[2]) <= counts[u2]["requests"]
    healthy = [counts[u0]["requests"], counts[u1]["requests"]]
    assert max(healthy) <= 1.15 * min(healthy), healthy  # the survivors share the load evenly
    assert counts[u3]["failures"] == counts[u3]["requests"] and counts[u3]["requests"] < min(healthy) / 3


def test_a_pool_with_every_server_down_stops_in_one_line_and_keeps_what_it_has(tmp_path):
    with server_process("loopback.scripted", "--status", "500") as (_, u0), \
            server_process("loopback.scripted", "--status", "500") as (_, u1):
        config = llm_config("llm_user_oriented_sql", [u0, u1], tmp_path / "c.yaml", num_dialogues=4)
        proc = subprocess.run([sys.executable, "-m", "generation", "--config", str(config), "--output",
                               str(tmp_path / "out")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    last = proc.stderr.strip().splitlines()[-1]
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert last.startswith("error:") and "2 servers" in last, last
    assert len(read_jsonl(tmp_path / "out" / "rejected.jsonl")) == 4  # written, and redone by the next run
