"""PEP 517 backend: bfcl-eval's official wheel with the requirements tooldial's evaluation uses.

The files of the wheel are kept byte for byte; the metadata gets a local version label
(``+tooldial``, PEP 440's mark for a downstream rebuild) and a Requires-Dist list without the
provider SDKs (Anthropic, Cohere, Mistral, Gemini, Qwen-Agent, Writer, Bedrock), the local-model
handlers' code generator and the web-search / memory categories' extras, whose pins conflict with
the rest of tooldial. What is kept covers the data loaders, the AST and multi-turn checkers with
their executable backends, the OpenAI-compatible handler, the score aggregation and the CLI.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

UPSTREAM = "bfcl-eval==2026.3.23"
UPSTREAM_WHEEL = "bfcl_eval-2026.3.23-py3-none-any.whl"
UPSTREAM_SHA256 = "3bb6dfa5f0c68ad403c9ec50b00db2bb3b4cc9b38ab1ff33f48fe30d853d3a0a"
VERSION = "2026.3.23+tooldial"
REQUIRES = [
    "requests",
    "tqdm",
    "numpy",
    "pandas",
    "pydantic>=2.8.2",
    "python-dotenv>=1.0.1",
    "tree_sitter==0.21.3",
    "tree-sitter-java==0.21.0",
    "tree-sitter-javascript==0.21.4",
    "openai>=1.86.0",
    "typer>=0.12.5",
    "tabulate>=0.9.0",
    "mpmath==1.3.0",
    "tenacity>=8.5.0",
    "overrides",
    "filelock",
    "huggingface_hub",
]
_DIST_INFO_IN = "bfcl_eval-2026.3.23.dist-info"
_DIST_INFO_OUT = f"bfcl_eval-{VERSION}.dist-info"
_WHEEL_OUT = f"bfcl_eval-{VERSION}-py3-none-any.whl"


def _download(folder: Path) -> Path:
    """The official wheel through pip itself, so the user's index, proxy and cache settings hold."""
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
               "--disable-pip-version-check", "--quiet", "--dest", str(folder), UPSTREAM]
    subprocess.run(command, check=True)
    wheel = folder / UPSTREAM_WHEEL
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != UPSTREAM_SHA256:
        raise RuntimeError(f"{UPSTREAM_WHEEL}: sha256 {digest} is not the pinned {UPSTREAM_SHA256}")
    return wheel


def _metadata(original: str) -> str:
    """Same metadata, new version and requirements (the long description stays)."""
    head, _, body = original.partition("\n\n")
    lines = [line for line in head.splitlines() if not line.startswith(("Requires-Dist:", "Provides-Extra:"))]
    lines = [f"Version: {VERSION}" if line.startswith("Version:") else line for line in lines]
    lines += [f"Requires-Dist: {requirement}" for requirement in REQUIRES]
    return "\n".join(lines) + "\n\n" + body


def _record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def _repack(source: Path, target: Path) -> None:
    record: list[str] = []
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            if info.filename == f"{_DIST_INFO_IN}/RECORD":
                continue
            data = original.read(info)
            name = info.filename.replace(_DIST_INFO_IN, _DIST_INFO_OUT, 1)
            if name == f"{_DIST_INFO_OUT}/METADATA":
                data = _metadata(data.decode("utf-8")).encode("utf-8")
            out.writestr(zipfile.ZipInfo(name, date_time=info.date_time), data, zipfile.ZIP_DEFLATED)
            record.append(_record_line(name, data))
        record.append(f"{_DIST_INFO_OUT}/RECORD,,")
        out.writestr(f"{_DIST_INFO_OUT}/RECORD", "\n".join(record) + "\n")


def get_requires_for_build_wheel(config_settings: dict | None = None) -> list[str]:
    return []


def build_wheel(wheel_directory: str, config_settings: dict | None = None,
                metadata_directory: str | None = None) -> str:
    with tempfile.TemporaryDirectory() as scratch:
        _repack(_download(Path(scratch)), Path(wheel_directory) / _WHEEL_OUT)
    return _WHEEL_OUT
