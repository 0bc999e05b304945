"""`python -m evaluation.paper`: the paper's four tables and figures from generation runs and
evaluation results (written by our own report code), with the published numbers beside ours."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import yaml

from evaluation.bfcl_single_scoring import CATEGORIES as SINGLE_TURN_CATEGORIES
from evaluation.outcomes import TrialOutcome
from evaluation.paper.tables import TABLE2
from evaluation.report import model_results, write_report
from tests.conftest import ROOT

PNG = b"\x89PNG"


def _evaluation(folder: Path, models: dict[str, float]) -> Path:
    """An evaluation output as `python -m evaluation` writes it: BFCL multi-turn and τ², 3 trials."""
    rng = random.Random(0)
    results = {}
    for name, skill in models.items():
        # each category its own rate, so a column read from the wrong category shows
        outcomes = [TrialOutcome(benchmark, category, str(task), trial,
                                 rng.random() < skill * (0.5 + (sum(map(ord, category)) % 10) / 10))
                    for benchmark, categories in (("bfcl", ["multi_turn_base", "multi_turn_miss_func",
                                                            "multi_turn_miss_param", "multi_turn_long_context"]),
                                                  ("bfcl_single", list(SINGLE_TURN_CATEGORIES)),
                                                  ("tau2", ["airline", "retail", "telecom"]))
                    for category in categories for task in range(20) for trial in range(3)]
        results[name] = model_results(outcomes, 3)
    write_report(folder, results, 3, {})
    return folder


def _run(config: dict, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "paper.yaml"
    path.write_text(yaml.safe_dump(config))
    return subprocess.run([sys.executable, "-m", "evaluation.paper", "--config", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_all_four_tables_and_the_figures_with_the_published_numbers_beside_ours(demo_run, tmp_path):
    results = _evaluation(tmp_path / "eval", {"base": 0.3, "sft": 0.5})
    config = {
        "output_dir": str(tmp_path / "paper"),
        "datasets": [{"run": str(demo_run), "pipeline": "UO + SQL exec (demo)",
                      "paper_row": "UO + Tool-Exec / SQL (Spider)", "paper_efficiency_row": "User-oriented"}],
        "models": [{"results": str(results), "model": "base", "paper_row": "Qwen3-4B base"},
                   {"results": str(results), "model": "sft", "label": "4B + ours", "paper_row": "4B + OURS"}],
        "ablation": [{"pipeline": "User-oriented + Tool Exec", "results": str(results), "model": "sft",
                      "paper_row": "User-oriented + Tool Exec", "paper_size": "30B"}],
    }
    proc = _run(config, tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = (tmp_path / "paper" / "paper_tables.md").read_text()
    assert proc.stdout == text
    tables = dict(part.split("\n", 1) for part in text.split("\n## ")[1:])
    assert len([t for t in tables if t.startswith("Table")]) == 4
    table1 = next(v for k, v in tables.items() if k.startswith("Table 1"))
    stats = json.loads((demo_run / "stats.json").read_text())["by_mode"]["user_oriented"]
    assert f"{stats['turns']['mean']} ({stats['turns']['max']})" in table1 and "30.85 (680)" in table1
    assert "16618" in table1
    table2 = next(v for k, v in tables.items() if k.startswith("Table 2"))
    row = next(line for line in table2.splitlines() if line.startswith("| 4B + ours"))
    cells = [c.strip() for c in row.strip("|").split("|")]
    assert cells[2].count("[") == 1 and cells[3] == "52.7"  # MT: ours with its interval, then the paper's
    assert all(cells[i].count("[") == 1 for i in (4, 6, 8, 10)) and cells[5] == "84.9"  # Live, Non-Live, Hall.
    sft = json.loads((results / "results.json").read_text())["models"]["sft"]
    for i, (_, benchmark, key) in zip(range(2, 18, 2), TABLE2):  # each of our cells from its own column
        assert cells[i].startswith(f"{100 * sft[benchmark][key]['pass_k']['1']:.1f} ["), (i, key)
    assert cells[7] == "89.6" and cells[9] == "83.3" and cells[11] == "80.6"
    assert cells[-1] == "36.8"
    table3 = next(v for k, v in tables.items() if k.startswith("Table 3"))
    assert "54.9" in table3 and "40.4" in table3  # the 30B columns, as the config asked
    table4 = next(v for k, v in tables.items() if k.startswith("Table 4"))
    assert "4.11" in table4 and "4079" in table4
    data = json.loads((tmp_path / "paper" / "paper_tables.json").read_text())
    assert data["source"].startswith("arXiv 2601.08225") and len(data["table2"]) == 2
    figures = sorted((tmp_path / "paper" / "plots").glob("*.png"))
    assert [f.name for f in figures] == ["pass_k_tau2.png", "per_dialogue_by_pipeline.png"]
    assert all(f.read_bytes().startswith(PNG) for f in figures)
    assert all(f"plots/{f.name}" in text for f in figures)


def test_a_model_missing_from_its_results_is_a_one_line_error(tmp_path):
    results = _evaluation(tmp_path / "eval", {"base": 0.3})
    proc = _run({"models": [{"results": str(results), "model": "nope"}]}, tmp_path)
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0
    assert "model 'nope' is not in" in proc.stderr and "base" in proc.stderr
    proc = _run({"datasets": [{"run": str(tmp_path), "pipeline": "x"}], "unknown": 1}, tmp_path)
    assert proc.returncode == 2 and "unknown" in proc.stderr
    proc = _run({"models": [{"results": str(results), "model": "base", "paper_row": "4B + OURZ"}]}, tmp_path)
    assert proc.returncode == 2 and "paper row '4B + OURZ' is not in the published table2" in proc.stderr


def test_the_published_numbers_cover_every_table_column():
    published = yaml.safe_load((ROOT / "evaluation" / "paper" / "published.yaml").read_text())
    columns = published["table2"]["columns"]
    from evaluation.paper.tables import TABLE2

    assert [name for name, _, _ in TABLE2] == columns and all(len(row) == 8 for row in published["table2"]["rows"].values())
    assert all(len(row) == 4 for row in published["table3"]["rows"].values())
    assert {"Task-oriented", "User-oriented"} == set(published["table4"])
