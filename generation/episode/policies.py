"""Which code plays each role, by the name the config gives it. Adding a policy means adding its
entry here (the config accepts exactly the names listed)."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..records import Check, Message, Task
from ..simulation.agent_llm import LLMAgent
from ..simulation.agent_oracle import OracleAgent
from ..simulation.policies import AgentPolicy, UserPolicy
from ..simulation.user_llm import LLMUser
from ..simulation.user_rules import RulesUser
from ..validation.judge import judge
from .tasks import Planning, llm_tasks, rule_tasks

if TYPE_CHECKING:
    from ..llm.accounting import Accounting
    from ..llm.pool import LLMPool
    from .settings import EpisodeSettings


@dataclass(frozen=True)
class Cast:
    """What a policy is made from in one dialogue mode."""

    settings: EpisodeSettings
    llm: LLMPool | None
    meter: Accounting
    scope: str
    seed: int  # the dialogue's request seed


@dataclass(frozen=True)
class Policy:
    make: Callable
    uses_llm: bool


@dataclass(frozen=True)
class AgentPolicyEntry(Policy):
    strict: bool = False  # runs the gold plan itself: its calls must match it exactly


def _llm_judge(cast: Cast, tasks: list[Task], messages: list[Message], rng: random.Random) -> Awaitable[Check]:
    return judge(cast.llm.client("judge"), cast.meter, tasks, messages, rng, seed=cast.seed)


USERS: dict[str, Policy] = {
    "rules": Policy(lambda c: RulesUser(c.settings.max_subtasks_per_turn, c.settings.combine_probability,
                                        c.settings.confirm_write_probability, c.settings.personas), uses_llm=False),
    "llm": Policy(lambda c: LLMUser(c.llm.client("user"), c.meter, c.scope, seed=c.seed), uses_llm=True),
}
AGENTS: dict[str, AgentPolicyEntry] = {
    "oracle": AgentPolicyEntry(lambda c: OracleAgent(c.settings.max_steps_per_turn, c.settings.confirm_writes),
                               uses_llm=False, strict=True),
    "llm": AgentPolicyEntry(lambda c: LLMAgent(c.llm.client("agent"), c.meter, c.scope, c.settings.max_steps_per_turn,
                                               seed=c.seed), uses_llm=True),
}
TASK_WRITERS: dict[str, Policy] = {  # make: async (Planning) -> tasks
    "rules": Policy(rule_tasks, uses_llm=False),
    "llm": Policy(llm_tasks, uses_llm=True),
}
JUDGES: dict[str, Policy] = {  # make: None, or (Cast, tasks, messages, rng) -> awaitable Check
    "none": Policy(None, uses_llm=False),
    "llm": Policy(_llm_judge, uses_llm=True),
}
REGISTRIES = {"user": USERS, "agent": AGENTS, "tasks": TASK_WRITERS, "judge": JUDGES}


def make_user(cast: Cast) -> UserPolicy:
    return USERS[cast.settings.user_policy].make(cast)


def make_agent(cast: Cast) -> tuple[AgentPolicy, bool]:
    """The agent, and whether its calls must match the gold plan exactly."""
    entry = AGENTS[cast.settings.agent_policy]
    return entry.make(cast), entry.strict


async def write_tasks(planning: Planning) -> list[Task]:
    return await TASK_WRITERS[planning.settings.task_policy].make(planning)
