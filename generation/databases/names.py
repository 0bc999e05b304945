"""How database names become identifiers and words: bind-safe snake_case, readable phrases, singulars,
quoted SQL identifiers. One home for every name a tool, task or message derives from a schema."""

from __future__ import annotations

import functools
import re

from anyascii import anyascii

# Names that cannot be bare aliases or bind names in SQLite get a suffix.
_KEYWORDS = set(
    "abort action add after all alter analyze and as asc attach autoincrement before begin between by "
    "cascade case cast check collate column commit conflict constraint create cross current current_date "
    "current_time current_timestamp database default deferrable deferred delete desc detach distinct do "
    "drop each else end escape except exclusive exists explain fail filter for foreign from full glob "
    "group having if ignore immediate in index indexed initially inner insert instead intersect into is "
    "isnull join key last left like limit match natural no not nothing notnull null of offset on or order "
    "outer over partition plan pragma primary query raise range recursive references regexp reindex release "
    "rename replace restrict returning right rollback row rows savepoint select set table temp temporary "
    "then to transaction trigger union unique update using vacuum values view virtual when where window "
    "with without".split()
)


def snake(name: str) -> str:
    """A bind-safe, lower snake_case ASCII identifier for a table or column name."""
    # Transliterate first: 'Straße' -> 'strasse', '顧客' -> 'gu_ke', where dropping non-ASCII
    # letters would leave 'stra_e' or nothing at all.
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", anyascii(name.strip()))
    s = re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower()
    if not s:
        s = "x"
    if s in _KEYWORDS:
        s = f"{s}_value"
    return s if not s[0].isdigit() else f"n_{s}"


def words(name: str) -> str:
    """How a table or column name reads in a sentence: 'FirstName' -> 'first name', 'Übersicht' stays."""
    if name.isascii():
        return snake(name).replace("_", " ")
    # A transliteration reads worse than the name itself, so a non-ASCII name keeps its letters.
    return " ".join(re.sub(r"[\W_]+", " ", name).split()) or snake(name).replace("_", " ")


# inflect reads a trailing s of a singular word it does not know as a plural ('status' is known,
# 'bonus' -> 'bonu', 'alias' -> 'alia'); words with these endings are singular far more often.
_SINGULAR_ENDINGS = ("ss", "us", "is", "ias")
_KEEP_AS_IS = {"data", "atlas", "canvas", "lens"}
# nouns with no plural in everyday use: 'which staff', not 'which staffs'
_UNCOUNTABLE = {"staff", "equipment", "personnel", "information", "software", "hardware", "feedback", "furniture",
                "luggage", "baggage", "news", "research", "stock", "inventory", "mail", "music", "media"}


def singular(phrase: str) -> str:
    """'appointments' -> 'appointment', 'series' stays: the last word of a table name, for sentences."""
    head, _, last = phrase.rpartition(" ")
    lower = last.lower()
    if (last.isascii() and last.isalpha() and len(last) > 3
            and not lower.endswith(_SINGULAR_ENDINGS) and lower not in _KEEP_AS_IS):
        last = _inflect().singular_noun(last) or last  # False: already singular
    return f"{head} {last}".strip()


def plural(word: str) -> str:
    """'member' -> 'members', 'series' stays: the plural of one snake_case word, for tool names."""
    if not (word.isascii() and word.isalpha()) or len(word) <= 2 or word.lower() in _UNCOUNTABLE:
        return word
    if not word.endswith(_SINGULAR_ENDINGS) and _inflect().singular_noun(word):  # already plural ('people')
        return word
    return _inflect().plural_noun(word) or word


def plural_phrase(phrase: str) -> str:
    """'ticket order' -> 'ticket orders', 'tv series' stays: a noun phrase in the plural, for sentences."""
    head, _, last = phrase.rpartition(" ")
    return f"{head} {plural(last)}".strip()


@functools.cache
def _inflect():
    # Imported on first use: inflect instruments itself with typeguard, which costs a second or two.
    import inflect

    return inflect.engine()


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
