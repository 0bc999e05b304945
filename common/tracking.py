"""Weights & Biases settings shared by the stages that log runs (generation, evaluation; training goes
through TRL's own reporting)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from .errors import InputError


class WandbConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    project: str | None = None  # None: no W&B logging
    entity: str | None = None
    run_name: str | None = None  # default: chosen by the stage (the model, the output folder)
    group: str | None = None


def require_wandb(settings: WandbConfig) -> None:
    """Fail before any work when logging is asked for and wandb is not installed."""
    if settings.project:
        try:
            import wandb  # noqa: F401
        except ImportError:
            raise InputError(f"wandb.project is {settings.project!r} but wandb is not installed "
                             "(pip install '.[train]')") from None
