"""Evaluation config: models to evaluate, benchmarks to run, trials and k; YAML checked by pydantic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model, model_validator

from common.config_files import first_problem, read_yaml_mapping, validation_message
from common.errors import InputError
from common.tracking import WandbConfig

from .benchmarks import BENCHMARKS
from .serving import ModelSpec


class ConfigError(InputError):
    """Bad evaluation input; the message is one line naming the problem."""


class _Benchmarks(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _empty_means_defaults(cls, data: Any) -> Any:
        # `bfcl:` with nothing after it selects BFCL with its default settings
        if isinstance(data, dict):
            return {k: ({} if v is None else v) for k, v in data.items()}
        return data

    def selected(self) -> list[str]:
        return [name for name in BENCHMARKS if getattr(self, name) is not None]


# one optional section per registered benchmark: `benchmarks: {bfcl: {...}, sqlbench: {...}}`
BenchmarksConfig = create_model("BenchmarksConfig", __base__=_Benchmarks,
                                **{name: (b.settings | None, None) for name, b in BENCHMARKS.items()})


class EvaluationConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    output_dir: str = "out/eval"
    trials: int = Field(1, ge=1)  # independent trials of every task
    k: int | None = None  # report Pass^1..k; default: trials
    models: list[ModelSpec]
    benchmarks: BenchmarksConfig
    wandb: WandbConfig = Field(default_factory=WandbConfig)
    ray: str | None = None  # a Ray cluster to evaluate the models on side by side (see cluster.py)

    @model_validator(mode="after")
    def _checks(self) -> "EvaluationConfig":
        if self.k is None:
            self.k = self.trials
        if self.k < 1 or self.k > self.trials:
            raise ValueError(f"k={self.k} needs 1 <= k <= trials ({self.trials}): Pass^k needs k trials per task")
        names = [m.name for m in self.models]
        if not names:
            raise ValueError("no models to evaluate")
        if len(set(names)) != len(names):
            raise ValueError(f"model names must be unique: {names}")
        if not self.benchmarks.selected():
            raise ValueError(f"no benchmark selected (choose from {', '.join(BENCHMARKS)})")
        return self


def _message(exc: ValidationError, source: str) -> str:
    loc, _ = first_problem(exc)
    if exc.errors()[0]["type"] == "extra_forbidden" and loc[:1] == ["benchmarks"] and len(loc) == 2:
        return f"invalid config ({source}): unknown benchmark {loc[1]!r} (known: {', '.join(BENCHMARKS)})"
    return validation_message(exc, source)


def load_config(path: Path, overrides: dict[str, Any]) -> EvaluationConfig:
    try:
        data = read_yaml_mapping(path)
    except InputError as exc:
        raise ConfigError(str(exc)) from None
    data.update({k: v for k, v in overrides.items() if v is not None})
    if overrides.get("trials") is not None and overrides.get("k") is None and isinstance(data.get("k"), int):
        data["k"] = min(data["k"], overrides["trials"])  # --trials alone: report what those trials support
    try:
        return EvaluationConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(_message(exc, str(path))) from None
