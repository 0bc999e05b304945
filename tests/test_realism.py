"""The realism report (generation/realism/, docs/realism_metrics.md): each figure on hand-made
dialogues with a known value, the report in a run's statistics, and the CLI."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import ROOT, fails_cleanly, run_cli
from generation.realism import realism_figures
from generation.realism.diversity import mattr
from generation.realism.figures import FIGURES

TASK_REQUEST = "please tell me which customers placed the largest orders in the spring season"


def _call(i: int, name: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"role": "assistant", "content": None, "tool_calls": [
        {"id": f"c{i}", "type": "function", "function": {"name": name, "arguments": json.dumps(args or {})}}]}


def _out(i: int, name: str, data: Any) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": f"c{i}", "name": name, "content": json.dumps(data)}


def _user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def _agent(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text}


def _record(messages: list[dict[str, Any]], mode: str = "user_oriented", request: str = TASK_REQUEST,
            env_tools: list[dict[str, Any]] | None = None, tool_names: tuple[str, ...] = ("get_customer",),
            steps: int = 1, requests: int = 1) -> dict[str, Any]:
    task = {"task_id": "t0", "description": "You want the best customers.", "difficulty": "easy",
            "subtasks": [{"request": request, "calls": [0], "answers": [], "writes": False}],
            "rubric": {"success_criteria": [], "expected_calls": [], "checkpoints": []},
            "gold_plan": [{"tool": "get_customer", "arguments": {"customer_id": 3}, "bindings": {}}]}
    spec = [{"type": "function", "function": {"name": n, "parameters": {"type": "object", "properties": {
        "customer_id": {"type": "integer"}}}}} for n in tool_names]
    users = sum(m["role"] == "user" for m in messages)
    return {"messages": [{"role": "system", "content": "You are an agent."}, *messages], "tools": spec,
            "environment": {"kind": "sql", "db_id": "shop", "tools": env_tools or []}, "tasks": [task],
            "simulation": {"mode": mode}, "stats": {"turns": len(messages), "steps": steps, "tasks": 1,
                                                    "tool_calls": 0, "user_requests": requests or users}}


def test_a_user_pasting_the_task_text_leaks():
    pasted = _record([_user("Hi. " + TASK_REQUEST.capitalize() + "!"), _agent("Sure.")])
    own_words = _record([_user("Who were my biggest spenders this spring?"), _agent("Sure.")])
    assert realism_figures([pasted])["leakage"] == 1.0
    assert realism_figures([own_words])["leakage"] == 0.0
    assert realism_figures([pasted, own_words])["leakage"] == 0.5


def test_a_user_naming_a_returned_value_is_reactive():
    def dialogue(second: str) -> dict[str, Any]:
        return _record([_user("Who ordered most?"), _call(0, "rank_customers"),
                        _out(0, "rank_customers", [{"name": "Ana Lyon", "orders": 9, "vip": "Yes"}]),
                        _agent("Ana Lyon, with 9 orders."), _user(second), _agent("Ok.")])
    assert realism_figures([dialogue("Where does Ana Lyon live?")])["reactivity"] == 1.0
    assert realism_figures([dialogue("Where does Ana Lyon live?")])["followups_per_dialogue"] == 1.0
    assert realism_figures([dialogue("And who ordered least?")])["reactivity"] == 0.0
    assert realism_figures([dialogue("Yes, and who ordered least?")])["reactivity"] == 0.0  # a flag word
    # a value the user was given in the task text is no reaction to the result
    given = dialogue("Where does Ana Lyon live?")
    given["tasks"][0]["subtasks"][0]["request"] = "find the customer Ana Lyon"
    assert realism_figures([given])["reactivity"] == 0.0


def test_snake_case_and_column_dumps_count_as_dumps():
    env = [{"name": "get_customer", "sql": "SELECT 1", "table": "customers", "writes": False,
            "returns": {"type": "object", "properties": {"city": {"type": "string"}}}}]
    replies = [_agent("Found it: customer_id: 3, name: Ana."), _agent("She lives in Lyon."),
               _agent("Record: city: Lyon"), _agent("Anything else?")]
    messages = [m for r in replies for m in (_user("Tell me more."), r)]
    assert realism_figures([_record(messages, env_tools=env)])["reply_dumps"] == 0.5


def test_success_claimed_after_an_error_is_false_success():
    def dialogue(reply: str) -> dict[str, Any]:
        return _record([_user("Delete order 7."), _call(0, "delete_order", {"order_id": 7}),
                        _out(0, "delete_order", {"error": {"type": "not_found", "message": "No order 7."}}),
                        _agent(reply)])
    assert realism_figures([dialogue("All set.")])["false_success"] == 1.0
    assert realism_figures([dialogue("I could not find order 7; is the number right?")])["false_success"] == 0.0
    no_error = _record([_user("Hi"), _agent("All set.")])
    assert realism_figures([no_error])["false_success"] is None


def test_identical_requests_have_few_skeletons():
    same = [_user(f'Find the book "{title}" please') for title in ("Dune", "Emma", "Ulysses", "Beloved")]
    varied = [_user(t) for t in ("Find Dune", "Is Emma in stock?", "who wrote Ulysses", "Beloved: how long?")]
    assert realism_figures([_record(same)])["skeleton_diversity"] == 0.25
    assert realism_figures([_record(varied)])["skeleton_diversity"] == 1.0
    assert realism_figures([_record(same)])["trigram_diversity"] < realism_figures([_record(varied)])["trigram_diversity"]


def test_mattr_is_the_mean_type_token_ratio_of_every_window():
    tokens = [w for i in range(120) for w in (f"w{i % 37}", "the")]
    brute = statistics.fmean(len(set(tokens[i:i + 50])) / 50 for i in range(len(tokens) - 49))
    assert mattr(tokens) == round(brute, 4)
    assert mattr(["a", "b", "a"]) == round(2 / 3, 4)


def test_degenerate_outcomes():
    rank_sql = 'SELECT name, orders FROM c ORDER BY orders DESC, "customer_id" LIMIT :limit'
    env = [{"name": "rank_customers", "sql": rank_sql, "returns": {}, "table": "c", "writes": False}]
    messages = [_user("Top two?"), _call(0, "rank_customers"),
                _out(0, "rank_customers", [{"name": "A", "orders": 4}, {"name": "B", "orders": 4}]),
                _call(1, "rank_customers"),
                _out(1, "rank_customers", [{"name": "A", "orders": 5}, {"name": "B", "orders": 4}]),
                _call(2, "list_orders"), _out(2, "list_orders", []),
                _call(3, "list_orders"), _out(3, "list_orders", {"rows": [{"id": 1}], "truncated": True}),
                _call(4, "summarize"), _out(4, "summarize", {"id": 1, "orders_count": 0, "total_price": None}),
                _call(5, "summarize"), _out(5, "summarize", {"id": 2, "orders_count": 2, "total_price": 9.5}),
                _call(6, "summarize"), _out(6, "summarize", {"id": 3, "orders_count": 0, "total_price": 0}),
                _agent("Here you go.")]
    figures = realism_figures([_record(messages, env_tools=env)])
    assert figures["tied_rankings"] == 0.5
    assert figures["empty_lists"] == 0.25  # two rankings and two lists
    assert figures["zero_aggregates"] == round(2 / 3, 4)


def test_behaviour_counts():
    env = [{"name": "update_customer", "sql": "UPDATE c SET x = 1", "returns": {}, "table": "c", "writes": True}]
    messages = [_user("Change my city."), _agent("Which customer are you?"),
                _user("Ana. Actually, I meant Ana Lopez."), _call(0, "get_customer"),
                _out(0, "get_customer", {"customer_id": 3}), _agent("Change the city of Ana Lopez to Lyon?"),
                _user("Yes."), _call(1, "update_customer"), _out(1, "update_customer", {"customer_id": 3}),
                _agent("Updated. Anything else I can help with?"), _user("ok thanks"), _agent("You're welcome!")]
    figures = realism_figures([_record(messages, env_tools=env)])
    assert figures["clarifying_per_dialogue"] == 1
    assert figures["confirmations_per_dialogue"] == 1
    assert figures["corrections_per_dialogue"] == 1
    assert figures["acknowledgements_per_dialogue"] == 1


def test_sim2real_diagnostics():
    messages = [_user("one two three four five six seven eight"), _agent("?"), _user("one two please"),
                _agent("?"), _user("one two")]
    figures = realism_figures([_record(messages)])
    assert figures["d1_front_loading"] == 3.2  # 8 words, then 3 and 2
    assert figures["d2_politeness"] == round(1 / 3, 4)
    assert figures["d3_verbosity_cv"] == round(statistics.pstdev([8, 3, 2]) / statistics.fmean([8, 3, 2]), 4)
    assert figures["d4_frustration"] == 0.0
    pushy = _record([_user("Find Ana."), _agent("Who?"), _user("I already told you: Ana.")])
    assert realism_figures([pushy])["d4_frustration"] == 0.5


def test_long_floats_and_density():
    long_name = "rank_customers_by_customer_customer_demo_count"
    record = _record([_user("Average?"), _agent("It is 1.4285714285714286, up from 1.25.")],
                     tool_names=("get_customer", long_name), steps=3, requests=2)
    figures = realism_figures([record, _record([_user("Hi")], steps=1, requests=2)])
    assert figures["long_floats"] == 0.5
    assert figures["tool_name_max"] == len(long_name)
    assert figures["steps_per_request"] == 1.0
    assert figures["step"] == {"mean": 2.0, "max": 3}
    assert figures["samples"] == 2
    tool_figure = next(f for f in FIGURES if f.key == "tool_name_max")
    assert tool_figure.meets(figures["tool_name_max"]) is False and tool_figure.meets(40) is True


# --- the report in a run and the CLI ---------------------------------------------------------------

def realism_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "generation.realism", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("realism") / "run"
    proc = run_cli("--output", str(out), "--num-dialogues", "12", "--mode", "both")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out


def test_a_run_writes_the_report(small_run):
    stats = json.loads((small_run / "stats.json").read_text())
    assert sorted(stats["realism"]) == ["task_oriented", "user_oriented"]
    assert set(stats["realism"]["user_oriented"]) == {f.key for f in FIGURES}
    assert stats["realism"]["user_oriented"]["samples"] == stats["by_mode"]["user_oriented"]["dialogues"]
    for name in ("stats.md", "README.md"):
        text = (small_run / name).read_text()
        assert "## Realism" in text and "word-trigram diversity" in text and "✗" in text


def test_cli_on_a_run_folder_and_a_saved_dataset(small_run, tmp_path):
    proc = realism_cli(str(small_run), "--json", str(tmp_path / "r.json"), "--markdown", str(tmp_path / "r.md"))
    assert proc.returncode == 0, proc.stderr
    assert "user_oriented" in proc.stdout and "task_oriented" in proc.stdout
    from_run = json.loads((tmp_path / "r.json").read_text())
    assert from_run == json.loads((small_run / "stats.json").read_text())["realism"]
    assert (tmp_path / "r.md").read_text().startswith("| figure")
    proc = realism_cli(str(small_run / "dataset"), "--json", str(tmp_path / "d.json"))
    assert proc.returncode == 0, proc.stderr
    assert json.loads((tmp_path / "d.json").read_text()) == from_run  # the same records, read from Arrow


def test_cli_two_paths_give_a_column_each(small_run, tmp_path):
    jsonl = tmp_path / "some.jsonl"
    rows = (small_run / "train.jsonl").read_text().splitlines()
    jsonl.write_text("\n".join(r for r in rows if '"mode":"user_oriented"' in r) + "\n")
    proc = realism_cli(str(small_run), str(jsonl), "--json", str(tmp_path / "two.json"))
    assert proc.returncode == 0, proc.stderr
    columns = json.loads((tmp_path / "two.json").read_text())
    assert list(columns) == ["run: task_oriented", "run: user_oriented", f"{tmp_path.name}/some: user_oriented"]
    assert columns["run: user_oriented"] == columns[f"{tmp_path.name}/some: user_oriented"]


def test_cli_bad_input_is_one_line(tmp_path):
    fails_cleanly(realism_cli(str(tmp_path / "missing")), "does not exist")
    (tmp_path / "empty.jsonl").write_text("")
    fails_cleanly(realism_cli(str(tmp_path / "empty.jsonl")), "no dialogues")
    (tmp_path / "folder").mkdir()
    fails_cleanly(realism_cli(str(tmp_path / "folder")), "not a saved dataset")
    (tmp_path / "bad.jsonl").write_text("{not json\n")
    fails_cleanly(realism_cli(str(tmp_path / "bad.jsonl")), "bad.jsonl:1")
    for proc in (realism_cli(str(tmp_path / "missing")),):
        assert proc.returncode == 2
