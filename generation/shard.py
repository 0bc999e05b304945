"""One process's share of a generation run: its LLM clients and episodes, running dialogues by index.

The same class serves every way a run executes: in the run's own process, in each forked worker,
and in each Ray actor of a cluster (``cluster.py``). It writes nothing but the LLM cache and the
request log; the checkpoint line of a finished dialogue goes back to whoever owns the checkpoint.
"""

from __future__ import annotations

from pathlib import Path

from .checkpoint import Finished, checkpoint_entry
from .config import GenerationConfig
from .episode import Episodes, Prior
from .episode.outcome import record_of
from .llm.pool import LLMPool
from .worlds import World, WorldSet

REQUEST_LOG = "requests.log"  # in .work/: every LLM request sent, by role and outcome


class Shard:
    def __init__(self, config: GenerationConfig, worlds: WorldSet, priors: list[Prior] | None, work: Path,
                 node: str | None = None) -> None:
        """``work``: where the LLM cache and request log live (the run's ``.work``, or a node's own);
        ``node``: the Ray node this shard runs on, if any: its dialogues may have been begun by an
        actor lost with its node, so the cache is searched for their earlier calls."""
        self.worlds = worlds
        self.node = node
        self.priors = priors
        self.llm = LLMPool(config.llm.endpoints, work / "llm_cache.sqlite" if config.llm.cache else None,
                           work / REQUEST_LOG, shared_cache=node is not None) if config.uses_llm else None
        self.episodes = Episodes(config.episode_settings(), self.llm)

    def _prior(self, index: int) -> Prior | None:
        return self.priors[index] if self.priors is not None else None

    def _world(self, index: int) -> World:
        return self.worlds.for_dialogue(index, record_of(self._prior(index)))

    async def run(self, index: int) -> Finished:
        outcome = await self.episodes.run(self._world(index), index, self._prior(index))
        return Finished(index, checkpoint_entry(index, outcome, self.node), outcome.usage, outcome.outages, self.node)

    async def close(self) -> None:
        if self.llm is not None:
            await self.llm.close()
