"""What an episode starts from (``Prior``) and what it ends as (``DialogueOutcome``, ``TrialResult``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..records import DialogueRecord, Message

# A trial (evaluation) succeeds when the final state is the gold one and every value the user asked
# for was communicated: the rest of the checks judge the data, not the agent.
SUCCESS_CHECKS = ("db_state", "answers_communicated")
NO_FEASIBLE_TASK = "no_feasible_task"  # the termination of a dialogue that got no task whose plan runs


@dataclass
class Prior:
    """Where a dialogue starts: an earlier record (state restored by replay) or a plain chat."""

    id: str
    messages: list[Message]
    record: DialogueRecord | None = None


def record_of(prior: Prior | None) -> DialogueRecord | None:
    """The earlier record a dialogue continues (None: a fresh dialogue, or a plain chat)."""
    return prior.record if prior is not None else None


@dataclass
class DialogueOutcome:
    records: list[DialogueRecord] = field(default_factory=list)
    events: Counter = field(default_factory=Counter)
    usage: dict[str, Any] = field(default_factory=dict)
    outages: list[tuple[str, str]] = field(default_factory=list)  # (role, why) of LLM calls that gave up

    @property
    def retry(self) -> bool:
        """An endpoint failed, or a query ran past the wall-clock safety net (the machine's load,
        not the data): the records stand as rejections, and a rerun tries again."""
        return bool(self.outages) or self.events.get("queries_timed_out", 0) > 0


@dataclass(frozen=True)
class TrialResult:
    """One evaluation trial: did the agent under test succeed, and how the dialogue went."""

    success: bool
    checks: dict[str, bool]
    termination: str
    record: DialogueRecord

    @classmethod
    def of(cls, record: DialogueRecord) -> "TrialResult":
        checks = {c.name: c.passed for c in record.validation.checks}
        success = all(checks.get(name, False) for name in SUCCESS_CHECKS)
        return cls(success, checks, record.simulation.termination, record)

    @property
    def feasible(self) -> bool:
        return self.termination != NO_FEASIBLE_TASK

    @property
    def endpoint_failed(self) -> bool:
        """The endpoint gave up (an error to retry), as opposed to an empty or bad reply (the model's)."""
        return self.termination.startswith("llm_unavailable")
