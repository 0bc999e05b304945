"""Which tools without a backend change the world: the verb their name starts with says so.

SQL tools know from their statement (``SqlTool.kind``); a tool that only has a name and a spec
(a prepared toolset, played by the tool simulator) is a write when its first word is one of
these verbs. The kind is what the oracle agent says about the call (``create`` / ``update`` /
``delete``), with ``add`` and ``cancel`` in the classes tool preparation gives them.
"""

from __future__ import annotations

WRITE_VERBS = {"create": "create", "add": "create", "update": "update", "delete": "delete", "cancel": "delete"}


def write_kind(name: str) -> str | None:
    """``create`` / ``update`` / ``delete`` for a tool named like a write, None for a read."""
    return WRITE_VERBS.get(name.split("_", 1)[0])


def is_write(name: str) -> bool:
    return write_kind(name) is not None
