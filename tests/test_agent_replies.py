"""The oracle agent's words: answers for a person, no record dumps, honest about failures."""

from __future__ import annotations

import random

from generation.realism.agent_style import SUCCESS, is_dump
from generation.simulation.replies import describe, describe_check, say
from generation.values import mentions

SPEC = {"kind": "get", "entity": "loan", "label": "reference", "key": "loan_id",
        "fields": {"loan_id": "loan id", "reference": "reference", "due_on": "due on", "fine": "fine",
                   "member_name": "member name"}}
ROW = {"loan_id": 7, "reference": "LN-70003", "due_on": "2024-03-07", "fine": 1.4285714285714286,
       "member_name": "Ann Lee"}


def _say(spec, value, ok=True, answers=()):
    return describe(SPEC | spec, value, ok, list(answers), random.Random(0))


def test_a_detail_names_the_row_and_the_asked_field_without_a_dump():
    text = _say({}, ROW, answers=["1.43"])
    assert text == '"LN-70003": fine 1.43, due on "2024-03-07", member name Ann Lee.'  # asked, then context
    assert not is_dump(text, set(ROW))


def test_floats_are_written_as_people_write_them():
    assert "1.43" in _say({}, ROW, answers=["1.43"]) and "1.4285" not in _say({}, ROW, answers=["1.43"])


def test_a_list_gives_the_count_three_items_and_offers_the_rest():
    rows = [ROW | {"loan_id": i, "reference": f"LN-{i}"} for i in range(1, 6)]
    text = _say({"kind": "search"}, rows, answers=["5", "LN-1"])
    assert text.startswith("I found 5 loans:") and '"LN-3"' in text and '"LN-4"' not in text
    assert any(offer in text for offer in ("full list", "the rest", "just ask"))


def test_a_ranking_shows_the_figure_it_ranks_by():
    rows = [{"member_id": 1, "member_name": "Ann", "loan_count": 4}, {"member_id": 2, "member_name": "Bo", "loan_count": 2}]
    spec = {"kind": "aggregate", "entity": "member", "label": "member_name", "key": "member_id", "fields": {}}
    text = describe(spec, rows, True, ["Ann", "4"], random.Random(0))
    assert text.startswith("The top two: Ann (") and "loan count 4" in text and "loan count 2" in text


def test_an_error_is_explained_with_an_alternative_and_never_called_a_success():
    error = {"error": {"type": "not_found", "message": "No loan with loan_id 99."}}
    text = _say({"kind": "update"}, error, ok=False)
    assert 'the system says: "No loan with loan_id 99."' in text and "?" in text
    assert not SUCCESS.search(text)


def test_a_row_gone_after_a_delete_is_the_expected_answer():
    text = describe_check(SPEC, {"error": {"type": "not_found", "message": "none"}}, ok=False)
    assert "no longer in the system" in text and not SUCCESS.search(text)


def test_writes_report_what_changed():
    assert _say({"kind": "update"}, ROW | {"fine": 2.5}, answers=["2.5"]) == 'Done: "LN-70003" now has fine 2.5.'
    assert _say({"kind": "delete"}, ROW) == 'Done: "LN-70003" has been deleted.'


def test_values_with_figures_are_quoted_so_they_are_checked_whole():
    assert say("2024-03-07") == '"2024-03-07"' and say("Ann Lee") == "Ann Lee" and say(3) == "3"
    assert mentions(_say({}, ROW, answers=["2024-03-07"]), "2024-03-07")
