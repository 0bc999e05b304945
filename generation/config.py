"""Generation config: a YAML file validated by pydantic (unknown keys are errors)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any, ClassVar, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from common.config_files import read_yaml_mapping, validation_message
from common.errors import InputError
from common.tracking import WandbConfig

from .databases.guards import QueryLimits
from .episode.settings import EpisodeSettings
from .llm.endpoints import EndpointsConfig
from .tools.prep.sql_design import DesignSettings
from .simulation.voice import PERSONAS


class _Section(BaseModel):
    # strict: YAML's `true` is not the count 1, nor "3" the number 3
    model_config = ConfigDict(extra="forbid", strict=True)


def _registered(role: str, name: str) -> str:
    """A policy name the registry knows (``episode/policies.py``, the one list of policies)."""
    from .episode.policies import REGISTRIES  # on use: the registry imports the policies themselves

    if name not in REGISTRIES[role]:
        raise ValueError(f"unknown policy {name!r} (known: {', '.join(REGISTRIES[role])})")
    return name


class _Role(_Section):
    role: ClassVar[str]
    policy: str

    @field_validator("policy")
    @classmethod
    def _known(cls, value: str) -> str:
        return _registered(cls.role, value)


class UserConfig(_Role):
    role = "user"
    policy: str = "rules"
    max_subtasks_per_turn: int = Field(2, ge=1, le=2)
    combine_probability: float = Field(0.15, ge=0, le=1)
    confirm_write_probability: float = Field(0.5, ge=0, le=1)
    max_user_turns: int = Field(40, ge=2)
    # persona -> weight for the rules user (terse, chatty, vague, precise, impatient, non_native)
    personas: dict[str, float] = Field(default_factory=lambda: {p: 1.0 for p in PERSONAS})

    @field_validator("personas")
    @classmethod
    def _known_personas(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(PERSONAS))
        if unknown:
            raise ValueError(f"unknown persona {unknown[0]!r} (known: {', '.join(PERSONAS)})")
        if any(w < 0 for w in value.values()) or not any(w > 0 for w in value.values()):
            raise ValueError("persona weights must be >= 0 with at least one above 0")
        return value


class AgentConfig(_Role):
    role = "agent"
    policy: str = "oracle"
    max_steps_per_turn: int = Field(8, ge=1)
    confirm_writes: bool = True  # user_oriented: ask the user to approve a change first


class TasksConfig(_Role):
    role = "tasks"
    policy: str = "rules"  # rules: synthesized from rows; llm: the task writer


class JudgeConfig(_Role):
    role = "judge"
    policy: str = "none"


class ToolsConfig(_Section):
    """Where a SQL world's tools come from: the rules (templates over the schema), an LLM designer
    (the paper's questions -> tools -> expansion on each schema; ``tool_designer`` endpoint), or both."""

    policy: Literal["rules", "llm", "both"] = "rules"
    questions: list[int] = Field(default_factory=lambda: [10, 15])  # [min, max] user requests per database
    max_expansion: int = Field(10, ge=0, le=10)  # tools added for gaps after the per-request ones
    rows_per_table: int = Field(3, ge=0)  # the data view the designer sees

    @field_validator("questions")
    @classmethod
    def _range(cls, value: list[int]) -> list[int]:
        if len(value) != 2 or not 1 <= value[0] <= value[1]:
            raise ValueError("must be [min, max] with 1 <= min <= max")
        return value

    def design_settings(self, seed: int) -> DesignSettings:
        return DesignSettings(questions=(self.questions[0], self.questions[1]), max_expansion=self.max_expansion,
                              rows_per_table=self.rows_per_table, seed=seed)


class LLMConfig(_Section):
    endpoints: EndpointsConfig = Field(default_factory=EndpointsConfig)
    concurrent_dialogues: int = Field(64, ge=1)  # in flight at once on this machine (on each node, with ray)
    ramp_up_s: float = Field(0.2, ge=0)  # the first wave of dialogues starts spread over this time
    cache: bool = True  # persistent response cache in <output>/.work/llm_cache.sqlite


class SqlConfig(_Section):
    """Limits on every tool query (see databases/guards.py)."""

    timeout_ms: int = Field(10_000, ge=1)  # wall-clock safety net; max_vm_steps is the real limit
    row_cap: int = Field(50, ge=1)
    max_vm_steps: int = Field(20_000_000, ge=1)  # SQLite VM steps per query: the same on every run
    max_text_chars: int = Field(2000, ge=1)  # longer text cells are cut and marked

    def limits(self) -> QueryLimits:
        return QueryLimits(timeout_ms=self.timeout_ms, row_cap=self.row_cap, max_vm_steps=self.max_vm_steps,
                           max_text_chars=self.max_text_chars)


class GenerationConfig(_Section):
    databases: str = "builtin:demo"
    db_ids: list[str] | None = None
    num_dialogues: int = Field(256, ge=1)
    mode: Literal["user_oriented", "task_oriented", "both"] = "user_oriented"
    execution: Literal["sql", "simulated"] = "sql"
    toolset: str | None = None  # simulated execution: tools with return schemas (JSON)
    seed: int = 0
    tasks_per_dialogue: dict[int, float] = Field(default_factory=lambda: {1: 0.35, 2: 0.4, 3: 0.25})
    followup_probability: float = Field(0.65, ge=0, le=1)
    max_tools_per_dialogue: int = Field(24, ge=1)
    continue_from: str | None = None
    workers: int = Field(1, ge=1)  # processes, each running its share of dialogues (per node, with ray)
    ray: str | None = None  # a Ray cluster to run on: auto, HOST:PORT or ray://HOST:PORT (see cluster.py)
    continue_plain: bool = False  # continue_from holds plain chats: add a tool-use need to each
    user: UserConfig = Field(default_factory=UserConfig)
    agent: AgentConfig = Field(default_factory=AgentConfig)
    tasks: TasksConfig = Field(default_factory=TasksConfig)
    judge: JudgeConfig = Field(default_factory=JudgeConfig)
    tools: ToolsConfig = Field(default_factory=ToolsConfig)
    llm: LLMConfig = Field(default_factory=LLMConfig)
    sql: SqlConfig = Field(default_factory=SqlConfig)
    wandb: WandbConfig = Field(default_factory=WandbConfig)  # project set: acceptance, usage, realism to W&B

    @model_validator(mode="after")
    def _consistent(self) -> "GenerationConfig":
        if self.execution == "simulated":
            if not self.toolset:
                raise ValueError("execution: simulated needs a toolset file")
            if self.tasks.policy != "llm" or self.agent.policy != "llm":
                raise ValueError("execution: simulated needs tasks.policy: llm and agent.policy: llm "
                                 "(rule-based tasks and the oracle agent need SQL)")
            if self.tools.policy != "rules":
                raise ValueError("tools.policy: llm or both designs SQL tools: it needs execution: sql")
        if self.tools.policy == "llm" and self.tasks.policy != "llm":
            raise ValueError("tools.policy: llm needs tasks.policy: llm (rule-based tasks are made from the "
                             "rules tools; use tools.policy: both to keep them)")
        return self

    @property
    def uses_llm(self) -> bool:
        """Whether the dialogues need an LLM (tool design, done before them, is asked for on its own)."""
        from .episode.policies import REGISTRIES

        roles = (self.user, self.agent, self.tasks, self.judge)
        return any(REGISTRIES[r.role][r.policy].uses_llm for r in roles)

    @field_validator("tasks_per_dialogue", mode="before")
    @classmethod
    def _counts_from_json(cls, value):
        """JSON can only spell the task counts as strings ("3"): take those as the integers they name."""
        if isinstance(value, dict):
            return {int(k) if isinstance(k, str) and k.isdigit() else k: v for k, v in value.items()}
        return value

    @field_validator("tasks_per_dialogue")
    @classmethod
    def _distribution(cls, value: dict[int, float]) -> dict[int, float]:
        if not value or any(k < 1 or k > 20 for k in value) or any(w < 0 for w in value.values()):
            raise ValueError("must map task counts (1-20) to non-negative weights")
        if sum(value.values()) <= 0:
            raise ValueError("weights must not all be zero")
        return value

    @property
    def modes(self) -> list[str]:
        return ["user_oriented", "task_oriented"] if self.mode == "both" else [self.mode]

    def episode_settings(self) -> EpisodeSettings:
        """What shapes each dialogue of this run, apart from its world."""
        return EpisodeSettings(
            seed=self.seed, modes=tuple(self.modes), execution=self.execution,
            tasks_per_dialogue=dict(self.tasks_per_dialogue), followup_probability=self.followup_probability,
            max_tools_per_dialogue=self.max_tools_per_dialogue, task_policy=self.tasks.policy,
            user_policy=self.user.policy, agent_policy=self.agent.policy, judge_policy=self.judge.policy,
            max_user_turns=self.user.max_user_turns, max_steps_per_turn=self.agent.max_steps_per_turn,
            max_subtasks_per_turn=self.user.max_subtasks_per_turn,
            combine_probability=self.user.combine_probability,
            confirm_write_probability=self.user.confirm_write_probability,
            confirm_writes=self.agent.confirm_writes, personas=dict(self.user.personas),
        )


def default_episode_settings(**changes: Any) -> EpisodeSettings:
    """The generation defaults (their one home is this schema), with ``changes``: for callers such as the
    SQL benchmark that run episodes without a generation config."""
    return dataclasses.replace(GenerationConfig().episode_settings(), **changes)


def load_config(path: Path | None, overrides: dict, sets: list[str] = ()) -> GenerationConfig:
    """The config file, then the named flags, then ``--set KEY=VALUE`` overrides (dotted keys, YAML values)."""
    data = read_yaml_mapping(path) if path is not None else {}
    data.update({k: v for k, v in overrides.items() if v is not None})
    for item in sets:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise InputError(f"--set {item!r}: expected KEY=VALUE (e.g. --set user.combine_probability=0.3)")
        try:
            value = yaml.safe_load(text)
        except yaml.YAMLError:
            raise InputError(f"--set {item!r}: the value is not valid YAML") from None
        *parents, last = key.strip().split(".")
        node = data
        for part in parents:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise InputError(f"--set {item!r}: {part} is not a section")
        node[last] = value
    try:
        return GenerationConfig.model_validate(data)
    except ValidationError as exc:
        raise InputError(validation_message(exc, path or "command line")) from None
