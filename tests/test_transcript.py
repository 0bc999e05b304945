"""The transcript renderer (docs/examples.md): every message appears, calls read as calls, long outputs are cut."""

from __future__ import annotations

import json

from generation.transcript import MAX_OUTPUT_CHARS, render


def _record() -> dict:
    long_rows = [{"title": f"Event {i}", "note": "x" * 40} for i in range(30)]
    return {
        "id": "d-1",
        "environment": {"db_id": "ticketing", "tools": []},
        "simulation": {"mode": "user_oriented", "scenario": "You are planning a night out."},
        "stats": {"tasks": 1, "turns": 4, "steps": 1},
        "tools": [{"type": "function", "function": {"name": "search_events"}}],
        "messages": [
            {"role": "system", "content": "SYSTEM PROMPT TEXT"},
            {"role": "user", "content": "Anything on in Cork?"},
            {"role": "assistant", "content": None, "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "search_events",
                                                              "arguments": json.dumps({"city": "Cork"})}}]},
            {"role": "tool", "tool_call_id": "c1", "name": "search_events", "content": json.dumps(long_rows)},
            {"role": "assistant", "content": "There are 30 events in Cork."},
        ],
        "validation": {"checks": [{"name": "a", "passed": True}, {"name": "b", "passed": False}]},
    }


def test_transcript_shows_the_conversation_and_cuts_long_outputs() -> None:
    text = render(_record(), "Example")
    assert text.startswith("## Example")
    assert "SYSTEM PROMPT TEXT" not in text
    assert "**User:** Anything on in Cork?" in text
    assert '`search_events(city="Cork")`' in text
    assert "**Assistant:** There are 30 events in Cork." in text
    assert "*Scenario:* You are planning a night out." in text
    assert "*Tools offered:* `search_events`" in text
    assert "1/2 checks passed" in text
    output_line = next(line for line in text.splitlines() if line.startswith("> `search_events` returned"))
    assert "chars)" in output_line and len(output_line) < MAX_OUTPUT_CHARS + 80
