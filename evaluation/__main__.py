"""python -m evaluation --config configs/evaluation/<name>.yaml

Evaluates each model of the config on each selected benchmark (BFCL multi-turn, tau2, the
held-out SQL benchmark), `trials` times per task, and writes `results.md` / `results.json` (Table 2
and Pass^1..k) under the output directory. Every finished trial is logged as it ends, so a rerun of
the same command resumes where the last one stopped.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # litellm would fetch a price map on import


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m evaluation", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", type=Path, required=True)
    parser.add_argument("--output-dir", help="overrides output_dir")
    parser.add_argument("--trials", type=int, help="overrides trials")
    parser.add_argument("--k", type=int, help="overrides k")
    parser.add_argument("--ray", metavar="ADDRESS", help="evaluate the models side by side on a Ray cluster "
                        "(auto, HOST:PORT): one GPU each for a model we serve; overrides ray")
    return parser.parse_args(argv)


def _exit_on_signal(signum: int, _frame: object) -> None:
    # SystemExit unwinds through `served()`, which stops the model server we started
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _exit_on_signal)
    from common.errors import InputError

    from .config import load_config
    from .run import EvaluationError, evaluate

    try:
        config = load_config(args.config, {"output_dir": args.output_dir, "trials": args.trials, "k": args.k,
                                           "ray": args.ray})
        table, failures = evaluate(config)
    except (InputError, EvaluationError) as exc:  # bad config, no cluster, a model that cannot be served
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(table)
    for failure in failures:
        print(f"error: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
