"""A finished generation run on Weights & Biases: acceptance, rejection reasons, LLM usage per role,
timing, Table 1 and the realism figures per mode, under the run's config."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from common.tracking import WandbConfig


def flat(prefix: str, value: Any) -> dict[str, float]:
    """Numbers of a nested dict as 'a/b/c' keys (what W&B charts)."""
    if isinstance(value, dict):
        return {k: v for key, sub in value.items() for k, v in flat(f"{prefix}/{key}" if prefix else str(key),
                                                                      sub).items()}
    return {prefix: value} if isinstance(value, (int, float)) and not isinstance(value, bool) else {}


def generation_metrics(stats: dict[str, Any]) -> dict[str, float]:
    return {
        **flat("splits", stats["splits"]), "acceptance_rate": stats["acceptance_rate"],
        **flat("rejection_reasons", stats.get("rejection_reasons") or {}), **flat("tasks", stats["tasks"]),
        **flat("table1", stats["by_mode"]), **flat("realism", stats.get("realism") or {}),
        **flat("llm", (stats.get("llm") or {}).get("roles") or {}), **flat("timing", stats.get("timing") or {}),
        "seconds": stats["seconds"],
    }


def log_generation(settings: WandbConfig, stats: dict[str, Any], config, output: Path) -> None:
    """One W&B run; a failure to log is reported on stderr and loses nothing (the data is written)."""
    try:
        import wandb

        run = wandb.init(project=settings.project, entity=settings.entity, group=settings.group,
                         name=settings.run_name or output.name, config=config.model_dump(mode="json"),
                         job_type="generation", dir=str(output), reinit="finish_previous")
        try:
            run.log(generation_metrics(stats))
            reasons = wandb.Table(columns=["check", "rejected dialogues"],
                                  data=[[k, v] for k, v in (stats.get("rejection_reasons") or {}).items()])
            run.log({"rejection_reasons_table": reasons})
        finally:
            run.finish()
    except Exception as exc:  # noqa: BLE001 - logging is a side channel: the run's output stands
        print(f"warning: W&B logging failed ({type(exc).__name__}: {exc}); the run's output is complete",
              file=sys.stderr)
