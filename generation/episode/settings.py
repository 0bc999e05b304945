"""What shapes one episode (a dialogue from its plan to its record), apart from the world it runs in."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..config import GenerationConfig


@dataclass(frozen=True)
class EpisodeSettings:
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

    @classmethod
    def from_config(cls, config: GenerationConfig) -> "EpisodeSettings":
        return cls(
            seed=config.seed, modes=tuple(config.modes), execution=config.execution,
            tasks_per_dialogue=dict(config.tasks_per_dialogue), followup_probability=config.followup_probability,
            max_tools_per_dialogue=config.max_tools_per_dialogue, task_policy=config.tasks.policy,
            user_policy=config.user.policy, agent_policy=config.agent.policy, judge_policy=config.judge.policy,
            max_user_turns=config.user.max_user_turns, max_steps_per_turn=config.agent.max_steps_per_turn,
            max_subtasks_per_turn=config.user.max_subtasks_per_turn,
            combine_probability=config.user.combine_probability,
            confirm_write_probability=config.user.confirm_write_probability,
            confirm_writes=config.agent.confirm_writes,
        )

    @classmethod
    def default(cls, **changes: Any) -> "EpisodeSettings":
        """The generation config's defaults (their one home), with ``changes``."""
        return dataclasses.replace(cls.from_config(GenerationConfig()), **changes)
