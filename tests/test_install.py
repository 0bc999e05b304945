"""The installs by stage: `.[eval]` brings bfcl-eval rebuilt from its official wheel with only the
requirements we use (third_party/bfcl-eval), and the venv holds no broken requirement."""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import subprocess
import sys
import zipfile
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _repack_module():
    spec = importlib.util.spec_from_file_location("repack", ROOT / "third_party" / "bfcl-eval" / "repack.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_installed_bfcl_eval_is_the_rebuild_with_our_requirements():
    repack = _repack_module()
    assert metadata.version("bfcl-eval") == repack.VERSION == "2026.3.23+tooldial"
    assert sorted(metadata.requires("bfcl-eval")) == sorted(repack.REQUIRES)
    assert not any(r.startswith(("numpy==", "datamodel-code-generator", "google-genai")) for r in repack.REQUIRES)
    direct = metadata.distribution("bfcl-eval").read_text("direct_url.json") or ""
    assert "third_party/bfcl-eval" in direct  # installed through the eval extra, not by hand


def test_the_venv_has_no_broken_requirement():
    proc = subprocess.run([sys.executable, "-m", "pip", "check", "--disable-pip-version-check"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _wheel(path: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)


def test_repacking_keeps_every_file_and_rewrites_only_version_and_requirements(tmp_path):
    repack = _repack_module()
    info = "bfcl_eval-2026.3.23.dist-info"
    metadata_text = ("Metadata-Version: 2.4\nName: bfcl_eval\nVersion: 2026.3.23\nRequires-Dist: numpy==1.26.4\n"
                     "Requires-Dist: vllm==0.8.5; extra == \"oss-eval-vllm\"\nProvides-Extra: oss-eval-vllm\n"
                     "License: Apache 2.0\n\n# BFCL\n\nRequires-Dist: this line is description\n")
    files = {"bfcl_eval/__init__.py": b"", "bfcl_eval/data/x.json": b'{"id": 1}\n',
             f"{info}/METADATA": metadata_text.encode(), f"{info}/WHEEL": b"Wheel-Version: 1.0\n",
             f"{info}/RECORD": b"stale\n"}
    _wheel(tmp_path / "in.whl", files)
    repack._repack(tmp_path / "in.whl", tmp_path / "out.whl")

    out_info = f"bfcl_eval-{repack.VERSION}.dist-info"
    with zipfile.ZipFile(tmp_path / "out.whl") as z:
        names = set(z.namelist())
        assert names == {"bfcl_eval/__init__.py", "bfcl_eval/data/x.json", f"{out_info}/METADATA",
                         f"{out_info}/WHEEL", f"{out_info}/RECORD"}
        assert z.read("bfcl_eval/data/x.json") == files["bfcl_eval/data/x.json"]
        new_metadata = z.read(f"{out_info}/METADATA").decode()
        head, _, body = new_metadata.partition("\n\n")
        assert "Version: 2026.3.23+tooldial" in head.splitlines() and "License: Apache 2.0" in head
        assert [line.removeprefix("Requires-Dist: ") for line in head.splitlines()
                if line.startswith("Requires-Dist:")] == repack.REQUIRES
        assert "Provides-Extra" not in head and body == "# BFCL\n\nRequires-Dist: this line is description\n"
        for line in z.read(f"{out_info}/RECORD").decode().splitlines():
            name, digest, size = line.split(",")
            if name.endswith("RECORD"):
                continue
            data = z.read(name)
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            assert digest == f"sha256={expected}" and int(size) == len(data)


def test_a_wheel_that_is_not_the_pinned_one_is_refused(tmp_path, monkeypatch):
    repack = _repack_module()
    (tmp_path / repack.UPSTREAM_WHEEL).write_bytes(b"not the wheel")
    monkeypatch.setattr(repack.subprocess, "run", lambda *a, **k: None)  # the "download" left that file
    with pytest.raises(RuntimeError, match="is not the pinned"):
        repack._download(tmp_path)
