"""Both worlds fill the one protocol the episode talks to, and a simulated world has no state to hash."""

import inspect
import random

import pytest

from generation.worlds import protocol
from generation.worlds.simulated import NoState, SimulatedWorld
from generation.worlds.sql import SqlToolSession, SqlWorld


def _methods(cls) -> set[str]:
    return {n for n, v in vars(cls).items() if inspect.isfunction(v) and not n.startswith("_")}


@pytest.mark.parametrize("world", [SqlWorld, SimulatedWorld])
def test_each_world_fills_the_protocol(world):
    assert _methods(protocol.World) <= set(dir(world))
    assert _methods(protocol.World)  # the protocol is not empty: this test can fail


def test_sessions_say_whether_a_query_limit_ends_the_dialogue():
    from generation.worlds.simulated import SimulatedToolSession

    assert SqlToolSession.stops_on_query_limit and not SimulatedToolSession.stops_on_query_limit


def test_stateless_world_hashes_to_empty_and_undoes_nothing():
    state = NoState()
    with state.savepoint("task", undo=True):
        pass
    assert state.state_hash() == ""


def test_rule_tasks_need_a_sql_world():
    from generation.tools.toolsets import Toolset

    world = SimulatedWorld(Toolset("shop", "0" * 64, [], {}))
    with pytest.raises(NotImplementedError, match="need SQL"):
        world.synthesize_task(NoState(), random.Random(0), "t0", None)
