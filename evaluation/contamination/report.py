"""The contamination report of a dataset: per evaluation set, how many records are flagged and why, a
few examples with the matched reference and the shared span, the highest overlap of any record, and
the records generated on τ²'s own databases (the paper's allowed in-domain use, listed so that it is
visible). Saved as ``contamination.json`` and ``contamination.md`` beside the dataset."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .overlap import ContaminationConfig, Finding, RecordResult
from .references import EvalSets

REPORT_JSON, REPORT_MD = "contamination.json", "contamination.md"
EVAL_SETS = ("tau2", "bfcl", "sqlbench")
SPAN_CHARS = 160  # of a shared span in an example
IN_DOMAIN_NOTE = ("the paper's in-domain use: dialogues generated on a τ² domain's own database share its "
                  "ids by construction; they are kept, not flagged (their τ² instruction n-grams still flag)")


def _example(result: RecordResult, finding: Finding) -> dict[str, str]:
    span = finding.evidence if len(finding.evidence) <= SPAN_CHARS else finding.evidence[:SPAN_CHARS] + "…"
    return {"record_id": result.record_id, "split": result.split, "reason": finding.reason,
            "reference": finding.reference, "shared": span}


def _by_set(results: list[RecordResult], sets: EvalSets, config: ContaminationConfig) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in EVAL_SETS:
        if name not in sets.summary:
            out[name] = {"checked": False}  # the evaluation config does not run this benchmark
            continue
        flagged, reasons, examples = set(), Counter(), []
        for result in results:
            for finding in (f for f in result.findings if f.eval_set == name and not f.allowed):
                flagged.add(result.record_id)
                reasons[finding.reason] += 1
                if sum(e["reason"] == finding.reason for e in examples) < config.max_examples:
                    examples.append(_example(result, finding))
        peaks = {m: max((r.measures.get(name, {}).get(m, 0) for r in results), default=0)
                 for m in ("longest_run", "share")} if name != "sqlbench" else {}
        out[name] = {"checked": True, "flagged": len(flagged), "reasons": dict(sorted(reasons.items())),
                     "max_overlap": peaks, "examples": examples}
    return out


def _in_domain(results: list[RecordResult], config: ContaminationConfig) -> dict[str, Any]:
    ours = [r for r in results if r.in_domain]
    allowed = [(r, f) for r in ours for f in r.findings if f.allowed]
    named = [(r, f) for r, f in allowed if "named in a task" in f.reference]  # the ids a τ² test is about
    return {"note": IN_DOMAIN_NOTE, "records": len(ours),
            "by_domain": dict(sorted(Counter(r.in_domain for r in ours).items())),
            "shared_identifiers": len({f.evidence for _, f in allowed}),
            "identifiers_named_in_tasks": len({f.evidence for _, f in named}),
            "records_with_task_identifiers": len({r.record_id for r, _ in named}),
            "examples": [_example(r, f) for r, f in (named + allowed)[:config.max_examples]]}


def build_report(run: Path, results: list[RecordResult], sets: EvalSets, config: ContaminationConfig) -> dict[str, Any]:
    flagged = [r for r in results if r.flagged]
    return {
        "run": str(run),
        "verdict": "flagged" if flagged else "clean",
        "settings": asdict(config),
        "references": sets.summary,
        "records": dict(Counter(r.split for r in results)),
        "flagged": {"total": len(flagged), **Counter(r.split for r in flagged)},
        "by_set": _by_set(results, sets, config),
        "in_domain_tau2": _in_domain(results, config),
        "flagged_records": [{"id": r.record_id, "split": r.split,
                             "reasons": sorted({f.reason for f in r.findings if not f.allowed}),
                             "findings": [asdict(f) for f in r.findings if not f.allowed]} for r in flagged],
    }


def _references_line(name: str, summary: dict[str, Any]) -> str:
    if name == "tau2":
        return (f"{', '.join(summary['domains'])} (split {summary['task_split']}): {summary['instruction_texts']} "
                f"instruction texts, {summary['identifiers']} ids")
    if name == "bfcl":
        return f"{len(summary['categories'])} multi-turn categories: {summary['user_turns']} user turns"
    return f"{len(summary['heldout_db_ids'])} held-out databases"


def report_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown: one top-level heading (dropped when the card embeds it), ### sections."""
    s = report["settings"]
    total = sum(report["records"].values())
    lines = ["# Contamination report", "",
             (f"**{report['flagged']['total']} of {total} records flagged** ({report['verdict']}), against the "
             f"benchmarks of `{Path(report['references']['eval_config']).name}`. Text: a shared {s['ngram']}-gram, or "
             f"a run of shared {s['short_ngram']}-grams covering {s['short_cover']:.0%} of a shorter reference "
             f"(roles: {', '.join(s['roles'])}); ids: τ² user/reservation/order/customer ids and phone numbers "
             "in any message or tool output; databases: the SQL benchmark's held-out db_ids."), ""]
    if "filtered_from" in report:
        source = report["filtered_from"]
        lines += [(f"Filtered from `{source['run']}`: its {len(source['dropped'])} flagged records were dropped "
                   "(`python -m evaluation.contamination RUN --filter OUT`)."), ""]
    lines += ["### By evaluation set", "",
             "| set | references | flagged records | reasons | longest shared run (words) | max n-gram share |",
             "|---|---|---:|---|---:|---:|"]
    for name, entry in report["by_set"].items():
        if not entry["checked"]:
            lines.append(f"| {name} | not in the evaluation config | – | – | – | – |")
            continue
        peaks = entry["max_overlap"]
        reasons = ", ".join(f"{k}: {v}" for k, v in entry["reasons"].items()) or "–"
        lines.append(f"| {name} | {_references_line(name, report['references'][name])} | {entry['flagged']} | "
                     f"{reasons} | {peaks.get('longest_run', '–')} | {peaks.get('share', '–')} |")
    examples = [(n, e) for n, entry in report["by_set"].items() for e in entry.get("examples", [])]
    if examples:
        lines += ["", "### Examples", ""]
        lines += [f"- {n} `{e['record_id']}` ({e['split']}): {e['reason']}, `{e['reference']}`: \"{e['shared']}\""
                  for n, e in examples]
    lines += _in_domain_markdown(report["in_domain_tau2"])
    return "\n".join(lines) + "\n"


def _in_domain_markdown(entry: dict[str, Any]) -> list[str]:
    lines = ["", "### In-domain use of τ² databases (allowed, visible)", ""]
    if not entry["records"]:
        return lines + ["None: no record was generated on a τ² domain's database."]
    domains = ", ".join(f"{d}: {n}" for d, n in entry["by_domain"].items())
    lines.append(f"Records generated on a τ² database: {entry['records']} ({domains}); {entry['shared_identifiers']} "
                 f"τ² ids appear in them, {entry['identifiers_named_in_tasks']} of which a τ² task names "
                 f"(in {entry['records_with_task_identifiers']} records). "
                 f"This is {entry['note']}.")
    return lines + [f"- `{e['record_id']}`: `{e['shared']}` ({e['reference']})" for e in entry["examples"]]


def write_report(folder: Path, report: dict[str, Any]) -> tuple[Path, Path]:
    (folder / REPORT_JSON).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    (folder / REPORT_MD).write_text(report_markdown(report))
    return folder / REPORT_JSON, folder / REPORT_MD
