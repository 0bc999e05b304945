"""Overlap between one dialogue record and the evaluation sets, and the rules that flag it.

Text: word n-grams of the record's messages against each reference set, after `text.normalize`.
A record is flagged when it shares one whole `ngram`-gram (13 by default, the unit of the GPT-3 and
Llama contamination reports) with a reference, or when a run of shared `short_ngram`-grams covers most
of a reference that is too short to hold a 13-gram (BFCL turns are often 8-12 words). Also measured:
the longest shared word run, and the share of the record's n-grams found in the references.

Identifiers: an identifier-shaped token of any message (tool outputs and call arguments included)
that is a τ² user, reservation, order or customer id or phone number. A record generated on that τ²
domain's own database (`environment.db_id` = the domain) is the paper's allowed in-domain use: its ids
are kept as visible, allowed findings; the same id elsewhere flags the record.

Databases: a record whose `environment.db_id` is a held-out SQL benchmark database is flagged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .references import EvalSets, Reference
from .text import identifiers, ngrams, words

REASONS = {"tau2": "tau2_instruction", "bfcl": "bfcl_question"}  # an n-gram match, by reference set


@dataclass(frozen=True)
class ContaminationConfig:
    ngram: int = 13  # a shared n-gram of this many words flags a record
    short_ngram: int = 8  # the n of the runs matched against references shorter than `ngram` words
    short_cover: float = 0.8  # a short-n run covering this share of a reference flags the record
    roles: tuple[str, ...] = ("system", "user", "assistant")  # whose text is matched (tool output: ids only)
    max_examples: int = 3  # per evaluation set and reason in the report

    def __post_init__(self) -> None:
        if not 1 <= self.short_ngram <= self.ngram:
            raise ValueError(f"need 1 <= short_ngram ({self.short_ngram}) <= ngram ({self.ngram})")
        if not 0 < self.short_cover <= 1:
            raise ValueError(f"short_cover must be in (0, 1], got {self.short_cover}")


@dataclass(frozen=True)
class Finding:
    eval_set: str  # tau2, bfcl, sqlbench
    reason: str  # tau2_instruction, bfcl_question, tau2_identifier, heldout_sql_database
    reference: str  # the matched reference: a task/turn id, "tau2/airline user_id", a db_id
    evidence: str  # the shared span, identifier or database
    allowed: bool = False  # the paper's in-domain use of a τ² database: reported, not flagged


@dataclass
class RecordResult:
    record_id: str
    split: str
    db_id: str
    in_domain: str | None  # the τ² domain whose database the record was generated on
    findings: list[Finding] = field(default_factory=list)
    measures: dict[str, dict[str, float]] = field(default_factory=dict)  # eval set -> run, share

    @property
    def flagged(self) -> bool:
        return any(not f.allowed for f in self.findings)


@dataclass
class _Run:
    length: int  # words
    ref: int
    span: str


class TextIndex:
    """One reference set's n-grams: whole `ngram`-grams, and `short_ngram`-grams with the references
    holding each (so a run can be followed within one reference)."""

    def __init__(self, references: list[Reference], config: ContaminationConfig) -> None:
        self.config = config
        unique: dict[tuple[str, ...], Reference] = {}
        for ref in references:  # BFCL's categories repeat questions: keep the first id of a text
            unique.setdefault(tuple(words(ref.text)), ref)
        self.refs = list(unique.values())
        self.lengths = [len(w) for w in unique]
        self.long: dict[tuple[str, ...], int] = {}
        self.short: dict[tuple[str, ...], set[int]] = {}
        for index, tokens in enumerate(unique):
            for gram in ngrams(list(tokens), config.ngram):
                self.long.setdefault(gram, index)
            for gram in ngrams(list(tokens), config.short_ngram):
                self.short.setdefault(gram, set()).add(index)

    def longest_run(self, tokens: list[str]) -> _Run | None:
        """The longest run of consecutive shared short n-grams that one reference holds them all of,
        preferring, at equal length, the reference it covers most."""
        n, best, start, held = self.config.short_ngram, None, 0, set()
        for i, gram in enumerate(ngrams(tokens, n)):
            hit = self.short.get(gram, set())
            joint = held & hit
            if joint:  # the run goes on within the references holding all of it so far
                held = joint
            else:
                held, start = hit, i
            if not held:
                continue
            ref = min(held, key=lambda r: self.lengths[r])
            length = i - start + n
            if best is None or length > best.length:
                best = _Run(length, ref, " ".join(tokens[start:start + length]))
        return best

    def long_hits(self, tokens: list[str]) -> tuple[int, int, int | None]:
        """(shared long n-grams, all long n-grams, the first matched reference)."""
        grams = list(ngrams(tokens, self.config.ngram))
        hits = [self.long[g] for g in grams if g in self.long]
        return len(hits), len(grams), hits[0] if hits else None


def _texts(record: dict[str, Any], roles: tuple[str, ...]) -> list[str]:
    return [m["content"] for m in record.get("messages") or [] if m.get("role") in roles and m.get("content")]


def _all_text(record: dict[str, Any]) -> str:
    """Every message's text, tool outputs and call arguments included: where an id can appear."""
    parts = []
    for message in record.get("messages") or []:
        parts.append(message.get("content") or "")
        for call in message.get("tool_calls") or []:
            parts.append(json.dumps(call.get("function", {}).get("arguments"), ensure_ascii=False))
    return "\n".join(parts)


def _text_findings(eval_set: str, index: TextIndex, messages: list[list[str]]) -> tuple[Finding | None, dict]:
    hits = total = 0
    first_hit, best = None, None
    for tokens in messages:  # n-grams never span two messages
        h, t, ref = index.long_hits(tokens)
        hits, total, first_hit = hits + h, total + t, first_hit if first_hit is not None else ref
        run = index.longest_run(tokens)
        if run and (best is None or run.length > best.length):
            best = run
    measures = {"longest_run": best.length if best else 0, "share": round(hits / total, 4) if total else 0.0}
    if best is None:
        return None, measures
    covers = best.length / index.lengths[best.ref] >= index.config.short_cover
    if not hits and not covers:
        return None, measures
    # the run's reference, unless the run is short and the whole n-gram sits elsewhere
    ref = best.ref if covers or best.length >= index.config.ngram or first_hit is None else first_hit
    return Finding(eval_set, REASONS[eval_set], index.refs[ref].ref_id, best.span), measures


def scan_record(record: dict[str, Any], split: str, sets: EvalSets, indexes: dict[str, TextIndex],
                config: ContaminationConfig) -> RecordResult:
    environment = record.get("environment") or {}
    if isinstance(environment, str):  # a dataset row (Json column) rather than a JSONL one
        environment = json.loads(environment)
    db_id = environment.get("db_id", "")
    result = RecordResult(record.get("id", ""), split, db_id, db_id if db_id in sets.tau2_domains else None)
    messages = [words(text) for text in _texts(record, config.roles)]
    for eval_set, index in indexes.items():
        finding, result.measures[eval_set] = _text_findings(eval_set, index, messages)
        if finding:
            result.findings.append(finding)
    for value in sorted(identifiers(_all_text(record)) & sets.entities.keys()):
        entity = sets.entities[value]
        where = f"tau2/{entity.domain} {entity.kind}" + (" (named in a task)" if entity.in_tasks else "")
        result.findings.append(Finding("tau2", "tau2_identifier", where, value, allowed=entity.domain == db_id))
    if db_id in sets.heldout_db_ids:
        result.findings.append(Finding("sqlbench", "heldout_sql_database", db_id, db_id))
    return result


def build_indexes(sets: EvalSets, config: ContaminationConfig) -> dict[str, TextIndex]:
    by_set: dict[str, list[Reference]] = {}
    for ref in sets.texts:
        by_set.setdefault(ref.eval_set, []).append(ref)
    return {name: TextIndex(refs, config) for name, refs in by_set.items()}
