"""Generation on a real two-node Ray cluster on this machine, every socket on 127.0.0.1: the driver
alone writes, a node lost mid-run costs no dialogue and duplicates none, and the records are
byte-identical to a single-process run of the same config and seed."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from importlib.util import find_spec
from pathlib import Path

import pytest

from common.errors import InputError
from common.ray_cluster import mark_folder, sees_folder
from evaluation.cluster import _one_model
from evaluation.config import EvaluationConfig
from generation.checkpoint import CheckpointWriter, Finished
from loopback.base import llm_config, scripted_server, unused_port
from loopback.ray_cluster import LOOPBACK_ENV, loopback_cluster
from tests.conftest import ROOT, read_jsonl, run_cli

# not importorskip: importing Ray here would fix its node address before LOOPBACK_ENV is set
pytestmark = [pytest.mark.ray, pytest.mark.skipif(find_spec("ray") is None, reason="Ray is not installed")]


@pytest.fixture(scope="module")
def cluster():
    with loopback_cluster(nodes=2, cpus=2, cwd=str(ROOT)) as running:
        yield running


def _start(config: Path | None, output: Path, address: str, *args: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "generation", "--output", str(output), "--ray", address, *args]
    if config is not None:
        command += ["--config", str(config)]
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **LOOPBACK_ENV})


def _entries(output: Path) -> list[dict]:
    path = output / ".work" / "dialogues.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines(keepends=True) if line.endswith("\n")]


def _checkpointed(output: Path) -> list[int]:
    return [entry["index"] for entry in _entries(output)]


def _wait_for(output: Path, count: int, run: subprocess.Popen, nodes: int = 1) -> None:
    """Until ``count`` dialogues are checkpointed, from at least ``nodes`` nodes."""
    while run.poll() is None:
        entries = _entries(output)
        if len(entries) >= count and len({e.get("node") for e in entries}) >= nodes:
            return
        time.sleep(0.02)
    raise AssertionError(run.communicate()[1][-2000:])


def _same_records(one: Path, other: Path) -> None:
    for name in ("train.jsonl", "rejected.jsonl"):
        assert (one / name).read_bytes() == (other / name).read_bytes(), name


def test_a_node_lost_mid_run_costs_no_dialogue_and_the_records_match_one_process(cluster, tmp_path):
    total = 48  # three waves of 8 dialogues on each node: the loss comes mid-run
    with scripted_server("--latency-ms", "100") as url:
        config = llm_config("llm_user_oriented_sql", url, tmp_path / "c.yaml", num_dialogues=total,
                            llm={"concurrent_dialogues": 8})
        local = run_cli("--config", str(config), "--output", str(tmp_path / "local"), timeout=600)
        assert local.returncode == 0, local.stderr[-2000:]
        run = _start(config, tmp_path / "ray", cluster.address)
        _wait_for(tmp_path / "ray", total // 4, run, nodes=2)  # both nodes at work
        cluster.remove_node()  # a crash: its raylet, object store and actor go at once
        _, stderr = run.communicate(timeout=600)
    assert run.returncode == 0, stderr[-3000:]
    indices = _checkpointed(tmp_path / "ray")
    assert sorted(indices) == list(range(total))  # every dialogue once: none lost, none written twice
    _same_records(tmp_path / "local", tmp_path / "ray")
    timing = json.loads((tmp_path / "ray" / "stats.json").read_text())["timing"]
    per_node = timing["ray_dialogues_per_node"]
    assert timing["ray_actors"] == 2 and len(per_node) == 2, per_node  # both nodes ran dialogues
    assert min(per_node.values()) < total // 2  # the lost node stopped early; the other took its share


def test_a_run_killed_on_the_cluster_resumes_there_into_the_same_records(cluster, tmp_path):
    local = run_cli("--output", str(tmp_path / "local"), "--num-dialogues", "96")
    assert local.returncode == 0, local.stderr[-2000:]
    run = _start(None, tmp_path / "ray", cluster.address, "--num-dialogues", "96")
    _wait_for(tmp_path / "ray", 10, run)
    run.send_signal(signal.SIGKILL)  # the driver dies: its actors go with it, the checkpoint stays
    run.wait()
    before = len(_checkpointed(tmp_path / "ray"))
    assert 10 <= before < 96
    resumed = _start(None, tmp_path / "ray", cluster.address, "--num-dialogues", "96")
    _, stderr = resumed.communicate(timeout=600)
    assert resumed.returncode == 0, stderr[-3000:]
    assert sorted(_checkpointed(tmp_path / "ray")) == list(range(96))
    _same_records(tmp_path / "local", tmp_path / "ray")
    assert len(read_jsonl(tmp_path / "ray" / "train.jsonl")) > 0


def test_an_unreachable_cluster_is_one_line(tmp_path):
    address = f"127.0.0.1:{unused_port()}"
    proc = subprocess.run([sys.executable, "-m", "generation", "--output", str(tmp_path / "out"), "--ray", address,
                           "--num-dialogues", "2"], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **LOOPBACK_ENV})
    last = proc.stderr.strip().splitlines()[-1]
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    assert last.startswith(f"error: cannot join the Ray cluster at {address}: Connection refused"), last


def _dispatch_with_dying_actors(work: str) -> tuple[list[int], str]:
    """In a fresh interpreter (Ray stays out of the test process): two actors with no restarts
    left, one dying on its third call, then a pair that both die. The indices written, the error."""
    os.environ.update(LOOPBACK_ENV)
    import ray
    from collections import deque

    from generation.cluster import _dispatch

    class Fragile:  # defined here, so that Ray ships it by value to workers that cannot import tests
        """Runs dialogue i by returning its line; its process dies on its ``dies_at``-th call, with
        other calls in flight."""

        def __init__(self, dies_at: int | None) -> None:
            self.dies_at, self.calls = dies_at, 0

        async def run(self, index: int, inputs: list) -> tuple[Finished, bool]:
            self.calls += 1
            if self.calls == self.dies_at:
                await asyncio.sleep(0.005)  # the calls before it are held, not finished
                os._exit(1)
            await asyncio.sleep(0.01)
            return Finished(index, json.dumps({"index": index}) + "\n", node="n"), True

    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="ERROR")  # not the fixture's
    try:
        assert [n["NodeManagerAddress"] for n in ray.nodes()] == ["127.0.0.1"]
        fragile = ray.remote(Fragile).options(max_restarts=0, max_concurrency=3)
        writer = CheckpointWriter(Path(work) / "dialogues.jsonl", 20)
        _dispatch(ray, [fragile.remote(3), fragile.remote(None)], [], deque(range(20)), 3, writer, 0.0)
        writer.close()
        written = [json.loads(line)["index"] for line in (Path(work) / "dialogues.jsonl").read_text().splitlines()]
        try:
            doomed = CheckpointWriter(Path(work) / "doomed.jsonl", 4)
            _dispatch(ray, [fragile.remote(1), fragile.remote(1)], [], deque(range(4)), 1, doomed, 0.0)
        except InputError as exc:
            return written, str(exc)
        return written, ""
    finally:
        ray.shutdown()


def test_dialogues_of_an_actor_gone_for_good_go_to_the_others_once(tmp_path):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        written, error = pool.submit(_dispatch_with_dying_actors, str(tmp_path)).result(timeout=300)
    assert sorted(written) == list(range(20))  # the dead actor's dialogues ran on the other, each once
    assert error.startswith("every Ray actor died (") and "rerun the same command to resume" in error


def test_a_sweep_evaluates_its_models_side_by_side_with_the_same_results(cluster, tmp_path):
    def evaluate(output: Path, *extra: str) -> dict:
        config = {"output_dir": str(output), "trials": 2, "k": 2, "benchmarks": {"sqlbench": {"tasks_per_database": 1}},
                  "models": [{"name": name, "endpoint": {"base_url": url, "model": "scripted", "timeout_s": 5}}
                             for name in ("first", "second")]}
        path = tmp_path / f"{output.name}.yaml"
        path.write_text(json.dumps(config))
        proc = subprocess.run([sys.executable, "-m", "evaluation", "--config", str(path), *extra], cwd=ROOT,
                              capture_output=True, text=True, timeout=600, env={**os.environ, **LOOPBACK_ENV})
        assert proc.returncode == 0, proc.stderr[-2000:]
        return json.loads((output / "results.json").read_text())

    with scripted_server() as url:
        in_a_row = evaluate(tmp_path / "row")
        side_by_side = evaluate(tmp_path / "ray", "--ray", cluster.address)
    assert (tmp_path / "ray" / ".ray.token").is_file() and not (tmp_path / "row" / ".ray.token").exists()
    assert list(side_by_side["models"]) == ["first", "second"]  # the config's order, whichever finished first
    assert side_by_side["models"] == in_a_row["models"] and side_by_side["comparisons"] == in_a_row["comparisons"]
    for name in ("first", "second"):
        assert (tmp_path / "ray" / name / "sqlbench" / "outcomes.jsonl").read_text().count("\n") == 6


def test_a_task_knows_whether_it_sees_the_runs_folder(tmp_path):
    """The one rule behind an actor sharing the run's cache and request log, and an evaluation task
    refusing to write where the driver cannot read."""
    token = mark_folder(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert sees_folder(tmp_path, token)
    assert not sees_folder(elsewhere, token) and not sees_folder(tmp_path, token + "0")
    config = EvaluationConfig.model_validate({"models": [{"name": "m", "endpoint": {"base_url": "http://127.0.0.1:9/v1",
                                                                                    "model": "m"}}],
                                              "benchmarks": {"sqlbench": {}}})
    with pytest.raises(InputError, match="is not on this node"):
        _one_model(config, 0, str(elsewhere), token, lambda *_: pytest.fail("evaluated without the folder"))
