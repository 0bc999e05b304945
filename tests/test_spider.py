"""On the 19 unseen Spider test databases: tasks become validated dialogues; sources stay untouched."""

import json

from generation.databases.hashing import file_sha256
from tests.conftest import SPIDER, SPIDER_TEST_DBS, needs_spider

pytestmark = needs_spider


def test_most_attempted_tasks_validate(spider_test_run):
    stats = json.loads((spider_test_run / "stats.json").read_text())
    assert stats["databases"] == len(SPIDER_TEST_DBS)
    assert stats["tasks"]["attempted"] >= 190
    assert stats["tasks"]["validated"] / stats["tasks"]["attempted"] >= 0.9
    assert "rejection_reasons" in stats and "dropped_reasons" in stats["tools"]


def test_source_files_are_byte_identical_after_a_run(tmp_path):
    from tests.conftest import run_cli

    files = [SPIDER / "database" / d / f"{d}.sqlite" for d in SPIDER_TEST_DBS[:6]]
    before = {f: file_sha256(f) for f in files}
    mtimes = {f: f.stat().st_mtime_ns for f in files}
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(json.dumps({"databases": str(SPIDER), "db_ids": SPIDER_TEST_DBS[:6], "num_dialogues": 60,
                               "tasks_per_dialogue": {3: 1.0}}))
    proc = run_cli("--config", str(cfg), "--output", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert {f: file_sha256(f) for f in files} == before
    assert {f: f.stat().st_mtime_ns for f in files} == mtimes
