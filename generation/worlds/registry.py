"""The worlds of a generation run, by its ``execution``: one SQL world per database, or
the one simulated world of a toolset. Adding a kind of world means adding one entry to ``KINDS``."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tqdm import tqdm

from common.errors import InputError

from ..databases.sources import resolve_sources
from ..tools.validation import ToolReport
from ..tools.toolsets import load_toolset
from .designed import DesignRequest, design_counts, designed_toolsets
from .protocol import World
from .simulated import SimulatedWorld
from .sql import SqlWorld

if TYPE_CHECKING:
    from ..databases.guards import QueryLimits
    from ..tools.prep.sql_design import SqlDesign
    from ..records import DialogueRecord


@dataclass(frozen=True)
class WorldsRequest:
    """What a run asks of its worlds (the pipeline fills it from the generation config)."""

    execution: str  # a key of KINDS
    databases: str  # a database source: builtin:demo, a Spider-style directory, one SQLite file
    db_ids: list[str] | None
    limits: QueryLimits
    seed: int
    toolset: str | None  # simulated execution: the tools file
    cache_dir: Path
    design: DesignRequest | None = None  # SQL execution: LLM-designed tools beside (or instead of) the rules ones


class WorldSet(Protocol):
    def fingerprints(self) -> dict[str, str]:
        """Per source, the checked fingerprint a resumed run must find unchanged."""

    def check_priors(self, priors: list[DialogueRecord]) -> None: ...

    def prepare(self, priors: list[DialogueRecord | None] | None, total: int) -> None:
        """Build the worlds these dialogues use (the costly part: tools are checked on each database)."""

    def for_dialogue(self, index: int, prior: DialogueRecord | None) -> World: ...

    def tool_counts(self) -> dict[str, Any]: ...


class SqlWorlds:
    def __init__(self, request: WorldsRequest) -> None:
        self.databases = request.databases
        self.sources = resolve_sources(request.databases, request.cache_dir, request.db_ids)
        self.limits = request.limits
        self.seed = request.seed
        self.design = request.design
        self._designed: dict[str, Any] = {}  # design counts, when tools were designed
        self._built: dict[str, SqlWorld] = {}
        self._order: list[SqlWorld] = []

    def fingerprints(self) -> dict[str, str]:
        return {s.db_id: s.checked_fingerprint() for s in self.sources}

    def check_priors(self, priors: list[DialogueRecord]) -> None:
        known = {s.db_id for s in self.sources}
        missing = sorted({p.environment.db_id for p in priors} - known)
        if missing:
            raise InputError(f"records need databases not in {self.databases}: {', '.join(missing)}")

    def prepare(self, priors: list[DialogueRecord | None] | None, total: int) -> None:
        used = {p.environment.db_id for p in priors if p is not None} if priors else set()
        if not used or any(p is None for p in priors or []):
            used |= {s.db_id for s in self.sources[:total]}
        # Open (and so check) every database before any progress output, so bad input fails first.
        opened = [s.open() for s in self.sources if s.db_id in used]
        reports = {db.db_id: SqlWorld.rules_tools(db, self.limits, self.seed)
                   for db in tqdm(opened, desc="worlds", unit="db")}
        designs: dict[str, SqlDesign] = {}
        if self.design is not None:
            beside = {k: r.kept for k, r in reports.items()} if self.design.policy == "both" else {}
            designs, meter = designed_toolsets(self.design, opened, self.limits, beside)
            self._designed = design_counts(designs, meter)
        for db in opened:
            designed = designs[db.db_id].kept if db.db_id in designs else []
            rules = self.design is None or self.design.policy == "both"
            self._built[db.db_id] = SqlWorld.assemble(db, self.limits, reports[db.db_id], designed, rules)
        self._order = [self._built[s.db_id] for s in self.sources if s.db_id in self._built]
        for prior in priors or []:
            self._check_tools(prior)

    def _check_tools(self, prior: DialogueRecord | None) -> None:
        """A continued record's calls are replayed and stay on offer: its tools must be in this run's."""
        if prior is None:
            return
        missing = sorted({t.name for t in prior.environment.tools} - set(self._built[prior.environment.db_id].toolbox.tools))
        if missing:
            raise InputError(f"record {prior.id} uses tools this run does not have ({', '.join(missing[:3])}); "
                             "continue it with the tools.policy (and the designs, in the same output folder) "
                             "that made it")

    def for_dialogue(self, index: int, prior: DialogueRecord | None) -> SqlWorld:
        if prior is not None:
            return self._built[prior.environment.db_id]
        return self._order[index % len(self._order)]

    def tool_counts(self) -> dict[str, Any]:
        """Over the tools the worlds offer: the rules ones (unless only designed tools are), then the
        designed ones, each kept or dropped with its reason."""
        rules = self.design is None or self.design.policy == "both"
        counts = tool_counts([w.report for w in self._built.values()], offered=rules)
        if not self._designed:
            return counts
        reasons = Counter(counts["dropped_reasons"]) + Counter(self._designed["dropped_reasons"])
        return {**counts, "kept": counts["kept"] + self._designed["kept"],
                "dropped": counts["dropped"] + self._designed["dropped"],
                "dropped_reasons": dict(sorted(reasons.items())), "designed": self._designed}


class SimulatedWorlds:
    def __init__(self, request: WorldsRequest) -> None:
        self.world = SimulatedWorld(load_toolset(Path(request.toolset)))

    def fingerprints(self) -> dict[str, str]:
        return {}

    def check_priors(self, priors: list[DialogueRecord]) -> None:
        pass  # a simulated world does not replay earlier calls

    def prepare(self, priors: list[DialogueRecord | None] | None, total: int) -> None:
        pass

    def for_dialogue(self, index: int, prior: DialogueRecord | None) -> SimulatedWorld:
        return self.world

    def tool_counts(self) -> dict[str, Any]:
        return tool_counts([])


KINDS = {"sql": SqlWorlds, "simulated": SimulatedWorlds}


def open_worlds(request: WorldsRequest) -> WorldSet:
    return KINDS[request.execution](request)


def tool_counts(reports: Iterable[ToolReport], offered: bool = True) -> dict[str, Any]:
    """How many tools were kept, dropped (with why) and never built (with why), over all worlds;
    ``offered`` false: the rules tools are not offered, so only what the schema had no tool for counts."""
    reasons: Counter = Counter()
    skipped_reasons: Counter = Counter()
    kept = dropped = skipped = 0
    for report in reports:
        if offered:
            kept += len(report.kept)
            dropped += len(report.dropped)
            reasons.update(report.reasons)
        skipped += len(report.skipped)  # views, generated or blob columns: no tool is built on them
        skipped_reasons.update(report.skipped_reasons)
    return {"kept": kept, "dropped": dropped, "dropped_reasons": dict(sorted(reasons.items())),
            "skipped": skipped, "skipped_reasons": dict(sorted(skipped_reasons.items()))}
