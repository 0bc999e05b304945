"""What the oracle agent says about a tool output: a sentence or two for a person, not a record dump.

A row is named by its label ("Joe Sharp") or as "<entity> <key>"; the fields shown are the ones the
user asked about (the subtask's expected answers) plus, for rankings, the figure ranked by. Lists
show at most three items and offer the rest. Numbers are written with ``values.fmt``, the same
function that writes the expected answers, so what is said can be checked against the outputs.
Every number said here comes from a tool output (counts are list lengths): none is made up.
"""

from __future__ import annotations

import random
from typing import Any

from ..databases.names import plural_phrase
from ..values import SHOWN, fmt

NUMBER_WORDS = {2: "two", 3: "three"}  # counts the reply makes up itself are words, never digits

OK_LEADS = ("", "", "Sure. ", "Okay. ", "Here's what I found. ", "Let me see. ")
MORE = (" Want the full list?", " I can show the rest if you like.", " There are more; just ask.")
FAIL_NOT_FOUND = (" Could you double-check the details? I can also look it up by name.",
                  " Maybe the details differ; want me to search for it?")
FAIL_OTHER = (" Want me to try it another way?", " I can try a different approach if you like.")


def _words(key: str) -> str:
    return key.replace("_", " ")


def say(value: Any) -> str:
    """A value in a sentence: text holding a figure ("15 May", "LN-70003", a date) or a quote mark is
    quoted, so it reads (and is checked) as one value, not as loose numbers."""
    text = fmt(value)
    quoted = isinstance(value, str) and (any(ch.isdigit() for ch in text) or '"' in text)
    return f'"{text}"' if quoted else text


def row_name(row: dict[str, Any], spec: dict[str, Any]) -> str:
    """How a person refers to a row: its label, else '<entity> <key>'."""
    label, key = spec.get("label"), spec.get("key")
    if label and row.get(label) not in (None, ""):
        return say(row[label])
    if key and key in row:
        return f"{spec.get('entity', 'record')} {say(row[key])}"
    return f"the {spec.get('entity', 'record')}"


def _field(key: str, spec: dict[str, Any]) -> str:
    return spec.get("fields", {}).get(key) or _words(key)


def details(row: dict[str, Any], spec: dict[str, Any], wanted: set[str], fallback: int = 0, extra: int = 0,
            links: bool = True) -> str:
    """'fee 77.52, status completed': the fields whose values the user asked for (else the first
    ``fallback`` descriptive fields), plus ``extra`` descriptive fields for context. ``links``: a link
    id may be what was asked (not in a list, where a '6' asked for is the count, not event id 6)."""
    label = spec.get("label")
    named_by = label if label and row.get(label) not in (None, "") else spec.get("key")  # said in its name
    keys = [k for k, v in row.items() if fmt(v).lower() in wanted and k != named_by
            and (links or k == spec.get("key") or not (k.endswith("_id") or k == "id"))]
    context = [k for k in row if k not in keys and _descriptive(k, row[k], spec)]
    keys += context[:extra if keys else max(fallback, extra)]
    # a field named with a figure ('rating 18 49') would read as a stated number: its value stands alone
    return ", ".join(say(row[k]) if any(ch.isdigit() for ch in _field(k, spec)) else f"{_field(k, spec)} {say(row[k])}"
                     for k in keys)


def _descriptive(key: str, value: Any, spec: dict[str, Any]) -> bool:
    """A field that tells a person something: not the name, not a key or link id, not empty."""
    return (key not in (spec.get("label"), spec.get("key")) and value not in (None, "")
            and not key.endswith(("_id", "_code")) and key != "id" and not any(ch.isdigit() for ch in key))


def _item(row: dict[str, Any], spec: dict[str, Any], wanted: set[str], extra: int = 0) -> str:
    shown = details(row, spec, wanted, extra=extra, links=False)
    return f"{row_name(row, spec)} ({shown})" if shown else row_name(row, spec)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _plural(entity: str, n: int) -> str:
    return entity if n == 1 else plural_phrase(entity)


def describe_list(rows: list[dict[str, Any]], spec: dict[str, Any], wanted: set[str], rng: random.Random,
                  truncated: bool = False) -> str:
    entity = spec.get("entity", "record")
    if not rows:
        return f"I couldn't find any {_plural(entity, 2)} matching that."
    kind = spec.get("kind")
    if kind in ("aggregate", "list"):
        # a ranking: the figure it ranks by is what the user wants to see
        wanted = wanted | {fmt(v).lower() for r in rows[:SHOWN] for k, v in r.items()
                           if k.endswith("_count") or k in _ranked(rows, spec)}
    extra = 2 if kind == "search" and len(rows) == 1 else 1  # details for context, as a person would give
    items = [_item(r, spec, wanted, extra) for r in rows[:SHOWN]]
    count = f"more than {len(rows)}" if truncated else str(len(rows))
    if kind in ("aggregate", "list"):
        text = ("At the top: " if len(items) == 1 else f"The top {NUMBER_WORDS[len(items)]}: ") + _join(items) + "."
    else:
        text = f"I found {count} {_plural(entity, len(rows))}: {_join(items)}"
        text += "." if len(rows) <= SHOWN else ", among others."
    if len(rows) > SHOWN or truncated:
        text += MORE[rng.randrange(len(MORE))]
    return text


def _ranked(rows: list[dict[str, Any]], spec: dict[str, Any]) -> set[str]:
    """The numeric field a ranking is ordered by: the one whose values are sorted and differ (a key or
    a link id may happen to be sorted too: it ranks nothing)."""
    if len(rows) < 2:
        return set()
    numeric = [k for k, v in rows[0].items() if isinstance(v, (int, float)) and not isinstance(v, bool)
               and k != spec.get("key") and not k.endswith("_id") and k != "id"]
    for k in numeric:
        values = [r[k] for r in rows if isinstance(r.get(k), (int, float))]
        if len(values) == len(rows) and len(set(values)) > 1 and values in (sorted(values), sorted(values)[::-1]):
            return {k}
    return set()


def describe_row(row: dict[str, Any], spec: dict[str, Any], wanted: set[str]) -> str:
    kind, entity, name = spec.get("kind"), spec.get("entity", "record"), row_name(row, spec)
    if kind == "create":
        key = spec.get("key")
        if name == f"the {entity}":
            return f"Done: the new {entity} is saved."
        label = spec.get("label")
        if key and key in row and not (label and row.get(label) not in (None, "")):  # named by its new key
            return f"Done: the new {entity} is saved; its {_field(key, spec)} is {say(row[key])}."
        return f"Done: I've added {name} as a new {entity}" + (
            f" (its {_field(key, spec)} is {say(row[key])})." if key and key in row and key != spec.get("label")
            and not name.endswith(say(row[key])) else ".")
    if kind == "update":
        changed = details(row, spec, wanted)
        return f"Done: {name} now has {changed}." if changed else f"Done: {name} is updated."
    if kind == "delete":
        return f"Done: {name} has been deleted."
    if kind == "summary":
        counts = [f"{fmt(v)} {_plural(_words(k[:-6]), v)}" for k, v in row.items() if k.endswith("_count")]
        averages = [f"an average {_words(k[8:])} of {fmt(v)}" for k, v in row.items()
                    if k.startswith("average_") and v is not None]
        return f"{name} has {_join(counts)}" + (f", with {_join(averages)}" if averages else "") + "."
    shown = details(row, spec, wanted, fallback=3, extra=2)
    return f"{name}: {shown}." if shown else f"I found {name}."


def describe(spec: dict[str, Any], value: Any, ok: bool, answers: list[str], rng: random.Random) -> str:
    """A sentence about one tool output; ``answers``: the values the user's request asks for."""
    if not ok:
        error = value.get("error", {}) if isinstance(value, dict) else {}
        hint = FAIL_NOT_FOUND if error.get("type") == "not_found" else FAIL_OTHER
        return f'That didn\'t work; the system says: "{error.get("message", "unknown error")}"' + hint[
            rng.randrange(len(hint))]
    wanted = {a.lower() for a in answers}
    if isinstance(value, dict) and value.get("truncated"):
        return describe_list(value["rows"], spec, wanted, rng, truncated=True)
    if isinstance(value, list):
        return describe_list(value, spec, wanted, rng)
    if isinstance(value, dict):
        return describe_row(value, spec, wanted)
    return f"The result is {fmt(value)}."


def lead(rng: random.Random) -> str:
    return OK_LEADS[rng.randrange(len(OK_LEADS))]


def describe_check(spec: dict[str, Any], value: Any, ok: bool) -> str:
    """A re-read of a written row that the user asked to double-check."""
    if not ok:
        # after a deletion the row is gone: that is the expected answer, not a failure
        return "I looked it up again and it's no longer in the system, as expected."
    shown = details(value, spec, set(), fallback=3)
    name = row_name(value, spec)
    return f"I looked it up again: {name} is there" + (f", with {shown}." if shown else ".")


def side_answer(row: dict[str, Any], key: str, rng: random.Random) -> str:
    """Another field of a row already looked up, answered from what the tool returned."""
    value = row.get(key)
    field = _words(key)
    if value in (None, ""):
        return f"There's no {field} on record for that one."
    if field.endswith("s") and not field.endswith("ss"):  # 'pages': no 'the pages is'
        return rng.choice((f"It has {field} {say(value)}.", f"That one has {field} {say(value)}."))
    return rng.choice((f"Its {field} is {say(value)}.", f"The {field} is {say(value)}.",
                       f"That one has {field} {say(value)}."))
