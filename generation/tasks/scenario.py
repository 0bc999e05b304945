"""Who the user is and why they are here: one short scenario per dialogue that its goals serve.

A scenario is a role (who the user is to the records system) and a reason (what brought them today),
drawn by seed. Rule-written tasks come first and the scenario is chosen to fit them: a user whose goals
change records keeps them, one who only looks things up is preparing something. An LLM task writer gets
the scenario first and writes goals for it. The LLM user simulator plays it; the rules user mentions
its reason when it chats.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

# {domain}: the records system ('pets 1' -> 'pets'); {ns}: the rows the goals are mostly about
ROLES_WRITE = (
    "an office assistant who keeps the {domain} records up to date",
    "a coordinator who handles changes to the {domain} records",
    "a staff member on data-entry duty for the {domain} system",
    "a team lead tidying up the {domain} records",
)
ROLES_READ = (
    "an analyst preparing a summary of the {domain} records",
    "a manager checking figures in the {domain} system",
    "a staff member answering a colleague's questions about the {domain} records",
    "a newcomer finding their way around the {domain} records",
)
ROLES_ANY = ROLES_WRITE + ROLES_READ
REASONS_WRITE = (
    "some {ns} changed this week and the records are behind",
    "a colleague flagged mistakes in the {ns}",
    "the {ns} have to be correct before the monthly review",
    "new paperwork about the {ns} came in this morning",
)
REASONS_READ = (
    "a report on the {ns} is due today",
    "someone asked about the {ns} in a meeting",
    "the numbers on the {ns} looked odd in last week's overview",
    "they are planning next month's work around the {ns}",
)
REASONS_ANY = REASONS_WRITE + REASONS_READ
# the reason in the user's own words, for the rules user's small talk (same order as the reasons)
SAID_WRITE = (
    "Some {ns} changed this week and our records are behind.", "A colleague flagged mistakes in the {ns}.",
    "The {ns} have to be right before the monthly review.", "New paperwork about the {ns} came in this morning.",
)
SAID_READ = (
    "I have a report on the {ns} due today.", "Someone asked about the {ns} in a meeting.",
    "The {ns} numbers looked odd in last week's overview.", "We're planning next month around the {ns}.",
)
SAID_ANY = SAID_WRITE + SAID_READ


@dataclass(frozen=True)
class Scenario:
    text: str  # 'An office assistant who keeps the pets records up to date; a colleague flagged ...'
    said: str  # the reason as the user would say it

    @classmethod
    def draw(cls, rng: random.Random, domain: str, noun_plural: str, writes: bool | None) -> "Scenario":
        """``writes``: the goals change records (True), only read them (False), or are not known yet."""
        roles, reasons, said = {True: (ROLES_WRITE, REASONS_WRITE, SAID_WRITE),
                                False: (ROLES_READ, REASONS_READ, SAID_READ)}.get(
                                    writes, (ROLES_ANY, REASONS_ANY, SAID_ANY))
        role = roles[rng.randrange(len(roles))].format(domain=domain)
        k = rng.randrange(len(reasons))
        text = f"{role[0].upper()}{role[1:]}; {reasons[k].format(ns=noun_plural)}."
        return cls(text=text, said=said[k].format(ns=noun_plural))


def scenario_rng(seed: int, index: int) -> random.Random:
    """The scenario's own stream: every mode and both task writers see the same one."""
    return random.Random(f"{seed}:{index}:scenario")


def domain_words(db_id: str) -> str:
    """'pets_1' -> 'pets', 'cre_Doc_Template_Mgt' -> 'cre doc template mgt': the system as people call it."""
    words = [w for w in db_id.replace("-", "_").split("_") if w and not w.isdigit()]
    return " ".join(words).lower() or db_id


def scenario_for(seed: int, index: int, world_name: str, tasks: list | None = None) -> Scenario:
    """Dialogue ``index``'s scenario. Before tasks exist (for an LLM task writer) and for tasks without
    intents it is a general one; rule tasks get one that fits their first subject and whether they
    change anything."""
    from ..databases.names import plural_phrase

    intents = [s.intent for t in tasks or [] for s in t.subtasks if s.intent]
    if not intents:
        return Scenario.draw(scenario_rng(seed, index), domain_words(world_name), "records", None)
    writes = any(s.writes for t in tasks for s in t.subtasks)
    return Scenario.draw(scenario_rng(seed, index), domain_words(world_name),
                         plural_phrase(intents[0].get("noun", "record")), writes)
