"""What `python -m evaluation.paper` builds its tables from: generation runs (one per pipeline),
evaluation outputs (their models), the ablation's models, and the paper's published numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from common.config_files import read_yaml_mapping, validation_message
from common.errors import InputError

PUBLISHED = Path(__file__).with_name("published.yaml")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DatasetEntry(_Section):
    """A generation run (`python -m generation --output RUN`), for Tables 1 and 4 and the figures."""

    run: str
    pipeline: str  # how our tables name it, e.g. "UO + SQL exec (Spider)"
    paper_row: str | None = None  # the published Table-1 row beside it ("UO + Tool-Exec / SQL (Spider)")
    paper_efficiency_row: str | None = None  # the published Table-4 row ("User-oriented")


class ModelEntry(_Section):
    """A model in an evaluation output (`python -m evaluation`'s `output_dir`), for Table 2."""

    results: str
    model: str  # its name in that evaluation's config
    label: str | None = None  # how our tables name it (default: the model's name)
    paper_row: str | None = None  # the published Table-2 row beside it ("4B + OURS")


class AblationEntry(_Section):
    """Table 3: the one base model trained on one pipeline's data, as evaluated."""

    pipeline: str
    results: str
    model: str
    paper_row: str | None = None  # "Task-oriented" | "User-oriented" | "User-oriented + Tool Exec"
    paper_size: Literal["4B", "30B"] = "4B"


class PaperConfig(_Section):
    output_dir: str = "out/paper"
    datasets: list[DatasetEntry] = Field(default_factory=list)
    models: list[ModelEntry] = Field(default_factory=list)
    ablation: list[AblationEntry] = Field(default_factory=list)
    published: str = str(PUBLISHED)


def load_paper_config(path: Path) -> PaperConfig:
    try:
        return PaperConfig.model_validate(read_yaml_mapping(path))
    except ValidationError as exc:
        raise InputError(validation_message(exc, path)) from None


def load_published(path: Path) -> dict[str, Any]:
    try:
        return yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(f"published numbers {path}: {exc}") from None
