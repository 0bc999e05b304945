"""Every request sent, a line as it goes out, and a second line with its outcome.

Usage per dialogue reaches the checkpoint only when the dialogue finishes, so a run killed with
dialogues in flight would forget the requests they had sent. This log does not: a line is one
``write`` on a file opened for appending (the kernel keeps it through a kill, and lines from
worker processes never interleave), so request counts reconcile with the server's own across
kills and resumes, requests in flight at the kill included. A request with no outcome line was
in flight when the run died: the server may or may not have seen it, so the server's count lies
between ``requests - unanswered`` and ``requests``.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

SENT = "sent"  # a request about to go out
ANSWERED = "answered"  # its usable reply came back; a failed one gets a line with its kind ("500", ...)


class RequestLog:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)

    def write(self, role: str, outcome: str) -> None:
        os.write(self._fd, f"{role} {outcome}\n".encode())

    def close(self) -> None:
        os.close(self._fd)


def read_request_log(path: Path) -> dict[str, Counter]:
    """Per role, how many requests were sent and how many failed, by kind (a torn line is left out)."""
    counts: dict[str, Counter] = {}
    if not path.is_file():
        return counts
    for line in path.read_text(errors="replace").splitlines(keepends=True):
        parts = line.split()
        if line.endswith("\n") and len(parts) == 2:
            counts.setdefault(parts[0], Counter())[parts[1]] += 1
    return counts
