"""LLM-designed SQL tools for the run's databases, once per database and model.

Each database's design is kept in ``<work>/toolsets/<db>.<source sha256>.<design key>.json`` (the
kept tools in full, the questions and the report): a rerun or a resumed run rebuilds its tools from
that file and asks nothing. The key covers the designer's model and sampling, the design settings
and the prompts, so changing any of them designs again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from tqdm import tqdm

from common.errors import InputError

from ..databases.database import SqlDatabase
from ..databases.guards import QueryLimits
from ..llm.accounting import Accounting
from ..llm.endpoints import EndpointsConfig
from ..llm.pool import LLMPool
from ..llm.prompts import PROMPTS
from ..tools.prep.replies import ROLE
from ..tools.prep.sql_design import DesignSettings, SqlDesign, design_sql_tools, dumps_design, loads_design
from ..tools.spec import SqlTool

_PROMPTS = ("toolprep_sql_rules", "toolprep_sql_questions", "toolprep_sql_request_tools", "toolprep_sql_expand")


@dataclass(frozen=True)
class DesignRequest:
    """What a run asks of tool design (the generation config's ``tools`` section, resolved)."""

    policy: str  # "llm" (designed tools only) or "both" (the rules tools, then designed ones)
    settings: DesignSettings
    endpoints: EndpointsConfig
    work: Path  # the run's work folder: designs under toolsets/, the LLM cache beside them
    cache: bool  # use the run's LLM response cache


def design_key(request: DesignRequest, limits: QueryLimits, existing: list[SqlTool]) -> str:
    """What a design depends on besides the database: the designer's model and sampling, the settings,
    the prompts, the policy and the tools it must agree with (``existing``), and the limits its tools
    were validated under (not the wall-clock safety net, which a resume may change)."""
    prompts = "".join((PROMPTS / f"{name}.md").read_text() for name in _PROMPTS)
    data = {"model": request.endpoints.for_role(ROLE).data_fields(), "settings": asdict(request.settings),
            "prompts": hashlib.sha256(prompts.encode()).hexdigest(), "policy": request.policy,
            "limits": {k: v for k, v in asdict(limits).items() if k != "timeout_ms"},
            "existing": [[t.name, t.parameters, t.returns] for t in existing]}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]


def design_path(request: DesignRequest, db: SqlDatabase, limits: QueryLimits, existing: list[SqlTool]) -> Path:
    key = design_key(request, limits, existing)
    return request.work / "toolsets" / f"{db.db_id}.{db.fingerprint[:16]}.{key}.json"


def designed_toolsets(request: DesignRequest, dbs: list[SqlDatabase], limits: QueryLimits,
                      rules: dict[str, list[SqlTool]]) -> tuple[dict[str, SqlDesign], Accounting]:
    """Each database's design, from its file when there is one, else asked for (and then saved).
    ``rules``: per database, the rules tools offered beside the designed ones (none under ``llm``)."""
    paths = {db.db_id: design_path(request, db, limits, rules.get(db.db_id, [])) for db in dbs}
    designs = {db_id: loads_design(path.read_text()) for db_id, path in paths.items() if path.is_file()}
    missing = [db for db in dbs if db.db_id not in designs]
    meter = Accounting()
    if missing:
        designs.update(asyncio.run(_design_all(request, missing, limits, rules, meter, paths)))
    return designs, meter


async def _design_all(request: DesignRequest, dbs: list[SqlDatabase], limits: QueryLimits,
                      rules: dict[str, list[SqlTool]], meter: Accounting,
                      paths: dict[str, Path]) -> dict[str, SqlDesign]:
    pool = LLMPool(request.endpoints, request.work / "llm_cache.sqlite" if request.cache else None)
    client = pool.client(ROLE)
    bar = tqdm(total=len(dbs), desc="tool design", unit="db")
    limit = asyncio.Semaphore(max(1, request.endpoints.for_role(ROLE).max_concurrency // 8))

    async def one(db: SqlDatabase) -> tuple[str, SqlDesign]:
        async with limit:
            design = await design_sql_tools(db, client, meter, request.settings, limits, rules.get(db.db_id, []))
        if not _unanswered(design):
            _save(paths[db.db_id], design)
        bar.update(1)
        return db.db_id, design

    try:
        designs = dict(await asyncio.gather(*(one(db) for db in dbs)))
    finally:
        bar.close()
        await pool.close()
    down = {db: stages for db, d in designs.items() if (stages := _unanswered(d))}
    if down:
        db, stages = next(iter(sorted(down.items())))
        raise InputError(f"tool design: the {ROLE} endpoint did not answer for {len(down)} database(s), e.g. "
                         f"{db} ({', '.join(stages)}); finished designs are kept, rerun to resume")
    return designs


def _unanswered(design: SqlDesign) -> list[str]:
    """Stages the designer never answered: such a design is asked again next run, never saved."""
    return sorted(stage for stage in design.failures if stage.endswith(":unavailable"))


def _save(path: Path, design: SqlDesign) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(dumps_design(design))
    tmp.replace(path)


def design_counts(designs: dict[str, SqlDesign], meter: Accounting) -> dict[str, Any]:
    """Kept and dropped designed tools over all databases, drops with their reasons, and what asking cost."""
    reasons: Counter = Counter()
    for design in designs.values():
        reasons.update(reason.split(":")[0] for reason in design.dropped.values())
    return {
        "databases": len(designs),
        "questions": sum(len(d.questions) for d in designs.values()),
        "kept": sum(len(d.kept) for d in designs.values()),
        "dropped": sum(len(d.dropped) for d in designs.values()),
        "dropped_reasons": dict(sorted(reasons.items())),
        "dropped_tools": {db: d.dropped for db, d in sorted(designs.items()) if d.dropped},
        "requests": (total := meter.summary()["total"])["calls"],
        "prompt_tokens": total["prompt_tokens"], "completion_tokens": total["completion_tokens"],
    }
