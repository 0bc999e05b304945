"""How the rule-based user talks: a persona per dialogue, and requests worded afresh from a subtask's
intent (generation/tasks/intent.py), never pasted from the task text.

Words are chosen with the dialogue's rng from the banks below; values are written with
``values.fmt`` so the agent (and the checks) can find them in what the user said.
"""

from __future__ import annotations

import random
from typing import Any

from ..databases.names import plural
from ..values import fmt

PERSONAS = ("terse", "chatty", "vague", "precise", "impatient", "non_native")

# per persona: chance to react to a value just heard, to hold a detail back, to be polite, to greet,
# to open with a greeting alone, to ask about another field of a row just seen, to add a remark, to
# say a wrong value first and correct it when the agent reads it back
TRAITS: dict[str, dict[str, float]] = {
    "terse": {"react": 0.75, "hold": 0.3, "polite": 0.05, "greet": 0.2, "small_talk": 0.1, "curious": 0.35, "chatter": 0.0, "waver": 0.2},
    "chatty": {"react": 0.95, "hold": 0.3, "polite": 0.3, "greet": 0.7, "small_talk": 0.6, "curious": 0.75, "chatter": 0.45, "waver": 0.4},
    "vague": {"react": 0.9, "hold": 0.7, "polite": 0.15, "greet": 0.4, "small_talk": 0.5, "curious": 0.55, "chatter": 0.2, "waver": 0.5},
    "precise": {"react": 0.9, "hold": 0.15, "polite": 0.15, "greet": 0.3, "small_talk": 0.2, "curious": 0.75, "chatter": 0.05, "waver": 0.15},
    "impatient": {"react": 0.65, "hold": 0.35, "polite": 0.0, "greet": 0.1, "small_talk": 0.05, "curious": 0.25, "chatter": 0.0, "waver": 0.3},
    "non_native": {"react": 0.85, "hold": 0.4, "polite": 0.25, "greet": 0.5, "small_talk": 0.4, "curious": 0.6, "chatter": 0.2, "waver": 0.45},
}

GREETINGS = {
    "terse": ("", "hi. "), "chatty": ("Hi there! ", "Hello! Hope you're well. ", "Hey, good morning! "),
    "vague": ("hi, ", "hey, um, ", "hello. "), "precise": ("Hello. ", "Good afternoon. "),
    "impatient": ("", "ok, "), "non_native": ("Hello, ", "Hi, good day. "),
}

# {x}: the row as the user names it ({xs}: whose); {f}: a field; {v}: a value; {t}: linked rows; {n}: the noun
REQUESTS: dict[str, tuple[str, ...]] = {
    "find": ("can you look up {x}?", "I'm trying to find {x}.", "do you have {x} in there?", "pull up {x} for me.",
             "I need {x}, can you find it?", "is {x} in the system?", "could you check {x}?",
             "start with {x}, would you?", "first thing: {x}. what do you have on it?", "got anything on {x}?",
             "let's begin with {x}.", "look for {x} real quick."),
    "detail": ("what's {xs} {f}?", "what {f} does {x} have?", "tell me the {f} for {x}.",
               "I need {xs} {f}.", "{f} of {x}?", "and what about {x}, the {f}?", "how about {x}: its {f}?",
               "remind me of {xs} {f}.", "do you know {xs} {f} offhand?", "I'm curious about the {f} for {x}.",
               "what does it say for {x} under {f}?"),
    "children": ("which {t} does {x} have?", "what {t} are linked to {x}?", "can you list the {t} for {x}?",
                 "show me {xs} {t}.", "any {t} under {x}?", "I'd like to see the {t} of {x}.",
                 "pull the {t} attached to {x}.", "what {t} go with {x}?", "walk me through {xs} {t}."),
    "parent": ("what {t} is {x} part of?", "what's the {t} for {x}?", "which {t} is {x} under?",
               "tell me the {t} that {x} is part of.", "{x} is under which {t}?"),
    "summary": ("how many {t} does {x} have?", "give me a count of {xs} {t}.", "how many {t} are there for {x}?",
                "what's the number of {t} for {x}?", "count {xs} {t} for me.", "roughly how many {t} has {x} got?",
                "tally up the {t} for {x}."),
    "update": ("switch {xs} {f} to {v}.", "{xs} {f} needs to be {v} now.", "set the {f} on {x} to {v}.",
               "can you update {x}? the {f} should be {v}.", "I want {xs} {f} changed to {v}.",
               "can you make {xs} {f} {v}?"),
    "update_held": ("I need to fix {xs} {f}.", "{xs} {f} is wrong, can you fix it?",
                    "{x} needs a new {f}."),
    "delete": ("I need {x} removed.", "delete {x}, please.", "{x} has to go, can you delete it?",
               "get rid of {x}.", "can you remove {x} from the system?", "{x} shouldn't be there anymore, delete it.",
               "we're dropping {x}, remove it.", "scrap {x}."),
    "rank": ("which {ns} have the most {t}? the top three is fine.", "who are the top three {ns} by number of {t}?",
             "show me the three {ns} with the most {t}.", "top three {ns} by {t}?"),
    "top": ("which three {ns} have the {o} {f}?", "show me the {ns} with the {o} {f}, top three.",
            "give me the three {ns} with the {o} {f}.", "{o} {f}: which three {ns}?"),
    "range": ("which {ns} have {f} from {lo} up to {hi}?", "anything with a {f} from {lo} to {hi}?",
              "list the {ns} whose {f} is {lo} to {hi}.", "{ns} with {f} {lo} to {hi}?"),
    "create": ("I'd like to add a new {n}, {vals}.", "can you create {an}, {vals}?",
               "new {n} to register, {vals}.", "please set up a new {n} {vals}."),
    "create_held": ("I need to add a new {n}.", "can you create a new {n} for me?", "there's a new {n} to register."),
    "find_held": ("I'm looking for {an}.", "can you find {an} for me?", "I need to look up {an}.",
                  "there's {an} I want to check."),
}
SUMMARY_AVERAGE = (" and the average?", ", and what's the average?", ", plus the average if you have it?")
JOINS = (" also, ", " and ", ". and ", ". oh, and ")
REACTIONS = ("{v}, got it.", "ah, {v}. ok.", "so {v}, good to know.", "ok, {v} then.", "{v}? interesting.",
             "right, {v}.", "{v}, makes sense.", "hm, {v}. fine.", "noted: {v}.", "{v}, that's what I thought.",
             "oh, {v}? didn't expect that.", "{v}. good.", "ok so {v}.", "{v}, perfect.", "wait, {v}? huh, alright.",
             "{v}, matches my notes.", "{v}, I'll write that down.", "ah, {v}, that explains it.",
             "{v}, not what I remembered but ok.", "good, {v} is fine.")
ANSWERS = ("{v}.", "it's {v}.", "the {f} is {v}.", "oh right, the {f}: {v}.", "sorry, {f} {v}.",
           "{v}, I think.", "{f}? {v}.", "it's under {v}.")
ANSWERS_WRITE = ("make it {v}.", "{f} should be {v}.", "{v} for the {f}.", "let's say {v}.", "the new {f} is {v}.",
                 "change it to {v}.", "{v}, please.")
MISSING = ("that's not quite what I asked.", "hm, I still need this:", "you missed something:",
           "I already asked, can you just do it:")
CHATTER = ("I'm tidying up our {ns} this week.", "My manager asked me to look into this.",
           "This is for the monthly report.", "It's been a long day here.", "We had some mix-ups with the {ns} lately.",
           "I'm new to this system, so bear with me.", "I want to get this done before lunch.",
           "A colleague asked me about it this morning.")
SIDE = ("and what's its {f}?", "what about the {f}?", "hm, and the {f}?", "does it say the {f}?",
        "one more detail: the {f}?", "and {f}?", "what {f} does it have, out of curiosity?")
SIDE_OF = ("and what's the {f} of {x}?", "{x}: what {f} does it have?", "what about {x}, its {f}?",
           "quick one: the {f} of {x}?")
# {a}: the value said by mistake, {b}: the one meant, {f}: the field
CORRECTIONS = ("wait, not {a}. make it {b}.", "hm, actually {b}, not {a}. sorry.", "oh, sorry, I meant {b}, not {a}.",
               "hold on, did I say {a}? it should be {b}.", "actually, let's go with {b} instead of {a}.",
               "no wait, {b}. my mistake.", "scratch that, the {f} should be {b}.", "ah no, {a} is wrong. {b}.",
               "oops. {b}, not {a}.", "correction: {b}. I mixed it up with something else.")
SLIP_RETRY = ("sorry, I misspoke earlier.", "that's my fault, I gave you the wrong value.", "ah, I said it wrong before.")
GIVE_UP = ("never mind, I'll sort it out later.", "forget it for now.", "ok, let's leave it.")
GREET_ONLY = ("hi, can you help me with the {ns}?", "hello, I have a question about {an}.",
              "hey, I need some help with {n} stuff.", "hi there, got a minute for some {n} questions?",
              "good morning, I'm working on our {ns} today.")

# short turns are assembled from parts, so they vary like people's do (and name what they are about)
YES = ("yes", "ok", "sure", "yep", "correct", "right", "fine", "yeah", "alright", "exactly")
GO = ("go ahead", "do it", "go on", "please do", "that's it", "sounds good", "proceed", "that's right")
DO_WHAT = {"update": ("change the {f}", "update it", "set the {f}", "fix the {f}"),
           "delete": ("delete it", "remove the {n}", "delete the {n}", "get rid of it"),
           "create": ("add the {n}", "create it", "save the new {n}", "register it")}
CHECK_HEAD = ("can you check", "could you double-check", "please verify", "just confirm", "make sure")
CHECK_WHAT = ("that it saved", "the {n} is right now", "the change went through", "it's there now",
              "the {f} is updated", "it really worked")
DONE = ("that's all", "that's everything", "I'm done", "all good", "that covers it", "nothing else",
        "we're done", "that was it", "ok, finished")
DONE_SCOPE = ("", "", " for now", " for today", " with the {ns}", " on my side")
DONE_END = (".", ".", ", thanks.", ", bye.", ". cheers.", "!", ", great.")


def approval(rng: random.Random, intent: dict[str, Any] | None, persona: str = "") -> str:
    """Yes to the change the agent proposed, often saying which change (a terse user just says yes)."""
    if persona in ("terse", "impatient") and rng.random() < 0.25:
        return pick(rng, YES) + pick(rng, (".", "!", ""))
    text = f"{pick(rng, YES)}, {pick(rng, GO)}"
    if intent and intent.get("act") in DO_WHAT and rng.random() < 0.6:
        what = pick(rng, DO_WHAT[intent["act"]]).format(f=intent.get("field", "value"), **nouns(intent.get("noun", "record")))
        text += pick(rng, (" and ", ", ", ": ")) + what
    return text + "."


def check(rng: random.Random, intent: dict[str, Any] | None) -> str:
    what = pick(rng, CHECK_WHAT).format(f=(intent or {}).get("field", "value"), **nouns((intent or {}).get("noun", "record")))
    return f"{pick(rng, CHECK_HEAD)} {what}?"


def closing(rng: random.Random, noun: str) -> str:
    return pick(rng, DONE) + pick(rng, DONE_SCOPE).format(**nouns(noun)) + pick(rng, DONE_END)


TYPOS = {"the": "teh", "what": "waht", "which": "wich", "please": "pls", "need": "ned", "change": "chnage",
         "because": "becuase", "does": "dose", "have": "hav"}


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
        return pick(rng, (f"the one with {v}", f"the {noun} with {v}", f"that one ({v})"))
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
    parts = [f"{f} {fmt(v)}" for f, v in pairs]
    if intent.get("name") is not None:  # 'a club called C Club', as people name a new thing
        parts.insert(rng.choice((0, len(parts))), f"called {fmt(intent['name'])}")
    values = ", ".join(parts)
    x = mention(intent, persona, rng, heard) if "ref" in intent else ""
    templates = REQUESTS[key]
    if heard and x not in (intent.get("name"), "it"):  # 'the one with 2036' takes no possessive
        templates = tuple(t for t in templates if "{xs}" not in t) or templates
    text = pick(rng, templates).format(
        x=x, xs="its" if x == "it" else x + "'s", f=intent.get("field", ""),
        v=fmt(intent.get("value")), **nouns(intent.get("noun", "record")),
        t=intent.get("target", "record") if act == "parent" else _plural(intent.get("target", "record")),
        o=intent.get("order", ""), lo=fmt(intent.get("low")), hi=fmt(intent.get("high")), vals=values)
    if act == "summary" and intent.get("average"):
        text = text.rstrip("?.") + pick(rng, SUMMARY_AVERAGE)
    return text


def _plural(noun: str) -> str:
    head, _, last = noun.rpartition(" ")
    return f"{head} {plural(last)}".strip()


def nouns(noun: str) -> dict[str, str]:
    """The placeholders for a noun: {n} 'airline', {ns} 'airlines', {an} 'an airline'."""
    return {"n": noun, "ns": _plural(noun), "an": ("an " if noun[:1].lower() in "aeiou" else "a ") + noun}


def styled(text: str, persona: str, rng: random.Random, polite: bool, noun: str | None = None) -> str:
    """The persona's surface: a remark (``noun``: what it is about), capitals, courtesy, typos (never
    inside a quoted value)."""
    if polite and "please" not in text:
        text = text.rstrip(".?") + pick(rng, (", please.", ", thanks.", " please?")) if text[-1:] in ".?" else text
    if noun is not None and wants(persona, "chatter", rng):  # the remark after the request, courtesy and all
        text = text + " " + pick(rng, CHATTER).format(**nouns(noun))
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
