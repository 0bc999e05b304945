"""The rule-based user simulator: holds the latent goal and reveals it one or two pieces a turn.

It reads the tool outcomes (as the paper's user simulator does) to decide whether what it asked
for was done, asks again for what is missing, sometimes asks to double-check a write, and says
``is_task_complete`` only when every subtask is done.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from ..values import fmt
from . import phrasing as P
from .state import DialogueState, SubtaskRef

MAX_REMINDERS = 2


@dataclass
class RulesUser:
    max_subtasks_per_turn: int = 2
    combine_probability: float = 0.25
    confirm_write_probability: float = 0.3
    name: str = "rules"

    async def next_turn(self, state: DialogueState, rng: random.Random):
        from .policies import UserTurn

        state.verify = []
        if state.user_turns == 0 and state.mode == "task_oriented":
            batch = state.pending()
            text = P.pick(rng, P.TASK_ORIENTED) + " ".join(
                f"({i}) {P.capitalize(state.subtask(r).request)}" for i, r in enumerate(batch, 1)
            )
            return self._ask(state, batch, text)
        if state.user_turns == 0:
            batch = self._batch(state, rng)
            opener = P.pick(rng, P.OPENERS)
            return self._ask(state, batch, opener + self._phrase(state, batch, rng, opener.endswith(", ")))
        if state.awaiting_approval:
            state.awaiting_approval = False
            return UserTurn(P.pick(rng, P.APPROVE), False)  # same request, now approved
        self._update_done(state)
        missing = [r for r in state.requested if r not in state.done]
        retry = [r for r in missing if state.reminders.get(r, 0) < MAX_REMINDERS]
        if retry:
            for r in retry:
                state.reminders[r] = state.reminders.get(r, 0) + 1
            return self._ask(state, retry, P.pick(rng, P.MISSING) + self._phrase(state, retry, rng))
        if missing:
            state.requested = []
            return UserTurn("I'll leave it there for now, thanks anyway.", False)
        writes = [r for r in state.requested if state.subtask(r).writes]
        if writes and state.mode == "user_oriented" and rng.random() < self.confirm_write_probability:
            state.requested = []
            state.verify = [c for r in writes for c in state.gold_calls(r)]
            return UserTurn(P.pick(rng, P.ACKS) + P.pick(rng, P.CONFIRM), False)
        if state.pending():
            batch = self._batch(state, rng)
            new_goal = batch[0][1] == 0 and batch[0][0] > state.first_task
            lead = P.pick(rng, P.NEW_GOAL) if new_goal else P.pick(rng, P.NEXT)
            return self._ask(state, batch, P.pick(rng, P.ACKS) + lead + self._phrase(state, batch, rng, lead != ""))
        state.requested = []
        return UserTurn(P.pick(rng, P.CLOSINGS), True)

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

    def _phrase(self, state, batch, rng, lower_first: bool = False) -> str:
        parts = [state.subtask(r).request for r in batch]
        text = parts[0] if lower_first else P.capitalize(parts[0])
        for part in parts[1:]:
            text = text.rstrip(".?") + P.pick(rng, P.JOIN) + part
        return text

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
            replies = " ".join(
                (m.content or "").lower()
                for m in state.messages[state.asked_at.get(ref, 0):]
                if m.role == "assistant"
            )
            if all(state.made(c) for c in state.gold_calls(ref)) and all(
                fmt(a).lower() in replies for a in state.subtask(ref).answers
            ):
                state.done.add(ref)
