"""BFCL multi-turn harness against scripted OpenAI-compatible servers on loopback (real HTTP).

- an oracle replaying BFCL's ground truth scores 100% in all four categories, and a rerun resumes;
- a model answering nonsense scores 0%, its faults and endpoint failures recorded, nothing unsafe run;
- on the same scripted replies, right and wrong, our loop sends the same requests as bfcl-eval's own
  FC handler and gets the same verdicts as bfcl-eval's own evaluation (run in a subprocess).
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

pytest.importorskip("bfcl_eval")

from evaluation.bfcl import CATEGORIES, BfclSettings, run_bfcl  # noqa: E402
from evaluation.outcomes import OutcomeLog  # noqa: E402
from generation.llm.endpoints import EndpointConfig  # noqa: E402
from loopback.base import unused_port  # noqa: E402
from loopback.bfcl import (  # noqa: E402
    VARIANTS, bfcl_server, entries, ground_truth, oracle_turns, requests_seen, run_reference, script_entry,
    variant_turns, write_script)

N = 4  # entries per category


def endpoint(base_url: str, model: str) -> EndpointConfig:
    return EndpointConfig(base_url=base_url, model=model, temperature=0.0, timeout_s=30, max_attempts=2,
                          retry_initial_s=0.0, retry_max_s=0.0)


def test_unknown_category_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=r"unknown BFCL category 'multi_turn_composite'.*multi_turn_base"):
        BfclSettings(categories=["multi_turn_base", "multi_turn_composite"])
    with pytest.raises(ValueError, match="no BFCL category"):
        BfclSettings(categories=[])
    with pytest.raises(ValueError, match="extra"):
        BfclSettings(categorys=["multi_turn_base"])


def test_oracle_scores_full_marks_and_a_rerun_resumes(tmp_path: Path) -> None:
    scripted = [script_entry(c, e, oracle_turns(e, t)) for c in CATEGORIES
                for e, t in zip(entries(c, N), ground_truth(c, N))]
    write_script(tmp_path / "script.json", scripted)
    with bfcl_server(tmp_path / "script.json") as url, OutcomeLog(tmp_path / "outcomes.jsonl") as log:
        for category in CATEGORIES:  # the server tells base from long_context by the model name
            summary = run_bfcl(endpoint(url, f"oracle:{category}"), BfclSettings(categories=[category], limit=N),
                               2, log, tmp_path / "work")
            assert summary["categories"][category]["accuracy_per_trial"] == [1.0, 1.0], summary
        seen = requests_seen(url, count_only=True)
        summary = run_bfcl(endpoint(url, "oracle:none"), BfclSettings(limit=N), 2, log, tmp_path / "work")
        assert requests_seen(url, count_only=True) == seen  # every trial was logged: nothing ran again
        outcomes = log.outcomes("bfcl")
    assert summary["overall_accuracy"] == summary["overall_accuracy_mean"] == 1.0
    assert summary["errors"] == summary["missing"] == 0
    assert len(outcomes) == 4 * N * 2 and all(o.success and o.error is None for o in outcomes)
    miss_func = next(o for o in outcomes if o.task_id == "multi_turn_miss_func_0" and o.trial == 0)
    # the held-back `sort` is only called once it is given back (turn 3; turn 2 cannot be done)
    calls = miss_func.detail["calls"]
    assert calls[2] == [] and calls[3] == [["sort(file_name='final_report.pdf')"]]
    assert (tmp_path / "work" / "transcripts" / "multi_turn_miss_func_0.trial1.json").is_file()


def _garbage(entry: dict, canary: Path) -> list[list[dict]]:
    unsafe = [{"name": "launch_rocket", "arguments": '{"when": "now"}'},
              {"name": "open", "arguments": json.dumps({"file": str(canary), "mode": "w"})},
              {"name": f"__import__('os').system('touch {canary}')#", "arguments": "{}"}]
    turns = []
    for i in range(len(entry["question"])):
        if i % 2:
            turns.append([{"text": "blorp \U0001f422 zzz"}])
        else:
            turns.append([{"calls": unsafe}, {"calls": [{"name": "cd", "arguments": "[1, 2]"}]}])
    return turns


def test_nonsense_scores_zero_with_faults_and_errors_recorded(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    scripted = []
    for category in CATEGORIES:
        for i, entry in enumerate(entries(category, 3)):
            fault = "http_500" if category == "multi_turn_base" and i == 2 else None
            scripted.append(script_entry(category, entry, _garbage(entry, canary), fault))
    write_script(tmp_path / "script.json", scripted)
    with bfcl_server(tmp_path / "script.json") as url, OutcomeLog(tmp_path / "outcomes.jsonl") as log:
        for category in CATEGORIES:
            summary = run_bfcl(endpoint(url, f"junk:{category}"), BfclSettings(categories=[category], limit=3),
                               1, log, tmp_path / "work")
            assert summary["categories"][category]["accuracy"] == 0.0
        outcomes = {o.task_id: o for o in log.outcomes("bfcl")}
        before = requests_seen(url, count_only=True)
        summary = run_bfcl(endpoint(url, "junk:multi_turn_base"), BfclSettings(categories=["multi_turn_base"],
                                                                                 limit=3), 1, log, tmp_path / "work")
        retried = requests_seen(url)[before:]
    assert not canary.exists()  # `open(...)` and an injected name were never eval'd
    assert len(outcomes) == 12 and not any(o.success for o in outcomes.values())
    failed = outcomes.pop("multi_turn_base_2")
    assert failed.error and "HTTP 500" in failed.error and failed.detail["verdict"]["valid"] is False
    for o in outcomes.values():
        assert o.error is None  # a wrong answer is not an error: the trial ran to its end
        faults = "\n".join(o.detail["faults"])
        assert "name 'launch_rocket' is not defined" in faults and "refused to run open(" in faults
        assert "refused to run __import__" in faults and "arguments of 'cd' are not a JSON object" in faults
    # a rerun tries the endpoint failure again, and only that
    assert retried and {r["id"] for r in retried} == {"multi_turn_base_2"}
    assert summary["categories"]["multi_turn_base"]["errors"] == 1


def test_same_requests_and_verdicts_as_bfcl_own_pipeline(tmp_path: Path) -> None:
    for module in ("openai", "overrides", "tree_sitter", "tree_sitter_java", "tree_sitter_javascript"):
        pytest.importorskip(module, reason="bfcl-eval's model handler needs it")
    limit = len(VARIANTS)
    scripted = [script_entry(c, e, variant_turns(VARIANTS[i], e, t)) for c in CATEGORIES
                for i, (e, t) in enumerate(zip(entries(c, limit), ground_truth(c, limit)))]
    write_script(tmp_path / "script.json", scripted)
    with bfcl_server(tmp_path / "script.json") as url, OutcomeLog(tmp_path / "outcomes.jsonl") as log:
        for category in CATEGORIES:
            run_bfcl(endpoint(url, f"ours:{category}"), BfclSettings(categories=[category], limit=limit), 1, log,
                     tmp_path / "work")
        reference = run_reference(url, "bfcl", list(CATEGORIES), limit, tmp_path / "reference")
        requests = requests_seen(url)
        ours = {o.task_id: o for o in log.outcomes("bfcl")}

    assert set(ours) == set(reference["verdicts"]) and len(ours) == 4 * limit
    verdicts = {i: o.success for i, o in ours.items()}
    assert verdicts == reference["verdicts"]
    for category in CATEGORIES:  # both right and wrong answers in every category
        assert {v for i, v in verdicts.items() if i.startswith(category + "_")} == {True, False}
    assert {i: ours[i].detail["verdict"]["error_type"] for i in reference["error_types"]} == reference["error_types"]

    by_entry: dict[tuple[str, str], list] = defaultdict(list)
    for r in requests:
        by_entry[(r["model"].split(":")[0], r["id"])].append((r["turn"], r["step"], r["tools"], r["messages"]))
    for task_id in ours:
        assert by_entry[("ours", task_id)] == by_entry[("bfcl", task_id)], task_id

    from importlib import resources

    from evaluation.bfcl_loop import openai_tools
    for name, tools in reference["doc_tools"].items():  # every function doc file, not just those used
        path = resources.files("bfcl_eval").joinpath("data", "multi_turn_func_doc", name)
        docs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        assert openai_tools(docs) == tools, name


def test_a_dead_endpoint_stops_the_run_and_a_rerun_tries_again(tmp_path: Path) -> None:
    port = unused_port()  # every request is refused at once
    settings = BfclSettings(categories=["multi_turn_base"], limit=14, concurrency=1)
    with OutcomeLog(tmp_path / "outcomes.jsonl") as log:
        summary = run_bfcl(endpoint(f"http://127.0.0.1:{port}/v1", "down"), settings, 1, log, tmp_path / "work")
        logged = log.outcomes("bfcl")
    assert "in a row failed at the endpoint" in summary["aborted"]
    assert len(logged) == 10 and all(o.error and not o.success for o in logged)  # then it stopped
    assert summary["categories"]["multi_turn_base"] | {"errors": 10, "missing": 4, "accuracy": 0.0} == \
        summary["categories"]["multi_turn_base"]

    category = "multi_turn_base"
    write_script(tmp_path / "script.json", [script_entry(category, e, oracle_turns(e, t))
                                            for e, t in zip(entries(category, 14), ground_truth(category, 14))])
    with bfcl_server(tmp_path / "script.json") as url, OutcomeLog(tmp_path / "outcomes.jsonl") as log:
        summary = run_bfcl(endpoint(url, f"oracle:{category}"), settings, 1, log, tmp_path / "work")
        assert {r["id"] for r in requests_seen(url)} == {f"{category}_{i}" for i in range(14)}
    assert "aborted" not in summary and summary["categories"][category]["accuracy"] == 1.0
    assert summary["errors"] == 0  # the endpoint failures were run again, and their outcomes replaced
