"""The τ² harness against a scripted agent and user over real loopback HTTP (through litellm).

The scripted agent replays each task's gold actions (user-side ones in telecom are asked of the
scripted user, which performs them as tool calls), so τ²'s own evaluation must give reward 1.0;
one trial of one task is sabotaged so that Pass^k is not trivially 1 and can be compared with τ²'s.
"""

from __future__ import annotations

import json
import os
import time

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # litellm fetches a price map on import otherwise

from evaluation.outcomes import OutcomeLog  # noqa: E402
from evaluation.passk import pass_hat_k, pass_k_table  # noqa: E402
from evaluation.tau2 import Tau2Error, Tau2Settings, run_tau2, select_tasks, trial_seeds  # noqa: E402
from generation.llm.endpoints import EndpointConfig  # noqa: E402
from loopback.tau2 import stats, tau2_server, write_script  # noqa: E402

TRIALS = 3
# telecom tasks share user scenarios widely; these three differ (the scripted user finds its task by it)
TASK_IDS = ["airline/11", "airline/14", "retail/36", "retail/40", "retail/44",
            "[mms_issue]break_app_sms_permission|data_mode_off[PERSONA:None]",  # user-side actions only
            "[mobile_data_issue]data_saver_mode_on|data_usage_exceeded[PERSONA:Easy]",  # user, then agent
            "[service_issue]airplane_mode_on|lock_sim_card_pin[PERSONA:Easy]"]  # transfer to a human
SABOTAGED = ("retail", "40", 1)  # (domain, task, trial) where the agent does nothing: reward 0


def _endpoint(base_url: str, model: str, **changes) -> EndpointConfig:
    return EndpointConfig(**{"base_url": base_url, "model": model, "api_key_env": None, "max_attempts": 1,
                             "timeout_s": 30, **changes})


@pytest.fixture(scope="module")
def gold(tmp_path_factory):
    """One run of every scripted task, TRIALS times; the server stays up for the resume checks."""
    workdir = tmp_path_factory.mktemp("tau2")
    settings = Tau2Settings(task_ids=TASK_IDS, max_concurrency=4)
    entries = [(d, t) for d, tasks in select_tasks(settings).items() for t in tasks]
    sabotaged = next(i for i, (d, t) in enumerate(entries) if (d, t.id) == SABOTAGED[:2])
    write_script(workdir / "script.json", entries, sabotage={sabotaged: trial_seeds(settings.seed, TRIALS)[1]})
    with tau2_server(workdir / "script.json") as base_url:
        settings.user = _endpoint(base_url, "scripted-user", temperature=0.0)
        agent = _endpoint(base_url, "scripted-agent")
        start = time.perf_counter()
        with OutcomeLog(workdir / "outcomes.jsonl") as log:
            summary = run_tau2(agent, settings, TRIALS, log, workdir)
        yield {"workdir": workdir, "settings": settings, "agent": agent, "summary": summary, "base_url": base_url,
               "seconds": time.perf_counter() - start}


def test_gold_replay_scores_one_on_every_domain(gold):
    with OutcomeLog(gold["workdir"] / "outcomes.jsonl") as log:
        outcomes = log.outcomes("tau2")
    assert len(outcomes) == len(TASK_IDS) * TRIALS
    for o in outcomes:
        sabotaged = (o.category, o.task_id, o.trial) == SABOTAGED
        assert (o.success, o.reward, o.error) == (not sabotaged, 0.0 if sabotaged else 1.0, None), o
        assert o.detail["termination"] == "user_stop"  # the scripted user ended it with τ²'s stop token
        assert o.detail["seed"] == trial_seeds(300, TRIALS)[o.trial]  # τ²'s own per-trial seeds
    per_domain = {d: {o.task_id for o in outcomes if o.category == d} for d in ("airline", "retail", "telecom")}
    assert {d: len(ids) for d, ids in per_domain.items()} == {"airline": 2, "retail": 3, "telecom": 3}
    # the user simulator is its own endpoint: every user turn went to its model, every agent turn to the agent's
    counts = stats(gold["base_url"])
    assert set(counts) == {"other scripted-agent", "other scripted-user", "agent scripted-agent",
                           "user scripted-user"}, counts
    assert {s["user_simulator"] for s in gold["summary"].values()} == {"scripted-user"}


def test_pass_k_equals_tau2s_own(gold):
    from tau2.data_model.simulation import Results
    from tau2.metrics.agent_metrics import compute_metrics
    from tau2.metrics.agent_metrics import pass_hat_k as tau2_pass_hat_k

    for n in range(1, 9):
        for c in range(n + 1):
            for k in range(1, n + 1):
                assert pass_hat_k(n, c, k) == tau2_pass_hat_k(n, c, k), (n, c, k)
    with OutcomeLog(gold["workdir"] / "outcomes.jsonl") as log:
        ours = pass_k_table(log.outcomes("tau2"), TRIALS)
    for domain in ("airline", "retail", "telecom"):
        theirs = gold["summary"][domain]["pass_hat_k"]
        assert set(theirs) == set(range(1, TRIALS + 1))
        assert ours[("tau2", domain)] == pytest.approx(theirs), domain
        # τ²'s own results file gives the same numbers when τ² reads it back
        results = Results.load(gold["workdir"] / f"{domain}.json")
        assert len(results.simulations) == gold["summary"][domain]["tasks"] * TRIALS
        assert compute_metrics(results).pass_hat_ks == pytest.approx(theirs)
    # retail: 2 tasks always solved, 1 solved in 2 of 3 trials
    assert gold["summary"]["retail"]["pass_hat_k"] == pytest.approx({1: (2 + 2 / 3) / 3, 2: (2 + 1 / 3) / 3, 3: 2 / 3})
    assert gold["summary"]["telecom"]["pass_hat_k"] == pytest.approx({1: 1.0, 2: 1.0, 3: 1.0})
    assert gold["summary"]["retail"]["avg_reward"] == pytest.approx(8 / 9)


def test_rerun_makes_no_request_for_finished_trials(gold):
    before = stats(gold["base_url"])
    with OutcomeLog(gold["workdir"] / "outcomes.jsonl") as log:
        summary = run_tau2(gold["agent"], gold["settings"], TRIALS, log, gold["workdir"])
    assert stats(gold["base_url"]) == before
    assert summary == gold["summary"]


def test_rerun_runs_only_the_trial_missing_from_the_log(gold):
    path = gold["workdir"] / "outcomes.jsonl"
    lines = path.read_text().splitlines()
    kept = [line for line in lines if json.loads(line)["category"] != "airline"
            or (json.loads(line)["task_id"], json.loads(line)["trial"]) != ("14", 2)]
    assert len(kept) == len(lines) - 1  # as if the run had been killed before that trial was logged
    path.write_text("\n".join(kept) + "\n")
    before = stats(gold["base_url"])
    with OutcomeLog(path) as log:
        summary = run_tau2(gold["agent"], gold["settings"], TRIALS, log, gold["workdir"])
        assert log.done("tau2", "airline", "14", 2)
    assert len(path.read_text().splitlines()) == len(lines)
    after = stats(gold["base_url"])
    assert after["agent scripted-agent"] > before["agent scripted-agent"]
    assert summary == gold["summary"]


def test_unknown_domain_is_a_one_line_value_error(tmp_path):
    with pytest.raises(ValueError) as info:
        Tau2Settings(domains=["airline", "atlantis"])
    message = info.value.errors()[0]["msg"]  # what the config loader shows
    assert "atlantis" in message and "airline, retail, telecom" in message and "\n" not in message
    # settings built without validation are checked again before anything runs
    with pytest.raises(ValueError, match=r"^unknown tau2 domain 'atlantis' \(known: .*\)$"):
        run_tau2(_endpoint("http://127.0.0.1:9/v1", "m"), Tau2Settings.model_construct(domains=["atlantis"]),
                 1, OutcomeLog(tmp_path / "o.jsonl"), tmp_path)
    with pytest.raises(ValueError, match="'airline/9999' is not in domains"):
        Tau2Settings(task_ids=["airline/9999"])
    with pytest.raises(ValueError, match="Invalid task split name: nope"):
        Tau2Settings(domains=["retail"], task_split="nope")


def test_endpoint_down_is_a_clear_error_not_a_hang(tmp_path):
    settings = Tau2Settings(task_ids=["airline/11"])
    start = time.perf_counter()
    with OutcomeLog(tmp_path / "o.jsonl") as log, pytest.raises(Tau2Error, match=r"agent endpoint http://127\.0\.0\.1:9/v1"):
        run_tau2(_endpoint("http://127.0.0.1:9/v1", "m"), settings, 2, log, tmp_path)
    assert time.perf_counter() - start < 20
    assert log.outcomes() == []


def test_failing_simulations_end_as_failed_trials(tmp_path):
    """An endpoint error (HTTP 500, no reply in time) is an error to retry; a malformed tool call is a failure."""
    settings = Tau2Settings(task_ids=["airline/11", "airline/14", "airline/19"], max_concurrency=3)
    entries = [(d, t) for d, tasks in select_tasks(settings).items() for t in tasks]
    write_script(tmp_path / "script.json", entries, faults={0: "http_500", 1: "bad_json", 2: "hang"})
    with tau2_server(tmp_path / "script.json") as base_url:
        agent = _endpoint(base_url, "scripted-agent", timeout_s=1)
        with OutcomeLog(tmp_path / "outcomes.jsonl") as log:
            summary = run_tau2(agent, settings, 1, log, tmp_path)
            got = {o.task_id: o for o in log.outcomes("tau2")}
        assert all(not o.success and o.reward == 0.0 for o in got.values())
        assert "InternalServerError" in got["11"].error and "Timeout" in got["19"].error
        assert got["14"].error is None and got["14"].detail["exception"].startswith("JSONDecodeError")
        assert got["14"].detail["termination"] == "agent_error"
        assert summary["airline"]["errors"] == 2 and summary["airline"]["pass_hat_k"] == {1: 0.0}
        with OutcomeLog(tmp_path / "outcomes.jsonl") as log:  # a rerun retries the endpoint errors only
            run_tau2(agent, settings, 1, log, tmp_path)
        assert len((tmp_path / "outcomes.jsonl").read_text().splitlines()) == 3 + 2
