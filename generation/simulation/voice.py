"""How the rule-based user talks: a persona per dialogue, and requests worded afresh from a subtask's
intent (generation/tasks/intent.py), never pasted from the task text.

Words are chosen with the dialogue's rng from the banks in phrases.py; values are written with
``values.fmt`` so the agent (and the checks) can find them in what the user said.
"""

from __future__ import annotations

import random
import re
from typing import Any

from ..databases.names import plural_phrase
from ..values import fmt
from .phrases import (  # noqa: F401  (the banks are read as voice.X)
    GREETINGS, REQUESTS, SUMMARY_AVERAGE, JOINS, NEXT, REACTIONS,
    ANSWERS, ANSWERS_WRITE, MISSING, CHATTER, SIDE, SIDE_OF,
    CORRECTIONS, SLIP_RETRY, GIVE_UP, GREET_ONLY, YES, GO, TAILS, SWAPS, SHORT_DONE, SHORT_CHECK, AFTERTHOUGHTS,
    APPROVE_SPECIFIC, CHECK_SPECIFIC, OUTCOMES, NOTED,
    DO_WHAT, CHECK_HEAD, CHECK_WHAT, DONE, DONE_SCOPE, DONE_END,
    TYPOS,
)

PERSONAS = ("terse", "chatty", "vague", "precise", "impatient", "non_native")

# per persona: chance to react to a value just heard, to hold a detail back, to be polite, to greet,
# to open with a greeting alone, to ask about another field of a row just seen, to add a remark, to
# say a wrong value first and correct it when the agent reads it back
TRAIT_NAMES = ("react", "hold", "polite", "greet", "small_talk", "curious", "chatter", "waver")
_TRAIT_TABLE = {  # one column per trait, in TRAIT_NAMES order
    "terse": (0.75, 0.3, 0.05, 0.2, 0.1, 0.45, 0.0, 0.2),
    "chatty": (0.95, 0.3, 0.3, 0.7, 0.6, 0.85, 0.6, 0.4),
    "vague": (0.9, 0.7, 0.15, 0.4, 0.5, 0.65, 0.2, 0.5),
    "precise": (0.9, 0.15, 0.15, 0.3, 0.2, 0.85, 0.05, 0.15),
    "impatient": (0.65, 0.35, 0.0, 0.1, 0.05, 0.35, 0.0, 0.3),
    "non_native": (0.85, 0.4, 0.25, 0.5, 0.4, 0.7, 0.2, 0.45),
}
TRAITS: dict[str, dict[str, float]] = {p: dict(zip(TRAIT_NAMES, row)) for p, row in _TRAIT_TABLE.items()}


def approval(rng: random.Random, intent: dict[str, Any] | None, persona: str = "") -> str:
    """Yes to the change the agent proposed, often saying which change (a terse user just says yes)."""
    if rng.random() < (0.7 if persona in ("terse", "impatient") else 0.3):
        return pick(rng, YES) + pick(rng, (".", "!", ""))
    specific = _specific(intent, APPROVE_SPECIFIC)
    if specific and rng.random() < 0.35:  # says what it agrees to: 'yes, 1965 is right'
        return pick(rng, specific).format(y=pick(rng, YES), **_parts(intent))
    text = f"{pick(rng, YES)}, {pick(rng, GO)}"
    if intent and intent.get("act") in DO_WHAT and rng.random() < 0.6:
        what = pick(rng, DO_WHAT[intent["act"]]).format(f=intent.get("field", "value"), **nouns(intent.get("noun", "record")))
        text += pick(rng, (" and ", ", ", ": ")) + what
    return text + "."


def check(rng: random.Random, intent: dict[str, Any] | None) -> str:
    if rng.random() < 0.35:
        return pick(rng, SHORT_CHECK)
    specific = _specific(intent, CHECK_SPECIFIC)
    if specific and rng.random() < 0.4:  # names what should now be true: 'does it say 1965 now?'
        return pick(rng, specific).format(**_parts(intent))
    what = vary(pick(rng, CHECK_WHAT), rng).format(f=(intent or {}).get("field", "value"), **nouns((intent or {}).get("noun", "record")))
    return f"{vary(pick(rng, CHECK_HEAD), rng)} {what}?"


def _specific(intent: dict[str, Any] | None, bank: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    """The wordings of ``bank`` for this write, when the intent has what they name."""
    act = (intent or {}).get("act")
    if act == "update" and intent.get("value") is not None:
        return bank["update"]
    return bank.get(act, ()) if act in ("create", "delete") and intent.get("name") is not None else ()


def _parts(intent: dict[str, Any]) -> dict[str, str]:
    name = intent.get("name")
    return {"v": fmt(intent.get("value")), "f": intent.get("field", "value"),
            "x": fmt(name) if name is not None else "it", **nouns(intent.get("noun", "record"))}


def closing(rng: random.Random, noun: str) -> str:
    if rng.random() < 0.35:
        return pick(rng, SHORT_DONE)
    return vary(pick(rng, DONE), rng) + pick(rng, DONE_SCOPE).format(**nouns(noun)) + pick(rng, DONE_END)



# how each voice is described to an LLM user or task writer: the same knob steers every policy
PERSONA_TEXT = {
    "terse": "Terse: few words, no greetings or thanks, often one-word replies.",
    "chatty": "Chatty: friendly, adds small remarks about your day or why you need this.",
    "vague": "Vague: starts without the details and gives them only when asked.",
    "precise": "Precise: names things exactly, quotes names and numbers.",
    "impatient": "Impatient: wants it done fast, pushes when the agent is slow, never says please.",
    "non_native": "Non-native speaker: simple sentences, occasional spelling mistakes (never in names or numbers).",
}


def persona_of(seed: int, index: int, weights: dict[str, float] | None) -> str:
    """The persona of dialogue ``index``: drawn from its own stream, so the task writer, the user and
    every mode of the dialogue agree on it."""
    return choose_persona(random.Random(f"{seed}:{index}:persona"), weights)


def describe_persona(persona: str | None) -> str:
    return PERSONA_TEXT.get(persona or "", "Plain: a cooperative, ordinary person.")


def pick(rng: random.Random, options: tuple[str, ...]) -> str:
    return options[rng.randrange(len(options))]


def choose_persona(rng: random.Random, weights: dict[str, float] | None) -> str:
    weight = (lambda p: weights.get(p, 0.0)) if weights else (lambda p: 1.0)  # given: the others are off
    names = [p for p in PERSONAS if weight(p) > 0]
    return rng.choices(names, [weight(p) for p in names])[0]


def mention(intent: dict[str, Any], persona: str, rng: random.Random, heard: list[str] = ()) -> str:
    """The row as this user names it: by name, 'it', 'that one', 'the same <noun>', or by something the
    agent just said about it ('the one with 2023-08-18')."""
    noun, name, ref = intent.get("noun", "record"), intent.get("name"), intent.get("ref", "new")
    if heard and rng.random() < (0.6 if ref == "it" else 0.4):  # by what the agent just said about it
        v = rng.choice(heard)
        return pick(rng, (f"the one with {v}", f"the {noun} with {v}", f"that one ({v})", f"the one showing {v}",
                          f"the {noun} that has {v}", f"the one where it says {v}"))
    if ref == "it":
        return pick(rng, ("it", "that one", f"that {noun}", "it"))
    if ref == "same":
        return pick(rng, (f"that same {noun}", f"the {noun} from before", f"that {noun}"))
    if name is None:
        return f"{noun} {fmt(intent.get('key'))}"
    if persona in ("precise", "non_native"):
        return f'the {noun} "{fmt(name)}"'
    return pick(rng, (f"{fmt(name)}", f"the {noun} {fmt(name)}", f'"{fmt(name)}"'))


def request(intent: dict[str, Any], persona: str, rng: random.Random, hold: bool, heard: list[str] = ()) -> str:
    """One subtask in this user's words; ``hold``: leave out the value a write needs (asked for later);
    ``heard``: values the agent just reported about the row in focus."""
    act = intent["act"]
    key = f"{act}_held" if hold and act in ("update", "create", "find") else act
    listed = [(f, v) for f, v in intent.get("values", []) if v != intent.get("name")]
    pairs = list(listed)
    rng.shuffle(pairs)  # not the order the task text lists them in
    if pairs == listed and len(pairs) > 1:
        pairs = pairs[1:] + pairs[:1]
    parts = [pair(f, v, rng) for f, v in pairs]
    if intent.get("name") is not None:  # 'a club called C Club', as people name a new thing
        parts.insert(rng.choice((0, len(parts))), f"called {fmt(intent['name'])}")
    values = ", ".join(parts)
    intent = intent | {"noun": spoken(intent.get("noun", "record"), rng),
                       "target": spoken(intent.get("target", "record"), rng)}
    if act == "detail":  # 'the price' for 'the ticket price': the row says which
        intent["field"] = spoken(intent.get("field", ""), rng)
    x = mention(intent, persona, rng, heard) if "ref" in intent else ""
    templates = REQUESTS[key]
    if heard and x not in (intent.get("name"), "it"):  # 'the one with 2036' takes no possessive
        templates = tuple(t for t in templates if "{xs}" not in t) or templates
    text = vary(pick(rng, templates), rng).format(
        x=x, xs="its" if x == "it" else x + "'s", f=intent.get("field", ""),
        v=fmt(intent.get("value")), **nouns(intent.get("noun", "record")),
        t=intent.get("target", "record") if act == "parent" else plural_phrase(intent.get("target", "record")),
        o=intent.get("order", ""), lo=fmt(intent.get("low")), hi=fmt(intent.get("high")), vals=values)
    if act == "summary" and intent.get("average"):
        text = text.rstrip("?.") + pick(rng, SUMMARY_AVERAGE)
    return _articles(text)


def _articles(text: str) -> str:
    """'a opened year' -> 'an opened year', outside quoted values."""
    parts = text.split('"')
    parts[::2] = [re.sub(r"\b([Aa]) (?=[aeiouAEIOU])", r"\1n ", p) for p in parts[::2]]
    return '"'.join(parts)


# the last word of a name that says nothing alone ('model list' is no 'list')
GENERIC_HEADS = frozenset("list name names data info type types code codes id ids record records state detail details "
                          "item items entry entries log logs map has status since from until before after with "
                          "per yes no flag".split())


def vary(template: str, rng: random.Random) -> str:
    """A template with some of its common words swapped (before values go in, so none is touched)."""
    for words, others in SWAPS:
        if rng.random() < 0.5:
            template = re.sub(rf"\b{re.escape(words)}\b", pick(rng, others), template, count=1)
    return template.replace("  ", " ").replace(" ?", "?").replace(" .", ".")


def spoken(noun: str, rng: random.Random) -> str:
    """A long noun as people shorten it once the subject is clear: 'ticket order' -> 'order', now and then."""
    head = noun.rpartition(" ")[2]
    if " " in noun and len(head) > 3 and head.lower() not in GENERIC_HEADS and rng.random() < 0.35:
        return head
    return noun


def pair(field: str, value: Any, rng: random.Random) -> str:
    """'quantity 4', 'quantity: 4' or 'quantity is 4': a field and its value, as it comes out."""
    return pick(rng, ("{f} {v}", "{f} {v}", "{f}: {v}", "{f} is {v}")).format(f=field, v=fmt(value))


def nouns(noun: str) -> dict[str, str]:
    """The placeholders for a noun: {n} 'airline', {ns} 'airlines', {an} 'an airline'."""
    return {"n": noun, "ns": plural_phrase(noun), "an": _articles("a " + noun)}


def styled(text: str, persona: str, rng: random.Random, polite: bool, noun: str | None = None,
           reason: str | None = None) -> str:
    """The persona's surface: a remark (``noun``: what it is about; ``reason``: why the user is here, the
    likelier remark while it is untold), capitals, courtesy, typos (never inside a quoted value)."""
    if noun is not None and text[-1:] in ".?" and rng.random() < 0.2:  # a clause on the request, or a remark after it
        text = text[:-1] + pick(rng, TAILS) if text.endswith(".") and rng.random() < 0.5 else \
            text + " " + pick(rng, AFTERTHOUGHTS)
    if polite and "please" not in text:
        text = text.rstrip(".?") + pick(rng, (", please.", ", thanks.", " please?")) if text[-1:] in ".?" else text
    if noun is not None and wants(persona, "chatter", rng):  # the remark after the request, courtesy and all
        text = text + " " + (reason if reason and rng.random() < 0.7 else pick(rng, CHATTER).format(**nouns(noun)))
    if persona == "non_native":
        words = text.split(" ")
        text = " ".join(TYPOS.get(w, w) if rng.random() < 0.3 else w for w in words)
    if persona in ("precise", "chatty"):
        text = text[:1].upper() + text[1:]
    if persona == "impatient" and rng.random() < 0.4:
        text = text.rstrip(".") + pick(rng, (" quickly.", ", fast please.", ", asap."))
    return text


def wants(persona: str, trait: str, rng: random.Random) -> bool:
    return rng.random() < TRAITS[persona][trait]
