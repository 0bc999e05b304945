"""Every validation check can fail: hand-made dialogues it must reject, and ones it must accept.

scripts/check_mutations.py replaces each check by an always-pass stub and expects these tests to
notice; test_a_stubbed_check_is_caught proves that machinery on one check.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from generation.records import Message
from generation.validation import checks
from tests.conftest import ROOT
from tests.support.dialogues import COUNT, answered, called, dialogue, task


def rejects(check, needle: str):
    assert check.passed is False, check
    assert needle in check.detail, check.detail


def accepts(check):
    assert check.passed is True, check


# --- db_state and completion: a flag or a comparison, both ways -----------------------------------

def test_db_state():
    accepts(checks.check_db_state("a" * 64, "a" * 64))
    rejects(checks.check_db_state("abcdef123456" + "0" * 52, "fedcba654321" + "0" * 52),
            "final abcdef123456 != gold fedcba654321")


def test_completion():
    accepts(checks.check_completion(True, "user_complete"))
    rejects(checks.check_completion(False, "max_turns"), "ended by max_turns")


# --- required_calls ---------------------------------------------------------------------------------

def test_required_calls_accept_the_gold_call_in_any_key_order():
    messages = dialogue(tool="top_singers", args={"country": "France", "limit": 2}, output=[])
    accepts(checks.check_required_calls(messages, [task(("top_singers", {"limit": 2, "country": "France"}))]))


def test_required_calls_reject_a_missing_call():
    gold = task(("count_singers", COUNT), ("list_concerts", {"year": 2014}))
    rejects(checks.check_required_calls(dialogue(), [gold]), "1/2 rubric calls made with the expected arguments; "
            "missing t1:list_concerts")


def test_required_calls_reject_a_wrong_argument():
    rejects(checks.check_required_calls(dialogue(args={"country": "Spain"}), [task()]), "missing t1:count_singers")


@pytest.mark.parametrize("output", [{"error": {"type": "not_found", "message": "no such country"}}, "not json"])
def test_required_calls_do_not_count_a_call_that_failed(output):
    rejects(checks.check_required_calls(dialogue(output=output), [task()]), "missing t1:count_singers")


def test_required_calls_by_name_ignore_arguments_but_not_the_tool():
    accepts(checks.check_required_calls(dialogue(args={"country": "Spain"}), [task()], match="names"))
    rejects(checks.check_required_calls(dialogue(tool="count_concerts"), [task()], match="names"),
            "missing t1:count_singers")


def test_required_calls_writes_exact_match_writes_exactly_and_reads_by_tool():
    write = ("set_singer_age", {"singer_id": 7, "age": 41})
    gold = [task(("count_singers", COUNT), write)]
    messages = [Message(role="user", content="Count the French singers, and singer 7 is now 41."),
                called(("count_singers", {"country": "france"}), write),
                answered("c1", "count_singers", {"count": 3}), answered("c2", "set_singer_age", {"updated": 1}),
                Message(role="assistant", content="There are 3; singer 7 is now 41.")]
    writes = frozenset({"set_singer_age"})
    accepts(checks.check_required_calls(messages, gold, "writes_exact", writes))
    rejects(checks.check_required_calls(messages, gold, "exact", writes), "missing t1:count_singers")
    messages[2] = called(("count_singers", COUNT), ("set_singer_age", {"singer_id": 7, "age": 14}))
    rejects(checks.check_required_calls(messages, gold, "writes_exact", writes), "missing t1:set_singer_age")


# --- output_schemas ---------------------------------------------------------------------------------

COUNT_RETURNS = {"type": "object", "properties": {"count": {"type": "integer"}}, "required": ["count"],
                 "additionalProperties": False}
ROWS_RETURNS = {"type": "array", "items": {"type": "object", "properties": {"name": {"type": "string"}},
                                           "required": ["name"]}}
RETURNS = {"count_singers": COUNT_RETURNS, "list_singers": ROWS_RETURNS}


@pytest.mark.parametrize("output", [{"count": 3}, {"error": {"type": "not_found", "message": "no such country"}}])
def test_output_schemas_accept_a_result_or_an_error(output):
    accepts(checks.check_output_schemas(dialogue(output=output), RETURNS))


@pytest.mark.parametrize("output,needle", [
    ({"count": "three"}, "0/1 tool outputs match their return schema; bad: count_singers"),
    ({"error": "no such country"}, "bad: count_singers"),  # not the error schema either
    ("three singers", "count_singers: not JSON"),
])
def test_output_schemas_reject_an_output_off_schema(output, needle):
    rejects(checks.check_output_schemas(dialogue(output=output), RETURNS), needle)


def test_output_schemas_reject_a_result_from_a_tool_without_a_schema():
    rejects(checks.check_output_schemas(dialogue(tool="count_concerts"), RETURNS), "bad: count_concerts")


def test_output_schemas_check_the_rows_of_a_truncated_result():
    rows = {"rows": [{"name": "Joe Sharp"}], "truncated": True, "row_cap": 1}
    accepts(checks.check_output_schemas(dialogue(tool="list_singers", output=rows), RETURNS))
    rows["rows"] = [{"title": "Joe Sharp"}]
    rejects(checks.check_output_schemas(dialogue(tool="list_singers", output=rows), RETURNS), "bad: list_singers")


# --- grounding ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("reply", [
    "There are 3 singers from France.",
    "3.00 singers on average.",  # a number as the tool output's two-decimal form
    'The country is "France".',  # quoted, from the user's request
])
def test_grounding_accepts_values_from_a_tool_output_or_the_user(reply):
    accepts(checks.check_grounding(dialogue(reply)))


def test_grounding_accepts_a_quoted_value_that_holds_quotes():
    output = [{"name": 'Joe "The Voice" Sharp'}]
    accepts(checks.check_grounding(dialogue('The singer is "Joe "The Voice" Sharp".', tool="list_singers",
                                            output=output)))


@pytest.mark.parametrize("reply,unsupported", [
    ("There are 5 singers from France.", "unsupported: 5"),
    ('The oldest is "Joe Sharp".', "unsupported: Joe Sharp"),
    ("There are 3 singers, average age 52.5.", "unsupported: 52.5"),
])
def test_grounding_rejects_a_value_no_tool_or_user_gave(reply, unsupported):
    rejects(checks.check_grounding(dialogue(reply)), unsupported)


def test_grounding_does_not_take_a_digit_inside_a_user_number_as_said():
    # "4" is not something the user said when they wrote "1945"
    reply = "There are 4 singers."
    rejects(checks.check_grounding(dialogue(reply, request="Singers born in 1945?")), "unsupported: 4")
    accepts(checks.check_grounding(dialogue(reply, request="Are there 4 singers born in 1945?")))


def test_grounding_rejects_a_value_stated_before_the_tool_returned_it():
    messages = dialogue()
    messages.insert(2, Message(role="assistant", content="I expect 3."))
    rejects(checks.check_grounding(messages), "unsupported: 3")


# --- query_limits -----------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["query_limit", "timeout"])
def test_query_limits_reject_an_output_that_hit_a_limit(kind):
    output = {"error": {"type": kind, "message": "the query examined too many rows"}}
    rejects(checks.check_query_limits(dialogue("It failed.", output=output)),
            f"1 tool call(s) hit a query limit: count_singers ({kind})")


@pytest.mark.parametrize("output", [{"count": 3}, {"error": {"type": "not_found", "message": "no such country"}}])
def test_query_limits_accept_results_and_other_errors(output):
    accepts(checks.check_query_limits(dialogue(output=output)))


# --- answers ------------------------------------------------------------------------------------------

def test_answers_accept_every_expected_value_stated_in_any_case():
    accepts(checks.check_answers(dialogue("There are 3 singers from FRANCE."), [task(answers=("3", "France"))]))


def test_answers_reject_an_expected_value_never_stated():
    rejects(checks.check_answers(dialogue("I found them."), [task(answers=("3",))]), "0/1 expected values stated; missing 3")


@pytest.mark.parametrize("reply", ["There are 13 singers.", "On average 2.3 each.", "Born in 1934."])
def test_answers_reject_a_value_that_is_only_part_of_another(reply):
    rejects(checks.check_answers(dialogue(reply), [task(answers=("3",))]), "missing 3")


def test_answers_count_only_what_the_agent_says():
    # the value is in the tool output and the user's message, but the agent never tells it
    rejects(checks.check_answers(dialogue("Done.", request="Are there 3 singers?"), [task()]), "missing 3")


# --- format ---------------------------------------------------------------------------------------------

def test_format_accepts_a_well_formed_dialogue():
    accepts(checks.check_format(dialogue()))


def test_format_rejects_a_tool_message_answering_no_call():
    messages = dialogue()
    messages.insert(4, answered("c9", "count_singers", {"count": 3}))
    rejects(checks.check_format(messages), "tool calls and tool messages do not pair up")


def test_format_rejects_a_call_without_an_answer():
    messages = dialogue()
    messages[2] = called(("count_singers", COUNT), ("list_concerts", {"year": 2014}))
    rejects(checks.check_format(messages), "tool calls and tool messages do not pair up")


def test_format_rejects_a_call_answered_twice():
    messages = dialogue()
    messages.insert(4, answered("c1", "count_singers", {"count": 3}))
    rejects(checks.check_format(messages), "do not pair up")


def test_format_rejects_an_answer_before_its_call_or_after_other_talk():
    messages = dialogue()
    messages[2], messages[3] = messages[3], messages[2]  # the answer comes before the call
    rejects(checks.check_format(messages), "not right after the call")
    messages = dialogue()
    messages.insert(3, Message(role="assistant", content="One moment."))  # talk while the call is open
    rejects(checks.check_format(messages), "not right after the call")


def test_format_rejects_a_tool_message_naming_the_wrong_tool():
    messages = dialogue()
    messages[3] = answered("c1", "count_concerts", {"count": 3})
    rejects(checks.check_format(messages), "tool message c1 names the wrong tool")


# --- the mutation machinery ---------------------------------------------------------------------------

def test_every_check_has_a_test_and_records_its_name():
    """A new check needs tests here; the stub of scripts/_mutation_plugin.py takes these names."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from _mutation_plugin import check_names
    finally:
        sys.path.pop(0)
    public = {n for n in dir(checks) if n.startswith("check_") and callable(getattr(checks, n))}
    assert set(check_names()) == public
    with open(__file__) as source:
        text = source.read()
    assert all(f"checks.{name}(" in text for name in public)
    real = {"check_db_state": checks.check_db_state("a", "a"), "check_completion": checks.check_completion(True, "x"),
            "check_required_calls": checks.check_required_calls([], []),
            "check_output_schemas": checks.check_output_schemas([], {}), "check_grounding": checks.check_grounding([]),
            "check_query_limits": checks.check_query_limits([]), "check_answers": checks.check_answers([], []),
            "check_format": checks.check_format([])}
    assert {f: c.name for f, c in real.items()} == check_names()


def _pytest(selection: str, mutate: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "TOOLDIAL_MUTATE_CHECK"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if mutate:
        env["TOOLDIAL_MUTATE_CHECK"] = mutate
    return subprocess.run([sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p", "scripts._mutation_plugin",
                           "-p", "no:cacheprovider", __file__, "-k", selection],
                          check=False, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_a_stubbed_check_is_caught():
    clean = _pytest("grounding", None)
    assert clean.returncode == 0, clean.stdout[-2000:]
    mutated = _pytest("grounding", "check_grounding")
    assert mutated.returncode == 1 and " failed, " in mutated.stdout, mutated.stdout[-2000:]
