"""One trial of one task on one benchmark, and the append-only log that makes evaluation resumable.

Every harness (BFCL, tau2, the SQL benchmark) reports `TrialOutcome`s; Pass^k and the tables are
computed from these alone, so the three benchmarks share one metric implementation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

import orjson


@dataclass(frozen=True)
class TrialOutcome:
    benchmark: str  # "bfcl" | "tau2" | "sqlbench"
    category: str  # BFCL category, tau2 domain, or SQL database
    task_id: str
    trial: int  # 0-based; trials of one task are independent samples
    success: bool
    reward: float | None = None
    error: str | None = None  # why the trial could not run to the end (a wrong answer is not an error)
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> tuple[str, str, str, int]:
        return (self.benchmark, self.category, self.task_id, self.trial)


class OutcomeLog:
    """JSON lines, one outcome per line, flushed as each trial ends; a rerun skips what is logged."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._outcomes: dict[tuple[str, str, str, int], TrialOutcome] = {}
        if path.exists():
            for line in path.read_bytes().splitlines():
                try:
                    outcome = TrialOutcome(**orjson.loads(line))
                except (orjson.JSONDecodeError, TypeError):
                    continue  # a line cut short by a kill: that trial simply runs again
                self._outcomes[outcome.key] = outcome
        self._file = path.open("ab")
        if path.stat().st_size and not path.read_bytes().endswith(b"\n"):
            self._file.write(b"\n")  # end a line cut short by a kill, or the next record joins it

    def done(self, benchmark: str, category: str, task_id: str, trial: int) -> bool:
        return (benchmark, category, task_id, trial) in self._outcomes

    def pending(self, benchmark: str, category: str, task_id: str, trial: int) -> bool:
        """Not run yet, or cut short by the endpoint (`error`): a rerun tries it again."""
        found = self._outcomes.get((benchmark, category, task_id, trial))
        return found is None or found.error is not None

    def append(self, outcome: TrialOutcome) -> None:
        self._outcomes[outcome.key] = outcome
        self._file.write(orjson.dumps(asdict(outcome)) + b"\n")
        self._file.flush()

    def outcomes(self, benchmark: str | None = None) -> list[TrialOutcome]:
        return [o for o in self._outcomes.values() if benchmark is None or o.benchmark == benchmark]

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> "OutcomeLog":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def group_trials(outcomes: Iterable[TrialOutcome]) -> dict[tuple[str, str, str], list[TrialOutcome]]:
    groups: dict[tuple[str, str, str], list[TrialOutcome]] = {}
    for o in outcomes:
        groups.setdefault((o.benchmark, o.category, o.task_id), []).append(o)
    return groups
