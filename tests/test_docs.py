"""docs/architecture.md is drawn from the code: its schema version, the files it names and its
dependency list must match what the code has, so the document cannot drift unnoticed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from generation.records import SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[1]
DOC = (ROOT / "docs" / "architecture.md").read_text()
CODE_HOMES = ("", "generation/", "evaluation/", "training/", "common/")


def test_schema_version_is_the_codes():
    stated = re.findall(r'SCHEMA_VERSION = "([^"]+)"', DOC)
    assert stated == [SCHEMA_VERSION], f"docs say {stated}, the code {SCHEMA_VERSION}"


def _exists(name: str) -> bool:
    return any(list(ROOT.glob(home + name.rstrip("/"))) for home in CODE_HOMES)


def test_every_file_and_folder_named_exists():
    named = {n for n in re.findall(r"`([\w./*]+(?:\.py|/))`", DOC)}
    assert len(named) > 30  # the pattern still finds what the document names
    missing = sorted(n for n in named if not _exists(n) and not _named_anywhere(n))
    assert not missing, f"docs/architecture.md names files that do not exist: {missing}"


def _named_anywhere(name: str) -> bool:
    """A bare file name (``play.py``) the text introduces under its folder: it exists somewhere."""
    return "/" not in name.rstrip("/") and any(ROOT.glob(f"*/**/{name.rstrip('/')}"))


def test_dependency_list_is_the_codes():
    out = subprocess.run([sys.executable, str(ROOT / "scripts" / "code_shape.py"), "--layers"],
                         capture_output=True, text=True, check=True).stdout
    code = [line.strip() for line in out.splitlines() if line.startswith("  generation.")]
    block = DOC[DOC.index("## Dependencies"):]
    block = block[block.index("```\n") + 4:]
    documented = block[: block.index("```")].strip().splitlines()
    assert documented == code, "re-run scripts/code_shape.py --layers and update docs/architecture.md"
    assert "import cycles: none" in out
