"""Where a dialogue's tool calls run: a SQL database copy, or an LLM simulating the tools.

Policies and the episode talk to the ``World`` protocol only; which kind a run uses is picked
once, by ``open_worlds``, from the config's ``execution``.
"""

from .protocol import SessionContext, ToolOffer, ToolSession, World, WorldState
from .registry import WorldSet, WorldsRequest, open_worlds, tool_counts
from .simulated import SimulatedWorld
from .sql import SqlToolSession, SqlWorld

__all__ = ["SessionContext", "SimulatedWorld", "SqlToolSession", "SqlWorld", "ToolOffer", "ToolSession", "World",
           "WorldSet", "WorldState", "WorldsRequest", "open_worlds", "tool_counts"]
