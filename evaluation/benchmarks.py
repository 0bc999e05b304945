"""The benchmarks an evaluation can run, by the name the config gives them. Adding a benchmark
means adding its entry here: its settings model (the config section) and its runner."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from .bfcl import BfclSettings
from .bfcl_single import BfclSingleSettings
from .sqlbench import SqlBenchSettings
from .tau2 import Tau2Settings


@dataclass(frozen=True)
class Benchmark:
    settings: type[BaseModel]
    # "module:function" in this package, imported on use: each harness pulls in its benchmark's
    # package (bfcl-eval, tau2 + litellm); called as (endpoint, settings, trials, log, workdir) -> summary
    runner: str

    def run(self) -> Callable[..., dict[str, Any]]:
        module, function = self.runner.split(":")
        return getattr(importlib.import_module(f"{__package__}.{module}"), function)


BENCHMARKS: dict[str, Benchmark] = {
    "bfcl": Benchmark(BfclSettings, "bfcl:run_bfcl"),
    "bfcl_single": Benchmark(BfclSingleSettings, "bfcl_single:run_bfcl_single"),
    "tau2": Benchmark(Tau2Settings, "tau2:run_tau2"),
    "sqlbench": Benchmark(SqlBenchSettings, "sqlbench:run_sqlbench"),
}
