"""A dialogue record as a transcript a person reads: who said what, which tools ran, what came back.

Used by ``scripts/render_examples.py`` for ``docs/examples.md``; takes record rows as they are saved
(dicts), so it reads any run's ``train.jsonl`` without the pydantic models.
"""

from __future__ import annotations

import json
from typing import Any

MAX_OUTPUT_CHARS = 400  # a tool output longer than this is cut in the transcript (never in the data)


def _call(function: dict[str, Any]) -> str:
    arguments = function.get("arguments") or {}
    try:  # an object in rows of schema 1.4, JSON text before
        arguments = json.loads(arguments) if isinstance(arguments, str) else arguments
    except json.JSONDecodeError:
        return f"{function['name']}({arguments})"
    if not isinstance(arguments, dict):
        return f"{function['name']}({arguments})"
    shown = ", ".join(f"{k}={json.dumps(v, ensure_ascii=False)}" for k, v in arguments.items())
    return f"{function['name']}({shown})"


def _output(content: str | None) -> str:
    text = content or ""
    try:
        text = json.dumps(json.loads(text), ensure_ascii=False)
    except json.JSONDecodeError:
        pass
    return text if len(text) <= MAX_OUTPUT_CHARS else text[:MAX_OUTPUT_CHARS] + f" … ({len(text)} chars)"


def message_lines(message: dict[str, Any]) -> list[str]:
    role, content = message["role"], message.get("content")
    if role == "system":
        return []
    if role == "user":
        return [f"**User:** {content}", ""]
    if role == "tool":
        return [f"> `{message.get('name')}` returned: `{_output(content)}`", ""]
    lines = [f"**Assistant:** {content}", ""] if content else []
    for call in message.get("tool_calls") or []:
        lines += [f"*Assistant calls* `{_call(call['function'])}`", ""]
    return lines


def render(record: dict[str, Any], title: str) -> str:
    """Markdown for one record: a heading, its setting, the conversation, and what validation found."""
    simulation = record.get("simulation") or {}
    stats = record.get("stats") or {}
    environment = record.get("environment") or {}
    lines = [
        f"## {title}",
        "",
        f"Database `{environment.get('db_id')}` · {simulation.get('mode')} · {stats.get('tasks')} task(s) · "
        f"{stats.get('turns')} turns · {stats.get('steps')} tool-calling steps · record `{record.get('id')}`",
        "",
    ]
    for key in ("scenario", "persona"):
        if simulation.get(key):
            lines += [f"*{key.capitalize()}:* {simulation[key]}", ""]
    names = [t["function"]["name"] if "function" in t else t.get("name") for t in record.get("tools") or []]
    lines += [f"*Tools offered:* {', '.join(f'`{n}`' for n in names)}", ""]
    for message in record["messages"]:
        lines += message_lines(message)
    checks = (record.get("validation") or {}).get("checks") or []
    passed = sum(1 for c in checks if c.get("passed"))
    lines += [f"*Validation:* {passed}/{len(checks)} checks passed.", ""]
    return "\n".join(lines)
