"""What the evaluation sees, as reference sets to compare training data with: τ² task instructions and
the identifiers of τ²'s databases, BFCL multi-turn user turns, and the SQL benchmark's held-out
databases.

Which domains, split, categories and databases count comes from an evaluation config (by default the
paper's, ``configs/evaluation/qwen3_4b_vllm.yaml``) read through the harnesses' own settings models, so
the guard checks against exactly what `python -m evaluation` would run. The data comes from the
installed benchmark packages through their own loaders (τ²'s ``get_tasks`` and database models) or,
for BFCL, as files (``bfcl_eval.utils`` creates folders on import). Loaded once per process.
"""

from __future__ import annotations

import importlib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from common.config_files import read_yaml_mapping
from common.errors import InputError

from .text import identifiers

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_EVAL_CONFIG = ROOT / "configs" / "evaluation" / "qwen3_4b_vllm.yaml"
TAU2_FIELDS = ("reason_for_call", "known_info", "unknown_info", "task_instructions")


@dataclass(frozen=True)
class Reference:
    ref_id: str  # "tau2/airline/3:reason_for_call", "bfcl/multi_turn_base_0:turn1"
    eval_set: str  # "tau2" or "bfcl"
    text: str


@dataclass(frozen=True)
class Entity:
    value: str  # as τ² writes it, less a leading '#'
    domain: str
    kind: str  # user_id, reservation_id, order_id, customer_id, phone_number
    in_tasks: bool  # named by a τ² task's instructions: a sure sign, not just a row of the database


@dataclass
class EvalSets:
    texts: list[Reference]
    entities: dict[str, Entity]
    heldout_db_ids: frozenset[str]
    tau2_domains: tuple[str, ...]
    summary: dict[str, Any] = field(default_factory=dict)  # what was loaded, for the report


# -- the evaluation config -------------------------------------------------------------------------
def _sections(path: Path) -> dict[str, dict[str, Any]]:
    """benchmark -> its config section ({} for `bfcl:` with nothing after it); absent: not evaluated."""
    benchmarks = read_yaml_mapping(path).get("benchmarks") or {}
    if not isinstance(benchmarks, dict):
        raise InputError(f"evaluation config {path}: benchmarks must be a mapping")
    return {name: section or {} for name, section in benchmarks.items()}


def _heldout_db_ids(section: dict[str, Any], path: Path) -> list[str]:
    """The sqlbench databases, as evaluation/sqlbench.py picks them: `db_ids`, else every one found."""
    from pydantic import ValidationError

    from generation.databases.demo import DEMO_DOMAINS
    from generation.databases.sources import BUILTIN, resolve_sources

    from ..sqlbench import SqlBenchSettings

    try:
        settings = SqlBenchSettings.model_validate(section)
    except ValidationError as exc:
        raise InputError(f"evaluation config {path}: benchmarks.sqlbench: {exc.errors()[0]['msg']}") from None
    if settings.db_ids:
        return list(settings.db_ids)
    if settings.databases == BUILTIN:  # listed by name: resolving would build the demo files
        return list(DEMO_DOMAINS)
    _, sep, names = settings.databases.partition(":")
    if sep and not Path(settings.databases).exists():  # "tau2:airline,retail": converted on use, named here
        return [n.strip() for n in names.split(",") if n.strip()]
    return [s.db_id for s in resolve_sources(settings.databases, Path(os.devnull))]


# -- τ² --------------------------------------------------------------------------------------------
def _tau2_ids(domain: str) -> dict[str, str]:
    """id -> kind, from τ²'s own database of the domain. All-digit ids (a few airline reservations)
    are left out: a six-digit number turns up in unrelated data, so it would flag clean records."""
    from generation.databases.tau2 import TAU2_DOMAINS, load_tau2_db

    if domain not in TAU2_DOMAINS:
        return {}
    db = load_tau2_db(domain)
    if domain == "airline":
        ids = {**{u: "user_id" for u in db.users}, **{r: "reservation_id" for r in db.reservations}}
    elif domain == "retail":
        ids = {**{u: "user_id" for u in db.users}, **{o.lstrip("#"): "order_id" for o in db.orders}}
    else:
        ids = {**{c.customer_id: "customer_id" for c in db.customers},
               **{c.phone_number: "phone_number" for c in db.customers},
               **{line.phone_number: "phone_number" for line in db.lines}}
    return {value: kind for value, kind in ids.items() if not value.isdigit()}


def _tau2_texts(domain: str, split: str | None) -> list[Reference]:
    module = importlib.import_module(f"tau2.domains.{domain}.environment")
    try:
        tasks = module.get_tasks(split)
    except ValueError as exc:  # τ²: "Invalid task split name: ..."
        raise InputError(f"tau2 {domain}: {exc}") from None
    texts = []
    for task in tasks:
        instructions = task.user_scenario.instructions
        if isinstance(instructions, str):  # older τ² tasks: one free-text instruction
            texts.append(Reference(f"tau2/{domain}/{task.id}:instructions", "tau2", instructions))
            continue
        texts += [Reference(f"tau2/{domain}/{task.id}:{name}", "tau2", getattr(instructions, name))
                  for name in TAU2_FIELDS if getattr(instructions, name, None)]
    return texts


def _tau2(section: dict[str, Any]) -> tuple[list[str], str | None, list[Reference], dict[str, Entity]]:
    from ..tau2 import Tau2Settings

    # built without validation: validating loads τ²'s registry (litellm, seconds) to check task ids
    settings = Tau2Settings.model_construct(**section)
    texts: list[Reference] = []
    entities: dict[str, Entity] = {}
    for domain in settings.domains:
        found = _tau2_texts(domain, settings.task_split)
        named = set().union(*(identifiers(r.text) for r in found))
        entities |= {value: Entity(value, domain, kind, value in named)
                     for value, kind in _tau2_ids(domain).items()}
        texts += found
    return list(settings.domains), settings.task_split, texts, entities


# -- BFCL ------------------------------------------------------------------------------------------
def _bfcl(section: dict[str, Any]) -> tuple[list[str], list[Reference]]:
    from ..bfcl import BfclSettings

    categories = BfclSettings.model_validate(section).categories
    texts = []
    for category in categories:
        path = resources.files("bfcl_eval").joinpath("data", f"BFCL_v4_{category}.json")
        for line in path.read_text().splitlines():
            entry = json.loads(line) if line.strip() else None
            for turn, messages in enumerate(entry["question"] if entry else []):
                texts += [Reference(f"bfcl/{entry['id']}:turn{turn}", "bfcl", m["content"])
                          for m in messages if m.get("role") == "user" and m.get("content")]
    return categories, texts


# -- all of it ---------------------------------------------------------------------------------------
def _needs(package: str, benchmark: str) -> None:
    if find_spec(package) is None:
        raise InputError(f"{package} is not installed (needed for the {benchmark} references): "
                         "pip install '.[eval]'")


@lru_cache(maxsize=4)
def load_eval_sets(eval_config: Path = DEFAULT_EVAL_CONFIG) -> EvalSets:
    """The reference sets of the benchmarks an evaluation config selects (cached per process)."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # τ² imports litellm
    sections = _sections(eval_config)
    summary: dict[str, Any] = {"eval_config": str(eval_config)}
    texts: list[Reference] = []
    entities: dict[str, Entity] = {}
    domains: list[str] = []
    if "tau2" in sections:
        _needs("tau2", "tau2")
        from loguru import logger

        logger.disable("tau2")  # τ² logs at INFO on import
        domains, split, found, entities = _tau2(sections["tau2"])
        texts += found
        summary["tau2"] = {"domains": domains, "task_split": split, "instruction_texts": len(found),
                           "identifiers": len(entities), "identifiers_in_tasks": sum(e.in_tasks for e in entities.values())}
    if "bfcl" in sections:
        _needs("bfcl_eval", "bfcl")
        categories, found = _bfcl(sections["bfcl"])
        texts += found
        summary["bfcl"] = {"categories": categories, "user_turns": len(found)}
    heldout = _heldout_db_ids(sections["sqlbench"], eval_config) if "sqlbench" in sections else []
    if "sqlbench" in sections:
        summary["sqlbench"] = {"heldout_db_ids": heldout}
    return EvalSets(texts, entities, frozenset(heldout), tuple(domains), summary)
