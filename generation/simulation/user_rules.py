"""The rule-based user simulator: holds the latent goal and reveals it one or two pieces a turn.

Each turn is worded afresh from the subtasks' intents in the dialogue's persona (voice.py). The user
reads what came back: it reacts to a value it just heard, answers the agent's questions, approves or
double-checks a change, asks again for what is missing, and says ``is_task_complete`` only when every
subtask is done.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..values import fmt, mentions
from . import voice as V
from .hearing import given_arguments, heard, heard_about, outcome, side_question, written
from .state import DialogueState, SubtaskRef

MAX_REMINDERS = 2


@dataclass
class RulesUser:
    max_subtasks_per_turn: int = 2
    combine_probability: float = 0.15
    confirm_write_probability: float = 0.5
    personas: dict[str, float] | None = None  # persona -> weight (voice.PERSONAS); None: all equal
    name: str = "rules"

    async def next_turn(self, state: DialogueState, rng: random.Random):
        from .policies import UserTurn

        # a missing row after the user's own delete and re-check is what it asked for: no surprise
        found = outcome(state)
        state.outcome = None if found and found[0] == "not_found" and state.verify else found
        state.verify = []
        if state.persona is None:
            state.persona = V.choose_persona(rng, self.personas)
        p = state.persona
        if state.small_talk or state.user_turns == 0:
            return self._opening(state, rng)
        if state.asked_for:
            return UserTurn(self._reaction(state, rng) + self._answer(state, rng), False)
        slipped = [r for r in state.requested if r in state.slips]
        if slipped and (state.awaiting_approval or _asks_to_confirm(state)):
            return UserTurn(self._correction(state, slipped[0], rng), False)
        if state.awaiting_approval or _asks_to_confirm(state):
            state.awaiting_approval = False  # same request, now approved
            return UserTurn(self._reaction(state, rng) + V.approval(rng, self._intent(state), p), False)
        self._update_done(state)
        missing = [r for r in state.requested if r not in state.done]
        retry = [r for r in missing if state.reminders.get(r, 0) < MAX_REMINDERS]
        if retry:
            for r in retry:
                state.reminders[r] = state.reminders.get(r, 0) + 1
            slipped = [r for r in retry if state.slips.pop(r, None) is not None]
            head = (self._reaction(state, rng) if state.outcome else "") + V.pick(
                rng, V.SLIP_RETRY if slipped else V.MISSING)
            return self._ask(state, retry, head + " " + self._phrase(state, retry, rng, hold=False))
        if missing:
            state.requested = []
            return UserTurn(V.pick(rng, V.GIVE_UP), False)
        writes = [r for r in state.requested if state.subtask(r).writes]
        if writes and state.mode == "user_oriented" and rng.random() < self.confirm_write_probability:
            state.requested = []
            state.verify = [c for r in writes for c in state.gold_calls(r)]
            return UserTurn(self._reaction(state, rng) + V.check(rng, state.subtask(writes[0]).intent), False)
        side = side_question(state, rng) if V.wants(p, "curious", rng) else None
        if side is not None:
            row, key, name = side
            words = key.replace("_", " ")
            ask = V.vary(V.pick(rng, V.SIDE_OF if name else V.SIDE), rng).format(f=words, x=name)
            text = self._reaction(state, rng) + ask
            state.side_question, state.requested, state.asked_side = (row, key), [], True
            return UserTurn(text, False)
        if state.pending():
            batch = self._batch(state, rng)
            lead = V.pick(rng, V.NEXT) if rng.random() < 0.4 else ""
            return self._ask(state, batch, self._reaction(state, rng) + self._phrase(state, batch, rng, lead=lead))
        state.requested = []
        return UserTurn(self._reaction(state, rng) + V.closing(rng, self._noun(state)), True)

    def _opening(self, state: DialogueState, rng: random.Random):
        """The first request (all of it in task_oriented), or a greeting alone before it."""
        from .policies import UserTurn

        p = state.persona
        if state.mode == "task_oriented":
            batch = state.pending()
            text = V.pick(rng, V.GREETINGS[p]) + "I need a few things: " + " ".join(
                f"({i}) {self._words(state, r, rng, hold=False)}" for i, r in enumerate(batch, 1))
            return self._ask(state, batch, text)
        if state.user_turns == 0 and V.wants(p, "small_talk", rng):
            state.small_talk = True  # a greeting alone: the request comes once the agent answers
            return UserTurn(V.styled(V.pick(rng, V.GREET_ONLY).format(**V.nouns(self._noun(state))), p, rng, False),
                            False)
        opener = V.pick(rng, V.GREETINGS[p]) if not state.small_talk and V.wants(p, "greet", rng) else ""
        state.small_talk = False
        batch = state.pending()[:1]  # one thing to start with
        return self._ask(state, batch, opener + self._phrase(state, batch, rng))

    @staticmethod
    def _intent(state: DialogueState) -> dict | None:
        return next((state.subtask(r).intent for r in state.requested if state.subtask(r).writes), None)

    @staticmethod
    def _noun(state: DialogueState) -> str:
        intents = [s.intent for t in state.tasks for s in t.subtasks if s.intent]
        return intents[0].get("noun", "record") if intents else "record"

    def _batch(self, state: DialogueState, rng: random.Random) -> list[SubtaskRef]:
        pending = state.pending()
        batch = pending[:1]
        if (
            self.max_subtasks_per_turn > 1
            and len(pending) > 1
            and pending[1][0] == pending[0][0]  # only within one goal, where it reads naturally
            and rng.random() < self.combine_probability
        ):
            batch = pending[:2]
        return batch

    def _words(self, state: DialogueState, ref: SubtaskRef, rng: random.Random, hold: bool | None = None) -> str:
        subtask = state.subtask(ref)
        if subtask.intent is None:  # a task written by an LLM: its request is all there is
            return subtask.request
        if hold is None:
            hold = state.mode == "user_oriented" and V.wants(state.persona, "hold", rng)
        said = subtask.intent
        if (state.mode == "user_oriented" and ref not in state.revealed and said.get("slip") is not None
                and V.wants(state.persona, "waver", rng) and self._slip(state, ref)):
            said = said | {"value": said["slip"]}
        return V.request(said, state.persona, rng, hold, heard_about(state, said))

    @staticmethod
    def _slip(state: DialogueState, ref: SubtaskRef) -> bool:
        """Say the intent's slip instead of its value: noted for the correction, and as the argument the
        user gave for an agent that reads it back."""
        intent, (t, _) = state.subtask(ref).intent, ref
        for j in state.subtask(ref).calls:
            call = state.tasks[t].gold_plan[j]
            for name, value in call.arguments.items():
                if name not in call.bindings and value == intent["value"]:
                    state.stated[(t, j)] = {name: intent["slip"]}
                    state.slips[ref] = intent["slip"]
                    return True
        return False

    @staticmethod
    def _correction(state: DialogueState, ref: SubtaskRef, rng: random.Random) -> str:
        """The agent read back the wrong value the user gave: the user corrects it, and the agent has to
        ask again before it writes."""
        intent, (t, _) = state.subtask(ref).intent, ref
        slip = state.slips.pop(ref)
        for j in state.subtask(ref).calls:
            state.stated.pop((t, j), None)
        for r in state.requested:  # nothing the agent proposed with it is approved yet
            state.confirmations.difference_update((r[0], j) for j in state.subtask(r).calls)
        state.awaiting_approval, state.corrected = False, True
        return V.pick(rng, V.CORRECTIONS).format(a=fmt(slip), b=fmt(intent["value"]), f=intent.get("field", "value"))

    def _phrase(self, state: DialogueState, batch: list[SubtaskRef], rng: random.Random,
                hold: bool | None = None, lead: str = "") -> str:
        text = lead + self._words(state, batch[0], rng, hold)
        for ref in batch[1:]:
            text = text.rstrip(".?") + V.pick(rng, V.JOINS) + self._words(state, ref, rng, hold)
        # no remark in the opening message: people start with what they came for
        noun = (state.subtask(batch[0]).intent or {}).get("noun", "record") if state.user_turns else None
        reason = state.scenario.said if state.scenario and not state.told_reason else None
        text = V.styled(text, state.persona, rng, V.wants(state.persona, "polite", rng), noun, reason)
        state.told_reason = state.told_reason or bool(reason and reason in text)
        return text

    def _reaction(self, state: DialogueState, rng: random.Random) -> str:
        """A word on a value the agent just reported (read from the tool output, never made up); an
        answer to the user's own side question is almost always taken up."""
        asked_it, state.asked_side = state.asked_side, False
        if state.outcome is not None:  # an empty, missing, tied or zero result is remarked on first
            kind, value = state.outcome
            state.outcome = None
            return V.pick(rng, V.OUTCOMES[kind]).format(v=value) + " "
        if not (asked_it and rng.random() < 0.9) and not V.wants(state.persona, "react", rng):
            return ""
        values = heard(state)
        if not values:
            return ""
        value = rng.choice(values)
        made = value in written(state)  # a new id or a value just set: nothing to have expected
        return V.pick(rng, V.NOTED if made else V.REACTIONS).format(v=value) + " "

    def _answer(self, state: DialogueState, rng: random.Random) -> str:
        """The details the agent asked for, from the calls the user's request needs."""
        values = {name: args[name] for r in state.requested for args in given_arguments(state, r)
                  for name in state.asked_for if name in args}
        state.asked_for = []
        pairs = [(k.replace("_", " "), fmt(v)) for k, v in values.items()]
        if len(pairs) == 1:  # a value for a change is said as one: 'make it 12'
            writes = any(name in call.arguments for r in state.requested if state.subtask(r).writes
                         for call in state.gold_calls(r) for name in values)
            return V.pick(rng, V.ANSWERS_WRITE if writes else V.ANSWERS).format(f=pairs[0][0], v=pairs[0][1])
        listed = list(pairs)
        rng.shuffle(pairs)  # in the order they come to mind, not the form's
        if pairs == listed:
            pairs = pairs[1:] + pairs[:1]
        return ", ".join(V.pair(k, v, rng) for k, v in pairs) + "."

    def _ask(self, state: DialogueState, batch: list[SubtaskRef], text: str):
        from .policies import UserTurn

        for r in batch:
            if r not in state.revealed:
                state.revealed.append(r)
            state.asked_at[r] = len(state.messages)
        state.requested = list(batch)
        return UserTurn(text, False)

    def _update_done(self, state: DialogueState) -> None:
        for ref in state.requested:
            replies = [m.content or "" for m in state.messages[state.asked_at.get(ref, 0):] if m.role == "assistant"]
            if all(state.made(c) for c in state.gold_calls(ref)) and all(
                any(mentions(r, a) for r in replies) for a in state.subtask(ref).answers
            ):
                state.done.add(ref)


CONFIRM_WORDS = ("go ahead", "confirm", "proceed", "shall i", "should i", "do you want me to")


def _asks_to_confirm(state: DialogueState) -> bool:
    """The agent's last message asks the user to approve a change (any agent, not only the oracle)."""
    last = state.messages[-1] if state.messages else None
    text = (last.content or "").lower() if last is not None and last.role == "assistant" else ""
    return bool(state.requested) and text.rstrip().endswith("?") and any(w in text for w in CONFIRM_WORDS) and any(
        state.subtask(r).writes for r in state.requested)
