"""Tool names and parameter descriptions a developer would write for an API over the schema.

Names read as verb + readable entity: ``get_member``, ``search_members``, ``list_loans_for_member``,
``get_member_for_loan``, ``rank_members_by_loan_count``: singular entities, no word twice, at most
MAX_NAME characters, never cut inside a word. Parameter descriptions say what the value is, its
format and an example taken from the data.
"""

from __future__ import annotations

import re
from typing import Any

from ..databases.names import plural, snake
from ..databases.schema import Column, Table
from ..values import fmt

MAX_NAME = 40
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2})?(\.\d+)?")
_LINK_SUFFIX = re.compile(r"_(id|no|code|key|ref|num)$")


def entity(table: Table) -> str:
    """The table's row as one snake_case noun phrase: 'LibraryMembers' -> 'library_member'."""
    # a non-ASCII name keeps its table's unique transliterated slug ('顧客' -> 'gu_ke', 'Café' -> 'cafe_2')
    return _unrepeated(snake(table.display) if table.display.isascii() else table.slug)


def entities(table: Table) -> str:
    if not table.display.isascii():
        return entity(table)  # a transliterated name has no English plural
    head, _, last = entity(table).rpartition("_")
    return f"{head}_{plural(last)}".strip("_")


def role(column: Column, target: Table, target_column: Column | None = None, owner: Table | None = None) -> str:
    """What a linking column calls its target: 'manager_id' -> 'manager'; the target's own name when
    the column just repeats it ('doctor_id' -> 'doctor'), has the target key's name ('sku'), or names
    the row it sits in (prereq.prereq_id)."""
    stem = _LINK_SUFFIX.sub("", column.param)
    noun = entity(target)
    same = (target_column is not None and stem == _LINK_SUFFIX.sub("", target_column.param)) or (
        owner is not None and stem == entity(owner))
    return noun if same or not stem or stem == noun or noun.endswith(stem) else stem


def compose(verb: str, *parts: str) -> str:
    """``verb_part_part``: no word twice, at most MAX_NAME characters, never cut inside a word."""
    pieces = _without_repeats([verb, *[p for p in parts if p]])
    name = "_".join(pieces)
    while len(name) > MAX_NAME:
        longest = max(range(1, len(pieces)), key=lambda i: (pieces[i].count("_"), len(pieces[i])), default=None)
        if longest is None or "_" not in pieces[longest]:
            break  # one word per part: keep whole words, the caller's uniqueness rule still applies
        pieces[longest] = pieces[longest].split("_", 1)[1]  # 'student_enrolment' -> 'enrolment'
        name = "_".join(pieces)
    return name


def _stem(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _unrepeated(phrase: str) -> str:
    """A phrase with each word once: 'customer_customer_demo' -> 'customer_demo'."""
    seen: set[str] = set()
    kept = []
    for word in phrase.split("_"):
        if _stem(word) not in seen or word.isdigit():
            seen.add(_stem(word))
            kept.append(word)
    return "_".join(kept)


def _without_repeats(parts: list[str]) -> list[str]:
    """A word two parts share stays only where it is a part's head (its last word): 'asset_parts'
    for 'asset' -> 'parts' for 'asset'; 'customers' by 'customer_demo' -> by 'demo'."""
    words = [p.split("_") for p in parts]
    heads = [""] + [_stem(w[-1]) for w in words[1:]]  # the verb may recur as a noun ('rank_..._by_rank_count')
    seen: set[str] = set()
    out = [parts[0]]
    for i, ws in enumerate(words[1:], 1):
        # two parts with one head ('airport_aircraft' for 'aircraft'): the longer one gives it up
        shared_head = len(ws) > 1 and any(heads[j] == heads[i] and j != i for j in range(len(words)))
        kept = [w for k, w in enumerate(ws)
                if w.isdigit() or (k == len(ws) - 1 and not shared_head)
                or (k < len(ws) - 1 and _stem(w) not in heads and _stem(w) not in seen)]
        seen |= {_stem(w) for w in ws}
        out.append("_".join(kept) or ws[-1])
    return out


def value_format(column: Column) -> str:
    """How a value of ``column`` is written: 'a date, YYYY-MM-DD', 'a whole number', ..."""
    sample = next((v for v in column.common_values if v is not None), None)
    if isinstance(sample, str) and _DATETIME.fullmatch(sample):
        return "a date and time, YYYY-MM-DD HH:MM" + (":SS" if sample.count(":") > 1 else "")
    if isinstance(sample, str) and _DATE.fullmatch(sample):
        return "a date, YYYY-MM-DD"
    return {"integer": "a whole number", "number": "a number", "boolean": "true or false"}.get(
        column.param_type, "text")


def example(column: Column) -> str | None:
    sample = next((v for v in column.common_values if v is not None and len(str(v)) <= 40), None)
    return None if sample is None else (f'"{sample}"' if isinstance(sample, str) else fmt(sample))


def describe_param(table: Table, column: Column, link: tuple[Column, Table] | None = None,
                   lead: str | None = None) -> str:
    """'Due date of the loan: a date, YYYY-MM-DD, e.g. "2024-03-15".' ``link``: the column points at
    that column of that table, which says more than its own name."""
    if lead is None and link is not None:
        target_column, target = link
        lead = f"{role(column, target, target_column).replace('_', ' ').capitalize()} of the {table.display} " \
               f"(the {target.display}'s {target_column.display})"
    field = _field(column, table)
    lead = lead or f"{field[:1].upper()}{field[1:]} of the {table.display}"
    if column.is_categorical:
        return f"{lead}: one of {', '.join(str(v) for v in column.common_values)}."
    shown = example(column)
    return f"{lead}: {value_format(column)}" + (f", e.g. {shown}." if shown else ".")


def _field(column: Column, table: Table) -> str:
    """The column's words without the table's own noun in front ('customer id' of a customer: 'ID')."""
    words = column.display.split()
    noun = table.display.split()
    if len(words) > len(noun) and [w.lower() for w in words[:len(noun)]] == [w.lower() for w in noun]:
        words = words[len(noun):]
    return " ".join("ID" if w.lower() == "id" else w for w in words)


def enum_of(column: Column, table: Table) -> dict[str, Any]:
    """A closed set of choices for a categorical field (never for the field rows are named by)."""
    if not column.is_categorical or (table.label is not None and column.name == table.label.name):
        return {}
    return {"enum": list(column.common_values)}


def example_suffix(column: Column) -> str:
    shown = example(column)
    return f", e.g. {shown}." if shown else "."


def measure(column: Column, table: Table) -> str:
    """The column as the 'by' of a tool name; 'value' when it is named like its table (degrees.degrees)."""
    same = column.param.rstrip("s") == entity(table).rstrip("s")
    return f"{column.param}_value" if same else column.param


def as_role(link: Column, parent: Table, ref: Column, child: Table) -> str:
    """'venue' or 'manager (an employee)': the parent as the link names it."""
    name = role(link, parent, ref, child).replace("_", " ")
    return parent.display if name == entity(parent).replace("_", " ") else f"{name} (a {parent.display})"


def keep_if_left_out(param: dict[str, Any]) -> dict[str, Any]:
    return param | {"description": "New value. " + param["description"] + " Leave out to keep it."}
