"""Joining a Ray cluster (``--ray ADDRESS``), for every stage that can run on one."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from pathlib import Path
from typing import Any

from .errors import InputError


def check_cluster(address: str) -> None:
    """What can be told before any work is prepared: Ray is installed, and a HOST:PORT listens (Ray
    itself keeps retrying an address nobody listens on for minutes)."""
    try:
        import ray  # noqa: F401
    except ImportError:
        raise InputError("--ray needs Ray on this machine and every node: pip install 'tooldial[ray]'") from None
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # "auto", "local": Ray finds (or starts) the cluster and says what went wrong
    try:
        socket.create_connection((host, int(port)), timeout=10).close()
    except OSError as exc:
        raise InputError(f"cannot join the Ray cluster at {address}: {exc.strerror or exc}") from None


def connect(address: str) -> Any:
    """The ``ray`` module, joined to the cluster at ``address`` (the caller shuts it down)."""
    check_cluster(address)
    import ray

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        ray.init(address=address, logging_level=logging.WARNING, configure_logging=True)
    except (ConnectionError, ValueError, RuntimeError) as exc:
        raise InputError(f"cannot join the Ray cluster at {address}: {first_line(exc)}") from None
    return ray


MARK = ".ray.token"  # written in a folder the driver shares with its tasks, if they can see it


def mark_folder(folder: Path) -> str:
    """Mark ``folder`` for this run; a task that reads the mark back sees the same folder (this
    machine, or a filesystem the nodes share)."""
    token = uuid.uuid4().hex
    (folder / MARK).write_text(token)
    return token


def sees_folder(folder: Path, token: str) -> bool:
    marker = folder / MARK
    return marker.is_file() and marker.read_text() == token


def first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [exc.__class__.__name__])[0]
