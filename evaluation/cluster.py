"""A sweep's models evaluated side by side on a Ray cluster (``ray:`` in the config, or ``--ray``).

Each model is one Ray task running the same steps as a sweep run in a row: serve it (or check its
endpoint), run every selected benchmark, log each trial as it ends. A model served from a ``path``
takes one GPU, and Ray sets ``CUDA_VISIBLE_DEVICES`` so the server we start sees only that one; a
model behind an ``endpoint`` takes none. Each task writes only its own model's folder,
``<output_dir>/<model>/``, so every node must see the output folder at the same path (this
machine, or a filesystem the nodes share); this process writes the report as models finish.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from common.errors import InputError
from common.ray_cluster import connect, first_line, mark_folder, sees_folder

from .config import EvaluationConfig

RETRIES = 2  # per model, when its node is lost


def models_on_ray(config: EvaluationConfig, output: Path, evaluate_model: Callable[..., tuple]) -> Iterator[tuple]:
    """``evaluate_model(config, spec, output)`` for every model at once on the cluster, each result
    as it comes back."""
    ray = connect(config.ray)
    from ray.exceptions import RayError, RayTaskError

    try:
        output = output.resolve()  # the tasks' working directory is not this one
        output.mkdir(parents=True, exist_ok=True)
        token = mark_folder(output)
        task = ray.remote(_one_model)
        # a task lost with its node runs again elsewhere, resuming from the trials its model logged
        calls = {task.options(num_gpus=1 if spec.path else 0, num_cpus=1, max_retries=RETRIES)
                 .remote(config, index, str(output), token, evaluate_model): spec
                 for index, spec in enumerate(config.models)}
        while calls:
            [call], _ = ray.wait(list(calls), num_returns=1)
            spec = calls.pop(call)
            try:
                yield ray.get(call)
            except RayError as exc:  # this model failed; the others go on, as in a sweep run in a row
                cause = exc.cause if isinstance(exc, RayTaskError) and exc.cause is not None else exc
                yield spec, [], {}, [f"{spec.name}: {type(cause).__name__}: {first_line(cause)}"]
    finally:
        ray.shutdown()


def _one_model(config: EvaluationConfig, index: int, output: str, token: str, evaluate_model: Callable) -> tuple:
    spec = config.models[index]
    if not sees_folder(Path(output), token):
        raise InputError(f"{output} is not on this node: evaluate on a filesystem every node shares")
    return evaluate_model(config, spec, Path(output))
