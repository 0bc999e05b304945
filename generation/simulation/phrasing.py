"""Seeded variation in how the simulated user speaks. Never mentions datasets, tasks or assistants."""

from __future__ import annotations

import random

OPENERS = ("Hi! ", "Hello, ", "Hey there. ", "Good morning. ", "", "Hi, quick question: ")
ACKS = ("Thanks. ", "Great, thank you. ", "Perfect. ", "Got it, thanks. ", "Okay, that helps. ", "Nice. ")
NEXT = ("Next, ", "Now ", "Also, ", "", "One more thing: ", "And ")
NEW_GOAL = ("Also, something else: ", "Separately, ", "On another matter, ", "One more thing: ")
JOIN = (", and also ", ". Also, ", ", and then ")
MISSING = (
    "I don't think that covered everything. ",
    "Hmm, something is still missing. ",
    "Sorry, I still need this: ",
)
CONFIRM = (
    "Could you double-check that the change was saved?",
    "Can you confirm that went through?",
    "Please verify that the record is updated.",
)
APPROVE = ("Yes, please go ahead.", "Yes, that's right. Go ahead.", "Confirmed, please do it.", "Yes, proceed.")
CLOSINGS = (
    "That's everything I needed, thank you!",
    "Great, that's all for now. Thanks!",
    "Perfect, thanks for your help.",
    "That covers it. Thank you!",
)
TASK_ORIENTED = ("Hi! I need the following done: ", "Hello, please take care of all of this: ")


def capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]


def pick(rng: random.Random, options: tuple[str, ...]) -> str:
    return options[rng.randrange(len(options))]
