"""The contamination guard flags planted overlaps with the evaluation sets (a copied τ² instruction, a
τ² user id, BFCL questions, a held-out SQL database), lists in-domain τ² use as allowed, passes the clean
demo run, filters exactly the flagged records, and puts its report in the dataset card."""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest

from tests.conftest import ROOT, fails_cleanly, read_jsonl

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
pytest.importorskip("tau2")
pytest.importorskip("bfcl_eval")

from evaluation.contamination import check_run, load_eval_sets, write_filtered, write_report
from evaluation.contamination.__main__ import main
from evaluation.contamination.text import words


# -- the references, read straight from the benchmark packages (not through the guard's loader) -------
def tau2_airline_task():
    from loguru import logger

    logger.disable("tau2")
    from tau2.domains.airline.environment import get_tasks

    return next(t for t in get_tasks("base") if len(words(t.user_scenario.instructions.task_instructions)) >= 20)


def tau2_airline_user_id() -> str:
    from tau2.domains.airline.data_model import FlightDB
    from tau2.domains.airline.utils import AIRLINE_DB_PATH

    return next(iter(FlightDB.load(AIRLINE_DB_PATH).users))


def bfcl_user_turns() -> list[tuple[str, str]]:
    """(reference id, text) of BFCL multi_turn_base user turns, in file order."""
    path = resources.files("bfcl_eval").joinpath("data", "BFCL_v4_multi_turn_base.json")
    entries = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [(f"bfcl/{e['id']}:turn{i}", m["content"]) for e in entries for i, turn in enumerate(e["question"])
            for m in turn if m["role"] == "user"]


def _with_user_text(record: dict, record_id: str, text: str) -> dict:
    planted = copy.deepcopy(record) | {"id": record_id}
    first_user = next(m for m in planted["messages"] if m["role"] == "user")
    first_user["content"] = text
    return planted


@pytest.fixture(scope="module")
def planted(demo_run: Path, tmp_path_factory) -> tuple[Path, dict[str, tuple[str, str]]]:
    """A copy of the demo run with planted records; id -> (expected reason, expected reference)."""
    run = tmp_path_factory.mktemp("contamination") / "planted"
    shutil.copytree(demo_run, run, ignore=shutil.ignore_patterns(".work"))
    rows = read_jsonl(run / "train.jsonl")
    base = rows[0]
    task = tau2_airline_task()
    user_id = tau2_airline_user_id()
    turns = bfcl_user_turns()
    long_turn = next(t for t in turns if len(words(t[1])) >= 16)
    short_turn = next(t for t in turns if 9 <= len(words(t[1])) < 13)
    heldout = min(load_eval_sets().heldout_db_ids)
    instruction = task.user_scenario.instructions.task_instructions
    expected = {
        # a copy survives casing, curly quotes and new line breaks
        "planted-tau2-instruction": ("tau2_instruction", f"tau2/airline/{task.id}:task_instructions"),
        "planted-tau2-user-id": ("tau2_identifier", "tau2/airline user_id"),
        "planted-bfcl-question": ("bfcl_question", long_turn[0]),
        "planted-bfcl-short-question": ("bfcl_question", short_turn[0]),
        "planted-heldout-db": ("heldout_sql_database", heldout),
    }
    texts = {
        "planted-tau2-instruction": "hello. " + instruction.upper().replace("'", "’").replace(" ", "\n", 3),
        "planted-tau2-user-id": f"hi, my user id is {user_id} and I need help with a booking",
        "planted-bfcl-question": long_turn[1],
        "planted-bfcl-short-question": "ok, next one: " + short_turn[1],
    }
    extra = [_with_user_text(base, rid, text) for rid, text in texts.items()]
    extra.append(copy.deepcopy(base) | {"id": "planted-heldout-db",
                                        "environment": base["environment"] | {"db_id": heldout}})
    # generated on τ²'s own airline database: its ids appear in tool output, allowed and listed
    in_domain = copy.deepcopy(base) | {"id": "planted-in-domain", "environment": base["environment"] | {"db_id": "airline"}}
    tool = next(m for m in in_domain["messages"] if m["role"] == "tool")
    tool["content"] = json.dumps([{"user_id": user_id, "reservation_id": "4WQ150"}])
    (run / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows + extra + [in_domain]))
    return run, expected


def test_clean_demo_run_passes(demo_run: Path):
    report, results, _ = check_run(demo_run)
    assert report["verdict"] == "clean" and report["flagged"]["total"] == 0
    assert not [r.record_id for r in results if r.findings]
    assert report["by_set"]["tau2"]["max_overlap"]["longest_run"] < 8  # not even one shared 8-gram
    assert report["in_domain_tau2"]["records"] == 0


def test_planted_overlaps_are_flagged_with_reason_and_reference(planted):
    run, expected = planted
    report, results, _ = check_run(run)
    flagged = {r.record_id: r for r in results if r.flagged}
    assert set(flagged) == set(expected)
    for record_id, (reason, reference) in expected.items():
        findings = [f for f in flagged[record_id].findings if not f.allowed]
        assert [f.reason for f in findings] == [reason], record_id
        assert findings[0].reference.startswith(reference), (record_id, findings[0])
    assert flagged["planted-tau2-user-id"].findings[0].evidence == tau2_airline_user_id()
    assert flagged["planted-tau2-instruction"].measures["tau2"]["longest_run"] >= 20
    by_set = report["by_set"]
    assert (by_set["tau2"]["flagged"], by_set["bfcl"]["flagged"], by_set["sqlbench"]["flagged"]) == (2, 2, 1)
    assert by_set["bfcl"]["examples"][0]["record_id"] == "planted-bfcl-question"
    # the in-domain record: not flagged, but visible with the ids it shares
    in_domain = report["in_domain_tau2"]
    assert in_domain["records"] == 1 and in_domain["by_domain"] == {"airline": 1}
    assert in_domain["shared_identifiers"] == 2
    write_report(run, report)
    markdown = (run / "contamination.md").read_text()
    assert "5 of" in markdown and "allowed, visible" in markdown and "planted-tau2-instruction" in markdown
    assert json.loads((run / "contamination.json").read_text())["verdict"] == "flagged"


def _files(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file()}


def test_cli_filter_drops_exactly_the_flagged_records(planted, tmp_path: Path):
    from datasets import load_from_disk

    run, expected = planted
    (run / "contamination.json").unlink(missing_ok=True)
    (run / "contamination.md").unlink(missing_ok=True)
    before = _files(run)
    out = tmp_path / "clean"
    proc = subprocess.run([sys.executable, "-m", "evaluation.contamination", str(run), "--filter", str(out)],
                          check=False, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr  # flagged, but --filter wrote the copy without them
    assert "5 of" in proc.stdout and "5 dropped" in proc.stdout
    after = _files(run)
    assert set(after) - set(before) == {"contamination.json", "contamination.md"}
    # the run's records, dataset and stats are untouched; its card gains the report
    assert {k: after[k] for k in before if k != "README.md"} == {k: v for k, v in before.items() if k != "README.md"}
    assert "## Contamination" in (run / "README.md").read_text()
    kept = [r["id"] for r in read_jsonl(out / "train.jsonl")]
    original = [r["id"] for r in read_jsonl(run / "train.jsonl")]
    assert kept == [i for i in original if i not in expected]
    assert "planted-in-domain" in kept
    assert load_from_disk(str(out / "dataset"))["train"]["id"] == kept
    report = json.loads((out / "contamination.json").read_text())
    assert report["verdict"] == "clean" and sorted(report["filtered_from"]["dropped"]) == sorted(expected)
    assert json.loads((out / "stats.json").read_text())["splits"]["train"] == len(kept)
    card = (out / "README.md").read_text()
    assert "## Contamination" in card and "Filtered from" in card and "allowed, visible" in card


def test_cli_without_filter_exits_1_when_records_are_flagged(planted):
    run, expected = planted
    proc = subprocess.run([sys.executable, "-m", "evaluation.contamination", str(run)], check=False, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1 and f"{len(expected)} of" in proc.stdout, proc.stderr


def test_all_digit_tau2_ids_are_no_references():
    """A six-digit airline reservation number also turns up in unrelated data: it would flag clean records."""
    entities = load_eval_sets().entities
    assert entities and not [v for v in entities if v.isdigit()]
    assert any(e.kind == "reservation_id" for e in entities.values())


def test_write_filtered_refuses_the_run_itself(planted):
    from common.errors import InputError

    run, _ = planted
    report, results, rows = check_run(run)
    with pytest.raises(InputError, match="new folder"):
        write_filtered(run, run, report, results, rows, report_config(report))


def report_config(report: dict):
    from evaluation.contamination import ContaminationConfig

    settings = report["settings"] | {"roles": tuple(report["settings"]["roles"])}
    return ContaminationConfig(**settings)


def test_card_gains_a_contamination_section(demo_run: Path, tmp_path: Path):
    from generation.config import load_config
    from generation.hub.card import build_card, contamination_of

    stats = json.loads((demo_run / "stats.json").read_text())
    config = load_config(demo_run / "config.yaml", {})
    assert contamination_of(tmp_path) is None
    assert "## Contamination" not in str(build_card(stats, config, []))
    report, _, _ = check_run(demo_run)
    write_report(tmp_path, report)
    section = contamination_of(tmp_path)
    assert section is not None and not section.startswith("# ")
    card = str(build_card(stats, config, [], contamination=section))
    assert "## Contamination\n\n**0 of" in card
    assert card.index("## Contamination") < card.index("## Generation config")


def test_cli_bad_input_is_one_line_and_exit_2(planted, tmp_path: Path):
    def run_cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "evaluation.contamination", *args], check=False,
                              cwd=ROOT, capture_output=True, text=True, timeout=120)

    run, _ = planted
    (run / "contamination.md").unlink(missing_ok=True)
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "mine.txt").write_text("not yours")
    refused = run_cli(str(run), "--filter", str(taken))
    fails_cleanly(refused, "is not empty")
    assert refused.returncode == 2 and not (run / "contamination.md").exists()  # refused before writing

    missing = run_cli(str(tmp_path / "nope"))
    fails_cleanly(missing, "no such run folder")
    assert missing.returncode == 2
    (tmp_path / "empty").mkdir()
    not_a_run = run_cli(str(tmp_path / "empty"))
    fails_cleanly(not_a_run, "is not a generation run")
    assert not_a_run.returncode == 2


def test_cli_help_covers_every_flag(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for flag in ("--filter", "--ngram", "--short-ngram", "--eval-config"):
        assert flag in text
    assert text.count("default") >= 3


def test_bad_ngram_is_refused(demo_run: Path, capsys):
    assert main([str(demo_run), "--ngram", "4", "--short-ngram", "8"]) == 2
    assert "short_ngram" in capsys.readouterr().err
