"""The model under test as an OpenAI-compatible endpoint: one already running, or one we start.

A model given by `endpoint` is health-checked (`/v1/models` or `/health` must answer) before any
benchmark starts, so an unreachable server is one clear error, not hundreds of failed trials. A
model given by `path` (a local directory or Hub id) is served for the duration of its evaluation
by `vllm serve` when vLLM is installed, else by `transformers serve`, and shut down on the way
out, also when the evaluation fails.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterator, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from generation.llm.endpoints import EndpointConfig


class ServingError(Exception):
    """The model could not be reached or started; the message names the endpoint or command."""


class ModelSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str  # the label in tables and W&B
    endpoint: EndpointConfig | None = None  # an OpenAI-compatible server that is already running
    path: str | None = None  # a local checkpoint or Hub id that we serve ourselves
    server: Literal["auto", "vllm", "transformers"] = "auto"
    server_args: list[str] = Field(default_factory=list)  # e.g. ["--tensor-parallel-size", "8"]
    sampling: dict = Field(default_factory=dict)  # EndpointConfig fields for a served path
    health_timeout_s: float = Field(30.0, gt=0)  # how long an endpoint may take to answer /models
    startup_timeout_s: float = Field(900.0, gt=0)  # loading large weights takes minutes

    @model_validator(mode="after")
    def _one_source(self) -> "ModelSpec":
        if not re.fullmatch(r"[\w.+-]+", self.name) or self.name in (".", ".."):
            raise ValueError(f"model name {self.name!r} must be letters, digits and . _ + - (it names a folder)")
        if (self.endpoint is None) == (self.path is None):
            raise ValueError(f"model {self.name!r}: give exactly one of endpoint (a running server) or path")
        fixed = {"base_url", "model", "api_key_env"} & set(self.sampling)
        if fixed:
            raise ValueError(f"model {self.name!r}: sampling cannot set {sorted(fixed)} (the server we start decides)")
        try:
            EndpointConfig.model_validate(self.sampling)
        except ValidationError as exc:
            first = exc.errors()[0]
            what = "unknown key" if first["type"] == "extra_forbidden" else first["msg"]
            raise ValueError(f"model {self.name!r}: sampling.{'.'.join(map(str, first['loc']))}: {what}") from None
        if self.server == "vllm" and "--tool-call-parser" not in self.server_args:
            raise ValueError(f"model {self.name!r}: vLLM needs --tool-call-parser in server_args for tool calls "
                             "(hermes for Qwen3)")
        return self

    def local_path(self) -> Path | None:
        """The checkpoint directory when `path` names one on disk (written ./x, /x or ~/x, or existing)."""
        path = Path(self.path).expanduser()
        if path.exists() or self.path.startswith((".", "/", "~")) or self.path.count("/") > 1:
            return path
        return None  # a Hub id (org/name)

    def check(self) -> None:
        """What can be checked before anything runs: the endpoint answers, the local checkpoint exists."""
        if self.endpoint is not None:
            wait_healthy(self.endpoint, self.health_timeout_s)
        elif (local := self.local_path()) is not None and not local.exists():
            raise ServingError(f"model {self.name!r}: path does not exist: {self.path}")


def wait_healthy(endpoint: EndpointConfig, timeout_s: float, proc: subprocess.Popen | None = None,
                 log: Path | None = None) -> None:
    """Until `<base_url>/models` (OpenAI) or the server's `/health` (vLLM, transformers serve) answers 200
    (for a pool, its first server: the others are set aside by the client while they fail)."""
    base = endpoint.urls[0].rstrip("/")
    probes = [base + "/models", base.removesuffix("/v1") + "/health"]
    headers = {"Authorization": f"Bearer {endpoint.api_key()}"}  # hosted APIs answer /models only with a key
    deadline = time.monotonic() + timeout_s
    reasons: dict[str, str] = {}
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-1:] if log and log.exists() else []
            raise ServingError(f"model server exited with code {proc.returncode} before it was ready"
                               + (f": {tail[0][:300]}" if tail else ""))
        for url in probes:
            try:
                with urllib.request.urlopen(urllib.request.Request(url, headers=headers),
                                            timeout=min(5.0, timeout_s)) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError) as exc:
                reasons[url] = str(getattr(exc, "reason", None) or exc)
        time.sleep(0.5)
    why = "; ".join(f"{url}: {reason}" for url, reason in reasons.items()) or "no reply"
    raise ServingError(f"endpoint {base} did not answer within {timeout_s:g} s ({why})")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_command(spec: ModelSpec, port: int) -> tuple[list[str], str]:
    """The command that serves `spec.path`, and the model name requests must carry."""
    local = spec.local_path()
    path = str(local.resolve()) if local is not None else spec.path
    kind = spec.server
    if kind == "auto":
        kind = "vllm" if importlib.util.find_spec("vllm") is not None or shutil.which("vllm") else "transformers"
    if kind == "vllm":
        if "--tool-call-parser" not in spec.server_args:
            raise ServingError(f"model {spec.name!r}: vLLM needs --tool-call-parser in server_args for tool calls "
                               "(hermes for Qwen3)")
        return (["vllm", "serve", path, "--host", "127.0.0.1", "--port", str(port),
                 "--served-model-name", spec.name, "--enable-auto-tool-choice", *spec.server_args], spec.name)
    cli = Path(sys.executable).with_name("transformers")
    program = str(cli) if cli.exists() else "transformers"
    # transformers serve answers for the model a request names, so requests name the path
    return ([program, "serve", path, "--host", "127.0.0.1", "--port", str(port), *spec.server_args], path)


@contextlib.contextmanager
def served(spec: ModelSpec, log_dir: Path) -> Iterator[EndpointConfig]:
    if spec.endpoint is not None:
        wait_healthy(spec.endpoint, spec.health_timeout_s)
        yield spec.endpoint
        return
    spec.check()
    port = _free_port()
    command, model_name = server_command(spec, port)
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / f"server-{spec.name}.log"
    with open(log, "ab") as sink:
        try:
            proc = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
        except FileNotFoundError:
            raise ServingError(f"cannot start the model server: {command[0]} not found") from None
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        endpoint = EndpointConfig.model_validate({**spec.sampling, "base_url": base_url, "model": model_name,
                                                  "api_key_env": None})
        wait_healthy(endpoint, spec.startup_timeout_s, proc, log)
        yield endpoint
    finally:
        _stop(proc)


def _stop(proc: subprocess.Popen) -> None:
    """The whole process group: a server that exited may leave workers holding GPU memory."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
