"""python -m evaluation.contamination RUN [--filter OUT] [--ngram N] [--short-ngram N] [--eval-config FILE]

Checks a generation run's records against the evaluation sets, writes RUN/contamination.json and
RUN/contamination.md, adds the report to the run's card (RUN/README.md), and prints it. Exit status:
0 clean (or flagged records filtered out with --filter), 1 records flagged, 2 bad input.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # τ² imports litellm, which would fetch a price map


def _parse(argv: list[str] | None) -> argparse.Namespace:
    from .overlap import ContaminationConfig
    from .references import DEFAULT_EVAL_CONFIG

    defaults = ContaminationConfig()
    parser = argparse.ArgumentParser(prog="python -m evaluation.contamination", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", type=Path, help="a finished generation run folder (python -m generation --output RUN)")
    parser.add_argument("--filter", type=Path, metavar="OUT",
                        help="also write OUT, a new run folder holding the run less its flagged records")
    parser.add_argument("--ngram", type=int, default=defaults.ngram, metavar="N",
                        help=f"a shared N-word n-gram flags a record (default {defaults.ngram})")
    parser.add_argument("--short-ngram", type=int, default=None, metavar="N",
                        help=f"the n of runs matched against references shorter than --ngram words "
                             f"(default {defaults.short_ngram}, at most --ngram)")
    parser.add_argument("--eval-config", type=Path, default=DEFAULT_EVAL_CONFIG, metavar="FILE",
                        help="the evaluation config whose benchmarks are the reference sets "
                             f"(default {DEFAULT_EVAL_CONFIG.relative_to(DEFAULT_EVAL_CONFIG.parents[2])})")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    from common.errors import InputError
    from generation.hub.card import write_run_card

    from .overlap import ContaminationConfig
    from .report import report_markdown, write_report
    from .runs import check_filter_target, check_run, read_run, write_filtered

    try:
        short = args.short_ngram if args.short_ngram is not None else min(ContaminationConfig.short_ngram, args.ngram)
        config = ContaminationConfig(ngram=args.ngram, short_ngram=short)
    except ValueError as exc:
        print(f"error: --ngram / --short-ngram: {exc}", file=sys.stderr)
        return 2
    try:
        if args.filter:  # refused before anything is written
            read_run(args.run)
            check_filter_target(args.run, args.filter)
        report, results, rows = check_run(args.run, config, args.eval_config)
        written = write_report(args.run, report)
        write_run_card(args.run)  # the run's own card shows the report too
        kept = write_filtered(args.run, args.filter, report, results, rows, config) if args.filter else None
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(report_markdown(report), end="")
    print(f"\nwritten: {written[0]}, {written[1]}")
    if kept is not None:
        print(f"filtered: {args.filter} ({sum(kept['records'].values())} records kept, "
              f"{len(kept['filtered_from']['dropped'])} dropped)")
    # flagged records are an error to act on, unless --filter just wrote the copy without them
    return 1 if report["verdict"] == "flagged" and kept is None else 0


if __name__ == "__main__":
    sys.exit(main())
