"""How user turns relate to what the user was given and what came back: reactivity (a later turn
picks up a value first seen in a tool result) and task-text leakage (a verbatim 8-word run)."""

from __future__ import annotations

from typing import Any

from .dialogue import Dialogue, reactive_candidates
from .numbers import share
from .text import bare_words, mentions, ngrams, scalar_leaves

LEAK_RUN = 8  # words in a verbatim run shared with the task text


def reactive_turns(d: Dialogue) -> list[bool]:
    """Per user turn after the first: does it mention a value first seen in an earlier tool output
    of the dialogue (not in the task text, not in an earlier user message)?"""
    known = " \n ".join(d.task_texts).lower()
    flags = []
    for i in range(1, len(d.user_turns)):
        earlier = known + " \n " + " \n ".join(d.user_turns[:i]).lower()
        said = d.user_turns[i].lower()
        values = {v.lower() for o in d.outputs_before(i) for v in reactive_candidates(list(scalar_leaves(o.data)))}
        flags.append(any(mentions(said, v) and not mentions(earlier, v) for v in values if v in said))
    return flags


def leaked_turns(d: Dialogue) -> list[bool]:
    """Per user turn: does it share a run of eight words (case-insensitive, punctuation stripped)
    with one piece of the task text?"""
    runs = {g for text in d.task_texts for g in ngrams(bare_words(text), LEAK_RUN)}
    return [any(g in runs for g in ngrams(bare_words(t), LEAK_RUN)) for t in d.user_turns]


def grounding_figures(dialogues: list[Dialogue]) -> dict[str, Any]:
    reactive = [f for d in dialogues for f in reactive_turns(d)]
    leaked = [f for d in dialogues for f in leaked_turns(d)]
    return {
        "reactivity": share(sum(reactive), len(reactive)),
        "followups_per_dialogue": share(sum(reactive), len(dialogues)),
        "leakage": share(sum(leaked), len(leaked)),
    }
