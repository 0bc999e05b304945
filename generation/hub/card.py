"""The dataset card: Hub metadata (license from the sources, task categories, tags, size, configs) as
YAML front matter, then what the data is, where it comes from, Table 1, the realism and tool reports,
the figures, the contamination report when the run has one, and the config that made it. Built with
huggingface_hub's card classes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .license import license_of

SPLITS = ("train", "rejected")
PLOTS = {"per_dialogue.png": "Turns, steps, tasks and tool calls per dialogue",
         "tool_calls_by_kind.png": "Tool calls by kind", "rejection_reasons.png": "Why dialogues were rejected"}


def size_category(rows: int) -> str:
    for limit, name in ((1_000, "n<1K"), (10_000, "1K<n<10K"), (100_000, "10K<n<100K"), (1_000_000, "100K<n<1M")):
        if rows < limit:
            return name
    return "n>1M"


def contamination_of(run: Path) -> str | None:
    """The run's contamination report (``python -m evaluation.contamination RUN``) as a card section's
    body: its Markdown less its top-level heading; None when the run has none."""
    path = run / "contamination.md"
    if not path.is_file():
        return None
    text = path.read_text()
    return text.split("\n", 1)[1].lstrip("\n") if text.startswith("# ") else text


def write_run_card(run: Path) -> Path:
    """``RUN/README.md`` from what the run folder holds: stats.json, config.yaml, plots/ and, once the
    contamination check has run, contamination.md."""
    import json

    from ..config import load_config
    from ..run_folder import CONFIG_FILE

    stats = json.loads((run / "stats.json").read_text())
    plots = sorted(p.name for p in (run / "plots").glob("*.png")) if (run / "plots").is_dir() else []
    card = build_card(stats, load_config(run / CONFIG_FILE, {}), plots, contamination=contamination_of(run))
    (run / "README.md").write_text(str(card))
    return run / "README.md"


def build_card(stats: dict[str, Any], config, plots: list[str], data_files: dict[str, str] | None = None,
               contamination: str | None = None):
    """A ``huggingface_hub.DatasetCard``. ``plots``: figure file names under ``plots/``; ``data_files``:
    split -> path pattern of its files when they are parquet files beside the card (a Hub folder);
    ``contamination``: the body of its Contamination section (``contamination_of(run)``)."""
    import yaml
    from huggingface_hub import DatasetCard, DatasetCardData

    from ..records import SCHEMA_VERSION
    from ..stats import stats_markdown

    source = license_of(config.databases)
    splits = {k: v for k, v in stats["splits"].items() if k in SPLITS}
    metadata = DatasetCardData(
        license=source.id, language=["en"], pretty_name="Tool-use dialogues",
        task_categories=["text-generation"], size_categories=[size_category(sum(splits.values()))],
        tags=["tool-use", "function-calling", "multi-turn", "synthetic", "agents", "sql"],
        **({"configs": [{"config_name": "default", "data_files": [
            {"split": split, "path": path} for split, path in data_files.items()]}]} if data_files else {}),
    )
    figures = "".join(f"![{PLOTS.get(name, name)}](plots/{name})\n\n" for name in plots)
    content = (
        f"---\n{metadata.to_yaml()}\n---\n\n"
        "# Tool-use dialogues\n\n"
        f"Dialogue records (schema {SCHEMA_VERSION}): `messages` + `tools` in OpenAI chat format (tool-call "
        "arguments as JSON objects, so stock chat templates render them once), with the environment (SQL of "
        "every tool, or simulated tools with return schemas), tasks with rubrics and gold plans, the simulated "
        "user's persona and scenario, validation results and statistics per dialogue. Split `train` holds the "
        "validated dialogues, `rejected` the others with the checks they failed.\n\n"
        "```python\nfrom datasets import load_dataset\n\ndata = load_dataset(\"<this repo>\")\n"
        "data[\"train\"][0][\"messages\"]\n```\n\n"
        f"## Source and license\n\nLicense: `{source.id}`.\n\n{source.attribution}\n\n"
        "## Statistics (the paper's Table 1, tools, realism)\n\n" + stats_markdown(stats)
        + ("\n## Figures\n\n" + figures if figures else "")
        + ("\n## Contamination\n\n" + contamination if contamination else "")
        + "\n## Generation config\n\n```yaml\n"
        + yaml.safe_dump(config.model_dump(mode="json", exclude={"llm": {"endpoints"}}), sort_keys=False) + "```\n"
    )
    return DatasetCard(content)
