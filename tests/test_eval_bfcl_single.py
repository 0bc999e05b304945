"""BFCL single-turn harness against scripted OpenAI-compatible servers on loopback (real HTTP).

- on the same scripted replies, right and wrong, in every category: our requests are those of
  bfcl-eval's own FC handler, and our model results, verdicts, error types, per-category accuracies
  and Non-Live / Live / Hallucination columns are those of bfcl-eval's own `generate` + `evaluate`
  (run in a subprocess) and of its leaderboard files;
- an oracle replaying the ground truth scores 100% per category; two trials of an entry send the
  same request (nothing carried over); a rerun sends nothing;
- a nonsense model scores 0% on the AST categories, relevance and irrelevance as BFCL defines them
  (any decodable call is relevance, anything else irrelevance); endpoint failures are retried;
- verdicts do not depend on order or repetition, leave the data as loaded and create no state.
"""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest

pytest.importorskip("bfcl_eval")

from evaluation.bfcl_single import BfclSingleSettings, load_entries, run_bfcl_single  # noqa: E402
from evaluation.bfcl_single_scoring import (  # noqa: E402
    BENCHMARK, CATEGORIES, LIVE_AST, NON_LIVE_AST, bfcl, leaderboard_columns, model_result, table2_columns, verdict)
from evaluation.outcomes import OutcomeLog, TrialOutcome  # noqa: E402
from generation.llm.endpoints import EndpointConfig  # noqa: E402
from loopback.bfcl_single import (  # noqa: E402
    AST_VARIANTS, NONSENSE, RELEVANCE, RELEVANCE_VARIANTS, entries, ground_truth, nonsense_script, oracle_server,
    script_entry, single_server, variant_reply, write_script)
from loopback.base import unused_port  # noqa: E402
from loopback.bfcl import requests_seen  # noqa: E402

AST = [c for c in CATEGORIES if c not in RELEVANCE]


def endpoint(base_url: str, model: str, temperature: float = 0.0) -> EndpointConfig:
    return EndpointConfig(base_url=base_url, model=model, temperature=temperature, timeout_s=30, max_attempts=2,
                          retry_initial_s=0.0, retry_max_s=0.0)


LIMIT = 9  # entries per category in the fidelity test, and in three categories more (BFCL's weights)
MORE = {"simple_python": 16, "live_simple": 14, "live_multiple": 20}


def _variant_script(limits: dict[str, int]) -> list[dict]:
    """Per category a right and a wrong answer, then variants drawn at random (seeded): accuracies
    that differ between categories, so that BFCL's weights show in its columns."""
    draw = random.Random(2026)
    scripted = []
    for category, limit in limits.items():
        kinds = RELEVANCE_VARIANTS if category in RELEVANCE else AST_VARIANTS
        chosen = ["some_call", "text"] if category in RELEVANCE else ["oracle", "text"]
        chosen += [draw.choice(kinds) for _ in range(limit - 2)]
        for kind, entry, truth in zip(chosen, entries(category, limit), ground_truth(category, limit)):
            scripted.append(script_entry(category, entry, variant_reply(kind, category, entry, truth)))
    return scripted


def test_settings_are_checked() -> None:
    assert BfclSingleSettings().categories == list(CATEGORIES) and len(CATEGORIES) == 13
    with pytest.raises(ValueError, match=r"unknown BFCL single-turn category 'multi_turn_base'.*simple_python"):
        BfclSingleSettings(categories=["simple_python", "multi_turn_base"])
    with pytest.raises(ValueError, match="no BFCL single-turn category"):
        BfclSingleSettings(categories=[])
    with pytest.raises(ValueError, match="extra"):
        BfclSingleSettings(limits=3)


def test_same_requests_verdicts_scores_and_columns_as_bfcl_own_pipeline(tmp_path: Path) -> None:
    for module in ("openai", "overrides", "tree_sitter", "tree_sitter_java", "tree_sitter_javascript"):
        pytest.importorskip(module, reason="bfcl-eval's model handler needs it")
    from loopback.bfcl_single_reference import run_reference

    limits = {c: MORE.get(c, LIMIT) for c in CATEGORIES}
    write_script(tmp_path / "script.json", _variant_script(limits))
    with single_server(tmp_path / "script.json") as url, OutcomeLog(tmp_path / "outcomes.jsonl") as log:
        summary = run_bfcl_single(endpoint(url, "ours", 0.25), BfclSingleSettings(limit=LIMIT), 1, log,
                                  tmp_path / "work")
        for category, limit in MORE.items():  # more entries, into the same log: a resumed, larger run
            more = run_bfcl_single(endpoint(url, "ours", 0.25), BfclSingleSettings(categories=[category], limit=limit),
                                   1, log, tmp_path / "work")
            summary["categories"][category] = more["categories"][category]
        reference = run_reference(url, "bfcl", 0.25, limits, tmp_path / "reference")
        requests = requests_seen(url)
        ours = {o.task_id: o for o in log.outcomes(BENCHMARK)}

    assert set(ours) == set(reference["results"]) and len(ours) == sum(limits.values())
    assert {i: o.detail["result"] for i, o in ours.items()} == reference["results"]  # decoded alike
    verdicts = {i: o.success for i, o in ours.items()}
    assert verdicts == {i: i not in reference["failed"] for i in ours}
    assert {i: ours[i].detail["verdict"]["error_type"] for i in reference["failed"]} == reference["failed"]
    for category in CATEGORIES:  # right and wrong answers in every category
        assert {v for i, v in verdicts.items() if ours[i].category == category} == {True, False}, category
        assert summary["categories"][category]["accuracy"] == reference["accuracy"][category], category
    assert {o.detail["verdict"]["error_type"] for o in ours.values() if not o.success} >= {
        "ast_decoder:decoder_failed", "ast_decoder:decoder_wrong_output_format", "simple_function_checker:wrong_count",
        "irrelevance_error:decoder_success", "relevance_error:decoder_failed"}

    columns = table2_columns(log.outcomes())
    scores = {c: (s["accuracy"], s["total"]) for c, s in summary["categories"].items()}
    assert columns == leaderboard_columns(scores)
    # the test tells BFCL's weights apart: a plain or a count-weighted mean would differ
    assert columns["non_live"] != sum(scores[c][0] for c in NON_LIVE_AST) / 6
    assert columns["live"] != sum(scores[c][0] for c in LIVE_AST) / 4
    raw, printed = reference["raw"], reference["csv"]
    bfcl = {"non_live": ("data_non_live.csv", "Non-Live Overall Acc"), "live": ("data_live.csv", "Live Overall Acc"),
            "relevance": ("data_overall.csv", "Relevance Detection"),
            "irrelevance": ("data_overall.csv", "Irrelevance Detection")}
    for column, (file, header) in bfcl.items():
        assert columns[column] == raw[file][header], column
        assert f"{columns[column] * 100:.2f}%" == printed[file][header], column
    assert raw["data_overall.csv"]["Non-Live AST Acc"] == columns["non_live"]
    assert raw["data_overall.csv"]["Live Acc"] == columns["live"]

    seen: dict[tuple[str, str], list] = {}
    for r in requests:
        seen.setdefault((r["model"], r["id"]), []).append((r["temperature"], r["tools"], r["messages"]))
    for task_id in ours:
        assert seen[("ours", task_id)] == seen[("bfcl", task_id)], task_id
    assert any(any(m["role"] == "system" for m in r["messages"]) for r in requests)  # live system prompts kept
    assert all(r["tools"] for r in requests if r["id"].startswith("simple_java"))  # hinted Java docs as tools
    assert any(" Note that the provided function is in Java 8 SDK syntax." in t["function"]["description"]
               for r in requests if r["id"].startswith("simple_java") for t in r["tools"])


def test_oracle_scores_full_marks_each_trial_alike_and_a_rerun_sends_nothing(tmp_path: Path) -> None:
    limit = 25  # live_parallel and live_relevance have 16 entries: all of them
    settings = BfclSingleSettings(limit=limit, concurrency=16)
    with oracle_server(tmp_path, list(CATEGORIES), limit) as url, OutcomeLog(tmp_path / "outcomes.jsonl") as log:
        summary = run_bfcl_single(endpoint(url, "oracle"), settings, 2, log, tmp_path / "work")
        requests = requests_seen(url)
        summary_again = run_bfcl_single(endpoint(url, "oracle"), settings, 2, log, tmp_path / "work")
        assert requests_seen(url, count_only=True) == len(requests)  # every trial was logged: none ran again
        outcomes = log.outcomes(BENCHMARK)
    for category in CATEGORIES:
        scores = summary["categories"][category]
        assert scores["total"] == min(limit, len(entries(category))) >= 16, category
        assert scores["accuracy_per_trial"] == [1.0, 1.0], (category, scores)
    assert summary["columns"] == summary["columns_mean"] == dict.fromkeys(("non_live", "live", "relevance",
                                                                            "irrelevance"), 1.0)
    assert summary_again == summary and summary["errors"] == summary["missing"] == 0
    assert len(outcomes) == len(requests) == 2 * sum(s["total"] for s in summary["categories"].values())
    by_entry: dict[str, list] = {}
    for r in requests:
        by_entry.setdefault(r["id"], []).append((r["tools"], r["messages"]))
    assert all(len(sent) == 2 and sent[0] == sent[1] for sent in by_entry.values())  # trial 1 as trial 0


def test_nonsense_scores_zero_and_relevance_as_bfcl_defines_it(tmp_path: Path) -> None:
    limit = 6
    scripted = nonsense_script(list(CATEGORIES), limit)
    failing = next(s for s in scripted if s["id"] == "live_simple_2-2-0")
    failing["reply"] = {"fault": "http_500"}
    write_script(tmp_path / "script.json", scripted)
    with single_server(tmp_path / "script.json") as url, OutcomeLog(tmp_path / "outcomes.jsonl") as log:
        summary = run_bfcl_single(endpoint(url, "junk"), BfclSingleSettings(limit=limit), 1, log, tmp_path / "work")
        before = requests_seen(url, count_only=True)
        run_bfcl_single(endpoint(url, "junk"), BfclSingleSettings(limit=limit), 1, log, tmp_path / "work")
        retried = requests_seen(url)[before:]
        outcomes = {o.task_id: o for o in log.outcomes(BENCHMARK)}
    for category in AST:
        assert summary["categories"][category]["accuracy"] == 0.0, category
    # BFCL: irrelevance passes when nothing decodes to a call (text, broken JSON), relevance when a call does
    for category in RELEVANCE:
        for i, entry in enumerate(entries(category, limit)):
            called = NONSENSE[i % len(NONSENSE)] == "junk_call"
            assert outcomes[entry["id"]].success == (called if category == "live_relevance" else not called)
    assert summary["columns"]["non_live"] == summary["columns"]["live"] == 0.0
    assert summary["columns"]["irrelevance"] == pytest.approx(4 / 6) and summary["columns"]["relevance"] == 2 / 6
    failed = outcomes["live_simple_2-2-0"]
    assert failed.error and "HTTP 500" in failed.error and not failed.success
    assert summary["errors"] == 1 and all(o.error is None for i, o in outcomes.items() if i != "live_simple_2-2-0")
    assert {r["id"] for r in retried} == {"live_simple_2-2-0"}  # a rerun tries the endpoint failure again, only


def test_verdicts_carry_no_state_between_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BFCL_PROJECT_ROOT", str(tmp_path / "bfcl_eval"))
    from bfcl_eval.eval_checker.multi_turn_eval import multi_turn_utils

    selected = load_entries(BfclSingleSettings(limit=LIMIT), tmp_path)
    loaded = copy.deepcopy(selected)
    replies = {s["id"]: s["reply"] for s in _variant_script(dict.fromkeys(CATEGORIES, LIMIT))}
    jobs = [(c, e, model_result(_message(replies[e.id]))) for c, es in selected.items() for e in es]
    module_state = set(vars(multi_turn_utils))

    def run(order: list) -> dict[str, dict]:
        return {e.id: verdict(c, e.checked, e.answer, result) for c, e, result in order}

    first = run(jobs)
    shuffled = jobs * 2
    random.Random(7).shuffle(shuffled)
    assert run(shuffled) == first and run(list(reversed(jobs))) == first
    assert selected == loaded  # the loaded entries, docs and answers are as they were
    assert set(vars(multi_turn_utils)) == module_state  # no API instance cached in bfcl-eval's globals
    assert {v["valid"] for v in first.values()} == {True, False}

    # a checker that edits what it is given in place (as BFCL's hint pass and prompting handlers do)
    # reaches neither the loaded data nor the next entry
    runner = bfcl().runner
    checks = runner._evaluate_single_ast_entry

    def editing(handler, index, result, answer, prompt, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        found = checks(handler, index, result, answer, prompt, *args, **kwargs)
        prompt["function"].clear()
        answer.clear()
        return found

    monkeypatch.setattr(runner, "_evaluate_single_ast_entry", editing)
    assert run(jobs + jobs) == first and selected == loaded


def _message(reply: dict) -> dict:
    if "text" in reply:
        return {"role": "assistant", "content": reply["text"]}
    calls = [{"id": f"c{i}", "type": "function", "function": c} for i, c in enumerate(reply["calls"])]
    return {"role": "assistant", "content": None, "tool_calls": calls}


def test_table2_columns_follow_bfcl_weights() -> None:
    def outcomes(category: str, passed: int, total: int, trial: int = 0) -> list[TrialOutcome]:
        return [TrialOutcome(BENCHMARK, category, f"{category}_{i}", trial, i < passed) for i in range(total)]

    logged = (outcomes("simple_python", 3, 4) + outcomes("simple_java", 1, 2) + outcomes("simple_javascript", 0, 2)
              + outcomes("multiple", 2, 2) + outcomes("parallel", 1, 4) + outcomes("parallel_multiple", 1, 1)
              + outcomes("live_simple", 1, 2) + outcomes("live_multiple", 6, 6) + outcomes("live_parallel", 0, 1)
              + outcomes("live_parallel_multiple", 1, 1) + outcomes("irrelevance", 1, 4)
              + outcomes("live_irrelevance", 3, 4) + outcomes("live_relevance", 1, 2)
              + [TrialOutcome("bfcl", "multi_turn_base", "multi_turn_base_0", 0, True)])
    columns = table2_columns(logged)
    simple = (3 / 4 + 1 / 2 + 0) / 3  # non-live: unweighted, the three simple languages first averaged
    assert columns["non_live"] == pytest.approx((simple + 1 + 1 / 4 + 1) / 4)
    assert columns["live"] == pytest.approx((1 + 6 + 0 + 1) / (2 + 6 + 1 + 1))  # live: weighted by entries
    assert columns["irrelevance"] == pytest.approx((1 / 4 + 3 / 4) / 2) and columns["relevance"] == 1 / 2
    partial = table2_columns([o for o in logged if o.category != "live_parallel"])
    assert partial["live"] is None and partial["non_live"] == columns["non_live"]  # BFCL: N/A
    second = [TrialOutcome(o.benchmark, o.category, o.task_id, 1, True) for o in logged]
    assert table2_columns(logged + second, trial=1) == dict.fromkeys(columns, 1.0)
    mean = table2_columns(logged + second, trial=None)
    assert mean["live"] == pytest.approx((columns["live"] + 1) / 2)
    assert leaderboard_columns({}) == dict.fromkeys(columns)


def test_a_dead_endpoint_stops_the_run(tmp_path: Path) -> None:
    port = unused_port()  # every request is refused at once
    settings = BfclSingleSettings(categories=["simple_python"], limit=14, concurrency=1)
    with OutcomeLog(tmp_path / "outcomes.jsonl") as log:
        summary = run_bfcl_single(endpoint(f"http://127.0.0.1:{port}/v1", "down"), settings, 1, log, tmp_path)
        logged = log.outcomes(BENCHMARK)
    assert "in a row failed at the endpoint" in summary["aborted"]
    assert len(logged) == 10 and all(o.error and not o.success for o in logged)
    scores = summary["categories"]["simple_python"]
    assert scores | {"errors": 10, "missing": 4, "accuracy": 0.0} == scores


def test_registered_benchmark_runs_in_a_sweep_and_refuses_other_settings(tmp_path: Path) -> None:
    from evaluation.config import EvaluationConfig
    from evaluation.run import evaluate

    categories = ["simple_java", "live_relevance"]
    with oracle_server(tmp_path, categories, 3) as url:
        def config(limit: int) -> EvaluationConfig:
            model = {"endpoint": {"base_url": url, "model": "oracle", "timeout_s": 5}, "health_timeout_s": 5}
            return EvaluationConfig.model_validate({
                "output_dir": str(tmp_path / "out"), "trials": 1,
                "models": [{"name": "first", **model}, {"name": "second", **model}],  # a sweep: models in a row
                "benchmarks": {"bfcl_single": {"categories": categories, "limit": limit}}})

        _, failures = evaluate(config(3))
        assert failures == []
        sent = requests_seen(url, count_only=True)
        _, failures = evaluate(config(3))  # resumed: nothing left to run
        assert failures == [] and requests_seen(url, count_only=True) == sent == 2 * 6
        _, failures = evaluate(config(2))
    assert len(failures) == 2 and all("other settings" in f for f in failures)
    for model in ("first", "second"):
        with OutcomeLog(tmp_path / "out" / model / "bfcl_single" / "outcomes.jsonl") as log:
            assert len(log.outcomes(BENCHMARK)) == 6 and all(o.success for o in log.outcomes())
