"""Scripts and test servers stand on their own: nothing outside tests/ imports from tests/."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT


def _imports(path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


@pytest.mark.parametrize("folder", ["scripts", "loopback", "generation", "evaluation", "training", "common"])
def test_nothing_outside_tests_imports_tests(folder):
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files
    offenders = [str(p.relative_to(ROOT)) for p in files
                 if any(n == "tests" or n.startswith("tests.") for n in _imports(p))]
    assert not offenders, f"import from tests/: {offenders}"


def test_every_server_uses_the_one_envelope():
    for name in ("scripted", "bfcl", "tau2", "toolprep"):
        text = (ROOT / "loopback" / f"{name}.py").read_text()
        assert '"chat.completion"' not in text and "add_post" not in text, name
