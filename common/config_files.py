"""Reading a YAML config and saying in one line what is wrong with it."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from common.errors import InputError


def read_yaml_mapping(path: Path) -> dict:
    """A YAML config file as a dict; InputError names the file and, for bad YAML, the place."""
    if not path.is_file():
        raise InputError(f"config file not found: {path}")
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"config {path} is not valid YAML{where}: {problem}") from None
    if not isinstance(data, dict):
        raise InputError(f"config {path} must be a mapping of keys to values")
    return data


def first_problem(exc: ValidationError) -> tuple[list[str], str]:
    """Where the first validation error sits and what it says, as a person would read it."""
    first = exc.errors()[0]
    loc = [str(p) for p in first["loc"]]
    what = "unknown key" if first["type"] == "extra_forbidden" else first["msg"].removeprefix("Value error, ")
    return loc, what


def validation_message(exc: ValidationError, source: object) -> str:
    loc, what = first_problem(exc)
    return f"invalid config ({source}): {'.'.join(loc) or 'config'}: {what}"
