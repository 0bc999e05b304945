"""What shapes one episode (a dialogue from its plan to its record), apart from the world it runs in."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class EpisodeSettings:
    """Built from a generation config by ``GenerationConfig.episode_settings``; the SQL benchmark starts
    from ``config.default_episode_settings``, so the defaults have one home."""

    seed: int
    modes: tuple[str, ...]
    execution: str  # as the record's simulation states it
    tasks_per_dialogue: dict[int, float]
    followup_probability: float
    max_tools_per_dialogue: int
    task_policy: str
    user_policy: str
    agent_policy: str
    judge_policy: str
    max_user_turns: int
    max_steps_per_turn: int
    max_subtasks_per_turn: int
    combine_probability: float
    confirm_write_probability: float
    confirm_writes: bool
    personas: dict[str, float] | None = None  # the rules user's persona weights (simulation/voice.py)
