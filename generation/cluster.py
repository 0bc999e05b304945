"""A generation run's dialogues on a Ray cluster (``--ray ADDRESS``, config ``ray``).

This process stays the run's driver and its only writer: it owns the checkpoint and, afterwards,
the output, so resume, the output layout and determinism (dialogue *i* is seeded by *i* alone) are
those of a local run. The config describes one node: each runs
``workers`` actors, each a ``Shard`` with its own event loop and its share of the node's
``llm.concurrent_dialogues``. The prepared worlds (databases included) go into the object store
once, and each node fetches them once for its actors.

Work is handed out as actors free up: each actor holds a few dialogues at a time and gets the next
one when one comes back. A node lost mid-run takes its actors with it: Ray restarts them elsewhere
and retries the calls they held (``max_restarts``, ``max_task_retries``); a dialogue whose actor
is gone for good goes to another actor. A result reaches the checkpoint once, when it comes back,
so a dialogue rerun after a loss is neither lost nor written twice.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections import Counter, deque
from pathlib import Path
from typing import Any

from common.errors import InputError
from common.ray_cluster import connect, first_line, mark_folder, sees_folder

from .checkpoint import CheckpointWriter, Finished
from .config import GenerationConfig
from .episode import Prior
from .shard import Shard
from .worlds import WorldSet

RESTARTS = 3  # per actor: a node lost now and then, not a crash loop
IN_FLIGHT_WITHOUT_LLM = 2  # dialogues held by an actor when nothing waits on a server: one runs, one queued
ACTOR_CPUS = 0.01  # reserved per actor: see _actor
CLOSE_S = 30  # for the actors to flush their caches at the end


class DialogueActor:
    """A Ray actor running dialogues by index. Where the run's ``.work`` is visible (this machine,
    or a filesystem every node mounts) it shares the run's LLM cache and request log; elsewhere it
    keeps its own in the node's temp dir."""

    def __init__(self, config: GenerationConfig, work: str, token: str) -> None:
        import ray

        self.config, self.work, self.token = config, Path(work), token
        self.node = ray.get_runtime_context().get_node_id()
        self.shard: Shard | None = None
        self.shared = False
        self._opening = asyncio.Lock()

    async def open(self, inputs: list[Any]) -> None:
        """Fetch the worlds and priors (``inputs``: their object refs, in a list so that Ray leaves
        them to this method) and get ready to run dialogues. The driver calls it first; a restarted
        actor's first ``run`` does (the driver still holds the refs)."""
        async with self._opening:
            if self.shard is None:
                worlds, priors = await asyncio.gather(*inputs)
                self.shared = sees_folder(self.work, self.token)
                here = self.work if self.shared else Path(tempfile.gettempdir()) / "tooldial" / self.token
                self.shard = Shard(self.config, worlds, priors, here, self.node)

    async def run(self, index: int, inputs: list[Any]) -> tuple[Finished, bool]:
        """The dialogue, and whether its requests are in the run's request log."""
        await self.open(inputs)
        return await self.shard.run(index), self.shared

    async def close(self) -> None:
        if self.shard is not None:
            await self.shard.close()


def run_on_ray(config: GenerationConfig, worlds: WorldSet, priors: list[Prior] | None, todo: list[int],
               work: Path) -> dict[str, Any]:
    """Run dialogues ``todo`` on the cluster at ``config.ray``, appending each to the checkpoint in
    ``work`` as it comes back; the phase of the run (see ``CheckpointWriter.close``)."""
    ray = connect(config.ray)
    try:
        token = mark_folder(work)
        # a head started with --num-cpus 0 is meant to take no work
        nodes = [n["NodeID"] for n in ray.nodes() if n["Alive"] and n["Resources"].get("CPU", 0) > 0]
        if not nodes:
            raise InputError(f"the Ray cluster at {config.ray} has no node with CPUs to run dialogues on")
        # one object each: a node fetches it once, whatever the number of its actors
        inputs = [ray.put(worlds), ray.put(priors)]
        # each node brings its own share: the config describes one node, so nodes add throughput
        depth = max(1, config.llm.concurrent_dialogues // config.workers) if config.uses_llm else IN_FLIGHT_WITHOUT_LLM
        actors = [_actor(ray, config, node, depth, work, token) for node in nodes for _ in range(config.workers)]
        try:
            live = _opened(ray, actors, inputs)
            writer = CheckpointWriter(work / "dialogues.jsonl", len(todo))  # its phase starts with the dialogues
            ramp_s = config.llm.ramp_up_s / depth if config.uses_llm else 0.0
            try:
                shared, per_node = _dispatch(ray, live, inputs, deque(todo), depth, writer, ramp_s)
            finally:
                phase = writer.close()
        finally:
            _close(ray, actors)
        return {**phase, "requests_logged": shared, "actors": len(actors), "dialogues_per_node": per_node}
    finally:
        ray.shutdown()


def _actor(ray: Any, config: GenerationConfig, node: str, depth: int, work: Path, token: str) -> Any:
    """An actor on ``node``. It reserves a sliver of a CPU (it mostly waits on servers), so one
    restarted after its node is lost finds room on the nodes left; the affinity is soft for the
    same reason. (With no CPU at all, Ray 2.60 ignores a soft affinity: all went to one node.)"""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    return ray.remote(DialogueActor).options(
        num_cpus=ACTOR_CPUS, max_restarts=RESTARTS, max_task_retries=-1, max_concurrency=depth if config.uses_llm else 1,
        scheduling_strategy=NodeAffinitySchedulingStrategy(node, soft=True)).remote(config, str(work), token)


def _opened(ray: Any, actors: list[Any], inputs: list[Any]) -> list[Any]:
    """The actors that fetched their inputs and are ready, so the first wave starts as ramped."""
    from ray.exceptions import RayActorError

    live, error = [], None
    for actor, call in [(actor, actor.open.remote(inputs)) for actor in actors]:
        try:
            ray.get(call)
            live.append(actor)
        except RayActorError as exc:
            error = exc
    if not live:
        raise InputError(f"no Ray actor could start: {first_line(error)}")
    return live


def _dispatch(ray: Any, actors: list[Any], inputs: list[Any], queue: deque[int], depth: int,
              writer: CheckpointWriter, ramp_s: float) -> tuple[bool, dict[str, int]]:
    """Keep ``depth`` dialogues on every actor until ``queue`` is empty and all came back; whether
    every actor shared the run's request log, and how many dialogues each node ran."""
    from ray.exceptions import ObjectLostError, RayActorError

    held: dict[Any, tuple[Any, int]] = {}  # call -> (actor, dialogue index)
    load = {actor: 0 for actor in actors}  # the live actors and the dialogues each holds
    shared, per_node = True, Counter()

    def give(actor: Any) -> None:
        if queue and load:
            actor = actor if actor in load else min(load, key=load.get)
            index = queue.popleft()
            held[actor.run.remote(index, inputs)] = (actor, index)
            load[actor] += 1

    for _ in range(depth):  # the first wave, spread over the ramp like a local run's
        for actor in actors:
            give(actor)
            time.sleep(ramp_s / len(actors))
    while held:
        # every result ready now, else the first to come: one wait per batch, not one per dialogue
        ready, _ = ray.wait(list(held), num_returns=len(held), timeout=0)
        for call in ready or ray.wait(list(held), num_returns=1)[0]:
            actor, index = held.pop(call)
            if actor in load:
                load[actor] -= 1
            try:
                finished, seen = ray.get(call)
            except (RayActorError, ObjectLostError) as exc:  # restarts used up, or its result lost with a node
                if isinstance(exc, RayActorError):
                    load.pop(actor, None)
                queue.appendleft(index)
                if not load:
                    raise InputError(f"every Ray actor died ({first_line(exc)}); finished dialogues are kept, "
                                     "rerun the same command to resume") from None
                give(actor)
                continue
            writer.add(finished)
            shared = shared and seen
            per_node[finished.node] += 1
            give(actor)
    return shared, dict(sorted(per_node.items()))


def _close(ray: Any, actors: list[Any]) -> None:
    """Flush the live actors' caches and request logs (a dead one has nothing left to flush)."""
    from ray.exceptions import RayError

    calls = [actor.close.remote() for actor in actors]
    ready, _ = ray.wait(calls, num_returns=len(calls), timeout=CLOSE_S)
    for call in ready:
        try:
            ray.get(call)
        except RayError:
            pass
