"""Start the scripted OpenAI-compatible server as a real process on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


LAST_SERVER_CPU = [0.0]  # CPU-seconds the last server used (Linux), for benchmarks to report


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


@contextlib.contextmanager
def scripted_server(*args: str, processes: int = 1):
    """The scripted server; ``processes`` > 1 runs that many on one port (the kernel spreads load)."""
    procs = [subprocess.Popen([sys.executable, "-m", "tests.support.scripted_server", *args], cwd=ROOT,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)]
    try:
        line = procs[0].stdout.readline()
        if not line.startswith("PORT "):
            raise RuntimeError(f"scripted server did not start: {line}{procs[0].stderr.read()}")
        port = int(line.split()[1])
        for _ in range(processes - 1):
            procs.append(subprocess.Popen([sys.executable, "-m", "tests.support.scripted_server", *args,
                                           "--port", str(port)], cwd=ROOT, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True))
            procs[-1].stdout.readline()
        yield f"http://127.0.0.1:{port}/v1"
        LAST_SERVER_CPU[0] = sum(_cpu_of(p.pid) for p in procs)
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)


def llm_config(name: str, base_url: str, path: Path, **changes) -> Path:
    """A shipped LLM config pointed at ``base_url``, with top-level ``changes`` applied."""
    config = yaml.safe_load((ROOT / "configs" / "generation" / f"{name}.yaml").read_text())
    config["llm"]["endpoints"]["default"].update({"base_url": base_url, "retry_initial_s": 0.05,
                                                  "retry_max_s": 0.2, "timeout_s": 5})
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(config.get(key), dict):
            config[key].update(value)
        else:
            config[key] = value
    path.write_text(yaml.safe_dump(config))
    return path
