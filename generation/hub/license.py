"""The license a generated dataset inherits from its source databases, with the attribution it owes.

The built-in demo databases ship with this project (Apache-2.0). A directory or file of databases is
read for a license statement (LICENSE, MANIFEST.md, ATTRIBUTION.md, README.md beside it): Spider says
CC BY-SA 4.0 there, which a derived dataset must keep, with attribution. Nothing found: "other", and
the card says the source's license applies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

# statements people write -> the Hub's license ids (most specific first)
KNOWN = (
    (r"CC[ -]BY[ -]SA[ -]4\.0", "cc-by-sa-4.0"), (r"CC[ -]BY[ -]NC[ -]4\.0", "cc-by-nc-4.0"),
    (r"CC[ -]BY[ -]4\.0", "cc-by-4.0"), (r"CC0", "cc0-1.0"), (r"Apache(-| License,? )2\.0", "apache-2.0"),
    (r"\bMIT License\b|License: MIT\b", "mit"), (r"ODbL", "odbl"),
)
STATEMENTS = ("LICENSE", "LICENSE.md", "LICENSE.txt", "MANIFEST.md", "ATTRIBUTION.md", "README.md")


@dataclass(frozen=True)
class SourceLicense:
    id: str  # the Hub's license id ("other" when unknown)
    attribution: str  # what the card must say about where the data comes from


def license_of(databases: str) -> SourceLicense:
    if databases.startswith("builtin:"):
        return SourceLicense("apache-2.0", "Built-in demo databases of tooldial (synthetic, Apache-2.0).")
    path = Path(databases)
    folder = path if path.is_dir() else path.parent
    texts = [(name, (folder / name).read_text(errors="replace")) for name in STATEMENTS if (folder / name).is_file()]
    for pattern, license_id in KNOWN:
        if any(re.search(pattern, text) for _, text in texts):
            return SourceLicense(license_id, _attribution(texts, license_id))
    return SourceLicense("other", f"Derived from the databases in {path.name}; their license applies "
                                  "(none was stated beside them).")


def _attribution(texts: list[tuple[str, str]], license_id: str) -> str:
    """The source's own attribution text (ATTRIBUTION.md, else the line that states the license)."""
    by_name = dict(texts)
    if "ATTRIBUTION.md" in by_name:
        text = by_name["ATTRIBUTION.md"]
        sources = [line.strip() for line in text.splitlines() if re.match(r"\s*\d+\.\s", line)][:3]
        if sources:
            return "\n".join([f"Derived from databases licensed {license_id}, and shared under the same license. "
                              "Their sources:"] + sources)
    for _, text in texts:
        for line in text.splitlines():
            if "license" in line.lower() and len(line) < 400:
                return line.strip("# ").strip()
    return f"Derived from source databases licensed {license_id}."
