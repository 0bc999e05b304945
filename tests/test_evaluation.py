"""Evaluation core: Pass^k, the SQL benchmark over loopback HTTP, resume, the CLI and its errors."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from math import comb
from pathlib import Path

import pytest
import yaml

from evaluation.outcomes import OutcomeLog, TrialOutcome
from evaluation.passk import PassKError, pass_hat_k, pass_k_table
from evaluation.sqlbench import SqlBenchSettings, run_sqlbench
from generation.episode import SUCCESS_CHECKS
from generation.llm.endpoints import EndpointConfig
from loopback.base import scripted_server

ROOT = Path(__file__).resolve().parents[1]


def test_pass_hat_k_is_the_unbiased_estimator():
    assert pass_hat_k(4, 4, 4) == 1.0
    assert pass_hat_k(4, 3, 4) == 0.0
    assert pass_hat_k(4, 3, 2) == comb(3, 2) / comb(4, 2) == 0.5
    assert pass_hat_k(5, 2, 1) == 0.4
    with pytest.raises(PassKError):
        pass_hat_k(2, 1, 3)
    outcomes = [TrialOutcome("b", "c", t, i, ok) for t, oks in (("x", [1, 1]), ("y", [1, 0])) for i, ok in enumerate(oks)]
    assert pass_k_table(outcomes, 2) == {("b", "c"): {1: 0.75, 2: 0.5}}
    with pytest.raises(PassKError):
        pass_k_table(outcomes, 3)
    assert pass_k_table(outcomes, 3, strict=False)[("b", "c")][3] is None


def test_outcome_log_survives_a_torn_line(tmp_path):
    path = tmp_path / "o.jsonl"
    with OutcomeLog(path) as log:
        log.append(TrialOutcome("sqlbench", "shop", "shop-0", 0, True, 1.0))
    with path.open("ab") as f:
        f.write(b'{"benchmark": "sqlbench", "categ')  # a kill in the middle of a write
    with OutcomeLog(path) as log:
        assert log.done("sqlbench", "shop", "shop-0", 0)
        assert not log.done("sqlbench", "shop", "shop-0", 1)
        assert len(log.outcomes()) == 1
        log.append(TrialOutcome("sqlbench", "shop", "shop-0", 1, False, 0.0))  # resumed: the next trial
    with OutcomeLog(path) as log:
        assert log.done("sqlbench", "shop", "shop-0", 1) and len(log.outcomes()) == 2


def _requests(log: Path) -> int:
    return len(log.read_text().splitlines()) if log.exists() else 0


def test_sqlbench_over_http_scores_and_resumes(tmp_path):
    server_log = tmp_path / "server.jsonl"
    settings = SqlBenchSettings(tasks_per_database=3)
    with scripted_server("--log", str(server_log)) as url:
        endpoint = EndpointConfig(base_url=url, model="scripted", timeout_s=5)
        with OutcomeLog(tmp_path / "run" / "outcomes.jsonl") as log:
            summary = run_sqlbench(endpoint, settings, 2, log, tmp_path / "run")
            outcomes = log.outcomes("sqlbench")
        asked = _requests(server_log)
        assert asked > 0 and summary["trials"] == len(outcomes) == 3 * 3 * 2
        for o in outcomes:  # success is exactly the final-state and communicated-values checks
            assert o.success == all(o.detail["checks"][name] for name in SUCCESS_CHECKS)
            assert o.error is None
        assert any(o.success for o in outcomes) and not all(o.success for o in outcomes)
        table = pass_k_table(outcomes, 2)
        assert all(v[2] <= v[1] for v in table.values())
        # the same task in both trials (trials differ only by the model's sampling seed)
        by_task = {}
        for o in outcomes:
            by_task.setdefault(o.task_id, set()).add(tuple(o.detail["tasks"]))
        assert all(len(v) == 1 for v in by_task.values())
        with OutcomeLog(tmp_path / "run" / "outcomes.jsonl") as log:  # rerun: nothing left to ask
            run_sqlbench(endpoint, settings, 2, log, tmp_path / "run")
        assert _requests(server_log) == asked


def _eval(config: dict, tmp_path: Path, *extra: str, timeout: int = 300) -> subprocess.CompletedProcess:
    path = tmp_path / "eval.yaml"
    path.write_text(yaml.safe_dump(config))
    env = {**os.environ, "WANDB_MODE": "offline", "WANDB_DIR": str(tmp_path)}
    return subprocess.run([sys.executable, "-m", "evaluation", "--config", str(path), *extra], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, env=env)


def _config(tmp_path: Path, url: str, **changes) -> dict:
    config = {"output_dir": str(tmp_path / "out"), "trials": 2, "k": 2,
              "models": [{"name": "scripted", "endpoint": {"base_url": url, "model": "scripted", "timeout_s": 5}}],
              "benchmarks": {"sqlbench": {"tasks_per_database": 1}}}
    config.update(changes)
    return config


def test_cli_writes_the_table_and_json(tmp_path):
    with scripted_server() as url:
        config = _config(tmp_path, url, wandb={"project": "tooldial-test"})
        config["models"].append({**config["models"][0], "name": "scripted-again"})  # a sweep: models in a row
        proc = _eval(config, tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    first_cells = [line.split("|")[1].strip() for line in proc.stdout.splitlines() if line.startswith("|")]
    assert {"scripted", "scripted-again"} <= set(first_cells)
    assert len(list((tmp_path / "wandb").glob("offline-run-*/run-*.wandb"))) == 2  # a W&B run per model
    assert re.search(r"^\| Model +\| BFCL MT", proc.stdout, re.M) and "Pass^2" in proc.stdout
    results = json.loads((tmp_path / "out" / "results.json").read_text())
    sql = results["models"]["scripted"]["sqlbench"]
    assert set(sql) == {"clinic", "library", "shop", "overall"}
    assert sql["shop"]["trials"] == 2 and set(sql["overall"]["pass_k"]) == {"1", "2"}
    low, high = sql["overall"]["interval"]["1"]
    assert 0 <= low <= sql["overall"]["pass_k"]["1"] <= high <= 1
    assert "95% interval" in proc.stdout and re.search(r"\d+\.\d \[\d+\.\d, \d+\.\d\]", proc.stdout)
    assert sum(sql["overall"]["failures"].values()) == sum(
        round(sql[db]["trials"] * (1 - sql[db]["pass_k"]["1"])) for db in ("clinic", "library", "shop"))
    assert "failed trials by where they went wrong" in proc.stdout
    compared = {(c["model"], c["baseline"], c["column"]) for c in results["comparisons"]}
    assert ("scripted-again", "scripted", "SQL held-out") in compared  # each later model against the first
    assert (tmp_path / "out" / "scripted" / "sqlbench" / "outcomes.jsonl").exists()
    # the same output with other settings is refused, not mixed into the earlier trials
    with scripted_server() as url:
        proc = _eval(_config(tmp_path, url, benchmarks={"sqlbench": {"tasks_per_database": 1, "seed": 7}}), tmp_path)
    assert proc.returncode == 1 and "holds trials made with other settings" in proc.stderr, proc.stderr[-2000:]


@pytest.mark.parametrize("change, expected", [
    ({"benchmarks": {"nosuchbench": {}}}, "unknown benchmark 'nosuchbench'"),
    ({"trials": 2, "k": 3}, "k=3 needs 1 <= k <= trials (2)"),
    ({"benchmarks": {"tau2": {"domains": ["banking"]}}}, "banking"),
    ({"models": [{"name": "gone", "endpoint": {"base_url": "http://127.0.0.1:9/v1", "model": "m"},
                  "health_timeout_s": 1}]}, "did not answer"),
    ({"models": [{"name": "gone", "path": "/no/such/model"}]}, "path does not exist"),
    ({"models": [{"name": "m", "path": "./m", "sampling": {"temperatur": 1}}]}, "sampling.temperatur: unknown key"),
    ({"models": [{"name": "m", "path": "./m", "server": "vllm"}]}, "--tool-call-parser"),
    ({"models": [{"name": "../up", "path": "./m"}]}, "names a folder"),
])
def test_cli_bad_input_is_one_line(tmp_path, change, expected):
    proc = _eval(_config(tmp_path, "http://127.0.0.1:9/v1", **change), tmp_path, timeout=60)
    assert proc.returncode == 2, proc.stderr[-2000:]
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and expected in lines[0], proc.stderr[-2000:]


@pytest.mark.parametrize("name", ["smoke", "qwen3_4b_vllm", "ablation_4b"])
def test_shipped_configs_are_valid(name):
    from evaluation.config import load_config

    config = load_config(ROOT / "configs" / "evaluation" / f"{name}.yaml", {})
    assert config.benchmarks.selected() == ["bfcl", "bfcl_single", "tau2", "sqlbench"] and config.k <= config.trials


def test_an_empty_benchmark_section_selects_it_with_defaults(tmp_path):
    from evaluation.config import load_config

    path = tmp_path / "e.yaml"
    path.write_text("models: [{name: m, endpoint: {base_url: 'http://127.0.0.1:9/v1'}}]\n"
                    "trials: 3\nk: 3\nbenchmarks: {bfcl: , sqlbench: {}}\n")
    config = load_config(path, {"trials": 2})
    assert config.benchmarks.selected() == ["bfcl", "sqlbench"] and config.benchmarks.bfcl.limit is None
    assert (config.trials, config.k) == (2, 2)  # --trials alone lowers the k the file asked for
