"""The output folder of a run: ours to write, one config, one version of each source database.

A folder is ours when it is new, empty, or carries our claim file. Anything else holds the user's
own files and is refused, so nothing they own is overwritten. A resumed run may only add to the
dialogues already finished when its config and its source databases are the ones that made them;
a folder whose earlier run finished nothing (a run that failed on bad input) is simply reused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from common.errors import InputError

CLAIM = "tooldial-run"  # in .work/: this folder was made by (and is written by) generation
STARTED = "config.sha256"  # in .work/: the config of the run whose dialogues the checkpoint holds
CONFIG_FILE = "config.yaml"  # the config that made the run (API keys are never in it: only their variables' names)


class RunFolder:
    def __init__(self, output: Path) -> None:
        self.output = output
        self.work = output / ".work"

    def claim(self) -> None:
        """Refuse a folder that is not ours (or not writable); make it ours otherwise."""
        if self.output.exists() and not self.output.is_dir():
            raise InputError(f"--output {self.output} is a file, not a folder")
        ours = (self.work / CLAIM).is_file() or (self.work / STARTED).is_file()
        if self.output.is_dir() and not ours and any(self.output.iterdir()):
            raise InputError(f"--output {self.output} is not empty and holds no generation run; "
                             "choose a new or empty folder")
        try:
            self.work.mkdir(parents=True, exist_ok=True)
            (self.work / CLAIM).write_text("made by python -m generation; deleting this folder deletes the run\n")
        except OSError as exc:
            raise InputError(f"cannot write to --output {self.output}: {exc.strerror or exc}") from None

    def check_resume(self, fingerprint: str, done: dict[int, dict[str, Any]], sources: dict[str, str]) -> None:
        """Finished dialogues may only be joined by dialogues of the same config and databases."""
        if not done:
            return
        marker = self.work / STARTED
        if marker.is_file() and marker.read_text().strip() != fingerprint:
            raise InputError(f"{self.output} holds a run made with a different config; "
                             "choose a new --output or delete it")
        for entry in done.values():
            for record in entry["records"]:
                environment = record.get("environment") or {}
                now = sources.get(environment.get("db_id"))
                if environment.get("kind", "sql") == "sql" and now and environment.get("source_sha256") != now:
                    raise InputError(
                        f"database {environment['db_id']} changed since {self.output} was started "
                        f"(sha256 {environment['source_sha256'][:12]} then, {now[:12]} now); "
                        "choose a new --output or restore the database")

    def mark_started(self, fingerprint: str) -> None:
        """Written only once the inputs have been checked: a run refused for bad input leaves none."""
        (self.work / STARTED).write_text(fingerprint)

