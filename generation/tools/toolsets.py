"""A toolset for simulated execution: OpenAI function specs, each with a return JSON schema.

The file is what ``python -m generation.tools.prep`` writes: a JSON list whose entries are
``{"type": "function", "function": {...}, "returns": {...}}`` (``returns`` may also sit inside
``function``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from common.errors import InputError

from ..databases.hashing import file_sha256
from ..records import Environment, EnvironmentTool
from .writes import is_write


@dataclass(frozen=True)
class Toolset:
    name: str
    sha256: str
    specs: list[dict[str, Any]]
    returns: dict[str, dict[str, Any]]

    def environment(self, names: list[str]) -> Environment:
        return Environment(kind="simulated", db_id=self.name, source_sha256=self.sha256, tools=[
            EnvironmentTool(name=n, sql=None, returns=self.returns[n], table="",
                            writes=is_write(n))
            for n in names
        ])


def load_toolset(path: Path) -> Toolset:
    if not path.is_file():
        raise InputError(f"toolset file not found: {path}")
    try:
        entries = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"toolset {path} is not valid JSON: {exc}") from None
    if not isinstance(entries, list) or not entries:
        raise InputError(f"toolset {path} must be a non-empty JSON list of tools")
    specs, returns = [], {}
    for i, entry in enumerate(entries):
        function = entry.get("function", entry) if isinstance(entry, dict) else None
        name = function.get("name") if isinstance(function, dict) else None
        schema = (entry.get("returns") or function.get("returns")) if name else None
        if not name or not isinstance(schema, dict):
            raise InputError(f"toolset {path}: entry {i} needs a function name and a 'returns' schema")
        try:
            Draft202012Validator.check_schema(schema)
            Draft202012Validator.check_schema(function.get("parameters") or {"type": "object"})
        except SchemaError as exc:
            raise InputError(f"toolset {path}: tool {name}: invalid schema: {exc.message}") from None
        spec = {k: v for k, v in function.items() if k != "returns"}
        specs.append({"type": "function", "function": spec})
        returns[name] = schema
    return Toolset(name=path.stem, sha256=file_sha256(path), specs=specs, returns=returns)
