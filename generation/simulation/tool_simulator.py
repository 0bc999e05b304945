"""Tools without a backend: an LLM plays them, conditioned on the call and everything before it.

Arguments are checked against the tool's parameter schema first (the same structured errors as
SQL tools); the simulated result must match the tool's return schema or the error schema, else it
is asked for once more and then becomes a ``simulation_error`` tool error. An endpoint that is
down raises ``LLMUnavailable``: the agent ends the dialogue with that reason rather than go on
with a made-up tool error.
"""

from __future__ import annotations

import json
import random
from datetime import datetime, timedelta
from typing import Any

from ..llm.accounting import Accounting
from ..llm.client import LLMClient
from ..llm.jsonreply import UnusableReply, ask_json, fresh_seed
from ..llm.prompts import render
from ..tools.runtime import ToolOutput, checked_arguments, dumps, error_output
from ..tools.schema_check import matches
from ..tools.spec import error_schema
from ..tools.writes import write_kind

_ERRORS = error_schema()


def reference_time(rng: random.Random) -> str:
    """A random 'now' between 2023 and 2026, so simulated dates do not all cluster on one day."""
    start = datetime(2023, 1, 1)
    moment = start + timedelta(minutes=rng.randrange(4 * 365 * 24 * 60))
    return moment.strftime("%Y-%m-%d %H:%M")


class SimulatedTools:
    def __init__(self, tools: list[dict[str, Any]], returns: dict[str, dict[str, Any]], client: LLMClient,
                 meter: Accounting, scope: str, rng: random.Random, latest_user: callable,
                 seed: int | None = None) -> None:
        self.specs = {t["function"]["name"]: t["function"] for t in tools}
        self.returns = returns
        self.client = client
        self.meter = meter
        self.scope = scope
        self.rng = rng
        self.latest_user = latest_user
        self.seed = seed  # the dialogue's request seed (see request_seed)
        self._params = {n: f.get("parameters") or {"type": "object"} for n, f in self.specs.items()}
        self._thread = [{"role": "system", "content": render("tool_simulator", reference_time=reference_time(rng))}]

    def spec(self, name: str) -> dict[str, Any]:
        return {"kind": write_kind(name) or "get", "entity": name}

    async def call(self, name: str, arguments: str) -> ToolOutput:
        if name not in self.specs:
            return error_output("unknown_tool", f"No tool named {name!r}.")
        args = checked_arguments(self._params[name], arguments)
        if isinstance(args, ToolOutput):
            return args
        request = {"role": "user", "content": json.dumps({
            "tool": name, "description": self.specs[name].get("description", ""), "arguments": args,
            "returns": self.returns.get(name, {}), "user_request": self.latest_user()}, ensure_ascii=False)}
        schema = self.returns.get(name, {})

        def read(value: Any) -> tuple[Any, bool]:
            is_error = matches(_ERRORS, value)
            if not (is_error or matches(schema, value)):
                raise ValueError("the simulated result did not match the return schema")
            return value, is_error

        try:
            reply = await ask_json(self.client, "tool_simulator", self._thread + [request], meter=self.meter,
                                   scope=self.scope, read=read, seed=self.seed, reseed=fresh_seed(self.rng))
        except UnusableReply:
            return error_output("simulation_error", "the simulated result did not match the return schema")
        value, is_error = reply.value
        content = dumps(value)
        # append-only: later calls see this one, and the served prefix stays cached
        self._thread += [request, {"role": "assistant", "content": content}]
        return ToolOutput(content, value, not is_error)
