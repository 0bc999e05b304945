"""τ²-bench (airline, retail, telecom): the model under test is τ²'s agent, driven through τ²'s Python API.

Each simulation is τ²'s own `tau2.run.run_task` (its orchestrator, environments, user simulator and
evaluation with `EvaluationType.ALL`); the agent is litellm's `openai/<model>` at the endpoint's base
URL, so any OpenAI-compatible server works. Trials use τ²'s per-trial seeds (`tau2 run --seed`), and
Pass^k comes from τ²'s own metrics. We schedule the simulations ourselves instead of calling
`tau2.run.run_tasks`, because that asks on stdin whether to resume an existing results file, and
because every finished simulation must be logged as it ends (a rerun skips what is done).

User simulator: τ²'s numbers are published with an API model as the user simulator: `gpt-4.1` at
temperature 0, τ²'s default (`tau2.config.DEFAULT_LLM_USER`) and the one its README's leaderboard
(taubench.com) submission commands use (`--user-llm gpt-4.1`; a submission records it as
`methodology.user_simulator`). A different user simulator, such as a local model, changes how tasks are
posed and when conversations end, so its numbers are not comparable to the leaderboard's.
`Tau2Settings.user` chooses it; by default the model under test also plays the user.

Outcomes: one `TrialOutcome` per simulation (category = domain; success = τ²'s `is_successful`: reward
1.0 within 1e-6). A simulation that raises is recorded as τ² does with `skip_failed_samples` (reward 0):
when an endpoint failed to answer (down, HTTP error, timeout) the outcome carries `error` and a rerun
tries it again; a model that answered badly (tool arguments that are not JSON) simply failed.
"""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from tqdm import tqdm

from generation.llm.endpoints import EndpointConfig

from .outcomes import OutcomeLog

if TYPE_CHECKING:
    from tau2.data_model.tasks import Task

BENCHMARK = "tau2"
AGENT, USER = "llm_agent", "user_simulator"  # τ²'s registry names: its LLM agent and LLM user simulator


class Tau2Error(RuntimeError):
    """The run cannot go on (an endpoint does not answer at all); the message is one line."""


def _registry() -> Any:
    # imported on use: τ² pulls in litellm (seconds), which fetches a price list unless told not to
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    from loguru import logger

    logger.disable("tau2")  # τ² logs its registry and every simulation step at INFO
    from tau2.registry import registry

    return registry


def _check_domains(domains: list[str]) -> None:
    known = _registry().get_domains()
    unknown = [d for d in domains if d not in known]
    if unknown:
        raise ValueError(f"unknown tau2 domain {unknown[0]!r} (known: {', '.join(known)})")
    if not domains:
        raise ValueError(f"no tau2 domain selected (known: {', '.join(known)})")


def _split_of(domain: str, split: str | None) -> str | None:
    # a domain without named splits (τ²'s mock) has only its whole task list
    return split if _registry().get_task_splits_loader(domain) is not None else None


class Tau2Settings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    domains: list[str] = ["airline", "retail", "telecom"]
    # "<domain>/<id>" picks a task of one domain; a bare "<id>" picks that id in every domain having it
    task_ids: list[str] | None = None
    num_tasks: int | None = Field(None, ge=1)  # the first N tasks per domain (after task_ids)
    task_split: str | None = "base"  # τ²'s splits: base (the published task set), train, test; None: all
    user: EndpointConfig | None = None  # the user simulator; None: the model under test (see module doc)
    max_steps: int = Field(200, ge=1)
    max_errors: int = Field(10, ge=1)
    max_concurrency: int = Field(4, ge=1)  # simulations at once
    seed: int = 300  # τ²'s default; each trial's seed derives from it as in `tau2 run`

    @field_validator("domains")
    @classmethod
    def _known_domains(cls, domains: list[str]) -> list[str]:
        _check_domains(domains)
        return domains

    @model_validator(mode="after")
    def _known_tasks(self) -> "Tau2Settings":
        select_tasks(self)  # an unknown split or task id fails here, when the config is read
        return self


def _task_id(entry: str, domain: str, known: list[str]) -> str | None:
    """The id that a `task_ids` entry names in `domain`, if any ("airline/3" names none in retail)."""
    prefix, slash, rest = entry.partition("/")
    if slash and prefix in known:
        return rest if prefix == domain else None
    return entry


def select_tasks(settings: Tau2Settings) -> dict[str, list["Task"]]:
    """The tasks of each domain, in τ²'s order; a ValueError names what does not exist."""
    registry = _registry()
    _check_domains(settings.domains)
    known = registry.get_domains()
    selected: dict[str, list[Task]] = {}
    found: set[str] = set()
    for domain in settings.domains:
        try:
            tasks = registry.get_tasks_loader(domain)(_split_of(domain, settings.task_split))
        except ValueError as exc:  # τ²: "Invalid task split name: x. Valid splits are: dict_keys([...])"
            raise ValueError(f"tau2 domain {domain!r}: {str(exc).splitlines()[0]}") from None
        if settings.task_ids is not None:
            ids = {t.id for t in tasks}
            named = {e: _task_id(e, domain, known) for e in settings.task_ids}
            found |= {e for e, task_id in named.items() if task_id in ids}
            tasks = [t for t in tasks if t.id in named.values()]
        selected[domain] = tasks[: settings.num_tasks] if settings.num_tasks else tasks
    missing = [e for e in settings.task_ids or [] if e not in found]
    if missing:
        raise ValueError(f"tau2 task {missing[0]!r} is not in domains {', '.join(settings.domains)} "
                         f"(split {settings.task_split})")
    return selected


def trial_seeds(seed: int, trials: int) -> list[int]:
    """The seed of each trial, exactly as `tau2.run.run_tasks` draws them (a prefix for fewer trials)."""
    rng = random.Random(seed)
    return [rng.randint(0, 1000000) for _ in range(trials)]


def litellm_args(endpoint: EndpointConfig) -> tuple[str, dict[str, Any]]:
    """litellm's model name and arguments for an OpenAI-compatible endpoint."""
    # litellm takes one server: a pool's first (τ² runs its own requests, not through our client)
    args: dict[str, Any] = {"api_base": endpoint.urls[0], "api_key": endpoint.api_key(),
                            "temperature": endpoint.temperature, "timeout": endpoint.timeout_s,
                            "num_retries": endpoint.max_attempts - 1}  # τ²'s `generate` retries with it too
    if endpoint.max_tokens is not None:
        args["max_tokens"] = endpoint.max_tokens
    if endpoint.extra_body:
        args["extra_body"] = dict(endpoint.extra_body)
    return f"openai/{endpoint.model}", args


def _redacted(args: dict[str, Any]) -> dict[str, Any]:
    # τ²'s results file records the LLM arguments; a key must never land on disk
    return {k: ("<redacted>" if k == "api_key" else v) for k, v in args.items()}


PING_TOOL = {"type": "function", "function": {"name": "ping", "description": "Answers pong.",
                                              "parameters": {"type": "object", "properties": {}}}}


def _preflight(role: str, endpoint: EndpointConfig, with_tools: bool) -> None:
    """One tiny request, so a server that is down, a wrong model name or a server that cannot take
    tools stops the run with one clear line instead of failing every simulation."""
    import litellm

    model, args = litellm_args(endpoint)
    args["max_tokens"] = 16
    try:
        litellm.completion(model=model, messages=[{"role": "user", "content": "Say pong."}],
                           **({"tools": [PING_TOOL], "tool_choice": "auto"} if with_tools else {}), **args)
    except Exception as exc:
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        raise Tau2Error(f"tau2 {role} endpoint {endpoint.urls[0]} (model {endpoint.model!r}) does not answer: "
                        f"{type(exc).__name__}: {first}") from None


def run_tau2(endpoint: EndpointConfig, settings: Tau2Settings, trials: int, log: OutcomeLog,
             workdir: Path) -> dict[str, Any]:
    """Runs `trials` trials of every selected task per domain with the model under test as τ²'s agent.

    Saves τ²'s own records under `workdir` (see `tau2_results`), appends one `TrialOutcome` per
    simulation to `log` as it ends, skips the trials already done (logged without an error), and
    returns per domain: τ²'s own metrics (avg_reward, pass_hat_k = {k: Pass^k} for k = 1..trials), the
    number of tasks, simulations and errors, the user simulator's model and τ²'s results file."""
    if trials < 1:
        raise ValueError(f"trials must be >= 1, got {trials}")
    tasks = select_tasks(settings)  # also checks the domains of a settings object built without validation
    from tau2.evaluator.evaluator import EvaluationType
    from tau2.run import get_info, run_task

    from .tau2_results import DomainRecords, failed_run, outcome

    user_endpoint = settings.user or endpoint
    agent_model, agent_args = litellm_args(endpoint)
    user_model, user_args = litellm_args(user_endpoint)
    seeds = trial_seeds(settings.seed, trials)
    records = {domain: DomainRecords(workdir, domain, get_info(
        domain=domain, agent=AGENT, user=USER, llm_agent=agent_model, llm_args_agent=_redacted(agent_args),
        llm_user=user_model, llm_args_user=_redacted(user_args), num_trials=trials, max_steps=settings.max_steps,
        max_errors=settings.max_errors, seed=settings.seed), domain_tasks) for domain, domain_tasks in tasks.items()}

    logged = {o.key: o for o in log.outcomes(BENCHMARK)}

    def done(domain: str, task_id: str, trial: int) -> bool:
        previous = logged.get((BENCHMARK, domain, task_id, trial))
        # τ²'s record must exist too: its metrics are computed from those records
        return previous is not None and previous.error is None and (task_id, trial) in records[domain].runs

    todo = [(domain, task, trial) for trial in range(trials) for domain, domain_tasks in tasks.items()
            for task in domain_tasks if not done(domain, task.id, trial)]
    if todo:
        _preflight("agent", endpoint, with_tools=True)
        if settings.user is not None:
            _preflight("user simulator", settings.user, with_tools=False)

    lock = threading.Lock()

    def simulate(domain: str, task: Task, trial: int) -> None:
        exc: Exception | None = None
        try:
            run = run_task(domain=domain, task=task, agent=AGENT, user=USER, llm_agent=agent_model,
                           llm_args_agent=agent_args, llm_user=user_model, llm_args_user=user_args,
                           max_steps=settings.max_steps, max_errors=settings.max_errors,
                           evaluation_type=EvaluationType.ALL, seed=seeds[trial])
            run.trial = trial
        except Exception as error:  # one simulation failing must not stop the others
            exc = error
            run = failed_run(task, trial, seeds[trial], error)
        with lock:  # simulations end in worker threads; the log is shared
            records[domain].add(run)  # τ²'s record first: a trial counts as done only once both exist
            log.append(outcome(domain, run, exc))

    _run_in_threads(simulate, todo, settings.max_concurrency)

    return _summary(records, log, trials, user_endpoint.model)


def _run_in_threads(simulate: Callable[..., None], todo: list[tuple], concurrency: int) -> None:
    """``simulate(*job)`` for every job on ``concurrency`` threads, with progress; a failure of our own
    bookkeeping (``simulate`` lets only those through, e.g. a full disk) stops the run."""
    progress = tqdm(total=len(todo), desc="tau2", unit="simulation", disable=not todo)
    pool = ThreadPoolExecutor(max_workers=concurrency)
    try:
        futures = [pool.submit(simulate, *job) for job in todo]
        for future in futures:
            future.add_done_callback(lambda _: progress.update())
        finished, _ = wait(futures, return_when=FIRST_EXCEPTION)
        for future in finished:
            future.result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        progress.close()


def _summary(records: dict, log: OutcomeLog, trials: int, user_model: str) -> dict[str, Any]:
    """Per domain: τ²'s own metrics over its records, with the trial count, user model and error count."""
    summary: dict[str, Any] = {}
    for domain, domain_records in records.items():
        ids = {t.id for t in domain_records.tasks}
        outcomes = [o for o in log.outcomes(BENCHMARK) if o.category == domain and o.trial < trials and o.task_id in ids]
        summary[domain] = {**domain_records.write(trials), "trials": trials, "user_simulator": user_model,
                           "errors": sum(o.error is not None for o in outcomes)}
    return summary
