"""Prompts live as files in ``prompts/``; ``$name`` placeholders are filled with string.Template."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from string import Template

PROMPTS = Path(__file__).parent / "prompts"


@lru_cache(maxsize=None)
def _template(name: str) -> Template:
    return Template((PROMPTS / f"{name}.md").read_text())


def render(name: str, **values: object) -> str:
    """The prompt ``prompts/<name>.md`` with its ``$placeholders`` filled (a missing one is an error)."""
    return _template(name).substitute({k: str(v) for k, v in values.items()})
