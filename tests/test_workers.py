"""`workers: N` shards dialogues over forked processes; the dataset and its statistics must not
depend on N (timings aside)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT

# wall-clock figures (and the worker count itself) are what may differ between the two runs
TIMING_KEYS = {"seconds", "seconds_per_accepted_dialogue", "timing"}


def _generate(tmp: Path, workers: int) -> dict:
    config = tmp / f"workers{workers}.yaml"
    config.write_text(yaml.safe_dump({"num_dialogues": 24, "workers": workers}))
    out = tmp / f"out{workers}"
    subprocess.run([sys.executable, "-m", "generation", "--config", str(config), "--output", str(out)],
                   cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads((out / "stats.json").read_text())


def _without_timings(value):
    if isinstance(value, dict):
        return {k: _without_timings(v) for k, v in value.items() if k not in TIMING_KEYS}
    if isinstance(value, list):
        return [_without_timings(v) for v in value]
    return value


@pytest.mark.parametrize("workers", [2])
def test_workers_give_the_same_records_and_stats(tmp_path, workers):
    one = _generate(tmp_path, 1)
    many = _generate(tmp_path, workers)
    for name in ("train.jsonl", "rejected.jsonl"):
        assert (tmp_path / "out1" / name).read_bytes() == (tmp_path / f"out{workers}" / name).read_bytes(), name
    assert one["tools"]["kept"] > 0 and many["tools"]["kept"] == one["tools"]["kept"]
    assert _without_timings(many) == _without_timings(one)
