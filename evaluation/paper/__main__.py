"""python -m evaluation.paper --config configs/evaluation/paper_smoke.yaml

Writes the paper's Tables 1-4 (data statistics per pipeline, benchmarks per model, the pipeline
ablation, generation efficiency) from our generation runs and evaluation results, each of our
figures beside the published one, and the figures, to OUTPUT_DIR/paper_tables.{md,json} and
OUTPUT_DIR/plots/. No GPU: it reads what the runs and evaluations wrote.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from common.errors import InputError

from .config import load_paper_config, load_published
from .plots import write_figures
from .tables import check_rows, table1, table2, table3, table4

TITLES = {
    "table1": "Table 1: dialogue statistics per pipeline, mean (max)",
    "table2": "Table 2: benchmarks per model, percent, Pass^1 with 95% interval",
    "table3": "Table 3: pipeline ablation (one base model trained on each pipeline's data)",
    "table4": "Table 4: generation efficiency (ours: this machine's wall time and our servers; paper: "
              "GPT-OSS-120B, 16 instances on 32 H100s)",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m evaluation.paper", description=__doc__.split("\n\n")[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, required=True,
                        help="YAML: output_dir, datasets (generation runs), models (evaluation outputs), ablation")
    parser.add_argument("--output-dir", type=Path, help="where to write (default: the config's output_dir)")
    return parser


def write_paper_tables(config_path: Path, output: Path | None = None) -> str:
    config = load_paper_config(config_path)
    published = load_published(Path(config.published))
    check_rows(config, published)
    output = output or Path(config.output_dir)
    sections, data = [], {"source": published.get("source"), "uncertain": published.get("uncertain", [])}
    for name, build in (("table1", table1), ("table2", table2), ("table3", table3), ("table4", table4)):
        text, rows = build(config, published)
        data[name] = rows
        sections.append(f"## {TITLES[name]}\n\n{text if rows else '(no entries in the config)'}\n")
    figures = write_figures(config, output / "plots")
    output.mkdir(parents=True, exist_ok=True)
    note = (f"Published numbers: {published.get('source')}; uncertain in the paper's text: "
            f"{', '.join(published.get('uncertain', [])) or 'none'}.")
    body = "\n".join([f"# The paper's tables, reproduced\n\n{note}\n", *sections,
                      "## Figures\n", *[f"![{f.stem}](plots/{f.name})" for f in figures]]) + "\n"
    (output / "paper_tables.md").write_text(body)
    (output / "paper_tables.json").write_text(json.dumps(data, indent=2) + "\n")
    return body


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        print(write_paper_tables(args.config, args.output_dir), end="")
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
