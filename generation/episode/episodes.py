"""The one public way to run a dialogue: from a plan to its records (generation), or to a scored
trial (evaluation)."""

from __future__ import annotations

import random
from collections import Counter
from typing import TYPE_CHECKING

from ..llm.accounting import Accounting
from ..records import Task
from ..simulation.voice import persona_of
from ..tasks.scenario import scenario_for
from ..worlds.protocol import World
from .assembly import history, without_tasks
from .outcome import DialogueOutcome, Prior, TrialResult, record_of
from .play import Dialogue, play
from .policies import write_tasks
from .settings import EpisodeSettings
from .tasks import Planning

if TYPE_CHECKING:
    from ..llm.pool import LLMPool


class Episodes:
    def __init__(self, settings: EpisodeSettings, llm: LLMPool | None) -> None:
        self.settings = settings
        self.llm = llm

    async def run(self, world: World, index: int, prior: Prior | None = None) -> DialogueOutcome:
        """Dialogue ``index`` (seeded by it alone), one record per mode."""
        settings = self.settings
        outcome = DialogueOutcome()
        meter = Accounting()
        rng = random.Random(f"{settings.seed}:{index}")
        prefix = f"{world.name}-s{settings.seed}-{index:06d}"
        tasks, gold_hash = await self._plan(world, prior, rng, prefix, meter, outcome.events, index)
        if not tasks:
            outcome.records = [without_tasks(world, settings, mode, prefix, prior, meter, gold_hash)
                               for mode in settings.modes]
        else:
            await self._each_mode(outcome, world, index, prefix, tasks, gold_hash, prior, rng, meter)
        outcome.usage = meter.summary()
        outcome.outages = meter.outages
        return outcome

    async def trial(self, world: World, index: int) -> TrialResult:
        """Dialogue ``index`` in the first mode, scored for the agent under test."""
        outcome = await self.run(world, index)
        return TrialResult.of(outcome.records[0])

    async def _plan(self, world: World, prior: Prior | None, rng: random.Random, prefix: str,
                    meter: Accounting, events: Counter, index: int) -> tuple[list[Task], str]:
        """The dialogue's new tasks, and the hash of the gold state they lead to."""
        gold = world.start(record_of(prior), wall_clock=False)
        try:
            persona = persona_of(self.settings.seed, index, self.settings.personas)
            scenario = scenario_for(self.settings.seed, index, world.name).text  # what an LLM writer writes for
            tasks = await write_tasks(Planning(world, self.settings, self.llm, rng, gold, prefix, meter, events,
                                               persona, scenario))
            return tasks, gold.state_hash()
        finally:
            gold.close()

    async def _each_mode(self, outcome: DialogueOutcome, world: World, index: int, prefix: str, tasks: list[Task],
                         gold_hash: str, prior: Prior | None, rng: random.Random, meter: Accounting) -> None:
        settings = self.settings
        prior_record = record_of(prior)
        offer = world.offer(tasks, settings.max_tools_per_dialogue, rng, prior_record)
        system = world.system_prompt()
        earlier = prior_record.tasks if prior_record is not None else []
        dialogue = Dialogue(world, index, prefix, prior, earlier + tasks, len(earlier), offer, system,
                            history(prior, system), gold_hash, meter, outcome.events,
                            persona_of(settings.seed, index, settings.personas),
                            scenario_for(settings.seed, index, world.name, tasks))
        for mode in settings.modes:
            outcome.events["tasks_attempted"] += len(tasks)
            record = await play(dialogue, mode, settings, self.llm)
            if record.validation.passed:
                outcome.events["tasks_validated"] += len(tasks)
            outcome.records.append(record)
