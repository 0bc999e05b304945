"""pytest plugin for scripts/check_mutations.py: one validation check replaced by an always-pass stub.

``TOOLDIAL_MUTATE_CHECK`` names the function in ``generation.validation.checks`` (e.g.
``check_grounding``); unset, the plugin does nothing. The stub returns ``Check(name=<the name the
real check records>, passed=True, detail="mutated")``.

The stub goes in at ``pytest_configure``, before test modules are collected, so a test module's
``from generation.validation.checks import check_x`` gets it too; the callers in ``generation``
(``episode/play.py``, ``worlds/sql.py``) call ``checks.check_x`` through the module, so patching the
module attribute reaches them. Child Python processes (the pipeline tests run the CLI) get the stub
through ``_mutation_site/sitecustomize.py``, which this plugin puts on ``PYTHONPATH``: it patches the
module as it loads there.
"""

from __future__ import annotations

import ast
import importlib.abc
import importlib.util
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

ENV = "TOOLDIAL_MUTATE_CHECK"
MODULE = "generation.validation.checks"
CHECKS_FILE = Path(__file__).resolve().parents[1] / "generation" / "validation" / "checks.py"
SITE_DIR = Path(__file__).resolve().parent / "_mutation_site"


def check_names(source: Path = CHECKS_FILE) -> dict[str, str]:
    """Each public ``check_*`` function and the ``Check`` name it records, read from the source."""
    found = {}
    for node in ast.parse(source.read_text()).body:
        if not (isinstance(node, ast.FunctionDef) and node.name.startswith("check_")):
            continue
        names = {kw.value.value for call in ast.walk(node)
                 if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "Check"
                 for kw in call.keywords if kw.arg == "name" and isinstance(kw.value, ast.Constant)}
        if len(names) != 1:
            raise ValueError(f"{node.name}: expected one literal Check name, found {sorted(names)}")
        found[node.name] = names.pop()
    return found


def mutant(function: str) -> Callable[..., Any]:
    from generation.records import Check

    name = check_names()[function]

    def always_pass(*args: Any, **kwargs: Any) -> Check:
        return Check(name=name, passed=True, detail="mutated")

    always_pass.__name__ = function
    return always_pass


def patch(checks_module: Any, function: str) -> None:
    """Replace the check in its module and wherever it was already imported by name."""
    original = getattr(checks_module, function)
    stub = mutant(function)
    for module in list(sys.modules.values()):
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for attr, value in list(namespace.items()):
            if value is original:
                setattr(module, attr, stub)


class _PatchOnLoad(importlib.abc.MetaPathFinder):
    """Patches the checks module right after it executes (used in child processes)."""

    def __init__(self, function: str) -> None:
        self.function = function

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> Any:
        if fullname != MODULE:
            return None
        sys.meta_path.remove(self)  # find the real spec with the other finders
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        run = spec.loader.exec_module

        def exec_module(module: Any) -> None:
            run(module)
            patch(module, self.function)

        spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install_import_hook() -> None:
    function = os.environ.get(ENV)
    if not function:
        return
    if MODULE in sys.modules:
        patch(sys.modules[MODULE], function)
    else:
        sys.meta_path.insert(0, _PatchOnLoad(function))


def pytest_configure(config: Any) -> None:
    function = os.environ.get(ENV)
    if not function:
        return
    if function not in check_names():
        raise ValueError(f"{ENV}={function}: not a check in {CHECKS_FILE}")
    from generation.validation import checks

    patch(checks, function)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SITE_DIR), os.environ.get("PYTHONPATH")]))
