"""The paper's Table-1 statistics (mean and max of steps, turns and tasks), run counters and the
realism report (``generation/realism/``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from common.tables import markdown_table

from .realism import realism_by_mode, realism_markdown
from .realism.density import MEASURES, table1_summary


def compute_stats(train: list[dict[str, Any]], rejected: list[dict[str, Any]], events: Counter,
                  tools: dict[str, Any], seconds: float, usage: dict[str, Any] | None = None) -> dict[str, Any]:
    """Statistics over record rows (``DialogueRecord.to_row`` dicts) of both splits."""
    modes = sorted({r["simulation"]["mode"] for r in train + rejected})
    reasons = Counter(c["name"] for r in rejected for c in r["validation"]["checks"] if not c["passed"])
    attempted = events.get("tasks_attempted", 0)
    total = len(train) + len(rejected)
    return {
        "by_mode": {m: table1_summary([r for r in train if r["simulation"]["mode"] == m]) for m in modes},
        "splits": {"train": len(train), "rejected": len(rejected)},
        "turns_total": sum(r["stats"]["turns"] for r in train + rejected),
        "acceptance_rate": round(len(train) / total, 4) if total else 0.0,
        "tasks": {
            "attempted": attempted,
            "validated": events.get("tasks_validated", 0),
            "validated_rate": round(events.get("tasks_validated", 0) / attempted, 4) if attempted else 0.0,
            "synthesis_failed": events.get("task_synthesis_failed", 0),
            "by_difficulty": {d: events.get(f"tasks_{d}", 0) for d in ("easy", "medium", "hard")},
            "followup": events.get("tasks_followup", 0),
            "independent": events.get("tasks_independent", 0),
        },
        "rejection_reasons": dict(sorted(reasons.items())),
        "events": dict(sorted(events.items())),
        "tools": tools,
        "databases": len({r["environment"]["db_id"] for r in train + rejected}),
        "pipelines": sorted({f"{r['simulation']['mode']} + {r['simulation']['execution']}" for r in train + rejected}),
        "seconds": round(seconds, 2),
        "seconds_per_accepted_dialogue": round(seconds / len(train), 4) if train else None,
        "llm": usage or {},
        "realism": realism_by_mode(train),
    }


def _designed_line(designed: dict[str, Any] | None) -> list[str]:
    if not designed:
        return []
    return [f"- designed tools (in the counts above): {designed['kept']} kept, {designed['dropped']} dropped "
            f"{designed['dropped_reasons']}, from {designed['questions']} questions over {designed['databases']} "
            f"databases; {designed['requests']} design requests this run ({designed.get('prompt_tokens', 0)} prompt, "
            f"{designed.get('completion_tokens', 0)} completion tokens; 0 requests: every design was read from the "
            "run's work folder)"]


def stats_markdown(stats: dict[str, Any]) -> str:
    how = "SQL exec" if any(p.endswith("sql") for p in stats.get("pipelines", ["sql"])) else "simulated tools"
    table1 = [[f"{mode} + {how}", *[f"{s[m]['mean']} ({s[m]['max']})" for m in MEASURES], s["dialogues"]]
              for mode, s in stats["by_mode"].items()]
    lines = [markdown_table(table1, ["Pipeline", "Step", "Turn", "Task", "Tool calls", "Samples"])]
    t = stats["tasks"]
    lines += [
        "",
        "Mean (max) per validated dialogue. Turn = every non-system message; Step = tool-calling "
        "iterations of the agent; Task = goals per dialogue.",
        "",
        f"- dialogues: {stats['splits']['train']} validated, {stats['splits']['rejected']} rejected "
        f"(acceptance {stats['acceptance_rate']:.1%}) over {stats['databases']} databases",
        f"- tasks: {t['validated']}/{t['attempted']} attempted tasks in validated dialogues "
        f"({t['validated_rate']:.1%}); {t['synthesis_failed']} could not be synthesized",
        f"- rejection reasons: {stats['rejection_reasons'] or 'none'}",
        f"- tools: {stats['tools'].get('kept', 0)} kept, {stats['tools'].get('dropped', 0)} dropped "
        f"{stats['tools'].get('dropped_reasons', {})}, {stats['tools'].get('skipped', 0)} schema objects "
        f"without tools {stats['tools'].get('skipped_reasons', {})}",
        *_designed_line(stats["tools"].get("designed")),
        f"- wall time {stats['seconds']} s; " + (
            f"{per} s per accepted dialogue" if (per := stats["seconds_per_accepted_dialogue"]) is not None
            else "no dialogue accepted"),
    ]
    roles = (stats.get("llm") or {}).get("roles") or {}
    if roles:
        rows = [[role, u.get("requests", 0), u["calls"], u["cached"], u["failures"], u["retries"],
                 ", ".join(f"{k}: {n}" for k, n in (u.get("failures_by_status") or {}).items()) or "-",
                 u["prompt_tokens"], u["completion_tokens"], u["mean_latency_s"], f"{u['prefix_reuse']:.1%}"]
                for role, u in roles.items()]
        lines += ["", markdown_table(rows, ["Role", "Requests", "Calls", "Cached", "Failures", "Retries", "Failed requests",
                                    "Prompt tok", "Completion tok", "Mean latency (s)", "Prefix reuse"])]
        lines.append("\nRequests: every HTTP request sent (calls answered + failures + retries); failed requests by "
                     "HTTP status or kind. Prefix reuse: share of each request (by characters) equal to the start "
                     "of the same role's previous request in the same dialogue, i.e. what a prefix cache can serve.")
        servers = (stats.get("llm") or {}).get("servers") or {}
        if len(servers) > 1:  # a pool: how the requests spread over its servers
            rows = [[url, c["requests"], c["failures"], c["mean_latency_s"]] for url, c in servers.items()]
            lines += ["", markdown_table(rows, ["Server", "Requests", "Failed", "Mean latency (s)"])]
    if stats.get("realism"):
        lines += ["", realism_markdown(stats["realism"]).rstrip("\n")]
    return "\n".join(lines) + "\n"
