"""The mutation experiment: can the tests tell each validation check from one that always passes?

What it measures: for every public ``check_*`` function in ``generation/validation/checks.py``
(found by name), the chosen tests run in a pytest subprocess with that check replaced by a stub
returning ``Check(name=<the real check's name>, passed=True, detail="mutated")`` (the plugin
``scripts/_mutation_plugin.py``; the stub also reaches the CLI processes those tests start). A
mutation is "killed" when at least one test fails, and "SURVIVED" when none does: then nothing in
those tests proves that the check can fail. A baseline run without a mutation comes first and must
pass. pytest runs with ``-x``, so a killed mutation stops at its first failing test ("tests run"
counts the tests up to there).

On what: by default ``DEFAULT_TESTS``, the dedicated check tests first (they kill every mutation in
seconds), then the fast in-process generation tests that call the checks; ``--tests`` overrides.
The LLM judge (``generation/validation/judge.py``) is not a ``check_*`` function and is not mutated
here; ``tests/test_judge_check.py`` shows it can reject.

    .venv/bin/python scripts/check_mutations.py [--tests PATH_OR_NODE ...]

Exit status 1 if any mutation survives; 2 (with one line on stderr) if the baseline fails.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

from _mutation_plugin import ENV, check_names
from tabulate import tabulate

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TESTS = ["tests/test_checks.py", "tests/test_unusual_values.py", "tests/test_user_policy.py",
                 "tests/test_worlds.py"]
_COUNT = re.compile(r"(\d+) (passed|failed|errors?)\b")


def run_tests(tests: list[str], mutate: str | None) -> tuple[int, int, float]:
    """(tests run, tests failed, seconds) with ``mutate`` stubbed (None: no mutation)."""
    env = {k: v for k, v in os.environ.items() if k != ENV}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    if mutate:
        env[ENV] = mutate
    command = [sys.executable, "-m", "pytest", "-o", "addopts=", "-x", "-q", "-p", "scripts._mutation_plugin",
               "-p", "no:cacheprovider", *tests]
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if proc.returncode not in (0, 1):  # 2: interrupted or collection error, 4: usage, 5: no tests
        raise RuntimeError(f"pytest exited {proc.returncode} ({mutate or 'baseline'}): "
                           + " ".join(proc.stdout.strip().splitlines()[-1:] or proc.stderr.strip().splitlines()[-1:]))
    counts = {"passed": 0, "failed": 0, "error": 0}
    for line in proc.stdout.strip().splitlines()[-1:]:
        for n, kind in _COUNT.findall(line):
            counts[kind.rstrip("s") if kind.startswith("error") else kind] += int(n)
    failed = counts["failed"] + counts["error"]
    return counts["passed"] + failed, failed, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tests", nargs="+", default=DEFAULT_TESTS, help="pytest paths or node ids")
    args = parser.parse_args(argv)
    try:
        run, failed, seconds = run_tests(args.tests, None)
    except RuntimeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if failed or not run:
        print(f"error: the baseline (no mutation) has {failed} failing of {run} tests; fix that first",
              file=sys.stderr)
        return 2
    rows = [["(baseline)", run, failed, "ok", f"{seconds:.1f}"]]
    for function in check_names():
        run, failed, seconds = run_tests(args.tests, function)
        rows.append([function, run, failed, "killed" if failed else "SURVIVED", f"{seconds:.1f}"])
    print(f"tests: {' '.join(args.tests)}")
    print(tabulate(rows, headers=["check", "tests run", "failed", "verdict", "seconds"]))
    return 1 if any(r[3] == "SURVIVED" for r in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
