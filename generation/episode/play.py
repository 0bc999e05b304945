"""One mode of one dialogue: cast the policies, let them talk over a tool session, validate, record."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..llm.accounting import Accounting
from ..llm.client import request_seed
from ..records import Check, DialogueRecord, Message, Simulation, Task, Validation
from ..simulation.orchestrator import SimulationResult, simulate
from ..tasks.scenario import Scenario
from ..validation import checks
from ..worlds.protocol import SessionContext, ToolOffer, World
from .assembly import MODE_TAG
from .outcome import Prior, record_of
from .policies import JUDGES, Cast, make_agent, make_user

if TYPE_CHECKING:
    from ..llm.pool import LLMPool
    from .settings import EpisodeSettings


@dataclass
class Dialogue:
    """What every mode of one dialogue shares: its world, tasks, offered tools and starting point."""

    world: World
    index: int
    prefix: str
    prior: Prior | None
    tasks: list[Task]  # the earlier dialogue's tasks (when continued), then the new ones
    first_task: int  # where the new tasks start
    offer: ToolOffer
    system: str
    history: list[Message] | None
    gold_hash: str
    meter: Accounting
    events: Counter
    persona: str | None = None  # how the user talks in every mode (simulation/voice.py)
    scenario: Scenario | None = None  # who the user is and why they came (tasks/scenario.py)


async def play(d: Dialogue, mode: str, settings: EpisodeSettings, llm: LLMPool | None) -> DialogueRecord:
    rng = random.Random(f"{settings.seed}:{d.index}:{mode}")
    scope = f"{d.prefix}-{MODE_TAG[mode]}"
    seed = request_seed(scope)  # in every request of this dialogue: see request_seed
    outages = len(d.meter.outages)
    state = d.world.start(record_of(d.prior))
    said: list[Message] = []  # the conversation as it grows: the tool simulator reads the latest request
    context = SessionContext(llm, d.meter, scope, rng, seed,
                             lambda: next((m.content for m in reversed(said) if m.role == "user"), ""))
    session = d.world.session(d.offer, state, context)
    cast = Cast(settings, llm, d.meter, scope, seed)
    user = make_user(cast)
    agent, strict = make_agent(cast)
    match, write_tools = d.world.call_matching(strict)
    try:
        result = await simulate(mode=mode, tasks=d.tasks, system_prompt=d.system, user=user, agent=agent,
                                env=session, rng=rng, max_user_turns=settings.max_user_turns, history=d.history,
                                first_task=d.first_task, tools=d.offer.specs, messages_out=said,
                                match=match, write_tools=write_tools, persona=d.persona,
                                scenario=d.scenario)
        final_hash = state.state_hash()
    finally:
        state.close()
    d.meter.close_scope(scope)
    d.events.update(result.events)  # text_cells_truncated, queries_over_step_budget, queries_timed_out
    found = d.world.state_checks(result.messages, final_hash, d.gold_hash)
    found += _conversation_checks(result, d, match, write_tools)
    judge = JUDGES[settings.judge_policy].make
    if judge is not None and len(d.meter.outages) == outages:  # no verdict on a broken dialogue
        found.append(await judge(cast, d.tasks[d.first_task:], result.messages, rng))
    if len(d.meter.outages) > outages:  # an endpoint failed on the way: that is the reason, whatever else
        found.append(Check(name="llm_available", passed=False, detail=d.meter.outages[outages][1]))
    validation = Validation(passed=all(c.passed for c in found), checks=found,
                            final_db_hash=final_hash, gold_db_hash=d.gold_hash)
    simulation = Simulation(mode=mode, execution=settings.execution, user_policy=user.name, agent_policy=agent.name,
                            seed=settings.seed, source_record_id=d.prior.id if d.prior is not None else None,
                            completed=result.completed, termination=result.termination, persona=d.persona,
                            scenario=d.scenario.text if d.scenario else None)
    return DialogueRecord(id=scope, messages=result.messages, tools=d.offer.specs, environment=d.offer.environment,
                          tasks=d.tasks, simulation=simulation, validation=validation, stats=result.stats)


def _conversation_checks(result: SimulationResult, d: Dialogue, match: str, write_tools: frozenset[str]) -> list[Check]:
    return [
        checks.check_required_calls(result.messages, d.tasks, match, write_tools),
        checks.check_output_schemas(result.messages, d.offer.returns),
        checks.check_grounding(result.messages),
        checks.check_answers(result.messages, d.tasks),
        checks.check_completion(result.completed, result.termination),
        checks.check_format(result.messages),
    ]
